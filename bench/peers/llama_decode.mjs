#!/usr/bin/env node
// The llama.cpp peer of `make bench`: batch-1 greedy decode of a GGUF model through npm's
// node-llama-cpp (its prebuilt CPU binaries), the way a user of llama.cpp's bindings runs it.
//
//   llama_decode.mjs --modules DIR --gguf FILE --vocab V [--threads 1,2] [--prompt_len 16] [--new_tokens 32]
//
// DIR holds node_modules/node-llama-cpp (scripts/bench-setup.sh installs it there). The prompt is
// bench/driver/workloads.cpp's prompt 0: position t holds (t*7) % (V - 1). For each thread count it
// evaluates the prompt, then times the greedy tokens after the first (the prefill excluded, as on
// the r1cpp side), and prints one JSON object: {"runs": [{threads, tokens_per_s, tokens}], "best": ...}.
import path from "node:path";
import { pathToFileURL } from "node:url";

function args() {
  const out = { threads: "1,2", prompt_len: "16", new_tokens: "32" };
  for (let i = 2; i < process.argv.length; i += 2) {
    const key = process.argv[i].replace(/^--/, "");
    if (!(key in out) && !["modules", "gguf", "vocab"].includes(key)) throw new Error(`llama_decode.mjs: unknown option --${key}`);
    if (process.argv[i + 1] === undefined) throw new Error(`llama_decode.mjs: --${key} needs a value`);
    out[key] = process.argv[i + 1];
  }
  for (const k of ["modules", "gguf", "vocab"]) if (!out[k]) throw new Error(`llama_decode.mjs: --${k} is required`);
  return out;
}

const a = args();
const entry = path.join(path.resolve(a.modules), "node_modules", "node-llama-cpp", "dist", "index.js");
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(entry).href);
// maxThreads 0: a context's thread count is used as given, not capped by the pool's default.
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, maxThreads: 0 });
const model = await llama.loadModel({ modelPath: a.gguf, gpuLayers: 0 });
const V = Number(a.vocab);  // the checkpoint's vocab_size: the bindings do not expose it
const promptLen = Number(a.prompt_len), newTokens = Number(a.new_tokens);
const prompt = Array.from({ length: promptLen }, (_, t) => (t * 7) % (V - 1));

const runs = [];
for (const threads of a.threads.split(",").map(Number)) {
  const context = await model.createContext({ contextSize: promptLen + newTokens + 8, batchSize: promptLen,
                                              threads: { ideal: threads, min: threads }, sequences: 1 });
  const sequence = context.getSequence();
  const tokens = [];
  let first = 0;
  for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
    tokens.push(token);
    if (tokens.length === 1) first = performance.now();
    if (tokens.length === newTokens) break;
  }
  const seconds = (performance.now() - first) / 1e3;
  runs.push({ threads, tokens_per_s: (newTokens - 1) / seconds, tokens });
  await context.dispose();
}
const best = runs.reduce((x, y) => (y.tokens_per_s > x.tokens_per_s ? y : x));
console.log(JSON.stringify({ runs, best }));
await model.dispose();
