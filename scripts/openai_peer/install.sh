#!/usr/bin/env bash
# Installs the official OpenAI client for Node (npm's `openai`) as the peer r1 serve's tests drive the
# server with, into DIR (a cache under the build dir). Skips the install when DIR already holds this
# pinned version.
# Usage: install.sh DIR     Exit 0: ready; non-zero with a message on stderr: npm failed.
set -euo pipefail
dir=${1:?usage: install.sh DIR}
version=7.59.0
marker="$dir/.installed-$version"
[ -f "$marker" ] && exit 0
command -v npm >/dev/null || { echo "openai peer: npm not found on PATH" >&2; exit 3; }
node -e 'process.exit(parseInt(process.versions.node, 10) >= 18 ? 0 : 1)' ||
  { echo "openai peer: openai@$version needs Node.js >= 18, found $(node --version)" >&2; exit 3; }
mkdir -p "$dir"
# ctest runs every test case as its own process, several at once: one installs, the others wait.
exec 9>"$dir/.install.lock"
flock 9
[ -f "$marker" ] && exit 0
if ! npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "openai@$version" >&2; then
  echo "openai peer: 'npm install openai@$version' into $dir failed (is the npm registry reachable?)" >&2
  exit 3
fi
[ -f "$dir/node_modules/openai/package.json" ] || { echo "openai peer: $dir/node_modules/openai missing after npm install" >&2; exit 3; }
touch "$marker"
