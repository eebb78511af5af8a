// With SwiftShader's WebGPU adapter the page must pick WebGPU and really train on it: a few
// steps and evaluations (SwiftShader emulates a GPU on the CPU: correctness only), finite
// numbers, no console errors; also on an adapter that hides `subgroups`; switching between
// the backends and losing the GPU device both continue the run from its last snapshot.
// Four tests at most: each costs minutes of SwiftShader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GPU_TIMEOUT, withExplorer } from "../fixture.mjs";

// The same weights evaluated on WebGPU (SwiftShader, f32) and on burn's CPU backend agree
// up to summation order; accuracies may differ by a sample near a tie (1/200 each).
const LOSS_TOLERANCE = 1e-3;
const ACCURACY_TOLERANCE = 0.011;

async function trainsOnWebGpu(ui, screenshot) {
  const badge = await ui.waitForText("backend-badge", /WebGPU|CPU/, 120_000);
  assert.match(badge, /WebGPU/, `badge says WebGPU (reason: ${await ui.text("backend-reason")})`);
  await ui.waitForAtLeast("eval-counter", 3, 240_000);
  const steps = await ui.number("step-counter");
  assert.ok(steps >= 6, `trained ${steps} steps on WebGPU`);
  const summary = await ui.text("summary");
  assert.doesNotMatch(summary, /NaN/, summary);
  assert.match(summary, /validation accuracy/);
  assert.match(await ui.text("backend-badge"), /WebGPU/, "still on WebGPU");
  console.log("webgpu:", JSON.stringify({ badge, steps, firstPointMs: await ui.number("first-point-ms"), stepsPerSecond: await ui.number("steps-per-second") }));
  if (screenshot) await ui.screenshot(screenshot);
}

/** Waits for the evaluation that carries the switch to `backend` (the counter alone can be
 * reached by evaluations of the old backend while the new device is being set up). */
function switchesTo(ui, backend) {
  return ui.page.evaluate(
    (b) => (window.__modalscopeEvaluations || []).flatMap((e) => e.events).filter((ev) => ev.kind === "device-switch" && ev.backend === b).length,
    backend,
  );
}

async function switchedTo(ui, backend, before) {
  await ui.page.waitForFunction(
    ([b, n]) => (window.__modalscopeEvaluations || []).flatMap((e) => e.events).filter((ev) => ev.kind === "device-switch" && ev.backend === b).length > n,
    [backend, before],
    { timeout: 240_000, polling: 100 },
  );
}

/** The evaluation with a device-switch event re-measures the snapshot it resumed from. */
function assertResumedFromSnapshot(evaluations, backend) {
  const at = evaluations.findLastIndex((e) => e.events.some((ev) => ev.kind === "device-switch" && ev.backend === backend));
  assert.ok(at > 0, `an evaluation after the switch to ${backend}: ${JSON.stringify(evaluations.map((e) => [e.step, e.events]))}`);
  const check = evaluations[at];
  const event = check.events.find((ev) => ev.kind === "device-switch");
  const snapshot = evaluations.slice(0, at).findLast((e) => e.step === event.resumed_at_step);
  assert.ok(snapshot, `the snapshot of step ${event.resumed_at_step} is still in the history`);
  assert.equal(check.step, snapshot.step, "the run resumed at the snapshot's step");
  for (const head of Object.keys(snapshot.heads)) {
    for (const key of ["train_loss", "val_loss"]) {
      const [a, b] = [snapshot.heads[head][key], check.heads[head][key]];
      assert.ok(Math.abs(a - b) <= LOSS_TOLERANCE, `${head}.${key}: snapshot ${a}, on ${backend} ${b}`);
    }
    for (const key of ["train_acc", "val_acc"]) {
      const [a, b] = [snapshot.heads[head][key], check.heads[head][key]];
      assert.ok(Math.abs(a - b) <= ACCURACY_TOLERANCE, `${head}.${key}: snapshot ${a}, on ${backend} ${b}`);
    }
  }
  const differences = Object.keys(snapshot.heads).map((h) => Math.abs(snapshot.heads[h].val_loss - check.heads[h].val_loss));
  console.log(`resumed on ${backend} at step ${check.step}; largest val_loss difference ${Math.max(...differences).toExponential(2)}`);
  return check.step;
}

