// Gradient-Blending in the page (CPU backend): its toggle, its estimates run as side work
// in chunks (no long task while they run), and its chart of blend weights with the last
// estimate's ΔG, ΔO and w per candidate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CPU_TIMEOUT, withExplorer } from "../fixture.mjs";

test("Gradient-Blending estimates in chunks and charts its weights", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?set=train.epochs=100000" }, async (ui) => {
    await ui.waitForAtLeast("eval-counter", 2);
    const before = await ui.chartFingerprint("blend");
    assert.match(await ui.page.getByTestId("chart-blend").innerText(), /Gradient-Blending is off/);
    await ui.resetLongTasks();
    await ui.page.getByTestId("knob-methods.gradient_blending.enabled").check();
    const note = await ui.page.waitForFunction(() => {
      const text = document.querySelector('[data-testid="chart-blend"] .chart-note')?.textContent ?? "";
      return /Estimate of step \d+/.test(text) ? text : null;
    }, null, { timeout: 60_000 });
    const said = await note.jsonValue();
    assert.match(said, /a: ΔG [+-]\d\.\d{3}, ΔO [+-]\d\.\d{3}, w \d\.\d\d; b: .*; fused: /);
    const weights = [...said.matchAll(/w (\d\.\d\d)/g)].map((m) => Number(m[1]));
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) <= 0.02, `weights sum to 1: ${weights}`);
    await ui.frames(10);
    assert.notEqual(await ui.chartFingerprint("blend"), before, "the weights chart was drawn");
    const longTasks = await ui.longTasks();
    console.log(`gblend: ${said}; long tasks ${JSON.stringify(longTasks)}`);
    assert.ok(longTasks.every((ms) => ms >= 0 && ms < 200), `no main-thread task of 200 ms or more while estimating: ${longTasks}`);
    assert.equal(await ui.text("run-status"), "training");
    await ui.screenshot("gradient-blending.png");
  });
});
