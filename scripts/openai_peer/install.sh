#!/usr/bin/env bash
# Installs the official OpenAI client for Node (npm's `openai`) as the peer r1 serve's tests drive the
# server with, into DIR (a cache under the build dir).
# Usage: install.sh DIR     Exit 0: ready; non-zero with a message on stderr: npm failed.
set -euo pipefail
dir=${1:?usage: install.sh DIR}
version=7.59.0
source "$(dirname "${BASH_SOURCE[0]}")/../npm_peer.sh"
npm_peer_install "openai" "$dir" ".installed-$version" 18 "node_modules/openai/package.json" "openai@$version"
