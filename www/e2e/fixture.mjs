// Page-object fixture for the browser specs: serves dist/ on loopback, launches Debian's
// chromium through playwright-core, and records what a spec asserts on (console errors,
// Content-Security-Policy violations, long tasks).
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

/** Per-test time limits: CPU specs, and specs on WebGPU through SwiftShader (slow). */
export const CPU_TIMEOUT = 120_000;
export const GPU_TIMEOUT = 300_000;

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = process.env.MODALSCOPE_DIST || join(here, "..", "..", "dist");
export const distDir = dist;
export const outputDir = join(here, "output");

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".bin": "application/octet-stream",
  ".md": "text/markdown",
};

/** The page's Content-Security-Policy, from the <meta> in dist/index.html. */
export async function pagePolicy(dir = dist) {
  const html = await readFile(join(dir, "index.html"), "utf8");
  const policy = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
  assert.ok(policy, "dist/index.html has a Content-Security-Policy <meta>");
  return policy[1];
}

/** Gzipped files by path, compressed once per process (serveDist's `gzip`). */
const compressed = new Map();

/**
 * Serves dist/ on loopback. Every response carries the page's Content-Security-Policy as a
 * header, as scripts/serve.sh does: a <meta> policy does not reach the engine's worker.
 * `gzip` compresses responses as a real host would (the benchmarks); each file is
 * compressed once per process, so that only the first load pays for it. `prefix` serves
 * it under a subpath (`/sub/`), as a course's static host might; anything outside it is a
 * 404, which `requests404` lists. `dir` serves another build than dist/ (the benchmarks
 * alternate two builds).
 */
