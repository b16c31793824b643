#!/usr/bin/env bash
# Kill-safety check of the standalone training commands (issue 17): `r1 pretrain` and `r1 grpo` are
# each SIGKILLed KILLS times at random moments of one run. After every kill the latest step
# checkpoint must load and generate with `r1 generate`; the run is then restarted into the same run
# directory (it resumes), and after the last kill it runs to the end. Its final checkpoint must equal,
# tensor file for tensor file, that of an uninterrupted run with the same settings, and its
# metrics.jsonl must hold every step exactly once.
#
#   scripts/kill_resume.sh [--build DIR] [--kills N] [--work DIR] [--seed S]
#
# Opt-in (a few minutes on 2 cores), never part of `make test`: `make kill-check`.
set -euo pipefail

BUILD=build KILLS=10 WORK=$(mktemp -d /tmp/r1-kill-resume.XXXXXX) SEED=$RANDOM
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --kills) KILLS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    *) echo "kill_resume.sh: unknown option $1 (options: --build DIR --kills N --work DIR --seed S)" >&2; exit 2 ;;
  esac
done
R1=$(realpath "$BUILD/r1")
[ -x "$R1" ] || { echo "kill_resume.sh: $R1 is not built (make build)" >&2; exit 2; }
mkdir -p "$WORK"
echo "kill_resume: r1 $R1, $KILLS kills per command, work dir $WORK, kill-moment seed $SEED"

MODEL="--model.hidden_size 32 --model.intermediate_size 64 --model.num_hidden_layers 1"
PRETRAIN="pretrain --pretrain.steps 600 --pretrain.batch_size 6 --checkpoint_every 10 $MODEL"
GRPO_RL="--tasks running_sum --rl.steps 500 --rl.prompts_per_step 2 --rl.group_size 4 --rl.max_new_tokens 16"
GRPO_RL+=" --checkpoint_every_rl 2 --eval.problems 2 --eval.k 2 --eval.max_new_tokens 8"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The tensors of a checkpoint directory, one digest per safetensors file.
digest() { (cd "$1" && sha256sum ./*.safetensors); }

# Steps recorded for `stage` in a metrics.jsonl, and how many distinct ones.
steps_of() { python3 -c '
import json, sys
steps = [json.loads(l).get("step") for l in open(sys.argv[1]) if l.strip() and json.loads(l).get("stage") == sys.argv[2]]
steps = [s for s in steps if s is not None]
print(len(steps), len(set(steps)))' "$1" "$2"; }

# check_command NAME STAGE ARGS FINAL: straight run, then KILLS kill/check/restart cycles, then compare.
check_command() {
  local name=$1 stage=$2 args=$3 final=$4
  local straight=$WORK/$name-straight killed=$WORK/$name-killed
  local t0 t1 wall
  t0=$(date +%s.%N)
  "$R1" $args --run_dir "$straight" >"$WORK/$name-straight.log" 2>&1 || { fail "$name: the uninterrupted run failed (see $WORK/$name-straight.log)"; return; }
  t1=$(date +%s.%N)
  wall=$(python3 -c "print(float($t1) - float($t0))")
  echo "$name: uninterrupted run ${wall%.*} s"
  local landed_before_first=0 loaded=0
  for i in $(seq 1 "$KILLS"); do
    # A moment in (0.3 s, 2 x wall / KILLS): each restart resumes where the last checkpoint left it,
    # so the kills fall across the whole run, in checkpoint saves as well as between them.
    local delay
    delay=$(python3 -c "import random; random.seed($SEED * 1000 + $i); print(round(random.uniform(0.3, max(0.6, 2.0 * $wall / $KILLS)), 2))")
    "$R1" $args --run_dir "$killed" >>"$WORK/$name-killed.log" 2>&1 &
    local pid=$!
    sleep "$delay"
    if ! kill -KILL "$pid" 2>/dev/null; then
      wait "$pid" || true
      echo "  kill $i at ${delay} s: the run had already finished"
      continue
    fi
    wait "$pid" 2>/dev/null || true
    # checkpoints/latest names the newest complete step checkpoint (written after it is in place).
    local pointer=$killed/work/$stage/checkpoints/latest
    if [ ! -e "$pointer" ]; then
      landed_before_first=$((landed_before_first + 1))
      echo "  kill $i at ${delay} s: before the first step checkpoint"
      continue
    fi
    local step latest
    step=$(cat "$pointer")
    latest=$killed/work/$stage/checkpoints/$step
    if "$R1" generate --model "$latest" --prompt "1+2" --max_new_tokens 4 >"$WORK/$name-generate.log" 2>&1; then
      loaded=$((loaded + 1))
      echo "  kill $i at ${delay} s: latest is $step, r1 generate loads it"
    else
      fail "$name: kill $i: r1 generate cannot load $latest ($step): $(tail -3 "$WORK/$name-generate.log")"
    fi
  done
  "$R1" $args --run_dir "$killed" >>"$WORK/$name-killed.log" 2>&1 || { fail "$name: the resumed run failed (see $WORK/$name-killed.log)"; return; }
  if [ "$(digest "$straight/$final")" = "$(digest "$killed/$final")" ]; then
    echo "$name: final checkpoint $final equals the uninterrupted run's (sha256 of every tensor file)"
  else
    fail "$name: final checkpoint $final differs from the uninterrupted run's"
  fi
  local stale
  stale=$(find "$killed" -name '*.tmp-*' -o -name '*.partial*' | head -5)
  [ -z "$stale" ] || fail "$name: an interrupted save's temporary files remain after the resumed run: $stale"
  local counts
  counts=$(steps_of "$killed/metrics.jsonl" "$stage")
  read -r rows distinct <<<"$counts"
  [ "$rows" = "$distinct" ] || fail "$name: metrics.jsonl holds $rows $stage rows for $distinct steps (duplicates after a resume)"
  echo "$name: $KILLS kills: $loaded left a checkpoint r1 generate loaded, $landed_before_first came before the first one; metrics rows $rows for $distinct steps"
}

check_command pretrain pretrain "$PRETRAIN" checkpoints/base
BASE=$WORK/pretrain-straight/checkpoints/base
check_command grpo grpo "grpo --init $BASE $GRPO_RL" checkpoints/final

if [ "$failures" -gt 0 ]; then
  echo "kill_resume: $failures failure(s); logs in $WORK"
  exit 1
fi
echo "kill_resume: every check passed; logs in $WORK"
