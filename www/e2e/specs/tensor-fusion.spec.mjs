// LMF and TFN in the page (CPU backend): the lmf preset learns the XOR of `interaction`
// with a linear head, the fusion-size chart shows both parameter counts side by side and
// follows the rank knob, and OGM-GE's toggle says why it cannot run on a tensor fusion.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CPU_TIMEOUT, withExplorer } from "../fixture.mjs";

const note = (ui, pattern) =>
  ui.page.waitForFunction((source) => {
    const text = document.querySelector('[data-testid="chart-fusion-size"] .chart-note')?.textContent ?? "";
    return new RegExp(source).test(text) ? text : null;
  }, pattern.source, { timeout: 30_000 }).then((handle) => handle.jsonValue());

test("LMF learns the XOR with a linear head; the parameter counts follow the rank", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?test-hooks" }, async (ui) => {
    await ui.waitForAtLeast("eval-counter", 1);
    await ui.page.getByTestId("preset").selectOption("lmf");
    const counts = await note(ui, /LMF \(r = 4\) 33,348 · TFN 270,464 parameters; in use: LMF at rank 4/);
    const learned = await ui.page.waitForFunction(() => {
      const fused = (window.__modalscopeEvaluations || []).map((e) => e.heads?.fused?.val_acc ?? 0);
      return fused.some((acc) => acc >= 0.85) ? Math.max(...fused) : null;
    }, null, { timeout: 90_000, polling: 100 });
    const best = await learned.jsonValue();

    const rank = ui.page.getByTestId("knob-model.rank");
    await rank.fill("16");
    await rank.dispatchEvent("change");
    const ranked = await note(ui, /LMF \(r = 16\) 133,200 · TFN 270,464 parameters; in use: LMF at rank 16, 49\.2 % of TFN/);

    await ui.page.getByTestId("knob-model.fusion").selectOption("tfn");
    await note(ui, /in use: TFN/);
    // The engine's answer to the rank change may arrive after this select and show the
    // run's configuration for a moment, so wait for the engine's answer to this one.
    const disabled = (testid) => ui.page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.disabled, testid, { timeout: 10_000 });
    await disabled("knob-model.rank"); // the rank is LMF's
    const ogm = ui.page.getByTestId("knob-methods.ogm_ge.enabled");
    await disabled("knob-methods.ogm_ge.enabled"); // OGM-GE cannot split a tensor fusion
    assert.match(await ogm.locator("xpath=ancestor::div[contains(@class, 'knob')]").locator(".why").innerText(), /fusion is tfn/);
    console.log(`lmf: best fused validation accuracy ${best}; ${counts}; then ${ranked}`);
    await ui.screenshot("tensor-fusion.png");
  });
});
