#!/usr/bin/env node
// llama.cpp as a peer of r1cpp, through npm's node-llama-cpp (installed by install.sh into MODULES),
// on the CPU. Every command loads a GGUF file and prints one JSON object on stdout.
//
//   peer.mjs greedy   --modules M --model F.gguf --prompt 1,2,3 --n N [--threads T] [--kv f32|f16]
//       {"tokens": [...]}: N greedy tokens (temperature 0, no penalties) after the prompt's token
//       ids, fed as ids so no tokenizer stands between the two models; EOS does not stop it.
//   peer.mjs tokenize --modules M --model F.gguf --texts T.json
//       {"ids": [[...], ...]}: llama.cpp's tokenization of each string of the JSON array T.json,
//       special tokens parsed, no BOS added.
//   peer.mjs bench    --modules M --model F.gguf --prompt 1,2,3 --n N [--threads T] [--repeats R] [--kv f16]
//       {"decode_tokens_per_s": x, "prefill_tokens": p, "threads": t}: the best of R runs of
//       decoding N tokens after the prompt (batch 1, greedy), the prompt's prefill not timed.
import fs from "fs";
import path from "path";
import { pathToFileURL } from "url";

function args() {
  const out = { _: process.argv[2] };
  for (let i = 3; i < process.argv.length; i += 2) out[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
  return out;
}

function ids(list) {
  return list.split(",").filter((s) => s.length > 0).map((s) => Number.parseInt(s, 10));
}

async function load(a) {
  const entry = path.join(a.modules, "node_modules", "node-llama-cpp", "dist", "index.js");
  const { getLlama, LlamaLogLevel } = await import(pathToFileURL(entry).href);
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: a.model, gpuLayers: 0 });
  return { llama, model };
}

// --kv f32 (the default here: the KV cache in fp32 and no flash attention, so an f32 model runs in
// fp32 end to end) or f16 (llama.cpp's own default, as users run it).
async function context(model, a, tokens) {
  const threads = Number.parseInt(a.threads ?? "1", 10);
  const kv = (a.kv ?? "f32").toUpperCase();
  const ctx = await model.createContext({
    contextSize: Math.max(256, tokens + 16),
    threads,
    sequences: 1,
    flashAttention: kv === "F32" ? false : "auto",
    experimentalKvCacheKeyType: kv,
    experimentalKvCacheValueType: kv,
  });
  return { ctx, threads };
}

async function greedy(seq, prompt, n) {
  const out = [];
  if (n <= 0) return out;
  for await (const t of seq.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
    out.push(t);
    if (out.length >= n) break;
  }
  return out;
}

async function main() {
  const a = args();
  const { model } = await load(a);
  if (a._ === "tokenize") {
    const texts = JSON.parse(fs.readFileSync(a.texts, "utf8"));
    const out = texts.map((t) => Array.from(model.tokenize(t, true)));
    process.stdout.write(JSON.stringify({ ids: out }) + "\n");
    return;
  }
  const prompt = ids(a.prompt);
  const n = Number.parseInt(a.n, 10);
  if (a._ === "greedy") {
    const { ctx } = await context(model, a, prompt.length + n);
    const tokens = await greedy(ctx.getSequence(), prompt, n);
    process.stdout.write(JSON.stringify({ tokens }) + "\n");
    return;
  }
  if (a._ === "bench") {
    const repeats = Number.parseInt(a.repeats ?? "3", 10);
    const { ctx, threads } = await context(model, a, prompt.length + n);
    let best = 0;
    for (let r = 0; r < repeats; ++r) {
      const seq = ctx.getSequence();
      let count = 0;
      let t0 = 0;
      for await (const t of seq.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
        void t;
        // The first token comes out of the prefill; time the N decode steps after it.
        if (count === 0) t0 = performance.now();
        if (++count > n) break;
      }
      const seconds = (performance.now() - t0) / 1000;
      best = Math.max(best, n / seconds);
      seq.dispose();
    }
    process.stdout.write(JSON.stringify({ decode_tokens_per_s: best, prefill_tokens: prompt.length, threads }) + "\n");
    return;
  }
  throw new Error("unknown command '" + a._ + "' (greedy, tokenize, bench)");
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write("llama.cpp peer: " + (e && e.stack ? e.stack : e) + "\n");
    process.exit(1);
  },
);
