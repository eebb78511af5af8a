// Accessibility: axe-core (npm) over the page in each state a lecture passes through, with no
// serious or critical violation allowed; and the phone's settings drawer by keyboard. axe
// is injected with page.evaluate(source): the page's Content-Security-Policy blocks script
// tags, and the fixture fails a spec on any CSP violation.
import { test } from "node:test";
import assert from "node:assert/strict";
import axe from "axe-core";
import { CPU_TIMEOUT, withExplorer } from "../fixture.mjs";

/** Runs axe over the whole page; fails naming each serious or critical violation, its
 * rule and the elements it found. Returns how many rules passed (a run that checked
 * nothing must not pass). */
async function assertAccessible(ui, scene) {
  if (!(await ui.page.evaluate(() => typeof window.axe === "object"))) await ui.page.evaluate(axe.source);
  const result = await ui.page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, count: v.nodes.length, targets: v.nodes.slice(0, 6).map((n) => n.target.join(" ")) })),
    };
  });
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const minor = result.violations.filter((v) => !bad.includes(v)).map((v) => `${v.id} (${v.impact})`);
  console.log(`${scene}: ${result.passes} rules passed; serious or critical: ${bad.length}; minor: ${minor.join(", ") || "none"}`);
  assert.ok(result.passes > 10, `${scene}: axe checked something (${result.passes} rules passed)`);
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.count} elements: ${v.targets.join(", ")}`), [], `${scene}: no serious or critical violation`);
}

test("axe finds no serious or critical violation: start, training, tooltip, presentation, pins with A/B", { timeout: CPU_TIMEOUT * 2 }, async () => {
  // A slow pace keeps the run training while axe looks.
  await withExplorer({ webgpu: false, query: "?pace=4", viewport: { width: 1440, height: 900 } }, async (ui) => {
    await ui.page.getByTestId("controls").waitFor();
    await ui.page.getByTestId("chart-contribution").waitFor();
    await assertAccessible(ui, "the page at start");
    await ui.waitForText("run-status", /^training$/);
    await ui.waitForAtLeast("eval-counter", 3);
    await assertAccessible(ui, "training");
    const canvas = ui.page.locator('[data-testid="chart-loss"] canvas');
    const box = await canvas.boundingBox();
    await ui.page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await ui.page.locator('[data-testid="chart-loss"] [data-testid="chart-tooltip"]').waitFor();
    await assertAccessible(ui, "a tooltip open");
    await ui.page.mouse.move(0, 0);
    await ui.page.getByTestId("present").click();
    await ui.page.locator("main.presenting").waitFor();
    await assertAccessible(ui, "presentation mode");
    await ui.page.getByTestId("present").click();
    await ui.page.getByTestId("pin-run").click();
    await ui.page.getByTestId("pin-name-1").waitFor();
    await ui.page.getByTestId("ab-toggle").click();
    await ui.page.getByTestId("ab-panel").waitFor();
    await ui.waitForAtLeast("eval-counter", 2);
    await assertAccessible(ui, "a pinned run and A/B");
  });
});

test("axe finds no serious or critical violation with a bad link's message", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, hash: "v=1&train.epochs=abc&foo.bar=1" }, async (ui) => {
    await ui.waitForText("notice", /From the link, ignored/);
    await ui.waitForAtLeast("eval-counter", 2);
    await assertAccessible(ui, "a bad link's message");
  });
});

test("on a phone the settings are a drawer: it opens and closes by keyboard, and axe finds nothing serious in it", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, viewport: { width: 390, height: 844 }, scale: 3 }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    const drawer = ui.page.locator("#settings-panel");
    assert.equal(await drawer.isVisible(), false, "the drawer starts closed");
    assert.equal(await ui.page.getByTestId("preset").isVisible(), false, "its controls are out of reach (not focusable) while closed");
    const toggle = ui.page.getByTestId("open-settings");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    await toggle.focus();
    await ui.page.keyboard.press("Enter");
    await ui.page.waitForFunction(() => document.activeElement?.dataset.testid === "close-settings");
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    await ui.page.getByTestId("preset").waitFor({ state: "visible" });
    // It slides in (0.2 s), then lies inside the screen.
    await ui.page.waitForFunction(() => { const b = document.querySelector("#settings-panel").getBoundingClientRect(); return b.left >= 0 && b.right <= innerWidth && b.width > 300; });
    await assertAccessible(ui, "the phone's drawer open");
    await ui.page.keyboard.press("Escape");
    await ui.page.waitForFunction(() => document.activeElement?.dataset.testid === "open-settings");
    await ui.page.getByTestId("preset").waitFor({ state: "hidden" });
    // A "try this" button in the drawer closes it and plays, so the charts show the change.
    await toggle.click();
    await ui.page.getByTestId("try-0").click();
    await ui.page.getByTestId("preset").waitFor({ state: "hidden" });
    await ui.waitForText("story-changed", /Settings changed from the preset/);
  });
});
