#!/usr/bin/env bash
# Installs llama.cpp as a peer for r1cpp's tests and benches: npm's node-llama-cpp with its prebuilt
# CPU binaries (@node-llama-cpp/linux-x64: libllama, libggml-base, libggml-cpu-<microarch> and the
# Node addon), into DIR (a cache under the build dir). The optional GPU packages are left out, and
# nothing is compiled: node-llama-cpp's postinstall finds the prebuilt binaries. Skips the install
# when DIR already holds this pinned version.
# Usage: install.sh DIR     Exit 0: ready; non-zero with a message on stderr: npm failed.
set -euo pipefail
dir=${1:?usage: install.sh DIR}
version=3.22.1
marker="$dir/.installed-$version"
[ -f "$marker" ] && exit 0
command -v npm >/dev/null || { echo "llama.cpp peer: npm not found on PATH" >&2; exit 3; }
node -e 'process.exit(parseInt(process.versions.node, 10) >= 20 ? 0 : 1)' ||
  { echo "llama.cpp peer: node-llama-cpp $version needs Node.js >= 20, found $(node --version)" >&2; exit 3; }
mkdir -p "$dir"
# ctest runs every test case as its own process, several at once: one installs, the others wait.
exec 9>"$dir/.install.lock"
flock 9
[ -f "$marker" ] && exit 0
if ! npm install --prefix "$dir" --no-audit --no-fund --no-save --omit=optional --loglevel=error \
    "node-llama-cpp@$version" "@node-llama-cpp/linux-x64@$version" >&2; then
  echo "llama.cpp peer: 'npm install node-llama-cpp@$version @node-llama-cpp/linux-x64@$version' into $dir" \
       "failed (is the npm registry reachable?)" >&2
  exit 3
fi
bins="$dir/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
[ -f "$bins/libggml-base.so" ] || { echo "llama.cpp peer: $bins/libggml-base.so missing after npm install" >&2; exit 3; }
touch "$marker"
