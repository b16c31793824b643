#!/usr/bin/env bash
# Builds the tokenizer fuzz target (fuzz/tokenizer_fuzz.cpp) with clang++ and libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer, directly from the src/core and src/text sources
# (no CMake), and runs it for a bounded time. Needs: clang, libclang-rt-14-dev, libpcre2-dev,
# nlohmann-json3-dev.
#   scripts/fuzz_tokenizer.sh [WORK_DIR]      (default build-fuzz; FUZZ_SECONDS=30)
# Exit 0: no crash found; a crash's input is written to WORK_DIR/crash-*. The binary is rebuilt only
# when a source is newer than it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build-fuzz}
secs=${FUZZ_SECONDS:-30}
mkdir -p "$work/corpus"
bin="$work/tokenizer_fuzz"
sources=("$root/fuzz/tokenizer_fuzz.cpp" "$root"/src/core/*.cpp "$root"/src/text/*.cpp)
flags=(-std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I"$root/src" $(pkg-config --cflags libpcre2-8))
# shellcheck source=scripts/fuzz_build.sh
. "$root/scripts/fuzz_build.sh"
fuzz_build "$bin" "$(pkg-config --libs libpcre2-8)"
# Seeds: one input per mode (mode byte, JSON part, NUL, text part).
seed() { printf "$2" > "$work/corpus/$1"; }
seed normalizer '\x00{"normalizer":{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Replace","pattern":{"String":" "},"content":"_"}]}}\x00e\xcc\x81 x  y'
seed split '\x00{"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\\\p{N}{1,3}"},"behavior":"MergedWithNext","invert":true},{"type":"Digits","individual_digits":true},{"type":"ByteLevel","add_prefix_space":true,"use_regex":true}]}}\x00abc 12345 <think>x'
seed added '\x00{"added_tokens":[{"id":300,"content":"ab","lstrip":true,"rstrip":true,"single_word":true,"special":true,"normalized":true}]}\x00x ab ab, cab'
seed post '\x00{"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"special_tokens":{"<s>":{"id":"<s>","ids":[1],"tokens":["<s>"]}}}}\x00hi'
seed template '\x01{%% set ns = namespace(a=1) %%}{%% for m in messages[::-1] if m.role != "x" %%}{{ loop.index0 }}{{ m.content.split("</think>")[-1] | trim | tojson }}{%% endfor %%}{{ ns.a + 2 ** 3 }}'
seed roundtrip '\x02the quick \xff\xfe fox 12345 <|endoftext|> \xe4\xb8\xad  \n\n\t x'
fuzz_run "$bin" 4096
