// Drives r1 serve with the official OpenAI Node client, for the tests and the bench.
//   node client.mjs --modules DIR --base_url URL --api_key KEY --requests FILE [--concurrent]
// FILE holds a JSON array of {"endpoint": "chat" | "completions", "body": {...}, "abort_after": N?}.
// Prints one JSON array to stdout, one result per request, in order:
//   {"ok": true, "response": {...}}                       non-streaming
//   {"ok": true, "chunks": [...], "ttft_ms": T, "ms": M}   streaming (every chunk as the client yields it)
//   {"ok": false, "error": {"class", "status", "message", "param", "code"}}
// "abort_after": N aborts a stream after N chunks (a client that goes away).
// --concurrent sends all requests at once; otherwise one after another.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const args = {};
for (let i = 2; i < process.argv.length; ++i) {
  const a = process.argv[i];
  if (!a.startsWith("--")) throw new Error("unexpected argument " + a);
  const key = a.slice(2);
  if (key === "concurrent") args.concurrent = true;
  else args[key] = process.argv[++i];
}
const require = createRequire(args.modules + "/node_modules/");
const { OpenAI } = require("openai");
const client = new OpenAI({ baseURL: args.base_url, apiKey: args.api_key, maxRetries: 0, timeout: 120000 });
const requests = JSON.parse(readFileSync(args.requests, "utf8"));

async function one(req) {
  const api = req.endpoint === "completions" ? client.completions : client.chat.completions;
  const start = performance.now();
  try {
    if (!req.body.stream) return { ok: true, response: await api.create(req.body) };
    const stream = await api.create(req.body);
    const chunks = [];
    let ttft = null;
    for await (const chunk of stream) {
      const c = chunk.choices && chunk.choices[0];
      const d = c && (c.delta || {});
      if (ttft === null && c && ((d && (d.content || d.reasoning_content)) || c.text)) ttft = performance.now() - start;
      chunks.push(chunk);
      if (req.abort_after && chunks.length >= req.abort_after) {
        stream.controller.abort();
        break;
      }
    }
    return { ok: true, chunks, ttft_ms: ttft, ms: performance.now() - start };
  } catch (e) {
    return { ok: false, error: { class: e.constructor.name, status: e.status ?? null, message: e.message,
                                 param: e.param ?? null, code: e.code ?? null } };
  }
}

let results;
if (args.concurrent) {
  results = await Promise.all(requests.map(one));
} else {
  results = [];
  for (const r of requests) results.push(await one(r));
}
process.stdout.write(JSON.stringify(results) + "\n");
