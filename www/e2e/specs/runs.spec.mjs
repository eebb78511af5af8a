// Issue 10, slice (b): pinned runs and A/B (src/runs.rs, src/ui/runs.rs). A pinned run
// stays drawn (thin, light, under its name) on every chart after a change and across
// reloads (localStorage); it can be renamed, hidden, deleted and downloaded; a corrupt store
// entry is dropped with a message, an eleventh pin is refused. A/B trains two
// configurations in turn from the same random streams: identical settings give identical
// numbers on the CPU backend; a change of B restarts both, says what differs and draws
// B − A.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CPU_TIMEOUT, withExplorer } from "../fixture.mjs";

const STORE = "modalscope.pinned-runs";

/** The labels of chart `id`'s legend. */
const legend = (ui, id) => ui.page.evaluate((chart) => [...document.querySelectorAll(`[data-testid="legend-${chart}"] .legend-entry`)].map((e) => e.textContent.trim()), id);

/** Waits until the pinned runs' names (their text fields) are `names`. */
const pinsNamed = (ui, names) => ui.page.waitForFunction(
  (expected) => JSON.stringify([...document.querySelectorAll('[data-testid="pins"] .pin-name')].map((i) => i.value)) === JSON.stringify(expected),
  names,
  { timeout: 10_000 },
);

/** The evaluations of the last run (from its last step-0 point on) in a published list. */
const lastRun = (list) => list.slice(list.map((e) => e.step).lastIndexOf(0));

test("a pinned run stays on the charts after a change and across reloads; rename, hide, download, delete", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?test-hooks" }, async (ui) => {
    assert.equal(await ui.page.getByTestId("pin-run").isDisabled(), true, "nothing to pin before the first evaluation");
    await ui.waitForText("run-status", /^finished$/, 60_000);
    const evaluations = lastRun(await ui.evaluations());
    await ui.page.getByTestId("pin-run").click();
    await pinsNamed(ui, ["run 1"]);
    assert.match(await ui.text("pin-1"), /imbalance, 101 evaluations, fused validation accuracy \d+\.\d % at step 400/);
    for (const chart of ["loss", "gap", "ogr", "accuracy", "contribution"]) {
      const labels = await legend(ui, chart);
      assert.ok(labels.some((l) => l.startsWith("run 1 · ")), `${chart}: ${labels}`);
    }
    assert.ok((await legend(ui, "loss")).includes("run 1 · fused"));
    // Change one thing (the story's first try: a alone): the pinned run stays drawn.
    await ui.page.getByTestId("try-0").click();
    await ui.page.waitForFunction(() => document.querySelector('[data-testid="knob-modalities-b"]')?.checked === false);
    await ui.waitForText("run-status", /^finished$/, 60_000);
    assert.deepEqual((await legend(ui, "loss")).filter((l) => l.startsWith("run 1")), ["run 1 · fused", "run 1 · a's probe", "run 1 · b's probe"]);
    // Renamed: legends and the tooltip use the new name.
    await ui.page.getByTestId("pin-name-1").fill("joint");
    await ui.page.getByTestId("pin-name-1").press("Enter");
    await ui.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="legend-loss"] .legend-entry')].some((e) => e.textContent.includes("joint · fused")));
    const canvas = ui.page.locator('[data-testid="chart-loss"] canvas');
    const box = await canvas.boundingBox();
    await ui.page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await ui.waitForText("chart-tooltip", /joint · fused: \d\.\d{4} \(raw \d\.\d{4}\)/);
    await ui.page.mouse.move(0, 0);
    // Hidden: its lines leave the charts (the drawing changes), shown again they return.
    const withPin = await ui.chartFingerprint("loss");
    await ui.page.getByTestId("pin-shown-1").uncheck();
    await ui.page.waitForFunction(() => ![...document.querySelectorAll('[data-testid="legend-loss"] .legend-entry')].some((e) => e.textContent.includes("joint")));
    await ui.frames(20);
    assert.notEqual(await ui.chartFingerprint("loss"), withPin, "the hidden run is no longer drawn");
    // Kept across a reload: name, hidden, the evaluations.
    await ui.page.reload();
    await pinsNamed(ui, ["joint"]);
    assert.equal(await ui.page.getByTestId("pin-name-1").inputValue(), "joint");
    assert.equal(await ui.page.getByTestId("pin-shown-1").isChecked(), false);
    assert.equal(await ui.text("notice"), "", "a store the page wrote reads back without a message");
    // Its download is the run as it was pinned: the page's own evaluations, in the CLI's schema.
    const [download] = await Promise.all([ui.page.waitForEvent("download"), ui.page.getByTestId("pin-jsonl-1").click()]);
    assert.equal(download.suggestedFilename(), "pinned-joint.jsonl");
    const lines = (await (await import("node:fs/promises")).readFile(await download.path(), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, evaluations.length);
    assert.deepEqual(lines.map((e) => e.heads.fused), evaluations.map((e) => e.heads.fused), "the pinned numbers are the run's");
    // Its settings back in the controls: the preset's own again (a alone is undone).
    await ui.page.getByTestId("pin-reopen-1").click();
    await ui.page.waitForFunction(() => location.hash === "#v=1&preset=imbalance&pace=max" && !document.querySelector('[data-testid="story-changed"]'));
    // Deleted: gone, and still gone after a reload.
    await ui.page.getByTestId("pin-delete-1").click();
    await ui.page.waitForFunction(() => !document.querySelector('[data-testid="pin-1"]'));
    await ui.page.reload();
    await ui.waitForText("backend-badge", /CPU/);
    await ui.frames(10);
    assert.equal(await ui.page.getByTestId("pin-1").count(), 0);
    assert.equal(await ui.page.evaluate((key) => JSON.parse(localStorage.getItem(key)).runs.length, STORE), 0);
  });
});

