#!/usr/bin/env python3
"""r1 serve under concurrent clients: generated tokens/s at 1, 4, 16 and 64 concurrent streaming
clients, each reported as the ratio to one client in the same run (issue 11's goal: >= 6x at 16 on
the demo model), and the time to first token at 16.

    python3 bench/serve_bench.py --model runs/demo/checkpoints/final [--r1 build/r1] [--max_tokens 64]

Starts `r1 serve` on a free loopback port, sends /v1/completions streams (greedy, fixed max_tokens,
distinct prompts) from threads with the standard library only, and writes runs/bench/serve.json.
Timings are wall-clock on a shared machine: compare the ratios of one run, not figures across runs.
"engine busy" is the share of the wall time the engine spent in step() (from /metrics): well below
100% at a level means the clients or the HTTP side, not the batch, set the pace there.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time


def stream_completion(port, prompt, max_tokens):
    """One streaming request: (generated tokens, seconds to the first text, total seconds)."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    body = json.dumps({"prompt": prompt, "max_tokens": max_tokens, "temperature": 0, "stream": True,
                       "stream_options": {"include_usage": True}})
    conn.request("POST", "/v1/completions", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {resp.read()[:200]!r}")
    first, tokens = None, 0
    buf = b""
    while True:
        chunk = resp.read1(65536)
        if not chunk:
            break
        buf += chunk
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            if not event.startswith(b"data: "):
                continue
            data = event[6:]
            if data == b"[DONE]":
                continue
            j = json.loads(data)
            if j.get("usage"):
                tokens = j["usage"]["completion_tokens"]
            for c in j.get("choices", []):
                if c.get("text") and first is None:
                    first = time.perf_counter() - start
    conn.close()
    return tokens, first if first is not None else float("nan"), time.perf_counter() - start


def engine_busy_seconds(port):
    """r1_engine_busy_seconds_total from /metrics: how long the engine has spent stepping."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    m = re.search(r"^r1_engine_busy_seconds_total (\S+)$", text, re.M)
    return float(m.group(1)) if m else float("nan")


def run_level(port, clients, max_tokens, rounds):
    """`rounds` waves of `clients` concurrent requests: tokens/s over the waves, TTFTs."""
    total_tokens, total_time, ttfts = 0, 0.0, []
    for r in range(rounds):
        results = [None] * clients
        def work(i):
            results[i] = stream_completion(port, f"Request {r}-{i}: 3+5+{i % 10}+7 =", max_tokens)
        threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total_time += time.perf_counter() - t0
        total_tokens += sum(x[0] for x in results)
        ttfts += [x[1] for x in results]
    return total_tokens / total_time, ttfts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="runs/demo/checkpoints/final")
    ap.add_argument("--r1", default="build/r1")
    ap.add_argument("--max_tokens", type=int, default=64)
    ap.add_argument("--levels", default="1,4,16,64")
    ap.add_argument("--out", default="runs/bench/serve.json")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    server = subprocess.Popen([args.r1, "serve", "--model", args.model, "--port", "0", "--max_running", str(max(levels)),
                               "--threads", str(2 * max(levels) + 8)],
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "R1_API_KEY": ""})
    try:
        port = None
        for line in server.stderr:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
            if "serve: ready" in line:
                break
        if port is None:
            sys.exit("r1 serve did not start")
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()  # drain the log
        stream_completion(port, "warm up", 8)
        rows = {}
        for n in levels:
            # Enough requests at each level that one slow request does not decide the figure.
            rounds = max(1, 16 // n)
            busy0, t0 = engine_busy_seconds(port), time.perf_counter()
            tps, ttfts = run_level(port, n, args.max_tokens, rounds)
            busy = (engine_busy_seconds(port) - busy0) / (time.perf_counter() - t0)
            rows[n] = {"tokens_per_s": tps, "engine_busy_share": busy, "ttft_median_s": statistics.median(ttfts), "ttft_p90_s": sorted(ttfts)[int(0.9 * (len(ttfts) - 1))]}
        base = rows[levels[0]]["tokens_per_s"]
        print(f"r1 serve on {args.model}: {args.max_tokens} new tokens per request, greedy, streaming")
        print(f"{'clients':>8} {'tokens/s':>10} {'ratio':>7} {'TTFT median':>12} {'TTFT p90':>9} {'engine busy':>12}")
        for n in levels:
            r = rows[n]
            r["ratio_to_1"] = r["tokens_per_s"] / base
            print(f"{n:>8} {r['tokens_per_s']:>10.1f} {r['ratio_to_1']:>6.2f}x {r['ttft_median_s'] * 1000:>10.0f}ms "
                  f"{r['ttft_p90_s'] * 1000:>7.0f}ms {r['engine_busy_share'] * 100:>11.0f}%")
        if 16 in rows:
            print(f"goal: >= 6x at 16 clients: {rows[16]['ratio_to_1']:.2f}x "
                  f"({'met' if rows[16]['ratio_to_1'] >= 6 else 'not met'}); time to first token at 16: "
                  f"{rows[16]['ttft_median_s'] * 1000:.0f} ms median")
        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        with open(args.out, "w") as f:
            json.dump({"model": args.model, "max_tokens": args.max_tokens, "levels": rows}, f, indent=1)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
