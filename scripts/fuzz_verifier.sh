#!/usr/bin/env bash
# Builds the verifier fuzz target (fuzz/verifier_fuzz.cpp) with clang++ and libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer, directly from the src/core, src/text and
# src/rewards sources (no CMake), and runs it for a bounded time from the committed corpus
# fuzz/corpus/verifier/ (new inputs go to WORK_DIR/corpus; a crash is written to WORK_DIR as
# crash-*: copy it into fuzz/corpus/verifier/ with the fix, and the corpus test replays it).
# Needs: clang, libclang-rt-14-dev, libpcre2-dev, libginac-dev, nlohmann-json3-dev.
#   scripts/fuzz_verifier.sh [WORK_DIR]      (default build-fuzz-verifier; FUZZ_SECONDS=60)
# Exit 0: no crash found. Objects are rebuilt only when a source or header is newer than them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build-fuzz-verifier}
secs=${FUZZ_SECONDS:-60}
mkdir -p "$work/corpus" "$work/obj"
bin="$work/verifier_fuzz"
sources=("$root/fuzz/verifier_fuzz.cpp" "$root"/src/core/*.cpp "$root"/src/text/*.cpp "$root"/src/rewards/*.cpp
         "$root"/src/rewards/math/*.cpp)
flags=(-std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I"$root/src" $(pkg-config --cflags libpcre2-8 ginac))
newest_header=$(ls -t "$root"/src/core/*.h "$root"/src/text/*.h "$root"/src/rewards/*.h "$root"/src/rewards/math/*.h | head -1)
objects=()
stale=()
for s in "${sources[@]}"; do
  rel=${s#"$root/"}
  o="$work/obj/$(echo "${rel%.cpp}" | tr '/' '_').o"
  objects+=("$o")
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then stale+=("$s:$o"); fi
done
if [ ${#stale[@]} -gt 0 ]; then
  echo "fuzz: compiling ${#stale[@]} sources" >&2
  printf '%s\n' "${stale[@]}" | xargs -P "$(nproc)" -I{} sh -c \
    'src="${1%%:*}"; obj="${1#*:}"; shift; clang++ "$@" -c "$src" -o "$obj"' _ {} "${flags[@]}"
fi
if [ ${#stale[@]} -gt 0 ] || [ ! -x "$bin" ]; then
  clang++ -fsanitize=fuzzer,address,undefined "${objects[@]}" $(pkg-config --libs libpcre2-8 ginac) \
    -lpthread -o "$bin"
fi
cp -n "$root"/fuzz/corpus/verifier/* "$work/corpus/" 2>/dev/null || true
# CLN (under GiNaC, not instrumented) keeps a few process-lifetime caches that LeakSanitizer
# reports at exit, and GiNaC leaks the object under construction when its evaluation throws
# (log(0), tan(pi/2): pole errors the verifier turns into "does not parse"). Ours are checked.
printf 'leak:libcln.so\nleak:libginac.so\nleak:GiNaC::dynallocate\n' > "$work/lsan.supp"
export LSAN_OPTIONS="suppressions=$work/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
exec "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus"
