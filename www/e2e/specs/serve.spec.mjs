// The README's serve command: `PORT=<free port> scripts/serve.sh` must print its URL and
// serve a page that starts without a console error, a Content-Security-Policy violation
// (trunk's autoreload script, inline, would be one) or a request leaving the page (the
// fixture's checks), and must send the engine's worker script the page's policy as a
// header. The process group is killed at the end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { pagePolicy, withExplorer } from "../fixture.mjs";

const repo = fileURLToPath(new URL("../../..", import.meta.url));

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves with the first line of `stream` that matches `pattern`. */
function lineMatching(child, pattern, log) {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk) => {
      buffered += chunk;
      log.push(String(chunk));
      const match = buffered.match(pattern);
      if (match) resolve(match);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`serve.sh exited (${code}) before printing its URL:\n${log.join("")}`)));
  });
}

async function untilServing(url, deadline) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok && /modalscope|boot\.js/.test(await response.text())) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 500)); // polling a server that is still building
  }
  throw new Error(`${url} never served the page`);
}

test("scripts/serve.sh serves a page with no console error or CSP violation", { timeout: 300_000 }, async () => {
  const port = await freePort();
  const child = spawn("bash", ["scripts/serve.sh"], { cwd: repo, env: { ...process.env, PORT: String(port) }, detached: true });
  const log = [];
  try {
    const [, url] = await lineMatching(child, /(http:\/\/127\.0\.0\.1:\d+\/)/, log);
    assert.equal(url, `http://127.0.0.1:${port}/`, "the URL names the port asked for");
    await untilServing(url, Date.now() + 240_000);
    const worker = await fetch(`${url}worker.js`);
    assert.equal(worker.headers.get("content-security-policy"), await pagePolicy(), "the engine's worker gets the page's policy as a header (a <meta> does not reach it)");
    await withExplorer({ webgpu: false, url }, (ui) => ui.waitForAtLeast("eval-counter", 2));
  } finally {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  }
});
