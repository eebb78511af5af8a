// Scaling in the page: steps/s of the engine's worker on the CPU backend (headless
// Chromium, Debian's chromium) as the batch size, the encoder width and the number of
// modalities grow from the default model (batch 64, width 64, two 16-feature modalities),
// one axis at a time, on 1,800 training samples with an evaluation every 100 steps and the
// speed control at its maximum; each figure is the step counter's advance over 8 s after
// 3 s of warm-up. Writes docs/scaling-page.json (bench/scaling-plot.mjs draws it) and prints
// a Markdown table. Serves dist/ (build it first: trunk build --release).
//
//   node bench/page-scaling.mjs        (from the repository root)
import { writeFile, mkdir } from "node:fs/promises";
import { Explorer } from "../www/e2e/fixture.mjs";

const modality = (name) => ({ name, dim: 16, informative: 16, signal: 1.0, noise: 1.0 });
const names = "abcdefgh";

function sets({ batch = 64, width = 64, modalities = 2 }) {
  const synthetic = JSON.stringify([...names.slice(0, modalities)].map(modality));
  return [`data.synthetic=${synthetic}`, "data.train_size=1800", "train.epochs=100000", "train.eval_every=100", `train.batch_size=${batch}`, `model.encoder_width=${width}`];
}

async function measure(shape) {
  const query = "?" + sets(shape).map((s) => `set=${encodeURIComponent(s)}`).join("&");
  const ui = await Explorer.open({ webgpu: false, query });
  try {
    await ui.waitForAtLeast("eval-counter", 2, 120_000);
    const refused = await ui.text("notice");
    if (/ignored/.test(refused)) throw new Error(`the page refused ${JSON.stringify(shape)}: ${refused}`);
    await ui.page.getByTestId("speed").fill("256");
    await ui.page.getByTestId("speed").dispatchEvent("change");
    const wait = (ms) => ui.page.evaluate((t) => new Promise((r) => setTimeout(r, t)), ms);
    const read = () => ui.page.evaluate(() => [Number(document.querySelector('[data-testid="step-counter"]').textContent), performance.now()]);
    await wait(3000);
    const [s0, t0] = await read();
    await wait(8000);
    const [s1, t1] = await read();
    return (s1 - s0) / ((t1 - t0) / 1000);
  } finally {
    await ui.close();
  }
}

const axes = { "batch-size": [16, 64, 256, 1024], width: [32, 64, 128, 256], modalities: [2, 3, 4] };
const key = { "batch-size": "batch", width: "width", modalities: "modalities" };
const points = [];
for (const [axis, values] of Object.entries(axes)) {
  for (const value of values) {
    const page = await measure({ [key[axis]]: value });
    points.push({ axis, value, page });
    console.error(`${axis}=${value}: ${page.toFixed(0)} steps/s`);
  }
}
const date = new Date().toISOString().slice(0, 10);
await mkdir("docs", { recursive: true });
await writeFile("docs/scaling-page.json", JSON.stringify({ command: "node bench/page-scaling.mjs", date, machine: "headless Chromium, CPU backend (burn flex in wasm, simd128), in the engine's worker", points }) + "\n");
console.log(`\`node bench/page-scaling.mjs\` — ${date}, headless Chromium, CPU backend in the engine's worker\n`);
console.log("| axis | value | page steps/s |");
console.log("|---|---|---|");
for (const p of points) console.log(`| ${p.axis} | ${p.value} | ${p.page.toFixed(0)} |`);
