#!/usr/bin/env bash
# Held-out pass@1 on the demo's running_sum task after the same number of RL steps from the demo's base
# checkpoint with GRPO (default), RLOO, GSPO and DAPO: the table of docs/rl_algorithms.md.
#
#   scripts/compare_rl_algos.sh            # needs a finished `r1 demo --run_dir $DEMO` (base checkpoint + config)
#   R1=build/r1 DEMO=/tmp/demo_engine OUT=/tmp/compare_rl_algos STEPS=20 SEED=2 scripts/compare_rl_algos.sh
#
# Every run takes the demo's own configuration ($DEMO/config.json: group size, prompts per step, lr,
# temperature, max_new_tokens, rewards) restricted to running_sum, and changes only the algorithm keys.
# Evaluation: `r1 eval --bench running_sum` (its fixed held-out draw), k samples at T=0.6, top-p 0.95.
# Runs resume (a rerun with the same OUT reuses finished runs and evaluations).
set -euo pipefail
R1=${R1:-build/r1}
DEMO=${DEMO:-/tmp/demo_engine}
OUT=${OUT:-/tmp/compare_rl_algos}
STEPS=${STEPS:-20}
SEED=${SEED:-2}
K=${K:-8}
LIMIT=${LIMIT:-200}
[[ -x $R1 ]] || { echo "no r1 binary at $R1 (set R1=...)" >&2; exit 2; }
[[ -f $DEMO/config.json && -f $DEMO/checkpoints/base/config.json ]] ||
  { echo "$DEMO holds no finished demo run (config.json, checkpoints/base); run r1 demo --run_dir $DEMO first" >&2; exit 2; }
mkdir -p "$OUT"

algos=(grpo rloo gspo dapo)
declare -A keys=(
  [grpo]=""
  [rloo]="--rl.advantage rloo"
  [gspo]="--rl.policy_loss gspo"
  # DAPO (2503.14476): token-level loss, clip-higher, dynamic sampling, overlong reward shaping.
  [dapo]="--rl.loss_type dapo --rl.epsilon_high 0.28 --rl.dynamic_sampling true --rl.overlong_buffer 8"
)

evaluate() {  # evaluate NAME MODEL_DIR -> pass@1 on stdout
  local name=$1 model=$2
  "$R1" eval --model "$model" --bench running_sum --k "$K" --limit "$LIMIT" --temperature 0.6 --top_p 0.95 \
    --max_new_tokens 64 --quiet --out "$OUT/eval_$name" > "$OUT/eval_$name.log" 2>&1
  python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['benchmarks']['running_sum']['pass@1'])" \
    "$OUT/eval_$name/summary.json"
}

before=$(evaluate base "$DEMO/checkpoints/base")
rows=""
for a in "${algos[@]}"; do
  run="$OUT/$a"
  if [[ ! -f $run/wall_seconds ]]; then
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$R1" grpo --config "$DEMO/config.json" --init "$DEMO/checkpoints/base" --run_dir "$run" --tasks running_sum \
      --seed "$SEED" --rl.steps "$STEPS" ${keys[$a]} > "$OUT/grpo_$a.log" 2>&1
    python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)" \
      > "$run/wall_seconds"
  fi
  after=$(evaluate "$a" "$run/checkpoints/final")
  own=$(python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['running_sum']['free']['pass@1'])" \
    "$run/eval_final.json")
  rows+="| $a | ${keys[$a]:-(defaults)} | $STEPS | $SEED | $before | $after | $own | $(cat "$run/wall_seconds") |"$'\n'
done

{
  echo "| algorithm | keys | RL steps | seed | pass@1 before | pass@1 after (r1 eval, k=$K, $LIMIT problems) | pass@1 after (grpo's held-out, k=4, 100) | GRPO wall s |"
  echo "|---|---|---|---|---|---|---|---|"
  printf "%s" "$rows"
} | tee "$OUT/table.md"
