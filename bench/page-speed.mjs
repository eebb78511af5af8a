// Steps per second of the page on the CPU backend (headless Chromium, Debian's chromium),
// at an evaluation every 1, 10 and 100 steps, alternated for three rounds: the default
// model (two 16-feature modalities) on 1,800 training samples so that no run ends inside
// the window. Each figure is the step counter's advance over a 10 s window after 3 s of
// warm-up. Serves dist/ (build it first: trunk build --release); with `--dist A --dist B`
// it serves two builds instead and alternates them inside every round (a build profile
// against another, measured in the same minutes).
//
//   node bench/page-speed.mjs                          (from the repository root, after scripts/setup.sh)
//   node bench/page-speed.mjs --dist dist-a --dist dist-b
import { parseArgs } from "node:util";
import { stepsPerSecond, wideSets } from "./page-common.mjs";

const { values } = parseArgs({ options: { dist: { type: "string", multiple: true } } });
const builds = values.dist ?? [undefined];
const name = (dir) => dir ?? "dist";
const measure = (every, dir) => stepsPerSecond(wideSets({ every }), 10_000, dir);

const results = new Map(builds.map((dir) => [dir, { 1: [], 10: [], 100: [] }]));
for (let round = 1; round <= 3; round++) {
  for (const every of [1, 10, 100]) {
    for (const dir of builds) results.get(dir)[every].push(await measure(every, dir));
  }
  console.error(`round ${round} done`);
}
const median = (v) => [...v].sort((a, b) => a - b)[1];
console.log(`\`node bench/page-speed.mjs\` — ${new Date().toISOString().slice(0, 10)}, headless Chromium, CPU backend, 3 rounds alternated\n`);
console.log(`| evaluation every |${builds.map((dir) => ` ${name(dir)}: steps/s (median) | runs |`).join("")}`);
console.log(`|---|${builds.map(() => "---|---|").join("")}`);
for (const every of [1, 10, 100]) {
  const cells = builds.map((dir) => ` ${median(results.get(dir)[every]).toFixed(0)} | ${results.get(dir)[every].map((v) => v.toFixed(0)).join(" ")} |`);
  console.log(`| ${every} step${every > 1 ? "s" : ""} |${cells.join("")}`);
}
