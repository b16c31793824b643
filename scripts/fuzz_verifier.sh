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
# shellcheck source=scripts/fuzz_build.sh
. "$root/scripts/fuzz_build.sh"
fuzz_build "$bin" "$(pkg-config --libs libpcre2-8 ginac)"
cp -n "$root"/fuzz/corpus/verifier/* "$work/corpus/" 2>/dev/null || true
# CLN (under GiNaC, not instrumented) keeps a few process-lifetime caches that LeakSanitizer
# reports at exit, and GiNaC leaks the object under construction when its evaluation throws
# (log(0), tan(pi/2): pole errors the verifier turns into "does not parse"). Ours are checked.
fuzz_ignore_leaks libcln.so libginac.so GiNaC::dynallocate
fuzz_run "$bin" 8192
