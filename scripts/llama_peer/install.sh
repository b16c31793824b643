#!/usr/bin/env bash
# Installs llama.cpp as a peer for r1cpp's tests and benches: npm's node-llama-cpp with its prebuilt
# CPU binaries (@node-llama-cpp/linux-x64: libllama, libggml-base, libggml-cpu-<microarch> and the
# Node addon), into DIR (a cache under the build dir). The optional GPU packages are left out, and
# nothing is compiled: node-llama-cpp's postinstall finds the prebuilt binaries.
# Usage: install.sh DIR     Exit 0: ready; non-zero with a message on stderr: npm failed.
set -euo pipefail
dir=${1:?usage: install.sh DIR}
version=3.22.1
source "$(dirname "${BASH_SOURCE[0]}")/../npm_peer.sh"
npm_peer_install "llama.cpp" "$dir" ".installed-$version" 20 \
  "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libggml-base.so" \
  "node-llama-cpp@$version" "@node-llama-cpp/linux-x64@$version" -- --omit=optional
