// Issue 10: the lecture flow as one spec, on the CPU backend: open a shared link → read the
// story card → play → pin the run → A/B → change one thing (the story's "try this") →
// compare (A, B, B − A and the pinned run on the charts, what differs in words) → export
// (the pinned run, B's metrics, A's metrics, the configuration). Run in Debian's chromium
// (playwright-core) at 1440×900 and on a phone (390×844, touch: the story card in its drawer,
// the tooltip by a tap) and, as a smoke run, in Debian's firefox-esr (puppeteer-core over
// WebDriver BiDi). The flow is written once against a four-call driver, so both browsers
// run the same steps; downloads are caught in the page (the blob and the name the page
// offered), so both read the files the page made.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import puppeteer from "puppeteer-core";
import { CPU_TIMEOUT, serveDist } from "../fixture.mjs";

const LINK = "v=1&preset=imbalance&train.epochs=40&play=0";

/** Before the page's scripts: keeps each offered download (name and blob) in
 * `window.__downloads` instead of saving it. */
function catchDownloads() {
  const blobs = new Map();
  const create = URL.createObjectURL;
  URL.createObjectURL = (blob) => {
    const url = create.call(URL, blob);
    blobs.set(url, blob);
    return url;
  };
  window.__downloads = [];
  HTMLAnchorElement.prototype.click = function () {
    if (this.download) window.__downloads.push({ name: this.download, blob: blobs.get(this.href) ?? null, href: this.href });
  };
}

/** The four calls the flow needs, over playwright's or puppeteer's page. */
function driverFor(page, kind) {
  // A test id, or a CSS selector as it is (one starting with "[").
  const selector = (id) => (id.startsWith("[") ? id : `[data-testid="${id}"]`);
  return {
    kind,
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    wait: (fn, arg, timeout = 60_000) =>
      kind.startsWith("playwright") ? page.waitForFunction(fn, arg, { timeout, polling: 100 }) : page.waitForFunction(fn, { timeout, polling: 100 }, arg),
    click: (id) => page.click(selector(id)),
    // Points at a spot of an element: the mouse, or on a touch screen a tap.
    hover: async (id, fx, fy) => {
      await page.evaluate((s) => document.querySelector(s).scrollIntoView({ block: "center" }), selector(id));
      const element = await page.$(selector(id));
      const box = await element.boundingBox();
      const [x, y] = [box.x + box.width * fx, box.y + box.height * fy];
      await (kind === "playwright-touch" ? page.touchscreen.tap(x, y) : page.mouse.move(x, y));
    },
  };
}

const text = (d, id) => d.evaluate((i) => document.querySelector(`[data-testid="${i}"]`)?.textContent.trim() ?? null, id);
const waitText = (d, id, pattern, timeout) =>
  d.wait(([i, source]) => new RegExp(source).test(document.querySelector(`[data-testid="${i}"]`)?.textContent ?? ""), [id, pattern.source], timeout);
const legend = (d, id) => d.evaluate((chart) => [...document.querySelectorAll(`[data-testid="legend-${chart}"] .legend-entry`)].map((e) => e.textContent.trim()), id);

/** The file the page offered last under `name`, as text. */
const downloaded = (d, name) =>
  d.evaluate(async (n) => {
    const found = window.__downloads.filter((x) => x.name === n).at(-1);
    return found?.blob ? found.blob.text() : null;
  }, name);

