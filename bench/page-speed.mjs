// Steps per second of the page on the CPU backend (headless Chromium, Debian's chromium),
// at an evaluation every 1, 10 and 100 steps, alternated for three rounds: the default
// model (two 16-feature modalities) on 1,800 training samples so that no run ends inside
// the window. Each figure is the step counter's advance over a 10 s window after 3 s of
// warm-up. Serves dist/ (build it first: trunk build --release).
//
//   node bench/page-speed.mjs            (from the repository root, after scripts/setup.sh)
import { stepsPerSecond, wideSets } from "./page-common.mjs";

const measure = (every) => stepsPerSecond(wideSets({ every }), 10_000);

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
