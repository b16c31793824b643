#!/usr/bin/env bash
# Quality of --quant int8 / int4 against fp32 on one checkpoint (issue 18's quality goal), compared
# the way ISSUE_NOTES asks: greedy decoding on the same held-out problems, paired — per problem,
# does the quantized model answer as fp32 does — not sampled pass@1 within its noise. Also the mean
# KL(fp32 || quantized) of the next-token distributions over the fp32 model's own greedy responses
# (text the model did not train on), via `r1_bench_driver quant_kl`. Opt-in, never in make test.
#
#   bench/quant_quality.sh --model DIR [--build build] [--bench running_sum,countdown] [--limit 200]
#                          [--out runs/bench/quant_quality]
set -euo pipefail
build=build model="" bench=running_sum,countdown limit=200 out=runs/bench/quant_quality
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "quant_quality: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$model" ] || { echo "quant_quality: --model DIR is required" >&2; exit 2; }
mkdir -p "$out"
for q in none int8 int4; do
  rm -rf "$out/$q"
  "$build/r1" eval --model "$model" --bench "$bench" --k 1 --temperature 0 --limit "$limit" --max_new_tokens 64 \
    --quant "$q" --out "$out/$q" --quiet > /dev/null
done
cat "$out"/none/*.jsonl > "$out/fp32_responses.jsonl"
"$build/bench/r1_bench_driver" quant_kl --model "$model" --texts "$out/fp32_responses.jsonl" --max_texts 100000 > "$out/kl.json"
/usr/bin/python3 - "$out" "$bench" <<'EOF'
import json, os, sys
out, benches = sys.argv[1], sys.argv[2].split(",")
kl = json.loads(open(os.path.join(out, "kl.json")).read().strip().splitlines()[-1])
res = {"kl": kl, "benchmarks": {}}
for b in benches:
    rows = {}
    for q in ("none", "int8", "int4"):
        with open(os.path.join(out, q, f"{b}.jsonl")) as f:
            rows[q] = {r["prompt_id"]: r for r in map(json.loads, f)}
    ids = sorted(rows["none"])
    row = {"problems": len(ids), "fp32_accuracy": sum(rows["none"][i]["correct"] for i in ids) / len(ids)}
    for q in ("int8", "int4"):
        same_verdict = sum(rows[q][i]["correct"] == rows["none"][i]["correct"] for i in ids)
        same_text = sum(rows[q][i]["response"] == rows["none"][i]["response"] for i in ids)
        gained = sum(rows[q][i]["correct"] and not rows["none"][i]["correct"] for i in ids)
        lost = sum(rows["none"][i]["correct"] and not rows[q][i]["correct"] for i in ids)
        row[q] = {"accuracy": sum(rows[q][i]["correct"] for i in ids) / len(ids),
                  "same_verdict": same_verdict / len(ids), "same_response": same_text / len(ids),
                  "gained": gained, "lost": lost}
    res["benchmarks"][b] = row
    print(f"{b}: {len(ids)} problems, greedy; fp32 {row['fp32_accuracy']:.1%}; "
          + "; ".join(f"{q} {row[q]['accuracy']:.1%} (same response {row[q]['same_response']:.1%}, "
                      f"+{row[q]['gained']}/-{row[q]['lost']} vs fp32)" for q in ("int8", "int4")))
for q in ("int8", "int4"):
    print(f"mean KL(fp32 || {q}) over {kl['texts']} responses: {kl[q]['mean_kl']:.2e} nats/token, "
          f"argmax agreement {kl[q]['argmax_agreement']:.1%}")
json.dump(res, open(os.path.join(out, "quality.json"), "w"), indent=1)
EOF
