#!/usr/bin/env node
// Builds the deterministic tokenizer peer corpus (JSONL: one JSON string per line, >= 200 KB):
// the hand-written texts of tests/text/data (English, Chinese, Japanese, Korean, other scripts,
// code, LaTeX, emoji, digit and whitespace runs, special-token strings), their NFD and CRLF
// variants, excerpts of the data/ folder (GSM8K, MATH-500, AIME, R1-distill reasoning traces), and
// seeded random mixtures of fragments joined by whitespace runs, digit runs and special tokens.
//   make_corpus.js --texts tests/text/data --data data --out corpus.jsonl
"use strict";
const fs = require("fs");
const path = require("path");

const a = {};
for (let i = 2; i < process.argv.length; i += 2) a[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];

const docs = [];
const texts = fs.readdirSync(a.texts).filter((f) => f.endsWith(".txt")).sort()
  .map((f) => fs.readFileSync(path.join(a.texts, f), "utf8"));
const lines = [];
for (const t of texts) {
  docs.push(t, t.replace(/\n/g, "\r\n"), t.normalize("NFD"));
  for (const l of t.split("\n")) {
    if (l.length === 0) continue;
    lines.push(l);
    docs.push(l);
    if (l.normalize("NFD") !== l) docs.push(l.normalize("NFD"));
  }
}

function jsonl(file, limit, fn) {
  const p = path.join(a.data, file);
  const rows = fs.readFileSync(p, "utf8").split("\n").filter((l) => l.length > 0).slice(0, limit);
  for (const r of rows) {
    const d = fn(JSON.parse(r));
    if (d) docs.push(d);
  }
}
jsonl("gsm8k_test.jsonl", 200, (r) => r.question + "\n" + r.answer);
jsonl("math500_test.jsonl", 120, (r) => r.problem + "\n\n" + r.solution);
jsonl("qwq_aime24.jsonl", 30, (r) => r.prompt);
jsonl("qwen25math_olympiadbench_test.jsonl", 40, (r) => r.question + "\n" + (r.solution || []).join("\n"));
jsonl("r1_distill_math_outputs_thought_anchors.jsonl", 12, (r) => "<think>\n" + r.response.split("</think>")[0] + "\n</think>\n\n" + r.gt_answer);

// Seeded mixtures (LCG, so the corpus is identical on every machine).
let seed = 20261123;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const separators = [" ", "  ", "\n", "\n\n", "\t", "   \n  ", " \r\n", "<think>", "</think>", "<|endoftext|>",
  "<|im_start|>", "<|im_end|>", "<｜User｜>", "<｜Assistant｜>", "<|begin_of_text|>", "<|eot_id|>", "😀", "中", "？"];
for (let d = 0; d < 600; ++d) {
  let s = "";
  const parts = 3 + rand(6);
  for (let p = 0; p < parts; ++p) {
    const l = Array.from(lines[rand(lines.length)]);  // code points, never half a surrogate pair
    const from = rand(Math.max(1, l.length - 10));
    s += l.slice(from, from + 10 + rand(80)).join("");
    switch (rand(4)) {
      case 0: s += " ".repeat(1 + rand(20)); break;
      case 1: for (let k = 1 + rand(40); k > 0; --k) s += String(rand(10)); break;
      default: s += separators[rand(separators.length)];
    }
  }
  docs.push(s);
}
const valid = docs.filter((d) => d.length > 0);
fs.writeFileSync(a.out, valid.map((d) => JSON.stringify(d)).join("\n") + "\n");
const bytes = valid.reduce((n, d) => n + Buffer.byteLength(d, "utf8"), 0);
process.stdout.write(JSON.stringify({ docs: valid.length, bytes }) + "\n");
