// Steps per second of the page on the CPU backend (headless Chromium, Debian's chromium),
// at an evaluation every 1, 10 and 100 steps, alternated for three rounds: the default
// model (two 16-feature modalities) on 1,800 training samples so that no run ends inside
// the window. Each figure is the step counter's advance over a 10 s window after 3 s of
// warm-up. Serves dist/ (build it first: trunk build --release).
//
//   node bench/page-speed.mjs            (from the repository root, after scripts/setup.sh)
import { Explorer } from "../www/e2e/fixture.mjs";

const sets = (every) => [
  'data.synthetic=[{"name":"a","dim":16,"informative":16,"signal":1.0,"noise":1.0},{"name":"b","dim":16,"informative":16,"signal":1.0,"noise":1.0}]',
  "data.train_size=1800",
  "train.epochs=100000",
  `train.eval_every=${every}`,
];

async function measure(every) {
  const query = "?" + sets(every).map((s) => `set=${encodeURIComponent(s)}`).join("&");
  const ui = await Explorer.open({ webgpu: false, query });
  try {
    await ui.waitForAtLeast("eval-counter", 2);
    // The speed control at its maximum (256 steps per 1/60 s), so that it never caps.
    await ui.page.getByTestId("speed").fill("256");
    await ui.page.getByTestId("speed").dispatchEvent("change");
    const wait = (ms) => ui.page.evaluate((t) => new Promise((r) => setTimeout(r, t)), ms);
    await wait(3000);
    const [s0, t0] = await ui.page.evaluate(() => [Number(document.querySelector('[data-testid="step-counter"]').textContent), performance.now()]);
    await wait(10_000);
    const [s1, t1] = await ui.page.evaluate(() => [Number(document.querySelector('[data-testid="step-counter"]').textContent), performance.now()]);
    return (s1 - s0) / ((t1 - t0) / 1000);
  } finally {
    await ui.close();
  }
}

const results = { 1: [], 10: [], 100: [] };
for (let round = 1; round <= 3; round++) {
  for (const every of [1, 10, 100]) results[every].push(await measure(every));
  console.error(`round ${round} done`);
}
const median = (v) => [...v].sort((a, b) => a - b)[1];
console.log(`\`node bench/page-speed.mjs\` — ${new Date().toISOString().slice(0, 10)}, headless Chromium, CPU backend, 3 rounds alternated\n`);
console.log("| evaluation every | steps/s (median) | runs |");
console.log("|---|---|---|");
for (const every of [1, 10, 100]) {
  console.log(`| ${every} step${every > 1 ? "s" : ""} | ${median(results[every]).toFixed(0)} | ${results[every].map((v) => v.toFixed(0)).join(" ")} |`);
}
