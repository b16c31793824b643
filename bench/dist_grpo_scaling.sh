#!/usr/bin/env bash
# GRPO steps/s of data parallelism against threads, on the same global batch in one run: `r1 grpo` as
# 2 processes x 1 thread (`r1 launch --nproc_per_node 2`, Gloo on 127.0.0.1) and as 1 process x 2
# threads (--threads.aten 2 --threads.blas 2), both from the same base checkpoint, the same seed and
# config, then the all-reduce bandwidth between the two ranks. The ratio is the figure (issue 12): > 1 means processes scale the rollout + update better
# than ATen's intra-op threads at this shape. Opt-in (never part of make test); noisy on a shared
# machine, so each variant runs --repeats times and the best is kept.
#
#   bench/dist_grpo_scaling.sh [--build build] [--steps 8] [--prompts 8] [--group 8] [--repeats 2] [--dir DIR]
# Prints one JSON line per run and a summary; writes runs/bench/dist_grpo_scaling.json.
set -euo pipefail
build=build steps=8 prompts=8 group=8 repeats=2 dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --prompts) prompts=$2; shift 2 ;;
    --group) group=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "dist_grpo_scaling: unknown argument $1" >&2; exit 2 ;;
  esac
done
r1=$build/r1
[ -x "$r1" ] || { echo "dist_grpo_scaling: $r1 is missing (ninja -C $build r1)" >&2; exit 3; }
dir=${dir:-$(mktemp -d /tmp/r1-dist-grpo-XXXXXX)}
mkdir -p runs/bench
# The demo's model, briefly pretrained: the GRPO shape of the demo (max_new_tokens 48).
"$r1" pretrain --run_dir "$dir/base" --pretrain.steps 30 --checkpoint_every 0 >/dev/null 2>&1
rl=(--rl.steps "$steps" --rl.prompts_per_step "$prompts" --rl.group_size "$group" --eval.problems 1 --eval.k 1
    --eval.max_new_tokens 4 --checkpoint_every_rl 0)

# Seconds of the GRPO steps themselves: from the first step's start to the last step's end, out of
# rank 0's metrics (the step times include waiting for the slower rank).
grpo_seconds() {
  python3 - "$1" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("stage") == "grpo"]
print(sum(r["rollout_seconds"] + r["train_seconds"] for r in rows))
EOF
}

run_variant() {  # name, launcher prefix ("" = none), extra grpo options
  local name=$1 prefix=$2 extra=$3
  local best=""
  for i in $(seq 1 "$repeats"); do
    local run=$dir/$name-$i
    local t0 t1 s
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086  # prefix and extra are word lists
    "$r1" $prefix grpo --init "$dir/base/checkpoints/base" --run_dir "$run" "${rl[@]}" $extra >"$run.log" 2>&1 ||
      { echo "dist_grpo_scaling: $name failed, see $run.log" >&2; tail -5 "$run.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    s=$(grpo_seconds "$run/metrics.jsonl")
    echo "{\"variant\": \"$name\", \"repeat\": $i, \"grpo_seconds\": $s, \"wall_seconds\": $(python3 -c "print($t1 - $t0)")}"
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $s < $best else 1)"; then best=$s; fi
  done
  printf -v "best_$name" '%s' "$best"
}

run_variant procs2x1 "launch --nproc_per_node 2 --master_port 0" ""
run_variant threads1x2 "" "--threads.aten 2 --threads.blas 2"
# The Gloo all-reduce bandwidth between the same two ranks (nccl-tests' all_reduce_perf columns).
"$r1" launch --nproc_per_node 2 --master_port 0 dist_check --bandwidth true >"$dir/bandwidth.log" 2>&1 ||
  { echo "dist_grpo_scaling: dist_check failed, see $dir/bandwidth.log" >&2; exit 1; }
python3 - "$best_procs2x1" "$best_threads1x2" "$steps" "$prompts" "$group" "$dir/bandwidth.log" <<'EOF'
import json, sys
p, t, steps, prompts, group = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
# rank 0's lines of dist_check (r1 launch prefixes each with its rank), the bandwidth table among them
bandwidth = [l.split("] ", 1)[-1].rstrip() for l in open(sys.argv[6]) if "dist_check:" not in l and l.strip()]
print("\n".join(bandwidth))
out = {"bench": "dist_grpo_scaling", "steps": steps, "prompts_per_step": prompts, "group_size": group,
       "procs2x1_steps_per_s": steps / p, "threads1x2_steps_per_s": steps / t,
       "procs_over_threads": (steps / p) / (steps / t), "all_reduce_table": bandwidth}
json.dump(out, open("runs/bench/dist_grpo_scaling.json", "w"), indent=2)
print("summary: 2 processes x 1 thread %.3f steps/s, 1 process x 2 threads %.3f steps/s, ratio %.2f"
      % (out["procs2x1_steps_per_s"], out["threads1x2_steps_per_s"], out["procs_over_threads"]))
EOF
