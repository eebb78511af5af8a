// The page's start-up and responsiveness in headless Chromium (Debian's chromium), CPU
// backend, on dist/ from `trunk build --release`, served gzipped like a real host:
// - the gzipped size of each wasm module;
// - time from navigation to the controls (the pace slider mounted by the page's module)
//   and to the first plotted point, median of 5 cold loads (a fresh browser each, after one
//   uncounted load that makes the server compress each file once), on
//   localhost and at 10 Mbit/s (CDP network throttling, 20 ms latency);
// - the longest main-thread task during start-up (to the first point) and while training
//   for 10 s (`longtask` entries: only tasks of 50 ms or more are reported; "none" means
//   none reached 50 ms);
// - memory after 10,000 and 100,000 steps (the page's JS heap, and the engine worker's wasm
//   memory as its status reports it, and the page module's wasm memory, which holds the
//   history), an evaluation every 100 steps;
// - the longest main-thread task over 10 s of A/B training with ten pinned runs drawn
//   (imbalance, an evaluation every 4 steps, pace at its maximum), the pointer moving over
//   the loss chart (a tooltip of every line) the whole time; PINS=n and AB=0 change the
//   scene (PINS=0 AB=0: the same run alone, the baseline).
//
//   node bench/page-metrics.mjs [--loads N] [--skip-memory] [--only-runs]   (repository root, after a build)
import { readFile, readdir } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { Explorer, distDir } from "../www/e2e/fixture.mjs";
import { maxSpeed, query, wideSets } from "./page-common.mjs";

const args = process.argv.slice(2);
const loads = Number(args[args.indexOf("--loads") + 1]) || 5;
const skipMemory = args.includes("--skip-memory");
const onlyRuns = args.includes("--only-runs");

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const fmt = (v, digits = 0) => (v == null ? "–" : v.toFixed(digits));

// Records when the controls mount, before any of the page's scripts run.
function watchControls() {
  window.__controlsAt = null;
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid="pace"]')) {
      window.__controlsAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
}

async function coldLoad(throttled) {
  const ui = await Explorer.open({ webgpu: false, query: "", initScript: watchControls, gzip: true, beforeGoto: throttled ? throttle : null });
  try {
    await ui.waitForAtLeast("eval-counter", 1, 120_000);
    const [controls, firstPoint] = await ui.page.evaluate(() => [window.__controlsAt, Number(document.querySelector('[data-testid="first-point-ms"]').textContent)]);
    const startupTasks = await ui.resetLongTasks();
    await ui.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 10_000)));
    const trainingTasks = await ui.longTasks();
    return { controls, firstPoint, startupTask: Math.max(0, ...startupTasks), trainingTask: Math.max(0, ...trainingTasks) };
  } finally {
    await ui.close();
  }
}

async function throttle(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: 10e6 / 8, uploadThroughput: 10e6 / 8 });
}

async function memory() {
  const ui = await Explorer.open({ webgpu: false, query: query(wideSets()), browserArgs: ["--enable-precise-memory-info"] });
  try {
    await maxSpeed(ui);
    const at = async (steps) => {
      await ui.waitForAtLeast("step-counter", steps, 600_000);
      return ui.page.evaluate(() => ({
        jsHeap: performance.memory.usedJSHeapSize,
        pageWasm: window.__modalscopePageMemory(),
        wasm: Number(document.querySelector('[data-testid="engine-memory-mib"]').textContent) * 1024 * 1024,
        evaluations: Number(document.querySelector('[data-testid="eval-counter"]').textContent),
      }));
    };
    return { 10_000: await at(10_000), 100_000: await at(100_000) };
  } finally {
    await ui.close();
  }
}

/** The longest main-thread task (0: none reached 50 ms) over 10 s of A/B with ten pinned
 * runs drawn, the pointer sweeping the loss chart; and how many lines the loss chart drew. */
