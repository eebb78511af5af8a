// With SwiftShader's WebGPU adapter, the page must pick WebGPU and really train on it:
// a few steps and evaluations (SwiftShader emulates a GPU on the CPU: correctness only),
// finite numbers, no console errors. Also on an adapter that hides `subgroups`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Explorer } from "../fixture.mjs";

async function trainsOnWebGpu(query, screenshot) {
  const ui = await Explorer.open({ webgpu: true, query });
  try {
    const badge = await ui.waitForText("backend-badge", /WebGPU|CPU/, 120_000);
    assert.match(badge, /WebGPU/, `badge says WebGPU (reason: ${await ui.text("backend-reason")})`);
    await ui.waitForAtLeast("eval-counter", 3, 240_000);
    const steps = await ui.number("step-counter");
    assert.ok(steps >= 6, `trained ${steps} steps on WebGPU`);
    const summary = await ui.text("summary");
    assert.doesNotMatch(summary, /NaN/, summary);
    assert.match(summary, /validation accuracy/);
    assert.match(await ui.text("backend-badge"), /WebGPU/, "still on WebGPU");
    console.log("webgpu:", JSON.stringify({ query, badge, steps, firstPointMs: await ui.number("first-point-ms"), stepsPerSecond: await ui.number("steps-per-second") }));
    assert.deepEqual(ui.consoleErrors, []);
    assert.deepEqual(await ui.cspViolations(), []);
    if (screenshot) await ui.screenshot(screenshot);
  } finally {
    await ui.close();
  }
}

test("WebGPU through SwiftShader trains without console errors", { timeout: 300_000 }, async () => {
  await trainsOnWebGpu("", "explorer-webgpu.png");
});

test("switching from WebGPU to the CPU continues the run from its snapshot", { timeout: 300_000 }, async () => {
  const ui = await Explorer.open({ webgpu: true });
  try {
    await ui.waitForText("backend-badge", /WebGPU/, 120_000);
    await ui.waitForAtLeast("eval-counter", 2, 240_000);
    const evals = await ui.number("eval-counter");
    await ui.page.getByTestId("switch-backend").click();
    await ui.waitForText("backend-badge", /CPU/);
    await ui.waitForAtLeast("eval-counter", evals + 3);
    assert.ok((await ui.number("eval-counter")) > evals, "the same run goes on (no reset of the history)");
    assert.deepEqual(ui.consoleErrors, []);
  } finally {
    await ui.close();
  }
});

test("WebGPU trains on an adapter without subgroups", { timeout: 300_000 }, async () => {
  await trainsOnWebGpu("?hide-subgroups", null);
});
