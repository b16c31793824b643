#!/usr/bin/env bash
# `make bench`: installs the peers (scripts/bench-setup.sh), builds r1 and the bench driver, and runs
# bench/compare.py, which prints every ratio of issue 10 in one table and writes runs/bench/results.json.
#   scripts/bench.sh [compare.py options: --skip_demo, --gguf FILE, --only rollout_grpo,train_demo ...]
# Environment: BUILD (default build), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
jobs=${JOBS:-$(nproc)}
bash scripts/bench-setup.sh "$build/bench-peers"
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$jobs" --target r1 r1_bench_driver
exec /usr/bin/python3 bench/compare.py --build "$build" "$@"
