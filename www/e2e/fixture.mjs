// Page-object fixture for the browser specs: serves dist/ on loopback, launches Debian's
// chromium through playwright-core, and records what a spec asserts on (console errors,
// Content-Security-Policy violations, long tasks).
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = process.env.MODALSCOPE_DIST || join(here, "..", "..", "dist");
export const outputDir = join(here, "output");

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".bin": "application/octet-stream",
  ".md": "text/markdown",
};

export async function serveDist() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^\/+/, "");
    const file = join(dist, path === "" ? "index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
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
  static async open({ webgpu, query = "" }) {
    const server = await serveDist();
    const args = webgpu ? [...baseArgs, "--enable-unsafe-webgpu", "--enable-unsafe-swiftshader"] : [...baseArgs, "--disable-gpu"];
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args });
    const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    const explorer = new Explorer(server, browser, page);
    page.on("console", (msg) => {
      if (msg.type() === "error") explorer.consoleErrors.push(msg.text());
    });
    page.on("pageerror", (err) => explorer.consoleErrors.push(String(err)));
    page.on("request", (req) => {
      if (!req.url().startsWith(server.url)) explorer.externalRequests.push(req.url());
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
    await page.goto(server.url + query);
    return explorer;
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

  async close() {
    await this.browser.close();
    this.server.close();
  }
}
