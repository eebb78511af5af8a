// The README's serve command: `PORT=<free port> scripts/serve.sh` must print its URL and
// serve a page that starts without a console error, a Content-Security-Policy violation
// (trunk's autoreload script, inline, would be one) or a request leaving the page (the
// fixture's checks), and must send the engine's worker script the page's policy as a
// header. The process group is killed at the end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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

/** Resolves with the first match of `pattern` in what `child` has printed so far or prints
 * next (stdout and stderr, collected in `log` from its start). */
function lineMatching(child, pattern, log) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = log.join("").match(pattern);
      if (match) {
        child.off("output", check);
        resolve(match);
      }
    };
    child.on("output", check);
    child.on("exit", (code) => reject(new Error(`serve.sh exited (${code}) before printing ${pattern}:\n${log.join("")}`)));
    check();
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

/** Starts scripts/serve.sh on a free port, in a process group of its own. */
async function startServe(extraEnv = {}) {
  const port = await freePort();
  const child = spawn("bash", ["scripts/serve.sh"], { cwd: repo, env: { ...process.env, ...extraEnv, PORT: String(port) }, detached: true });
  const log = [];
  const collect = (chunk) => {
    log.push(String(chunk));
    child.emit("output");
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  return { port, child, log };
}

test("scripts/serve.sh serves a page with no console error or CSP violation", { timeout: 300_000 }, async () => {
  const { port, child, log } = await startServe();
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

test("where the WebGPU engine is not built, serve.sh serves the page first (it trains on the CPU and says why), then the whole page, and says to reload", { timeout: 300_000 }, async () => {
  // The test command built every module already, so the WebGPU module's build would take
  // seconds: the hold file keeps serve.sh at its first step until the checks of it are done.
  const hold = join(await mkdtemp(join(tmpdir(), "modalscope-serve-")), "hold");
  await writeFile(hold, "");
  const { port, child, log } = await startServe({ MODALSCOPE_SERVE_IN_TWO_STEPS: "1", MODALSCOPE_SERVE_HOLD: hold });
  try {
    const [, url] = await lineMatching(child, /serving (http:\/\/127\.0\.0\.1:\d+\/): open it now; it trains on the CPU engine/, log);
    assert.equal(url, `http://127.0.0.1:${port}/`);
    const type = async (file) => (await fetch(`${url}${file}`)).headers.get("content-type");
    assert.match(await type("modalscope-worker-cpu_bg.wasm"), /^application\/wasm/, "the first step serves the CPU-only engine");
    assert.doesNotMatch(await type("modalscope-worker_bg.wasm"), /wasm/, "and not the WebGPU one (trunk answers with the page)");
    await withExplorer({ webgpu: true, url }, async (ui) => {
      await ui.waitForText("backend-badge", /CPU/);
      assert.match(await ui.text("backend-reason"), /no WebGPU engine module yet \(modalscope-worker_bg\.wasm: HTTP 200, text\/html/);
      await ui.waitForAtLeast("eval-counter", 2);
    });
    await rm(hold);
    await lineMatching(child, /the WebGPU engine module is built: serving the whole page at http:\/\/127\.0\.0\.1:\d+\/ in a few seconds; reload it there/, log);
    const deadline = Date.now() + 240_000;
    while (!/^application\/wasm/.test(await type("modalscope-worker_bg.wasm").catch(() => ""))) {
      assert.ok(Date.now() < deadline, `the WebGPU engine module was never served:\n${log.join("")}`);
      await new Promise((resolve) => setTimeout(resolve, 500)); // polling a server that is restarting
    }
    assert.ok(!existsSync(`${repo}.serve-first.html`), "the first step's page is removed");
    await withExplorer({ webgpu: false, url }, (ui) => ui.waitForAtLeast("eval-counter", 2));
  } finally {
    await rm(dirname(hold), { recursive: true, force: true });
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  }
});