/** The flow; `d` is a driver on the page opened at the link. */
async function lectureFlow(d) {
  // The link opens the preset, paused, with its story card.
  await waitText(d, "backend-badge", /CPU/);
  assert.match(await text(d, "story-claim"), /strong modality on its own/);
  await waitText(d, "run-status", /^ready$/); // play=0: it waits at step 0 (its step-0 point drawn)
  assert.match(await text(d, "verdict"), /^(Press play|So far \(step 0 of 160\))/);
  await d.click("play");
  await waitText(d, "run-status", /^finished$/);
  await waitText(d, "verdict", /reproduced\.$/);
  // Pin the run.
  await d.click("pin-run");
  await d.wait(() => document.querySelector('[data-testid="pin-name-1"]')?.value === "run 1");
  // A/B, then change one thing: the story's first "try this" (a alone), which B takes.
  await d.click("ab-toggle");
  await waitText(d, "ab-differences", /^A and B have the same settings/);
  // On a narrow screen the story card is in the drawer: open it (the button closes it).
  const drawer = await d.evaluate(() => getComputedStyle(document.querySelector('[data-testid="open-settings"]')).display !== "none");
  if (drawer) {
    await d.click("open-settings");
    await d.wait(() => document.querySelector("#settings-panel").getBoundingClientRect().left >= 0);
  }
  await d.click("try-0");
  if (drawer) await d.wait(() => getComputedStyle(document.querySelector("#settings-panel")).visibility === "hidden");
  await waitText(d, "ab-differences", /^B differs from A in: modalities in use all → a\.$/);
  await waitText(d, "run-status", /^finished$/);
  await waitText(d, "ab-a-status", /^A: step 160, finished$/);
  // Compare: A, B, B − A and the pinned run on the charts; the tooltip reads them.
  const lines = await legend(d, "accuracy");
  for (const line of ["A · fused", "B · fused", "B − A · fused", "run 1 · fused"]) assert.ok(lines.includes(line), `${line} in ${lines}`);
  // The tooltip stays inside the screen wherever the pointer (or finger) is.
  const tooltipOutside = () => d.evaluate(() => {
    const t = document.querySelector('[data-testid="chart-tooltip"]');
    const r = t.getBoundingClientRect();
    return r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight ? "" : `${[r.left, r.top, r.right, r.bottom].map(Math.round)} in ${innerWidth}×${innerHeight}`;
  });
  for (const [fx, fy] of [[0.15, 0.2], [0.5, 0.85], [0.9, 0.5]]) {
    await d.hover('[data-testid="chart-accuracy"] canvas', fx, fy);
    await waitText(d, "chart-tooltip", /B − A · fused: -?\d\.\d{4}/);
    assert.equal(await tooltipOutside(), "", `the tooltip at (${fx}, ${fy}) of the chart stays inside the screen`);
  }
  await d.hover("chart-accuracy", 0.8, 0.5);
  await waitText(d, "chart-tooltip", /B − A · fused: \d\.\d{4}/);
  const b = await d.evaluate(() => document.querySelector('[data-testid="summary"]').textContent);
  assert.match(b, /Step 160: the fused model reaches \d+ % validation accuracy/);
  // Export: the pinned run, B's metrics (the engine's copy), A's metrics, the configuration.
  await d.click("pin-jsonl-1");
  await d.click("ab-a-jsonl");
  await d.evaluate(() => { document.querySelector('[data-testid="share-panel"]').open = true; });
  await d.click("download-metrics");
  await d.click("download-config");
  await d.wait(() => ["pinned-run-1.jsonl", "metrics-A.jsonl", "metrics.jsonl", "imbalance.toml"].every((n) => window.__downloads.some((x) => x.name === n)), null, 10_000);
  const rows = (t) => t.trim().split("\n").map((l) => JSON.parse(l));
  const pinned = rows(await downloaded(d, "pinned-run-1.jsonl"));
  const a = rows(await downloaded(d, "metrics-A.jsonl"));
  const bRows = rows(await downloaded(d, "metrics.jsonl"));
  assert.equal(pinned.length, 41, "the pinned run: 160 steps, an evaluation every 4");
  assert.deepEqual(a.map((e) => e.heads.fused), pinned.map((e) => e.heads.fused), "A is the pinned run's settings: the same numbers");
  assert.equal(bRows.at(-1).step, 160);
  assert.deepEqual(Object.keys(bRows.at(-1).heads), ["fused", "a"], "B trained a alone");
  assert.match(await downloaded(d, "imbalance.toml"), /modalities = \["a"\]/);
  return { drawer };
}

/** The flow in Debian's chromium with the page's `options` (viewport, touch); returns
 * whether it went through the drawer. */
async function chromiumFlow(options, kind) {
  const server = await serveDist();
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage(options);
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.addInitScript(catchDownloads);
    await page.goto(`${server.url}?pace=max#${LINK}`);
    const flow = await lectureFlow(driverFor(page, kind));
    assert.deepEqual(errors, [], "no console error");
    assert.deepEqual(server.missing, []);
    return flow;
  } finally {
    await browser.close();
    server.close();
  }
}

test("the lecture flow in chromium: link, story, pin, A/B, change, compare, export", { timeout: CPU_TIMEOUT }, async () => {
  const { drawer } = await chromiumFlow({ viewport: { width: 1440, height: 900 } }, "playwright");
  assert.equal(drawer, false, "at 1440×900 the story card sits beside the charts");
});

test("the lecture flow on a phone (390×844, touch): the story card from the drawer, the tooltip by a tap", { timeout: CPU_TIMEOUT }, async () => {
  const { drawer } = await chromiumFlow({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true }, "playwright-touch");
  assert.equal(drawer, true, "on the phone the flow went through the drawer");
});

test("the lecture flow in firefox-esr (smoke run over WebDriver BiDi, CPU backend)", { timeout: CPU_TIMEOUT * 2 }, async () => {
  assert.ok(existsSync("/usr/bin/firefox-esr"), "Debian's firefox-esr is installed (scripts/setup.sh installs it)");
  const server = await serveDist();
  const browser = await puppeteer.launch({ browser: "firefox", executablePath: "/usr/bin/firefox-esr", headless: true, protocol: "webDriverBiDi" });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.evaluateOnNewDocument(catchDownloads);
    await page.goto(`${server.url}?pace=max&backend=cpu#${LINK}`);
    await lectureFlow(driverFor(page, "puppeteer"));
    assert.match(await text(driverFor(page, "puppeteer"), "backend-badge"), /CPU/);
    assert.deepEqual(errors, [], "no console error");
    assert.deepEqual(server.missing, []);
  } finally {
    await browser.close();
    server.close();
  }
});
