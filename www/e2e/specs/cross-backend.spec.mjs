// The page and the CLI agree: a short page run, saved with "Download metrics (JSON)", is
// compared evaluation by evaluation with `modalscope run` of the same configuration (the
// debug binary that `cargo test` builds; scripts/test.sh passes its path in MODALSCOPE_CLI).
// The same seed gives the same data, initial weights and batches on every backend; what is
// left is floating-point summation order: native flex against wasm flex (SIMD128), and 5
// steps of WebGPU through SwiftShader. Measured here (2026-11-24, burn's `simd` feature on
// both sides): losses within 4.8e-7 (wasm) and 8.3e-7 (SwiftShader, every method run),
// accuracies and contributions identical. The bounds below give losses 12 times that (1e-5)
// and accuracies one validation sample (1/200); each run prints what it measured.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CPU_TIMEOUT, GPU_TIMEOUT, withExplorer } from "../fixture.mjs";

const cli = process.env.MODALSCOPE_CLI;

/** `modalscope run --preset imbalance` with these `--set`s: its metrics.jsonl, parsed. */
function cliRun(sets) {
  assert.ok(cli, "MODALSCOPE_CLI must name the CLI binary (scripts/test.sh sets it after cargo test)");
  const out = mkdtempSync(join(tmpdir(), "modalscope-cross-"));
  try {
    execFileSync(cli, ["run", "--preset", "imbalance", ...sets.flatMap((s) => ["--set", s]), "--quiet", "--out", out]);
    return parseJsonl(readFileSync(join(out, "metrics.jsonl"), "utf8"));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function parseJsonl(text) {
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

/** The page's run, once finished, through its download button. */
async function pageRun(ui) {
  await ui.waitForText("run-status", /^finished$/, 240_000);
  const download = await ui.download("download-metrics");
  assert.equal(download.name, "metrics.jsonl");
  return parseJsonl(download.bytes.toString("utf8"));
}

/** Largest absolute differences between two runs' evaluations: losses and accuracies of
 * every head, and the contribution numbers. The steps must match exactly. */
function compare(page, native) {
  assert.deepEqual(page.map((e) => e.step), native.map((e) => e.step), "the same evaluation steps");
  const worst = { loss: 0, acc: 0, contribution: 0 };
  const note = (kind, a, b) => {
    if (a === null && b === null) return;
    assert.ok(typeof a === "number" && typeof b === "number", `${kind}: ${a} vs ${b}`);
    worst[kind] = Math.max(worst[kind], Math.abs(a - b));
  };
  page.forEach((p, i) => {
    const n = native[i];
    assert.deepEqual(Object.keys(p.heads), Object.keys(n.heads));
    for (const head of Object.keys(n.heads)) {
      for (const key of ["train_loss", "val_loss", "gap"]) note("loss", p.heads[head][key], n.heads[head][key]);
      for (const key of ["train_acc", "val_acc", "test_acc"]) note("acc", p.heads[head][key] ?? null, n.heads[head][key] ?? null);
    }
    for (const m of Object.keys(n.contribution)) {
      for (const key of ["probe_acc", "split_acc", "shapley"]) note("contribution", p.contribution[m][key], n.contribution[m][key]);
    }
  });
  return worst;
}

test("a page run on the CPU backend matches `modalscope run` of the same config", { timeout: CPU_TIMEOUT }, async () => {
  const sets = ["train.epochs=3"];
  const native = cliRun(sets);
  await withExplorer({ webgpu: false, query: `?${sets.map((s) => `set=${s}`).join("&")}` }, async (ui) => {
    const worst = compare(await pageRun(ui), native);
    console.log(`wasm flex vs native flex, 12 steps: ${JSON.stringify(worst)}`);
    assert.ok(worst.loss <= 1e-5, `losses within 1e-5: ${worst.loss}`);
    assert.ok(worst.acc <= 0.006, `accuracies within one validation sample: ${worst.acc}`);
    assert.ok(worst.contribution <= 0.006, `contributions within one sample: ${worst.contribution}`);
  });
});

// The page keeps 500 evaluations for its charts (older ones thinned, so its memory stays
// flat); the download asks the engine, which keeps 2,000: a 601-evaluation run comes back
// whole.
test("the download carries every evaluation of a run longer than the page's charts keep", { timeout: CPU_TIMEOUT }, async () => {
  const sets = ["train.epochs=150", "train.eval_every=1"]; // 4 steps an epoch: 600 steps, 601 evaluations
  const native = cliRun(sets);
  await withExplorer({ webgpu: false, query: `?${sets.map((s) => `set=${s}`).join("&")}` }, async (ui) => {
    const page = await pageRun(ui);
    assert.equal(native.length, 601);
    assert.equal(await ui.text("eval-counter"), "601", "the counter counts every evaluation, kept or thinned");
    const worst = compare(page, native);
    console.log(`wasm flex vs native flex, 600 steps with an evaluation each: ${JSON.stringify(worst)}`);
    assert.ok(worst.loss <= 1e-4, `losses within 1e-4: ${worst.loss}`);
  });
});

test("5 steps on WebGPU (SwiftShader) match `modalscope run` of the same config", { timeout: GPU_TIMEOUT }, async () => {
  const sets = ["train.epochs=2", "train.eval_every=5"]; // evaluations at steps 0, 5 and 8
  const native = cliRun(sets);
  await withExplorer({ webgpu: true, query: `?${sets.map((s) => `set=${s}`).join("&")}` }, async (ui) => {
    await ui.waitForText("backend-badge", /WebGPU/, 120_000);
    const worst = compare(await pageRun(ui), native);
    console.log(`WebGPU (SwiftShader) vs native flex, 8 steps: ${JSON.stringify(worst)}`);
    assert.ok(worst.loss <= 1e-5, `losses within 1e-5: ${worst.loss}`);
    assert.ok(worst.acc <= 0.006, `accuracies within one validation sample: ${worst.acc}`);
    assert.ok(worst.contribution <= 0.006, `contributions within one sample: ${worst.contribution}`);
  });
});

// The methods of issue 8 on WebGPU (SwiftShader), each against the CLI, 8 steps: side work
// (Gradient-Blending's estimate at step 0), gradient modulation with host-drawn noise
// (OGM-GE, SGD) and the two tensor fusions (batched matmuls, outer products).
const METHOD_RUNS = {
  "gradient-blending": ["methods.gradient_blending.enabled=true", "methods.gradient_blending.schedule=offline"],
  "ogm-ge": ["methods.ogm_ge.enabled=true", "train.optimizer=sgd", "train.learning_rate=0.05"],
  lmf: ["model.fusion=lmf"],
  tfn: ["model.fusion=tfn"],
};

for (const [name, method] of Object.entries(METHOD_RUNS)) {
  test(`${name}: 8 steps on WebGPU (SwiftShader) match \`modalscope run\``, { timeout: GPU_TIMEOUT }, async () => {
    const sets = ["train.epochs=2", "train.eval_every=5", ...method];
    const native = cliRun(sets);
    await withExplorer({ webgpu: true, query: `?${sets.map((s) => `set=${s}`).join("&")}` }, async (ui) => {
      await ui.waitForText("backend-badge", /WebGPU/, 120_000);
      const worst = compare(await pageRun(ui), native);
      console.log(`${name}, WebGPU (SwiftShader) vs native flex, 8 steps: ${JSON.stringify(worst)}`);
      assert.ok(worst.loss <= 1e-5, `losses within 1e-5: ${worst.loss}`);
      assert.ok(worst.acc <= 0.006, `accuracies within one validation sample: ${worst.acc}`);
      assert.ok(worst.contribution <= 0.006, `contributions within one sample: ${worst.contribution}`);
    });
  });
}
