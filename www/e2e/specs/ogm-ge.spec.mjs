// OGM-GE in the page (CPU backend): the ogm-ge preset charts ρ and k per modality, the
// Gradient-Blending toggle is disabled with the reason while OGM-GE is on, and switching the
// optimizer to Adam shows the method's warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CPU_TIMEOUT, withExplorer } from "../fixture.mjs";

test("OGM-GE charts rho and k, blocks Gradient-Blending with the reason, warns with Adam", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?test-hooks" }, async (ui) => {
    await ui.waitForAtLeast("eval-counter", 1);
    assert.match(await ui.page.getByTestId("chart-ogm").innerText(), /OGM-GE is off/);
    const before = await ui.chartFingerprint("ogm");
    await ui.page.getByTestId("preset").selectOption("ogm-ge");
    const modulated = await ui.page.waitForFunction(() => {
      const evaluation = (window.__modalscopeEvaluations || []).findLast((e) => e.methods?.ogm_ge?.rho_ema);
      return evaluation ? evaluation.methods.ogm_ge : null;
    }, null, { timeout: 60_000, polling: 50 });
    const state = await modulated.jsonValue();
    assert.equal(state.rho_ema.length, 2, JSON.stringify(state));
    assert.ok(state.k.every((k) => k > 0 && k <= 1), `k in (0, 1]: ${state.k}`);
    const note = await ui.page.waitForFunction(() => {
      const text = document.querySelector('[data-testid="chart-ogm"] .chart-note')?.textContent ?? "";
      return /ρ EMA \(\d\.\d\d, \d\.\d\d\), mean k|modulation has ended/.test(text) ? text : null;
    }, null, { timeout: 60_000 });
    await ui.frames(10);
    assert.notEqual(await ui.chartFingerprint("ogm"), before, "the ρ/k chart was drawn");

    const blend = ui.page.getByTestId("knob-methods.gradient_blending.enabled");
    assert.ok(await blend.isDisabled(), "Gradient-Blending cannot be turned on with OGM-GE");
    const why = await blend.locator("xpath=ancestor::div[contains(@class, 'knob')]").locator(".why").innerText();
    assert.match(why, /define different losses/);

    assert.equal(await ui.page.getByTestId("advice-ogm_ge").count(), 0, "no warning with SGD");
    await ui.page.getByTestId("knob-train.optimizer").selectOption("adam");
    await ui.page.getByTestId("advice-ogm_ge").waitFor({ timeout: 30_000 });
    assert.match(await ui.text("advice-ogm_ge"), /Adam/);
    console.log(`ogm: ${await note.jsonValue()}; state ${JSON.stringify(state)}`);
    await ui.screenshot("ogm-ge.png");
  });
});
