#!/usr/bin/env bash
# Fuzzes the torch-free safetensors header parser with libFuzzer, AddressSanitizer and UBSan.
# Compiles fuzz/safetensors_fuzz.cpp + src/io/safetensors_header.cpp directly with clang++ (no CMake,
# no torch), seeds a corpus with valid and malformed files, and runs for a bounded time.
#   usage: scripts/fuzz_safetensors.sh [WORK_DIR] [SECONDS]
#   needs: clang (clang++) and libclang-rt-14-dev (libFuzzer and sanitizer runtimes)
# Exit status 0: no crash found. A crash leaves its input as WORK_DIR/crash-* (replay it with
# WORK_DIR/safetensors_fuzz WORK_DIR/crash-...).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-${TMPDIR:-/tmp}/r1_fuzz_safetensors}
SECS=${2:-30}
CXX=${FUZZ_CXX:-clang++}

mkdir -p "$WORK/corpus"
"$CXX" -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$ROOT/src" "$ROOT/fuzz/safetensors_fuzz.cpp" "$ROOT/src/io/safetensors_header.cpp" \
  -o "$WORK/safetensors_fuzz"

# seed NAME HEADER DATA_BYTES: a file with an 8-byte little-endian header length, HEADER, zeros.
seed() {
  local n=${#2} f="$WORK/corpus/$1"
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $(((n >> 8) & 255)) $(((n >> 16) & 255)) \
    $(((n >> 24) & 255)))\\x00\\x00\\x00\\x00" >"$f"
  printf '%s' "$2" >>"$f"
  head -c "$3" /dev/zero >>"$f"
}
seed one_f32 '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}' 8
seed meta_two '{"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]},"c":{"dtype":"I64","shape":[],"data_offsets":[4,12]}}' 12
seed fp8_empty '{"w":{"dtype":"F8_E4M3","shape":[3,0],"data_offsets":[0,0]},"s":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}   ' 8
seed overlap '{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}' 4
seed empty_obj '{}' 0

cat >"$WORK/safetensors.dict" <<'DICT'
"\"dtype\""
"\"shape\""
"\"data_offsets\""
"\"__metadata__\""
"\"F32\""
"\"BF16\""
"\"F8_E4M3\""
"\"U64\""
"\"BOOL\""
"18446744073709551615"
"9223372036854775807"
DICT

"$WORK/safetensors_fuzz" -max_total_time="$SECS" -max_len=4096 -timeout=10 -dict="$WORK/safetensors.dict" \
  -artifact_prefix="$WORK/" -print_final_stats=1 "$WORK/corpus"
