// Play, Pause, Step, Reset and a live regularizer toggle, each checked by the run's state
// (step counter, number of evaluations), never by a notice or a fixed sleep. CPU backend,
// imbalance preset (4 steps an epoch, an evaluation every epoch), made long enough not to end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CPU_TIMEOUT, withExplorer } from "../fixture.mjs";

// 30 evaluations a second (120 steps a second on this preset): slow enough to watch.
const long = "?set=train.epochs=100000&pace=30";


test("toggling a regularizer mid-run goes on from the same step", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: long }, async (ui) => {
    const before = await ui.waitForAtLeast("step-counter", 30);
    const evaluations = await ui.number("eval-counter");
    await ui.watchSmallest("step-counter");
    await ui.watchSmallest("eval-counter");
    await ui.page.getByTestId("knob-methods.fusion_dropout.enabled").check();
    await ui.waitForAtLeast("eval-counter", evaluations + 5);
    assert.ok((await ui.smallestSeen("step-counter")) >= before, "the step counter never went back (no restart)");
    assert.ok((await ui.smallestSeen("eval-counter")) >= evaluations, "the history was never cleared");
  });
});

test("pause stops the steps; step runs one evaluation interval; play goes on", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: long }, async (ui) => {
    await ui.waitForAtLeast("eval-counter", 3);
    await ui.page.getByTestId("pause").click();
    await ui.waitForText("run-status", /^paused$/);
    await ui.frames(10); // an evaluation owed at the pause still runs
    const paused = await ui.number("step-counter");
    const evaluations = await ui.number("eval-counter");
    await ui.frames(30);
    assert.equal(await ui.number("step-counter"), paused, "no step while paused (30 frames)");
    assert.equal(await ui.number("eval-counter"), evaluations);

    await ui.page.getByTestId("step").click();
    await ui.waitForAtLeast("eval-counter", evaluations + 1);
    await ui.frames(30);
    const stepped = await ui.number("step-counter");
    assert.equal(await ui.number("eval-counter"), evaluations + 1, "exactly one more evaluation");
    assert.ok(stepped > paused && stepped <= paused + 4, `one interval (4 steps) at most: ${paused} -> ${stepped}`);
    assert.equal(stepped % 4, 0, "it stops at the evaluation");
    assert.equal(await ui.text("run-status"), "paused");

    await ui.page.getByTestId("play").click();
    await ui.waitForAtLeast("step-counter", stepped + 9);
    assert.equal(await ui.text("run-status"), "training");
  });
});

test("reset, even while training, goes back to step 0 paused with a fresh history", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: long }, async (ui) => {
    await ui.waitForAtLeast("eval-counter", 5);
    assert.equal(await ui.text("run-status"), "training");
    await ui.page.getByTestId("reset").click();
    await ui.page.waitForFunction(() => document.querySelector('[data-testid="step-counter"]').textContent === "0", null, { polling: 50 });
    await ui.frames(30);
    assert.equal(await ui.number("step-counter"), 0, "still at step 0 while paused");
    assert.equal(await ui.number("eval-counter"), 1, "only the step-0 evaluation of the new run");
    assert.equal(await ui.text("run-status"), "paused");
    await ui.page.getByTestId("play").click();
    await ui.waitForAtLeast("eval-counter", 3);
  });
});

test("once the run has finished, the badge's rate falls to 0 steps/s", { timeout: CPU_TIMEOUT }, async () => {
  // The rate is over the last second; it once kept the last second's rate after the run ended.
  await withExplorer({ webgpu: false }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/);
    await ui.waitForText("steps-per-second", /^0$/, 5000);
  });
});