export async function serveDist({ gzip = false, prefix = "/", dir = dist } = {}) {
  const policy = await pagePolicy(dir);
  const missing = [];
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const path = pathname.startsWith(prefix) ? normalize(`/${pathname.slice(prefix.length)}`).replace(/^\/+/, "") : "\0outside";
    const file = join(dir, path === "" ? "index.html" : path);
    try {
      let body = await readFile(file);
      const headers = { "content-type": types[extname(file)] || "application/octet-stream", "content-security-policy": policy };
      if (gzip && /gzip/.test(req.headers["accept-encoding"] || "")) {
        if (!compressed.has(file)) compressed.set(file, gzipSync(body, { level: 6 }));
        body = compressed.get(file);
        headers["content-encoding"] = "gzip";
      }
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      missing.push(pathname);
      res.writeHead(404);
      res.end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  return { url: `http://127.0.0.1:${server.address().port}${prefix}`, close, missing };
}

const baseArgs = [
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export class Explorer {
  /**
   * Serves dist/ (or uses the page already served at `url`), launches chromium and opens
   * the page. `webgpu` adds SwiftShader's WebGPU; `query` is the address's query string;
   * `initScript` runs in the page before its own scripts; `workerInitScript` (source text)
   * runs in the engine's worker before www/worker.js (Playwright's init scripts do not
   * reach workers, so the fixture prepends it to the script as served). The page runs at
   * `pace` (default "max": a spec waits for what happens, not for a lecture's 20 s; null
   * leaves the preset's own pace) unless `query` names one; `hash` is the link's part after
   * `#` (the page's whole state, src/link.rs). `viewport` and `scale` (the device pixel
   * ratio) size the window; `dir` serves another build than dist/. If any of it fails,
   * whatever was started is closed before the error goes on.
   */
  static async open({ webgpu, query = "", hash = "", initScript = null, workerInitScript = null, url = null, gzip = false, prefix = "/", dir = dist, beforeGoto = null, browserArgs = [], pace = "max", viewport = { width: 1500, height: 1100 }, scale = 1 }) {
    const server = url ? { url, close() {}, missing: [] } : await serveDist({ gzip, prefix, dir });
    let browser = null;
    try {
      const args = [...(webgpu ? [...baseArgs, "--enable-unsafe-webgpu", "--enable-unsafe-swiftshader"] : [...baseArgs, "--disable-gpu"]), ...browserArgs];
      browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args });
      const page = await browser.newPage({ viewport, deviceScaleFactor: scale });
      const explorer = new Explorer(server, browser, page);
      page.on("console", (msg) => {
        if (msg.type() === "error") explorer.consoleErrors.push(msg.text());
      });
      page.on("pageerror", (err) => explorer.consoleErrors.push(String(err)));
      page.on("request", (req) => {
        const local = [server.url, "data:", "blob:"].some((prefix) => req.url().startsWith(prefix));
        if (!local) explorer.externalRequests.push(req.url());
      });
      await page.addInitScript(() => {
        window.__longTasks = [];
        window.__cspViolations = [];
        document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
        try {
          new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
          }).observe({ type: "longtask", buffered: true });
        } catch (e) {
          window.__longTasks.push(-1);
        }
      });
      if (initScript) await page.addInitScript(initScript);
      if (workerInitScript) {
        await page.route(/\/worker\.js(\?|$)/, async (route) => {
          const response = await route.fetch();
          await route.fulfill({ response, body: `${workerInitScript}\n${await response.text()}` });
        });
      }
      if (beforeGoto) await beforeGoto(page);
      const paced = pace === null || /(^|[?&])pace=/.test(query) ? query : `${query}${query.startsWith("?") ? "&" : "?"}pace=${pace}`;
      await page.goto(server.url + paced + (hash ? `#${hash}` : ""));
      return explorer;
    } catch (error) {
      await browser?.close().catch(() => {});
      server.close();
      throw error;
    }
  }

  constructor(server, browser, page) {
    this.server = server;
    this.browser = browser;
    this.page = page;
    this.consoleErrors = [];
    this.externalRequests = [];
  }

  async text(testid) {
    return (await this.page.getByTestId(testid).first().textContent()).trim();
  }

  async number(testid) {
    return Number(await this.text(testid));
  }

  /** Waits until the numeric `testid` reaches `min` (no fixed sleeps). */
  async waitForAtLeast(testid, min, timeout = 60_000) {
    await this.page.waitForFunction(
      ([id, value]) => Number(document.querySelector(`[data-testid="${id}"]`)?.textContent) >= value,
      [testid, min],
      { timeout, polling: 100 },
    );
    return this.number(testid);
  }

  async waitForText(testid, pattern, timeout = 60_000) {
    await this.page.waitForFunction(
      ([id, source]) => new RegExp(source).test(document.querySelector(`[data-testid="${id}"]`)?.textContent || ""),
      [testid, pattern.source],
      { timeout, polling: 100 },
    );
    return this.text(testid);
  }

  /** Unfolds "Share and export" (the link, the CLI command, the downloads). */
  async openShare() {
    await this.page.getByTestId("share-panel").waitFor({ state: "attached" });
    await this.page.evaluate(() => { document.querySelector('[data-testid="share-panel"]').open = true; });
    // The panel writes its CLI command (and draws its QR code) once it has opened: its toggle
    // event comes a task later.
    await this.page.waitForFunction(() => document.querySelector('[data-testid="cli-command"]')?.value, null, { timeout: 5_000 });
  }

  /** Clicks the download button `testid` (in "Share and export" or on a chart) and returns
   * the download: its suggested name and its bytes. */
  async download(testid) {
    if (!testid.startsWith("png-")) await this.openShare();
    const [download] = await Promise.all([this.page.waitForEvent("download"), this.page.getByTestId(testid).click()]);
    return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
  }

  /** Unfolds the diagnostics panel (the backend switch and the loop's measurements). */
  async openDiagnostics() {
    await this.page.evaluate(() => { document.querySelector('[data-testid="diagnostics"]').open = true; });
  }

  /** A fingerprint of a chart's pixels, to see that it changed. */
  async chartFingerprint(id) {
    return this.page.evaluate((chart) => {
      const canvas = document.querySelector(`[data-testid="chart-${chart}"] canvas`);
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let hash = 0;
      for (let i = 0; i < data.length; i += 7) hash = (hash * 31 + data[i]) >>> 0;
      return hash;
    }, id);
  }

  async longTasks() {
    return this.page.evaluate(() => window.__longTasks);
  }

  /** Returns the long tasks seen so far (page start-up) and starts counting afresh. */
  async resetLongTasks() {
    return this.page.evaluate(() => window.__longTasks.splice(0));
  }

  async cspViolations() {
    return this.page.evaluate(() => window.__cspViolations);
  }

  async screenshot(name) {
    await mkdir(outputDir, { recursive: true });
    await this.page.screenshot({ path: join(outputDir, name), fullPage: true });
  }

  /** Resolves after `count` animation frames of the page (a wait measured in the page's
   * own frames, not a fixed sleep). */
  async frames(count) {
    await this.page.evaluate(
      (n) => new Promise((resolve) => {
        const next = (left) => (left === 0 ? resolve() : requestAnimationFrame(() => next(left - 1)));
        next(n);
      }),
      count,
    );
  }

  /** From now on, records the smallest number the numeric `testid` shows (read it with
   * `smallestSeen`): a counter that must never go back, checked on every change. Returns
   * the value it starts from (the baseline, read in the same task as the watch begins). */
  async watchSmallest(testid) {
    return this.page.evaluate((id) => {
      const element = document.querySelector(`[data-testid="${id}"]`);
      window.__smallest = window.__smallest || {};
      window.__smallest[id] = Number(element.textContent);
      new MutationObserver(() => {
        window.__smallest[id] = Math.min(window.__smallest[id], Number(element.textContent));
      }).observe(element, { childList: true, characterData: true, subtree: true });
      return window.__smallest[id];
    }, testid);
  }

  async smallestSeen(testid) {
    return this.page.evaluate((id) => window.__smallest[id], testid);
  }

  /** The evaluations the page published under `?test-hooks` (metrics.jsonl objects). */
  async evaluations() {
    return this.page.evaluate(() => window.__modalscopeEvaluations || []);
  }

  /** Fails on what every spec must hold: no request left the page, no CSP violation, and
   * (unless the spec expects some) no console error. */
  async assertClean({ consoleErrors = true } = {}) {
    assert.deepEqual(this.externalRequests, [], "no request leaves the page");
    assert.deepEqual(this.server.missing, [], "every file the page asked for was there");
    assert.deepEqual(await this.cspViolations(), [], "no Content-Security-Policy violation");
    if (consoleErrors) assert.deepEqual(this.consoleErrors, [], "no console error");
  }

  async close() {
    await this.browser.close().catch(() => {});
    this.server.close();
  }
}

/** Opens the explorer, runs `body(ui)`, checks `assertClean` (with `clean` as its options)
 * and closes everything whatever happened. */
export async function withExplorer(options, body, clean = {}) {
  const ui = await Explorer.open(options);
  try {
    await body(ui);
    await ui.assertClean(clean);
  } finally {
    await ui.close();
  }
}
