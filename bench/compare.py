#!/usr/bin/python3
"""`make bench`: r1cpp against what its users would run instead, measured in one run.

Runs both sides of every workload of issue 10 on the same checkpoints — r1cpp through
bench/driver (r1_bench_driver), PyTorch eager through bench/peers/torch_eager.py, llama.cpp through
bench/peers/llama_decode.mjs — each at every thread setting it is offered, keeps each side's best,
and prints one table (workload, r1cpp, peer, ratio, goal). The machine's fp32 sgemm rate and memory
bandwidth are measured in the same run, so MFU and bandwidth use are against the machine as it is
now. Before any timing, the peers' logits (and llama.cpp's greedy tokens) are checked against
r1cpp's on the same weights; a disagreement stops the run.

  bench/compare.py --build build [--out runs/bench] [--skip_demo] [--skip_memory] [--gguf FILE] [--only a,b]
                   [--threads 1x1,2x2]   (ATen x OpenBLAS settings offered; default all four)

Writes OUT/results.json (everything measured; the previous one is kept as results.prev.json and the
table shows the change). scripts/bench.sh installs the peers and builds the binaries first.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = "/usr/bin/python3"  # Debian's interpreter: python3-torch lives in its dist-packages

# (ATen intra-op threads, OpenBLAS threads) offered to both sides; the expensive workloads get the
# two uniform ones only.
ALL_THREADS = [(1, 1), (1, 2), (2, 1), (2, 2)]
UNIFORM_THREADS = [(1, 1), (2, 2)]


def offered(settings, allowed):
    return [t for t in settings if t in allowed]


class Bench:
    def __init__(self, a):
        self.a = a
        self.all_threads = offered(ALL_THREADS, a.threads)
        self.uniform_threads = offered(UNIFORM_THREADS, a.threads) or self.all_threads[:1]
        self.driver = os.path.join(a.build, "bench", "r1_bench_driver")
        self.r1 = os.path.join(a.build, "r1")
        self.models = os.path.join(a.build, "bench-models")
        self.modules = os.path.join(a.build, "bench-peers")
        self.work = os.path.join(a.out, "work")
        for path in (self.driver, self.r1):
            if not os.path.exists(path):
                sys.exit(f"bench: {path} is missing (scripts/bench.sh builds it: cmake --build {a.build} "
                         "--target r1 r1_bench_driver)")
        os.makedirs(self.work, exist_ok=True)
        self.results = {"workloads": {}, "checks": {}}

    # --- running one side ---------------------------------------------------------------------
    def run_json(self, cmd, env_extra=None, what=""):
        env = dict(os.environ, **(env_extra or {}))
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if p.returncode != 0 and not p.stdout.strip().startswith("{"):
            sys.exit(f"bench: {what or cmd[0]} failed (exit {p.returncode}):\n  {' '.join(cmd)}\n{p.stderr[-3000:]}")
        try:
            out = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            sys.exit(f"bench: {what or cmd[0]} printed no JSON:\n  {' '.join(cmd)}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
        out["wall_s"] = time.perf_counter() - t0
        out["exit"] = p.returncode
        return out

    def r1cpp(self, sub, threads, *args):
        aten, blas = threads
        return self.run_json([self.driver, "--aten", str(aten), "--blas", str(blas), sub, *map(str, args)],
                             what=f"r1_bench_driver {sub}")

    def torch_peer(self, sub, threads, *args):
        aten, blas = threads
        # OpenBLAS reads its thread count when the library loads: set it in the environment.
        env = {"OPENBLAS_NUM_THREADS": str(blas), "OMP_NUM_THREADS": str(aten)}
        return self.run_json([PY, os.path.join(HERE, "peers", "torch_eager.py"), sub, "--threads", str(aten),
                              *map(str, args)], env, what=f"torch_eager.py {sub}")

    def model(self, name):
        return os.path.join(self.models, name)

    # --- the machine and the models -------------------------------------------------------------
    def prepare(self):
        print("bench: writing the bench checkpoints (once; kept in", self.models + ")", flush=True)
        info = self.r1cpp("models", (2, 2), self.models)
        self.results["models"] = {k: v for k, v in info.items() if isinstance(v, dict)}
        print("bench: measuring the machine (fp32 sgemm, memory read bandwidth) at 1 and 2 threads", flush=True)
        rates = {f"{t[0]}x{t[1]}": self.r1cpp("machine", t) for t in self.uniform_threads}
        self.results["machine"] = {
            "by_threads": rates,
            "sgemm_gflops": max(r["sgemm_gflops"] for r in rates.values()),
            "read_gb_per_s": max(r["read_gb_per_s"] for r in rates.values()),
            "cores": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
        }

    def config(self, name):
        with open(os.path.join(self.model(name), "config.json")) as f:
            return json.load(f)

    # --- sanity checks: the same function on both sides -----------------------------------------
    def check_logits(self, name):
        ids = [(t * 7 + 3) % (self.config(name)["vocab_size"] - 1) for t in range(24)]
        ids_path = os.path.join(self.work, f"ids_{name}.json")
        logits_path = os.path.join(self.work, f"r1_logits_{name}.safetensors")
        with open(ids_path, "w") as f:
            json.dump(ids, f)
        subprocess.run([self.r1, "score", "--model", self.model(name), "--ids", ids_path, "--out", logits_path],
                       check=True, capture_output=True)
        r = self.torch_peer("check", (1, 1), "--model", self.model(name), "--r1_logits", logits_path)
        self.results["checks"][f"torch_logits_{name}"] = r
        print(f"  logits, torch eager vs r1cpp on {name}: max |diff| {r['max_diff_full']:.2e} (full), "
              f"{r['max_diff_cached']:.2e} (KV cache), max |logit| {r['max_abs_logit']:.2f} -> "
              f"{'agree' if r['agree'] else 'DISAGREE'}", flush=True)
        if not r["agree"]:
            sys.exit(f"bench: the PyTorch peer computes different logits from r1cpp on {name} "
                     f"(max |diff| {max(r['max_diff_full'], r['max_diff_cached']):.3g} > {r['tolerance']:.3g}); "
                     "a speed comparison would be meaningless")

    def gguf_for(self, name, gtype="f32"):
        """A GGUF of the model: --gguf, else `r1 export --format gguf` when r1 has it, else the bench's
        own writer (bench/peers/gguf_export.py, f32 only). gtype q8_0 / q4_0: r1 export's quantized
        types, the same blocks llama.cpp's quantizer writes (r1's --quant int8/int4 make them too)."""
        if name == "qwen05b" and self.a.gguf and gtype == "f32":
            return self.a.gguf, "given"
        out = os.path.join(self.models, f"{name}.{gtype}.gguf")
        stamp = os.path.join(self.model(name), "bench_model.json")
        if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(stamp):
            return out, "cached"
        # r1 export writes the checkpoint's real vocabulary, so it needs tokenizer.json; the bench
        # models have none (the bench feeds token ids): those go through the bench's own writer.
        has_export = subprocess.run([self.r1, "export", "--help"], capture_output=True).returncode == 0
        if has_export and os.path.exists(os.path.join(self.model(name), "tokenizer.json")):
            cmd = [self.r1, "export", "--format", "gguf", "--type", gtype, "--model", self.model(name), "--out", out]
            how = f"r1 export --format gguf --type {gtype}"
        else:
            cmd = [PY, os.path.join(HERE, "peers", "gguf_export.py"), self.model(name), out, gtype]
            how = f"bench/peers/gguf_export.py {gtype}"
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"bench: writing {out} failed:\n  {' '.join(cmd)}\n{p.stderr[-2000:]}")
        return out, how

    def llama(self, gguf, name, threads, new_tokens):
        return self.run_json(["node", os.path.join(HERE, "peers", "llama_decode.mjs"), "--modules", self.modules,
                              "--gguf", gguf, "--vocab", str(self.config(name)["vocab_size"]),
                              "--threads", ",".join(map(str, threads)), "--new_tokens", str(new_tokens)],
                             what="llama_decode.mjs")

    def check_llama(self):
        gguf, how = self.gguf_for("parity")
        r1 = self.r1cpp("decode", (1, 1), "--model", self.model("parity"), "--new_tokens", 32)
        peer = self.llama(gguf, "parity", [1], 32)["best"]
        same = next((i for i, (x, y) in enumerate(zip(r1["tokens"], peer["tokens"])) if x != y), len(r1["tokens"]))
        self.results["checks"]["llama_greedy_parity"] = {"gguf_writer": how, "r1cpp": r1["tokens"],
                                                         "llama_cpp": peer["tokens"], "agreeing_prefix": same}
        print(f"  greedy tokens, llama.cpp vs r1cpp on parity ({how}): {same} of 32 agree", flush=True)
        if same < 32:
            sys.exit("bench: llama.cpp's greedy continuation differs from r1cpp's on the same weights: "
                     "the GGUF does not hold the same model")

    # --- workloads ---------------------------------------------------------------------------------
    def record(self, key, row):
        self.results["workloads"][key] = row
        print(f"  {key}: r1cpp {fmt(row['r1cpp']['value'], row['unit'])} | {row['peer_name']} "
              f"{fmt(row['peer']['value'], row['unit']) if row['peer'] else '-'}", flush=True)

    def best(self, runs, key="tokens_per_s"):
        return max(runs, key=lambda r: r[key])

    def rollout(self, key, model, new_tokens, stop_token, finished_modes, peer_threads, min_seconds):
        args = ["--model", self.model(model), "--prompts", 8, "--group", 8, "--prompt_len", 16,
                "--new_tokens", new_tokens, "--stop_token", stop_token, "--min_seconds", min_seconds]
        ours = [dict(self.r1cpp("rollout", t, *args), setting=f"aten {t[0]}, openblas {t[1]}")
                for t in self.all_threads]
        if (1, 1) in self.all_threads:  # the other thread policy: parallel engine calls, 1 thread each
            ours.append(dict(self.r1cpp("rollout", (1, 1), *args, "--workers", 2), setting="2 workers x 1 thread"))
        theirs = [dict(self.torch_peer("rollout", t, *args, "--finished", f),
                       setting=f"torch {t[0]}, openblas {t[1]}, finished rows {f}")
                  for t in peer_threads for f in finished_modes]
        b, p = self.best(ours), self.best(theirs)
        self.record(key, {"unit": "tok/s", "r1cpp": {"value": b["tokens_per_s"], "setting": b["setting"]},
                          "peer_name": "torch eager", "peer": {"value": p["tokens_per_s"], "setting": p["setting"]},
                          "ratio": b["tokens_per_s"] / p["tokens_per_s"], "goal": 3.0, "goal_text": ">= 3x eager",
                          "runs": {"r1cpp": ours, "peer": theirs},
                          "rows": {"r1cpp_mean_length": b["mean_length"], "r1cpp_stopped": b["stopped_fraction"],
                                   "peer_mean_length": p["mean_length"], "peer_stopped": p["stopped_fraction"]}})

    def train(self, key, model, threads, steps, goal):
        args = ["--model", self.model(model), "--batch", 64, "--seq", 40, "--steps", steps]
        ours = [dict(self.r1cpp("train", t, *args), setting=f"aten {t[0]}, openblas {t[1]}") for t in threads]
        theirs = [dict(self.torch_peer("train", t, *args), setting=f"torch {t[0]}, openblas {t[1]}") for t in threads]
        b, p = self.best(ours), self.best(theirs)
        c = self.config(model)
        flops = train_flops_per_token(c, b["parameters"], 40)
        peak = self.results["machine"]["sgemm_gflops"] * 1e9
        row = {"unit": "tok/s", "r1cpp": {"value": b["tokens_per_s"], "setting": b["setting"],
                                          "mfu": flops * b["tokens_per_s"] / peak},
               "peer_name": "torch eager", "peer": {"value": p["tokens_per_s"], "setting": p["setting"],
                                                    "mfu": flops * p["tokens_per_s"] / peak},
               "flops_per_token": flops, "parameters": b["parameters"], "runs": {"r1cpp": ours, "peer": theirs}}
        row["ratio"] = b["tokens_per_s"] / p["tokens_per_s"]
        if goal == "mfu":
            row.update(goal=0.70, goal_text="MFU >= 70%", goal_value=row["r1cpp"]["mfu"])
        else:
            row.update(goal=goal, goal_text=f">= {goal}x eager")
        self.record(key, row)

    def decode(self, key):
        threads = offered([(1, 1), (2, 2), (1, 2)], self.a.threads) or self.all_threads[:1]
        ours = [dict(self.r1cpp("decode", t, "--model", self.model("qwen05b"), "--new_tokens", 24),
                     setting=f"aten {t[0]}, openblas {t[1]}") for t in threads]
        # ATen at 1 thread and the fp32 kernel's products (model/f32_linear.h) on a 2-thread team of
        # their own, as for the quantized rows; and the plain path (at::matmul) for the record.
        if (1, 1) in threads:
            ours.append(dict(self.r1cpp("decode", (1, 1), "--model", self.model("qwen05b"), "--new_tokens", 24,
                                        "--quant_threads", 2),
                             setting="aten 1, openblas 1, quant threads 2"))
        plain = self.best([self.r1cpp("decode", t, "--model", self.model("qwen05b"), "--new_tokens", 24,
                                      "--f32_kernel", "aten") for t in threads])
        b = self.best(ours)
        bw = self.results["machine"]["read_gb_per_s"] * 1e9
        print(f"  {key}: r1cpp {b['tokens_per_s']:.1f} tok/s ({b['setting']}), plain at::matmul path "
              f"{plain['tokens_per_s']:.1f}", flush=True)
        row = {"unit": "tok/s", "r1cpp": {"value": b["tokens_per_s"], "setting": b["setting"],
                                          "bandwidth_use": b["weight_bytes"] * b["tokens_per_s"] / bw},
               "r1_plain": plain["tokens_per_s"],
               "weight_bytes": b["weight_bytes"], "peer_name": "llama.cpp", "goal": 0.8,
               "goal_text": ">= 0.8x llama.cpp, >= 70% bandwidth", "runs": {"r1cpp": ours}}
        gguf, how = self.gguf_for("qwen05b")
        peer = self.llama(gguf, "qwen05b", sorted({t[0] for t in threads}), 24)
        row["runs"]["peer"] = peer["runs"]
        row["gguf"] = {"path": gguf, "writer": how}
        row["peer"] = {"value": peer["best"]["tokens_per_s"], "setting": f"llama.cpp f32, {peer['best']['threads']} threads",
                       "bandwidth_use": b["weight_bytes"] * peer["best"]["tokens_per_s"] / bw}
        row["ratio"] = b["tokens_per_s"] / peer["best"]["tokens_per_s"]
        self.record(key, row)

    def decode_quant(self, key, quant, gtype):
        """Batch-1 decode with --quant int8 / int4 against llama.cpp on the Q8_0 / Q4_0 GGUF of the same
        weights, and against r1cpp's own fp32 decode (decode_05b's figure of this run, else measured)."""
        threads = offered([(1, 1), (2, 2), (1, 2)], self.a.threads) or self.all_threads[:1]
        ours = [dict(self.r1cpp("decode", t, "--model", self.model("qwen05b"), "--new_tokens", 24, "--quant", quant),
                     setting=f"aten {t[0]}, openblas {t[1]}") for t in threads]
        # ATen at 1 thread and the quantized products on a 2-thread team of their own (--quant_threads,
        # kernels/row_split.h): both cores for the memory-bound products only.
        if (1, 1) in threads:
            ours.append(dict(self.r1cpp("decode", (1, 1), "--model", self.model("qwen05b"), "--new_tokens", 24,
                                        "--quant", quant, "--quant_threads", 2),
                             setting="aten 1, openblas 1, quant threads 2"))
        b = self.best(ours)
        fp32 = self.results["workloads"].get("decode_05b", {}).get("r1cpp", {}).get("value")
        if fp32 is None:
            fp32 = self.best([self.r1cpp("decode", t, "--model", self.model("qwen05b"), "--new_tokens", 24)
                              for t in threads])["tokens_per_s"]
        bw = self.results["machine"]["read_gb_per_s"] * 1e9
        gguf, how = self.gguf_for("qwen05b", gtype)
        peer = self.llama(gguf, "qwen05b", sorted({t[0] for t in threads}), 24)
        goal = 3.0 if quant == "int8" else None
        row = {"unit": "tok/s", "r1cpp": {"value": b["tokens_per_s"], "setting": b["setting"],
                                          "bandwidth_use": b["weight_bytes"] * b["tokens_per_s"] / bw},
               "weight_bytes": b["weight_bytes"], "peer_name": "llama.cpp", "goal": 0.8,
               "goal_text": ">= 0.8x llama.cpp" + (f", >= {goal:.0f}x r1 fp32" if goal else ""),
               "vs_r1_fp32": b["tokens_per_s"] / fp32, "r1_fp32": fp32,
               "runs": {"r1cpp": ours, "peer": peer["runs"]}, "gguf": {"path": gguf, "writer": how}}
        row["peer"] = {"value": peer["best"]["tokens_per_s"],
                       "setting": f"llama.cpp {gtype}, {peer['best']['threads']} threads",
                       "bandwidth_use": os.path.getsize(gguf) * peer["best"]["tokens_per_s"] / bw}
        row["ratio"] = b["tokens_per_s"] / peer["best"]["tokens_per_s"]
        if goal:
            row["goal_value_2"] = row["vs_r1_fp32"]
            row["goal_2"] = goal
        print(f"  {key}: r1cpp {quant} {b['tokens_per_s']:.1f} tok/s = {row['vs_r1_fp32']:.2f}x r1cpp fp32 "
              f"({fp32:.1f}), {row['ratio']:.2f}x llama.cpp {gtype} ({peer['best']['tokens_per_s']:.1f})", flush=True)
        self.record(key, row)

    def memory_7b(self):
        """Peak resident memory of r1 generate / eval / serve with --quant int8 and int4 on the
        Qwen2.5-7B shape (bench/quant_memory.sh: a random bf16 checkpoint, 15 GB of disk, removed
        after), against issue 18's limits: int8 <= 10 GB, int4 <= 6 GB."""
        print("bench: peak memory of the quantized commands on the Qwen2.5-7B shape (bench/quant_memory.sh)", flush=True)
        p = subprocess.run(["bash", os.path.join(HERE, "quant_memory.sh"), "--build", self.a.build,
                            "--commands", "generate eval serve"], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"bench: quant_memory.sh failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
        runs = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
        for quant, limit in (("int8", 10.0), ("int4", 6.0)):
            mine = [r for r in runs if r["quant"] == quant]
            worst = max(mine, key=lambda r: r["peak_rss_gb"])
            self.record(f"memory_7b_{quant}", {
                "unit": "GB", "r1cpp": {"value": worst["peak_rss_gb"],
                                        "setting": "peak of " + ", ".join(f"{r['command']} {r['peak_rss_gb']:.2f}"
                                                                          for r in mine)},
                "peer_name": "issue 18's limit", "peer": {"value": limit, "setting": f"<= {limit:.0f} GB"},
                "ratio": worst["peak_rss_gb"] / limit, "goal": 1.0, "goal_text": f"<= {limit:.0f} GB peak RSS",
                "lower_is_better": True, "runs": mine})
            print(f"  memory_7b_{quant}: " + ", ".join(f"{r['command']} {r['peak_rss_gb']:.2f} GB" for r in mine), flush=True)

    def profile(self):
        out = {}
        for batch in (64, 1):
            out[f"batch{batch}"] = self.r1cpp("profile", (1, 1), "--model", self.model("demo"), "--batch", batch)
        self.results["decode_profile"] = out

    def demo_wall(self):
        with open(os.path.join(HERE, "baseline.json")) as f:
            base = json.load(f)["demo_wall"]
        run_dir = os.path.join(self.a.out, "demo")
        shutil.rmtree(run_dir, ignore_errors=True)  # a resumed demo would skip its stages
        print(f"bench: running the demo from scratch ({run_dir}; today's took {base['seconds']:.0f} s)", flush=True)
        t0 = time.perf_counter()
        p = subprocess.run([self.r1, "demo", "--run_dir", run_dir], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"bench: r1 demo failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
        self.record("demo_wall", {"unit": "s", "r1cpp": {"value": wall, "setting": "r1 demo defaults"},
                                  "peer_name": f"demo at {base['commit']}", "peer": {"value": base["seconds"],
                                                                                     "setting": base["measured"]},
                                  "ratio": wall / base["seconds"], "goal": 0.60, "goal_text": "<= 60% of baseline",
                                  "lower_is_better": True})


def train_flops_per_token(c, params, seq):
    """nanoGPT's estimate_mfu: 6 N per token for the matmuls (forward + backward) plus 12 L H D T for
    attention over a context of T; N leaves out an untied input embedding (a lookup, not a matmul)."""
    n = params
    if not c.get("tie_word_embeddings", False):
        n -= c["vocab_size"] * c["hidden_size"]
    heads = c["num_attention_heads"]
    head_dim = c.get("head_dim") or c["hidden_size"] // heads
    return 6 * n + 12 * c["num_hidden_layers"] * heads * head_dim * seq


def fmt(v, unit):
    if unit == "s":
        return f"{v:.0f} s"
    if unit == "GB":
        return f"{v:.2f} GB"
    return f"{v / 1000:.1f}k {unit}" if v >= 1000 else f"{v:.1f} {unit}"


def met(row):
    if "goal_value" in row:  # MFU
        return row["goal_value"] >= row["goal"]
    if row.get("lower_is_better"):
        return row["ratio"] <= row["goal"]
    ok = row["ratio"] >= row["goal"]
    if "goal_2" in row:  # the quantized decode rows: also >= 3x r1cpp's fp32 decode
        return ok and row["goal_value_2"] >= row["goal_2"]
    if "bandwidth_use" in row["r1cpp"] and "vs_r1_fp32" not in row:
        ok = ok and row["r1cpp"]["bandwidth_use"] >= 0.70
    return ok


LABELS = {
    "rollout_grpo": "rollout 8x8, 16+48 tok (demo)",
    "rollout_long": "rollout 8x8, 16+<=256, stops (demo_long)",
    "train_demo": "train 64x40, fwd+bwd+AdamW (demo)",
    "train_25m": "train 64x40 (25.7M model)",
    "decode_05b": "decode batch 1 (Qwen2.5-0.5B shape)",
    "decode_05b_int8": "decode batch 1, --quant int8 vs Q8_0",
    "decode_05b_int4": "decode batch 1, --quant int4 vs Q4_0",
    "memory_7b_int8": "peak RSS, Qwen2.5-7B shape, --quant int8",
    "memory_7b_int4": "peak RSS, Qwen2.5-7B shape, --quant int4",
    "demo_wall": "demo wall time",
}


def print_table(res, prev):
    rows = res["workloads"]
    print()
    print(f"machine now: fp32 sgemm {res['machine']['sgemm_gflops']:.0f} GFLOP/s, read bandwidth "
          f"{res['machine']['read_gb_per_s']:.1f} GB/s ({res['machine']['cores']} cores, load average "
          f"{res['machine']['load_average_at_start'][0]:.1f} at start)")
    head = f"{'workload':42} {'r1cpp':>12} {'peer':>12} {'ratio':>7}  {'goal':<36} {'met':<4} {'r1cpp vs prev':>13}"
    print(head)
    print("-" * len(head))
    for key, row in rows.items():
        extra = ""
        if "mfu" in row["r1cpp"]:
            extra = f"MFU {row['r1cpp']['mfu']:.0%} (peer {row['peer']['mfu']:.0%})"
        if "bandwidth_use" in row["r1cpp"]:
            extra = f"bandwidth {row['r1cpp']['bandwidth_use']:.0%} (peer {row['peer']['bandwidth_use']:.0%})"
        if "vs_r1_fp32" in row:
            extra += f"; {row['vs_r1_fp32']:.2f}x r1cpp fp32 ({row['r1_fp32']:.1f} tok/s)"
        change = ""
        old = prev.get("workloads", {}).get(key) if prev else None
        if old:
            change = f"{row['r1cpp']['value'] / old['r1cpp']['value']:.2f}x"
        print(f"{LABELS.get(key, key):42} {fmt(row['r1cpp']['value'], row['unit']):>12} "
              f"{fmt(row['peer']['value'], row['unit']):>12} {row['ratio']:>6.2f}x  {row['goal_text']:<36} "
              f"{'yes' if met(row) else 'no':<4} {change:>13}")
        print(f"{'':42}   r1cpp: {row['r1cpp']['setting']}; {row['peer_name']}: {row['peer']['setting']}"
              + (f"; {extra}" if extra else ""))
    print()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"), help="the CMake build directory")
    p.add_argument("--out", default=os.path.join(ROOT, "runs", "bench"), help="where results.json goes")
    p.add_argument("--skip_demo", action="store_true", help="leave out the demo wall time (~8 minutes)")
    p.add_argument("--skip_memory", action="store_true",
                   help="leave out the peak memory of the 7B shape (~10 minutes, 15 GB of disk while it runs)")
    p.add_argument("--gguf", help="a GGUF of build/bench-models/qwen05b for the llama.cpp peer")
    p.add_argument("--only", help="comma-separated workloads: " + ",".join(LABELS))
    p.add_argument("--threads", default="1x1,1x2,2x1,2x2",
                   help="ATen x OpenBLAS thread settings offered to both sides (fewer: a quicker run)")
    a = p.parse_args()
    try:
        a.threads = [tuple(int(n) for n in t.split("x")) for t in a.threads.split(",")]
    except ValueError:
        sys.exit(f"bench --threads: '{a.threads}' is not a list like 1x1,2x2 (ATen x OpenBLAS threads)")
    if not offered(ALL_THREADS, a.threads):
        sys.exit(f"bench --threads: offer at least one of 1x1, 1x2, 2x1, 2x2")
    only = set(a.only.split(",")) if a.only else set(LABELS)
    unknown = only - set(LABELS)
    if unknown:
        sys.exit(f"bench --only: unknown workloads {sorted(unknown)} (known: {', '.join(LABELS)})")
    if a.skip_demo:
        only.discard("demo_wall")
    if a.skip_memory:
        only -= {"memory_7b_int8", "memory_7b_int4"}
    t0 = time.perf_counter()
    b = Bench(a)
    b.prepare()
    print("bench: checking the peers compute what r1cpp computes", flush=True)
    for name in ("demo", "demo_long", "parity", "train25m"):
        b.check_logits(name)
    b.check_llama()
    print("bench: measuring (each side at each of its thread settings; the best is kept)", flush=True)
    if "rollout_grpo" in only:
        b.rollout("rollout_grpo", "demo", 48, -1, ["keep"], b.all_threads, 2.0)
    if "rollout_long" in only:
        b.rollout("rollout_long", "demo_long", 256, 291, ["keep", "drop"], b.uniform_threads, 3.0)
    if "train_demo" in only:
        b.train("train_demo", "demo", b.all_threads, 5, 1.5)
    if "train_25m" in only:
        b.train("train_25m", "train25m", b.uniform_threads, 2, "mfu")
    if "decode_05b" in only:
        b.decode("decode_05b")
    if "decode_05b_int8" in only:
        b.decode_quant("decode_05b_int8", "int8", "q8_0")
    if "decode_05b_int4" in only:
        b.decode_quant("decode_05b_int4", "int4", "q4_0")
    if {"memory_7b_int8", "memory_7b_int4"} & only:
        b.memory_7b()
    print("bench: profiling r1cpp's decode step (demo model, batch 64 and 1)", flush=True)
    b.profile()
    if "demo_wall" in only:
        b.demo_wall()
    res = b.results
    res["machine"]["load_average_at_end"] = os.getloadavg()
    res["seconds"] = time.perf_counter() - t0
    res["date"] = datetime.datetime.now().isoformat(timespec="seconds")
    res["commit"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                   text=True).stdout.strip()
    out = os.path.join(a.out, "results.json")
    prev = None
    if os.path.exists(out):
        with open(out) as f:
            prev = json.load(f)
        os.replace(out, os.path.join(a.out, "results.prev.json"))
    print_table(res, prev)
    for batch, prof in res["decode_profile"].items():
        top = ", ".join(f"{o['op']} {o['self_us']:.0f} us" for o in prof["ops"][:4])
        print(f"decode step, {batch}: {prof['step_ms']:.2f} ms, {prof['ops_per_step']:.0f} ATen ops "
              f"({prof['top_ops_per_step']:.0f} called by r1), {prof['gflops_per_step']:.3f} GFLOP; most time in {top}")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1)
    os.replace(tmp, out)
    print(f"\nbench: {out} written ({res['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
