// Play, pause, step, reset and a live regularizer toggle do what they say (CPU backend).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Explorer } from "../fixture.mjs";

test("toggling a regularizer mid-run continues without a reset", async () => {
  const ui = await Explorer.open({ webgpu: false });
  try {
    await ui.page.getByTestId("speed").fill("4");
    await ui.page.getByTestId("speed").dispatchEvent("change");
    const before = await ui.waitForAtLeast("step-counter", 30);
    await ui.page.getByTestId("toggle-fusion-dropout").check();
    await ui.waitForText("notice", /next step/);
    const after = await ui.waitForAtLeast("step-counter", before + 10);
    assert.ok(after > before, "kept counting from where it was");
    assert.deepEqual(ui.consoleErrors, []);
  } finally {
    await ui.close();
  }
});

test("pause, step and reset", async () => {
  const ui = await Explorer.open({ webgpu: false });
  try {
    await ui.waitForAtLeast("eval-counter", 3);
    await ui.page.getByTestId("pause").click();
    await ui.waitForText("run-status", /paused|finished/);
    const paused = await ui.number("step-counter");
    const evals = await ui.number("eval-counter");
    await ui.page.waitForTimeout(300);
    assert.equal(await ui.number("step-counter"), paused, "paused means no steps");
    if ((await ui.text("run-status")) === "paused") {
      await ui.page.getByTestId("step").click();
      await ui.waitForAtLeast("eval-counter", evals + 1);
      await ui.waitForText("run-status", /paused/);
      assert.ok((await ui.number("step-counter")) > paused, "step advanced one interval");
    }
    await ui.page.getByTestId("reset").click();
    await ui.waitForText("notice", /reset to step 0/);
    await ui.page.getByTestId("play").click();
    await ui.waitForAtLeast("eval-counter", 2);
    assert.deepEqual(ui.consoleErrors, []);
  } finally {
    await ui.close();
  }
});
