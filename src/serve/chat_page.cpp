#include "serve/chat_page.h"

namespace r1::serve {

const std::string& chat_page_html() {
  static const std::string kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>r1 chat</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { background: #1d2330; color: #fff; padding: 10px 16px; display: flex; gap: 12px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; flex: 1; }
  header input { width: 220px; padding: 4px 6px; border-radius: 4px; border: 1px solid #555; }
  #log { max-width: 860px; margin: 0 auto; padding: 16px; }
  .turn { margin: 12px 0; padding: 10px 14px; border-radius: 8px; white-space: pre-wrap; line-height: 1.45; }
  .user { background: #dde7ff; margin-left: 80px; }
  .assistant { background: #fff; border: 1px solid #dde1e8; margin-right: 80px; }
  details.thinking { color: #5b6472; font-size: 13px; margin-bottom: 8px; border-left: 3px solid #c5cad3; padding-left: 8px; }
  details.thinking summary { cursor: pointer; }
  .error { color: #b00020; }
  form { max-width: 860px; margin: 0 auto; padding: 0 16px 24px; display: flex; gap: 8px; }
  textarea { flex: 1; min-height: 48px; padding: 8px; border-radius: 6px; border: 1px solid #c5cad3; font: inherit; }
  button { padding: 0 18px; border-radius: 6px; border: 0; background: #2f5bd3; color: #fff; font: inherit; }
</style>
</head>
<body>
<header><h1>r1 chat</h1><label>API key <input id="key" type="password" placeholder="(none)"></label></header>
<div id="log"></div>
<form id="form"><textarea id="input" placeholder="Ask something (Enter sends, Shift+Enter: new line)"></textarea><button id="send" type="submit">Send</button></form>
<script>
"use strict";
const messages = [];
const log = document.getElementById("log");
const input = document.getElementById("input");
const keyBox = document.getElementById("key");
keyBox.value = localStorage.getItem("r1_api_key") || "";
keyBox.addEventListener("change", () => localStorage.setItem("r1_api_key", keyBox.value));

function element(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

// Reads an SSE body: calls onData with each event's data string.
async function readEvents(body, onData) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of event.split("\n"))
        if (line.startsWith("data: ")) onData(line.slice(6));
    }
  }
}

async function send(text) {
  messages.push({ role: "user", content: text });
  log.appendChild(element("div", "turn user", text));
  const turn = element("div", "turn assistant");
  const thinking = element("details", "thinking");
  const summary = element("summary", "", "Thinking");
  const thought = element("div", "thought");
  thinking.append(summary, thought);
  thinking.hidden = true;
  const answer = element("div", "answer");
  turn.append(thinking, answer);
  log.appendChild(turn);
  const headers = { "Content-Type": "application/json" };
  if (keyBox.value) headers["Authorization"] = "Bearer " + keyBox.value;
  let reasoning = "", content = "";
  try {
    const res = await fetch("/v1/chat/completions", {
      method: "POST", headers, body: JSON.stringify({ messages, stream: true }) });
    if (!res.ok) {
      let msg = res.status + " " + res.statusText;
      try { msg = (await res.json()).error.message; } catch (e) {}
      throw new Error(msg);
    }
    await readEvents(res.body, (data) => {
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message);
      for (const c of chunk.choices || []) {
        const d = c.delta || {};
        if (d.reasoning_content) {
          reasoning += d.reasoning_content;
          thought.textContent = reasoning;
          thinking.hidden = false;
        }
        if (d.content) {
          content += d.content;
          answer.textContent = content;
        }
      }
      window.scrollTo(0, document.body.scrollHeight);
    });
    summary.textContent = "Thinking (" + reasoning.length + " characters)";
    messages.push({ role: "assistant", content, reasoning_content: reasoning });
    turn.dataset.done = "true";
  } catch (e) {
    answer.appendChild(element("div", "error", "Error: " + e.message));
    turn.dataset.done = "error";
    messages.pop();
  }
}

document.getElementById("form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text);
});
input.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey) {
    ev.preventDefault();
    document.getElementById("form").requestSubmit();
  }
});

const params = new URLSearchParams(location.hash.slice(1));
if (params.get("key") !== null) { keyBox.value = params.get("key"); localStorage.setItem("r1_api_key", keyBox.value); }
if (params.get("q")) send(params.get("q"));
</script>
</body>
</html>
)HTML";
  return kPage;
}

}  // namespace r1::serve
