#!/usr/bin/env bash
# Fuzzes the torch-free GGUF header parser with libFuzzer, AddressSanitizer and UBSan. Compiles
# fuzz/gguf_fuzz.cpp + src/io/gguf_format.cpp directly with clang++ (no CMake, no torch), seeds a
# corpus with valid files written by fuzz/gguf_fuzz_seeds.cpp, and runs for a bounded time.
#   usage: scripts/fuzz_gguf.sh [WORK_DIR] [SECONDS]
#   needs: clang (clang++) and libclang-rt-14-dev (libFuzzer and sanitizer runtimes)
# Exit status 0: no crash found. A crash leaves its input as WORK_DIR/crash-* (replay it with
# WORK_DIR/gguf_fuzz WORK_DIR/crash-...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-${TMPDIR:-/tmp}/r1_fuzz_gguf}
secs=${2:-30}
mkdir -p "$work/corpus"
bin="$work/gguf_fuzz"
sources=("$root/fuzz/gguf_fuzz.cpp" "$root/src/io/gguf_format.cpp")
flags=(-std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I"$root/src")
# shellcheck source=scripts/fuzz_build.sh
. "$root/scripts/fuzz_build.sh"
fuzz_build "$bin" ""
"${FUZZ_CXX:-clang++}" -std=c++17 -g -O1 -fsanitize=address,undefined -I"$root/src" "$root/fuzz/gguf_fuzz_seeds.cpp" \
  "$root/src/io/gguf_format.cpp" -o "$work/gguf_fuzz_seeds"
"$work/gguf_fuzz_seeds" "$work/corpus"

cat >"$work/gguf.dict" <<'DICT'
"GGUF"
"general.alignment"
"general.architecture"
"\x03\x00\x00\x00"
"\x08\x00\x00\x00"
"\x09\x00\x00\x00"
"\xff\xff\xff\xff\xff\xff\xff\xff"
DICT
fuzz_run "$bin" 4096 -dict="$work/gguf.dict"