test("a corrupt pinned run is dropped with a message and the others kept; an eleventh pin is refused", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.page.getByTestId("pin-run").click();
    await pinsNamed(ui, ["run 1"]);
    // A second entry that does not read (its evaluations are not a list), beside a good one.
    await ui.page.evaluate((key) => {
      const store = JSON.parse(localStorage.getItem(key));
      store.runs.push({ ...store.runs[0], id: 2, name: "broken", evaluations: "garbage" });
      localStorage.setItem(key, JSON.stringify(store));
    }, STORE);
    await ui.page.reload();
    await ui.waitForText("notice", /Pinned runs: pinned run “broken” could not be read \(.*\): dropped\./);
    assert.equal(await ui.page.getByTestId("pin-name-1").inputValue(), "run 1", "the good run is kept");
    assert.equal(await ui.page.getByTestId("pin-2").count(), 0);
    // A store that is not JSON at all: dropped, said, and the page trains on.
    await ui.page.evaluate((key) => localStorage.setItem(key, "{{{"), STORE);
    await ui.page.reload();
    await ui.waitForText("notice", /Pinned runs: the pinned runs could not be read/);
    assert.equal(await ui.page.getByTestId("pin-1").count(), 0);
    await ui.waitForText("run-status", /^finished$/, 60_000);
    // Ten runs kept: the eleventh is refused with a message.
    await ui.page.getByTestId("pin-run").click();
    await pinsNamed(ui, ["run 1"]);
    await ui.page.evaluate((key) => {
      const store = JSON.parse(localStorage.getItem(key));
      store.runs = Array.from({ length: 10 }, (_, i) => ({ ...store.runs[0], id: i + 1, name: `run ${i + 1}` }));
      localStorage.setItem(key, JSON.stringify(store));
    }, STORE);
    await ui.page.reload();
    await ui.waitForText("runs-panel", /10 of 10 pinned/);
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.page.getByTestId("pin-run").click();
    await ui.waitForText("notice", /Not pinned: 10 runs are pinned already, the most this page keeps: delete one to pin another\./);
    assert.equal(await ui.page.evaluate((key) => JSON.parse(localStorage.getItem(key)).runs.length, STORE), 10);
  });
});

test("A/B: identical settings give identical numbers on the CPU; a change of B restarts both, lists what differs and draws B − A", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?test-hooks", hash: "v=1&preset=imbalance&train.epochs=40" }, async (ui) => {
    await ui.waitForAtLeast("eval-counter", 3);
    await ui.page.getByTestId("ab-toggle").click();
    await ui.waitForText("ab-differences", /^A and B have the same settings/);
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.waitForText("ab-a-status", /^A: step 160, finished$/, 60_000);
    const b = lastRun(await ui.evaluations());
    const a = lastRun(await ui.page.evaluate(() => window.__modalscopeEvaluationsA || []));
    assert.equal(b.length, 41, "B: 160 steps, an evaluation every 4");
    assert.deepEqual(a, b, "A and B: the same numbers, bit for bit");
    assert.deepEqual((await legend(ui, "loss")).slice(0, 3), ["A · fused", "A · a's probe", "A · b's probe"]);
    assert.ok((await legend(ui, "loss")).includes("B − A · fused"));
    // B takes a change (dropout on the fused layer): both restart, the panel names it.
    await ui.page.getByTestId("knob-methods.fusion_dropout.enabled").check();
    await ui.waitForText("ab-differences", /^B differs from A in: .*false → true\.$/);
    await ui.page.getByTestId("play").click();
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.waitForText("ab-a-status", /^A: step 160, finished$/, 60_000);
    const b2 = lastRun(await ui.evaluations());
    const a2 = lastRun(await ui.page.evaluate(() => window.__modalscopeEvaluationsA || []));
    assert.deepEqual(a2, a, "A is the run it was");
    assert.deepEqual(b2[0].heads, a2[0].heads, "step 0: the same data and initial weights");
    assert.notDeepEqual(b2.at(-1).heads, a2.at(-1).heads, "then dropout tells");
    // The tooltip reads B − A off the chart.
    const canvas = ui.page.locator('[data-testid="chart-loss"] canvas');
    const box = await canvas.boundingBox();
    await ui.page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
    await ui.waitForText("chart-tooltip", /B − A · fused: -?\d\.\d{4}/);
    await ui.screenshot("ab.png");
    // Ended: B goes on alone and the charts lose A.
    await ui.page.getByTestId("ab-toggle").click();
    await ui.waitForText("notice", /A\/B ended/);
    await ui.page.waitForFunction(() => ![...document.querySelectorAll('[data-testid="legend-loss"] .legend-entry')].some((e) => e.textContent.startsWith("A · ")));
  });
});