test("WebGPU through SwiftShader trains without console errors", { timeout: GPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: true }, (ui) => trainsOnWebGpu(ui, "explorer-webgpu.png"));
});

test("WebGPU trains on an adapter without subgroups", { timeout: GPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: true, query: "?hide-subgroups" }, (ui) => trainsOnWebGpu(ui, null));
});

test("CPU -> WebGPU -> CPU: each switch resumes from the last snapshot and keeps the history", { timeout: GPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: true, query: "?backend=cpu&test-hooks&set=train.epochs=100000&pace=15" }, async (ui) => {
    await ui.waitForText("backend-badge", /CPU/, 120_000);
    assert.match(await ui.text("backend-reason"), /backend=cpu/);
    await ui.waitForAtLeast("eval-counter", 4);
    // The baseline is the value the watch starts from: reading it separately races the
    // next evaluation (seen once: 1 step a frame, an evaluation every 4 steps).
    const evaluations = await ui.watchSmallest("eval-counter");
    const toGpu = await switchesTo(ui, "webgpu");
    await ui.openDiagnostics();
    await ui.page.getByTestId("switch-backend").click();
    await ui.waitForText("backend-badge", /WebGPU/);
    await ui.waitForAtLeast("eval-counter", evaluations + 3, 240_000);
    await switchedTo(ui, "webgpu", toGpu);
    const onGpu = assertResumedFromSnapshot(await ui.evaluations(), "webgpu");
    assert.match(await ui.text("notice"), new RegExp(`snapshot of step ${onGpu}`));
    // An evaluation trained on WebGPU, past the snapshot it resumed from, before switching back.
    await ui.page.waitForFunction((step) => (window.__modalscopeEvaluations || []).at(-1)?.step > step, onGpu, { timeout: 240_000, polling: 100 });

    const beforeBack = await ui.number("eval-counter");
    const toCpu = await switchesTo(ui, "cpu-flex");
    await ui.openDiagnostics();
    await ui.page.getByTestId("switch-backend").click();
    await ui.waitForText("backend-badge", /CPU/);
    await ui.waitForAtLeast("eval-counter", beforeBack + 3);
    await switchedTo(ui, "cpu-flex", toCpu);
    const onCpu = assertResumedFromSnapshot(await ui.evaluations(), "cpu-flex");
    assert.ok(onCpu > onGpu, "trained on WebGPU between the switches");
    assert.ok((await ui.smallestSeen("eval-counter")) >= evaluations, "the history was never cleared");
  });
});

test("a lost GPU device switches to the CPU and the run continues from its snapshot", { timeout: GPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: true, query: "?test-hooks&set=train.epochs=100000" }, async (ui) => {
    await ui.waitForText("backend-badge", /WebGPU/, 120_000);
    await ui.waitForAtLeast("eval-counter", 2, 240_000);
    const destroyed = await ui.page.evaluate(() => window.__modalscopeTestHooks.destroyGpuDevice());
    assert.ok(destroyed >= 1, "the page had a GPU device to lose");
    await ui.waitForText("backend-badge", /CPU/, 120_000);
    // The notice is a message of its own after the badge's: it may arrive a frame later.
    await ui.waitForText("notice", /GPU device was lost/);
    const evaluations = await ui.number("eval-counter");
    await ui.waitForAtLeast("eval-counter", evaluations + 3);
    const resumed = assertResumedFromSnapshot(await ui.evaluations(), "cpu-flex");
    assert.match(await ui.text("notice"), new RegExp(`snapshot of step ${resumed}`));
    assert.ok(await ui.page.getByTestId("switch-backend").isDisabled(), "no GPU left to switch back to");
    assert.equal(await ui.page.getByTestId("panic").count(), 0, "no panic");
  });
});
