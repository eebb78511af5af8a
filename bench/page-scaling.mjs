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
import { stepsPerSecond, wideSets } from "./page-common.mjs";

const measure = (shape) => stepsPerSecond(wideSets(shape), 8000);

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
