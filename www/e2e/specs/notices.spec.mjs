// Notices that describe the run as it is (issue 10's bugs 2 and 3), CPU backend:
// - a run whose fused training loss shoots above 10·ln K pauses with a "Diverging" notice
//   naming the step range, though the loss is still finite (learning rate 1 on the
//   imbalance preset: 1.37 at step 0, about 7,300 at step 4);
// - a notice belongs to the state it describes: "applied at the next step" clears once the
//   run has finished.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CPU_TIMEOUT, withExplorer } from "../fixture.mjs";

test("a loss far above a uniform guess's pauses the run with a Diverging notice", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?set=train.learning_rate=1" }, async (ui) => {
    const notice = await ui.waitForText("notice", /^Diverging/);
    assert.match(notice, /rose from 1\.\d\d at step 0 to [\d,]+ at step 4, above 10·ln K = 13\.9 \(4 classes\)/);
    await ui.waitForText("run-status", /^paused$/, 10_000);
    assert.equal(await ui.text("step-counter"), "4", "paused at the evaluation that crossed the limit");
    console.log(`notice: ${notice}`);
  });
});

test("a live change's notice clears when the run finishes", { timeout: CPU_TIMEOUT }, async () => {
  // About 4,000 steps: long enough to change a setting while it trains.
  await withExplorer({ webgpu: false, query: "?set=train.epochs=1000" }, async (ui) => {
    await ui.waitForText("run-status", /^training$/);
    await ui.page.getByTestId("knob-methods.fusion_dropout.enabled").check();
    await ui.waitForText("notice", /Applied at the next step/);
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.page.waitForFunction(() => document.querySelector('[data-testid="notice"]').textContent === "", null, { timeout: 5_000 });
  });
});