async function pinsAndAb() {
  const ui = await Explorer.open({ webgpu: false, hash: "v=1&preset=imbalance&train.epochs=5000" });
  try {
    await ui.waitForAtLeast("eval-counter", 100, 120_000);
    for (let i = 1; i <= Number(process.env.PINS ?? 10); i++) {
      await ui.page.getByTestId("pin-run").click();
      await ui.page.getByTestId(`pin-${i}`).waitFor();
    }
    if (process.env.AB !== "0") {
      await ui.page.getByTestId("ab-toggle").click();
      await ui.page.getByTestId("ab-panel").waitFor();
    }
    await ui.waitForAtLeast("eval-counter", 20, 60_000);
    await ui.resetLongTasks();
    const box = await ui.page.locator('[data-testid="chart-loss"] canvas').boundingBox();
    const until = Date.now() + 10_000;
    for (let i = 0; Date.now() < until; i++) {
      await ui.page.mouse.move(box.x + box.width * (0.1 + 0.8 * ((i % 40) / 40)), box.y + box.height / 2);
      await ui.page.waitForTimeout(50);
    }
    const tasks = await ui.longTasks();
    const lines = await ui.page.evaluate(() => document.querySelectorAll('[data-testid="legend-loss"] .legend-entry').length);
    const step = await ui.number("step-counter");
    const pins = await ui.page.evaluate(() => document.querySelectorAll('[data-testid="pins"] .pin').length);
    const ab = await ui.page.evaluate(() => Boolean(document.querySelector('[data-testid="ab-panel"]')));
    return { task: Math.max(0, ...tasks), count: tasks.length, lines, step, scene: `${ab ? "A/B" : "one run"} with ${pins} pinned runs` };
  } finally {
    await ui.close();
  }
}

if (onlyRuns) {
  const r = await pinsAndAb();
  console.log(`${r.scene} (${r.lines} lines on the loss chart), 10 s to step ${r.step}: longest main-thread task ${r.task === 0 ? "none ≥ 50 ms" : `${r.task.toFixed(0)} ms`} (${r.count} long tasks)`);
  process.exit(0);
}

const date = new Date().toISOString().slice(0, 10);
console.log(`\`node bench/page-metrics.mjs\` — ${date}, headless Chromium, CPU backend, dist/ served gzipped\n`);

console.log("| module | wasm bytes | gzipped (-9) |");
console.log("|---|---|---|");
for (const name of (await readdir(distDir)).filter((f) => f.endsWith(".wasm")).sort()) {
  const bytes = await readFile(join(distDir, name));
  console.log(`| ${name} | ${bytes.length.toLocaleString("en")} | ${gzipSync(bytes, { level: 9 }).length.toLocaleString("en")} |`);
}

// One load first, not counted: the fixture compresses each file once per process.
await coldLoad(false);
for (const throttled of [false, true]) {
  const runs = [];
  for (let i = 0; i < loads; i++) {
    runs.push(await coldLoad(throttled));
    console.error(`${throttled ? "10 Mbit/s" : "localhost"} load ${i + 1} done`);
  }
  console.log(`\n${throttled ? "At 10 Mbit/s (CDP throttling, 20 ms latency)" : "On localhost"}, ${loads} cold loads (ms; medians, then each run)\n`);
  console.log("| controls mounted | first point | longest task, start-up | longest task, 10 s training |");
  console.log("|---|---|---|---|");
  const col = (key) => median(runs.map((r) => r[key]));
  const each = (key) => runs.map((r) => fmt(r[key])).join(" ");
  const task = (v) => (v === 0 ? "none ≥ 50" : fmt(v));
  console.log(`| ${fmt(col("controls"))} | ${fmt(col("firstPoint"))} | ${task(col("startupTask"))} | ${task(col("trainingTask"))} |`);
  console.log(`| ${each("controls")} | ${each("firstPoint")} | ${runs.map((r) => task(r.startupTask)).join(" ")} | ${runs.map((r) => task(r.trainingTask)).join(" ")} |`);
}

{
  const r = await pinsAndAb();
  console.log(`\n${r.scene} (${r.lines} lines on the loss chart), the pointer over the loss chart, 10 s of training (to step ${r.step}): longest main-thread task ${r.task === 0 ? "none ≥ 50 ms" : `${r.task.toFixed(0)} ms`} (${r.count} long tasks)`);
}

if (!skipMemory) {
  const m = await memory();
  const mib = (b) => (b / 1024 / 1024).toFixed(1);
  console.log("\nMemory, default model on 1,800 samples, an evaluation every 100 steps, speed control at its maximum\n");
  console.log("| after | page JS heap (MiB) | page wasm memory (MiB) | engine wasm memory (MiB) | evaluations received (the page keeps at most 500) |");
  console.log("|---|---|---|---|---|");
  for (const steps of [10_000, 100_000]) console.log(`| ${steps.toLocaleString("en")} steps | ${mib(m[steps].jsHeap)} | ${mib(m[steps].pageWasm)} | ${mib(m[steps].wasm)} | ${m[steps].evaluations} |`);
  const total = (s) => m[s].jsHeap + m[s].pageWasm + m[s].wasm;
  console.log(`\nAll three at 100,000 steps ÷ at 10,000: ${(total(100_000) / total(10_000)).toFixed(3)}`);
}
