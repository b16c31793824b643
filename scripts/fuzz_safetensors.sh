#!/usr/bin/env bash
# Fuzzes the torch-free safetensors header parser with libFuzzer, AddressSanitizer and UBSan.
# Compiles fuzz/safetensors_fuzz.cpp + src/io/safetensors_header.cpp directly with clang++ (no CMake,
# no torch), seeds a corpus with valid and malformed files, and runs for a bounded time.
#   usage: scripts/fuzz_safetensors.sh [WORK_DIR] [SECONDS]
#   needs: clang (clang++) and libclang-rt-14-dev (libFuzzer and sanitizer runtimes)
# Exit status 0: no crash found. A crash leaves its input as WORK_DIR/crash-* (replay it with
# WORK_DIR/safetensors_fuzz WORK_DIR/crash-...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-${TMPDIR:-/tmp}/r1_fuzz_safetensors}
secs=${2:-30}
mkdir -p "$work/corpus"
bin="$work/safetensors_fuzz"
sources=("$root/fuzz/safetensors_fuzz.cpp" "$root/src/io/safetensors_header.cpp")
flags=(-std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I"$root/src")
# shellcheck source=scripts/fuzz_build.sh
. "$root/scripts/fuzz_build.sh"
fuzz_build "$bin" ""

# seed NAME HEADER DATA_BYTES: a file with an 8-byte little-endian header length, HEADER, zeros.
seed() {
  local n=${#2} f="$work/corpus/$1"
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

cat >"$work/safetensors.dict" <<'DICT'
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
fuzz_run "$bin" 4096 -dict="$work/safetensors.dict"
