// Without WebGPU flags, headless Chromium has no adapter: the page must say CPU and why,
// and train there, within the frame budget, with no request leaving the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Explorer } from "../fixture.mjs";

test("CPU fallback: badge, training, charts, frame budget, CSP", async () => {
  const ui = await Explorer.open({ webgpu: false });
  try {
    const badge = await ui.waitForText("backend-badge", /CPU/);
    assert.match(await ui.text("backend-reason"), /WebGPU|adapter/);
    await ui.waitForAtLeast("eval-counter", 1);
    const startup = await ui.resetLongTasks();
    const before = await ui.chartFingerprint("loss");
    await ui.waitForAtLeast("step-counter", 150);
    await ui.waitForAtLeast("eval-counter", 20);
    const after = await ui.chartFingerprint("loss");
    assert.notEqual(before, after, "the loss chart changed while training");
    await ui.waitForAtLeast("steps-per-second", 1);
    const stats = {
      badge,
      stepsPerSecond: await ui.number("steps-per-second"),
      firstPointMs: await ui.number("first-point-ms"),
      maxChunkMs: await ui.number("max-chunk-ms"),
      longTasks: await ui.longTasks(),
      startupLongTasks: startup,
    };
    console.log("cpu:", JSON.stringify(stats));
    assert.deepEqual(stats.longTasks, [], "no main-thread task of 50 ms or more while training (after the first point)");
    // The largest chunk is reported, not asserted: it includes the first evaluations after
    // the first point, which run before V8 has optimised the wasm (the long-task observer
    // above is the assertion for the steady state).
    assert.ok(stats.maxChunkMs > 0, "chunks were timed");
    assert.deepEqual(await ui.cspViolations(), []);
    assert.deepEqual(ui.externalRequests, [], "no request leaves the page");
    assert.deepEqual(ui.consoleErrors, []);
    await ui.screenshot("explorer-cpu.png");
  } finally {
    await ui.close();
  }
});
