#!/usr/bin/env bash
# Fuzzes the torch-free GGUF header parser with libFuzzer, AddressSanitizer and UBSan. Compiles
# fuzz/gguf_fuzz.cpp + src/io/gguf_format.cpp directly with clang++ (no CMake, no torch), seeds a
# corpus with valid files written by fuzz/gguf_fuzz_seeds.cpp, and runs for a bounded time.
#   usage: scripts/fuzz_gguf.sh [WORK_DIR] [SECONDS]
#   needs: clang (clang++) and libclang-rt-14-dev (libFuzzer and sanitizer runtimes)
# Exit status 0: no crash found. A crash leaves its input as WORK_DIR/crash-* (replay it with
# WORK_DIR/gguf_fuzz WORK_DIR/crash-...).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-${TMPDIR:-/tmp}/r1_fuzz_gguf}
SECS=${2:-30}
CXX=${FUZZ_CXX:-clang++}

mkdir -p "$WORK/corpus"
"$CXX" -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$ROOT/src" "$ROOT/fuzz/gguf_fuzz.cpp" "$ROOT/src/io/gguf_format.cpp" -o "$WORK/gguf_fuzz"
"$CXX" -std=c++17 -g -O1 -fsanitize=address,undefined -I"$ROOT/src" "$ROOT/fuzz/gguf_fuzz_seeds.cpp" \
  "$ROOT/src/io/gguf_format.cpp" -o "$WORK/gguf_fuzz_seeds"
"$WORK/gguf_fuzz_seeds" "$WORK/corpus"

cat >"$WORK/gguf.dict" <<'DICT'
"GGUF"
"general.alignment"
"general.architecture"
"\x03\x00\x00\x00"
"\x08\x00\x00\x00"
"\x09\x00\x00\x00"
"\xff\xff\xff\xff\xff\xff\xff\xff"
DICT

"$WORK/gguf_fuzz" -max_total_time="$SECS" -max_len=4096 -timeout=10 -dict="$WORK/gguf.dict" \
  -artifact_prefix="$WORK/" -print_final_stats=1 "$WORK/corpus"
