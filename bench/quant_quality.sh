#!/usr/bin/env bash
# Quality of --quant int8 / int4 against fp32 on one checkpoint of an R1-Zero run (issue 18's quality
# goal), on the run's own held-out problems (`r1 eval --heldout_of RUN/config.json`: the problems it
# evaluated on and never trained on):
#   - greedy decoding, paired (ISSUE_NOTES): per problem, does the quantized model answer as fp32 does;
#   - the run's sampled protocol (its eval.k samples at eval.temperature / eval.top_p): pass@1 as the
#     demo reports it, within its sampling noise;
#   - `r1 perplexity --kl_divergence` (llama-perplexity --kl-divergence): the mean KL(fp32 || quantized)
#     of the next-token distributions over the held-out problems written as the run's documents.
# Opt-in, never in make test.
#
#   bench/quant_quality.sh --model RUN/checkpoints/final [--config RUN/config.json] [--build build]
#                          [--out runs/bench/quant_quality]
set -euo pipefail
build=build model="" config="" out=runs/bench/quant_quality
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "quant_quality: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$model" ] || { echo "quant_quality: --model DIR is required" >&2; exit 2; }
[ -n "$config" ] || config="$model/../../config.json"  # RUN/checkpoints/NAME -> RUN/config.json
[ -f "$config" ] || { echo "quant_quality: no run config at $config (give --config)" >&2; exit 2; }
read -r k temperature top_p max_new <<< "$(/usr/bin/python3 -c '
import json, sys; e = json.load(open(sys.argv[1]))["eval"]
print(e["k"], e["temperature"], e["top_p"], e["max_new_tokens"])' "$config")"
mkdir -p "$out"
for q in none int8 int4; do
  rm -rf "$out/greedy_$q" "$out/sampled_$q"
  "$build/r1" eval --model "$model" --heldout_of "$config" --k 1 --temperature 0 --max_new_tokens "$max_new" \
    --quant "$q" --out "$out/greedy_$q" --quiet > /dev/null
  "$build/r1" eval --model "$model" --heldout_of "$config" --k "$k" --temperature "$temperature" --top_p "$top_p" \
    --max_new_tokens "$max_new" --quant "$q" --out "$out/sampled_$q" --quiet > /dev/null
done
for q in int8 int4; do
  "$build/r1" perplexity --model "$model" --heldout_of "$config" --quant "$q" --kl_divergence \
    --out "$out/kl_$q.json" > /dev/null
done
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
def rows(d, bench):
    with open(os.path.join(out, d, bench + ".jsonl")) as f:
        return {(r["prompt_id"], r["sample"]): r for r in map(json.loads, f)}
benches = sorted(json.load(open(os.path.join(out, "greedy_none", "summary.json")))["benchmarks"])
res = {"benchmarks": {}, "kl": {q: json.load(open(os.path.join(out, f"kl_{q}.json"))) for q in ("int8", "int4")}}
for b in benches:
    g = {q: rows(f"greedy_{q}", b) for q in ("none", "int8", "int4")}
    s = {q: json.load(open(os.path.join(out, f"sampled_{q}", "summary.json")))["benchmarks"][b] for q in ("none", "int8", "int4")}
    ids = sorted(g["none"])
    row = {"problems": len(ids), "greedy": {}, "sampled_pass@1": {q: s[q]["pass@1"] for q in s}, "k": s["none"]["k"]}
    for q in ("none", "int8", "int4"):
        acc = sum(g[q][i]["correct"] for i in ids) / len(ids)
        row["greedy"][q] = {"pass@1": acc,
                            "same_response": sum(g[q][i]["response"] == g["none"][i]["response"] for i in ids) / len(ids),
                            "gained": sum(g[q][i]["correct"] and not g["none"][i]["correct"] for i in ids),
                            "lost": sum(g["none"][i]["correct"] and not g[q][i]["correct"] for i in ids)}
    res["benchmarks"][b] = row
    gr = row["greedy"]
    print(f"{b}: {len(ids)} held-out problems; greedy pass@1 fp32 {gr['none']['pass@1']:.1%}, "
          + ", ".join(f"{q} {gr[q]['pass@1']:.1%} (+{gr[q]['gained']}/-{gr[q]['lost']}, same response "
                      f"{gr[q]['same_response']:.0%})" for q in ("int8", "int4"))
          + f"; sampled pass@1 (k={row['k']}) " + ", ".join(f"{q} {row['sampled_pass@1'][q]:.3f}" for q in ("none", "int8", "int4")))
for q in ("int8", "int4"):
    kl = res["kl"][q]
    print(f"KL(fp32 || {q}) over {kl['sequences']} held-out documents ({kl['tokens']} tokens): mean {kl['mean_kl']:.2e} "
          f"± {kl['kl_std_error']:.1e} nats/token, p99 {kl['kl_p99']:.2e}, max {kl['kl_max']:.2e}; same top token "
          f"{kl['same_top']:.1%}; PPL fp32 {kl['ppl_base']:.4f} -> {q} {kl['ppl_test']:.4f}")
json.dump(res, open(os.path.join(out, "quality.json"), "w"), indent=1)
PY
