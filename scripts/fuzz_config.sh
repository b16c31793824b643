#!/usr/bin/env bash
# Builds the config/CLI fuzz target (fuzz/config_fuzz.cpp) with clang++ and libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer, directly from the torch-free sources its schemas use
# (src/core, text, rewards, tasks, model/model_config.cpp, model/presets.cpp, pipeline/job_config.cpp;
# the struct headers include ATen's headers, nothing links libtorch), and runs it for a bounded time
# over a copy of the committed corpus fuzz/corpus/config. Needs: clang, libclang-rt-14-dev,
# libpcre2-dev, libginac-dev, nlohmann-json3-dev, libtorch-dev (headers).
#   scripts/fuzz_config.sh [WORK_DIR]      (default build-fuzz-config; FUZZ_SECONDS=60)
# Exit 0: no crash found. New inputs the fuzzer keeps land in WORK_DIR/corpus; copy the interesting
# ones to fuzz/corpus/config so the test suite replays them. Objects are rebuilt only when stale.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build-fuzz-config}
secs=${FUZZ_SECONDS:-60}
mkdir -p "$work/corpus"
bin="$work/config_fuzz"
sources=("$root/fuzz/config_fuzz.cpp" "$root"/src/core/*.cpp "$root"/src/text/*.cpp "$root"/src/rewards/*.cpp
         "$root"/src/rewards/math/*.cpp "$root"/src/tasks/*.cpp "$root"/src/tasks/datasets/*.cpp
         "$root/src/model/model_config.cpp" "$root/src/model/presets.cpp" "$root/src/pipeline/job_config.cpp")
flags=(-std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -DR1_INSTALLED_DATA_DIR="\"/nonexistent\"" -DR1_SOURCE_DATA_DIR="\"$root/data\""
       -I"$root/src" $(pkg-config --cflags libpcre2-8 ginac))
# shellcheck source=scripts/fuzz_build.sh
. "$root/scripts/fuzz_build.sh"
fuzz_build "$bin" "$(pkg-config --libs libpcre2-8 ginac)"
cp -n "$root"/fuzz/corpus/config/* "$work/corpus/" 2>/dev/null || true
# CLN (GiNaC's number library, linked for the verifier the task schemas reach) allocates a few bytes
# at static initialisation that it never frees: not a leak of ours.
fuzz_ignore_leaks libcln.so
fuzz_run "$bin" 2048
