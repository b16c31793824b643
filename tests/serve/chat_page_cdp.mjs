// Opens a page in headless Chromium and waits, through the DevTools protocol, until it says it is done
// (an element matching --done_selector exists), then prints its DOM and writes a PNG screenshot.
// --dump-dom alone cannot do this: it returns before a streamed fetch has delivered anything.
//   node --experimental-websocket chat_page_cdp.mjs --chromium PATH --url URL --profile DIR
//        --done_selector CSS --png FILE [--timeout_ms 60000]
// Prints {"dom": "...", "done": true|false} on stdout.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const timeout = Number(args.timeout_ms || 60000);
const deadline = Date.now() + timeout;

const browser = spawn(args.chromium, [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
  "--window-size=900,600", "--user-data-dir=" + args.profile, "--remote-debugging-port=0", "about:blank"],
  { stdio: ["ignore", "ignore", "pipe"] });
const killer = setTimeout(() => { browser.kill("SIGKILL"); process.exit(3); }, timeout + 5000);

// Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" when ready.
const wsUrl = await new Promise((resolve, reject) => {
  let err = "";
  browser.stderr.on("data", (d) => {
    err += d.toString();
    const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) resolve(m[1]);
  });
  browser.on("exit", (code) => reject(new Error("chromium exited " + code + ": " + err)));
});
const port = new URL(wsUrl).port;
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const page = targets.find((t) => t.type === "page");
const ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener("open", r));
let nextId = 1;
const pending = new Map();
ws.addEventListener("message", (ev) => {
  const msg = JSON.parse(ev.data);
  if (msg.id && pending.has(msg.id)) {
    pending.get(msg.id)(msg);
    pending.delete(msg.id);
  }
});
const send = (method, params = {}) => new Promise((resolve) => {
  const id = nextId++;
  pending.set(id, resolve);
  ws.send(JSON.stringify({ id, method, params }));
});
const evaluate = async (expr) => (await send("Runtime.evaluate", { expression: expr, returnByValue: true })).result?.result?.value;

await send("Page.enable");
await send("Page.navigate", { url: args.url });
let done = false;
while (Date.now() < deadline) {
  done = await evaluate(`!!document.querySelector(${JSON.stringify(args.done_selector)})`);
  if (done) break;
  await new Promise((r) => setTimeout(r, 100));
}
const dom = await evaluate("document.documentElement.outerHTML");
const shot = await send("Page.captureScreenshot", { format: "png" });
if (shot.result?.data) writeFileSync(args.png, Buffer.from(shot.result.data, "base64"));
process.stdout.write(JSON.stringify({ dom, done }) + "\n");
clearTimeout(killer);
ws.close();
browser.kill("SIGTERM");
process.exit(0);
