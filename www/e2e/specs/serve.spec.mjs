// The README's serve command: `PORT=<free port> scripts/serve.sh` must print its URL and
// serve a page that starts without a console error or a Content-Security-Policy violation
// (trunk's autoreload script, inline, would be one). The process group is killed at the end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

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
  let browser = null;
  try {
    const [, url] = await lineMatching(child, /(http:\/\/127\.0\.0\.1:\d+\/)/, log);
    assert.equal(url, `http://127.0.0.1:${port}/`, "the URL names the port asked for");
    await untilServing(url, Date.now() + 240_000);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage();
    const errors = [];
    const external = [];
    page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
    page.on("pageerror", (err) => errors.push(String(err)));
    page.on("request", (req) => !req.url().startsWith(url) && !req.url().startsWith("data:") && external.push(req.url()));
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(url);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="eval-counter"]')?.textContent) >= 2, null, { timeout: 60_000 });
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "no CSP violation (no inline autoreload script)");
    assert.deepEqual(errors, [], "no console error");
    assert.deepEqual(external, [], "no request leaves the page");
  } finally {
    await browser?.close().catch(() => {});
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  }
});
