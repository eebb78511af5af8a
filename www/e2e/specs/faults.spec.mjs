// Fault paths a user can meet, reached through the documented hooks: a diverging loss
// (`debug.nan_at_step`, set from the address like the CLI's --set), a Rust panic and an
// uncaught JavaScript error in the engine's worker (`?test-hooks`). CPU backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CPU_TIMEOUT, withExplorer } from "../fixture.mjs";

/** After two evaluations, calls the test hook `hook`: the overlay must name `said`, and no
 * step may run after it (30 frames). Returns the overlay. */
async function engineStops(ui, hook, said) {
  await ui.waitForAtLeast("eval-counter", 2);
  await ui.page.evaluate((name) => window.__modalscopeTestHooks[name](), hook);
  const overlay = ui.page.getByTestId("panic");
  await overlay.waitFor({ state: "visible" });
  assert.match(await overlay.textContent(), said);
  const stopped = await ui.number("step-counter");
  await ui.frames(30);
  assert.equal(await ui.number("step-counter"), stopped, `nothing runs after ${hook}: the page stopped the worker`);
  return overlay;
}

test("divergence pauses the run with the message and its step range", { timeout: CPU_TIMEOUT }, async () => {
  // imbalance: an evaluation every epoch (4 steps), so a NaN at step 10 is seen at step 12.
  await withExplorer({ webgpu: false, query: "?set=debug.nan_at_step=10" }, async (ui) => {
    await ui.waitForText("run-status", /^diverged$/);
    const notice = await ui.text("notice");
    assert.match(notice, /diverged/i);
    assert.match(notice, /between steps 8 and 12/);
    await ui.frames(30);
    assert.equal(await ui.number("step-counter"), 12, "no step after the divergence");
    assert.equal(await ui.number("eval-counter"), 4, "evaluations at steps 0, 4, 8, 12");
  });
});

test("a bad ?set= is refused with its reason and the page still trains", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?set=train.learning_rate=-1" }, async (ui) => {
    assert.match(await ui.waitForText("notice", /ignored/), /train\.learning_rate = -1/);
    await ui.waitForAtLeast("eval-counter", 3);
  });
});

test("a panic shows the overlay; its button reloads a working page", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer(
    { webgpu: false, query: "?test-hooks&set=train.epochs=100000" },
    async (ui) => {
      const overlay = await engineStops(ui, "panic", /requested through \?test-hooks/);
      assert.ok(ui.consoleErrors.some((e) => /test-hooks/.test(e)), "the panic is logged to the console");
      const errorsBefore = ui.consoleErrors.length;
      await ui.page.getByTestId("panic-reset").click();
      await overlay.waitFor({ state: "detached" });
      await ui.waitForAtLeast("eval-counter", 3);
      assert.deepEqual(ui.consoleErrors.slice(errorsBefore), [], "the reloaded page has no console error");
    },
    { consoleErrors: false },
  );
});

test("an uncaught error in the engine's worker reaches the page, which stops the worker", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer(
    { webgpu: false, query: "?test-hooks&set=train.epochs=100000" },
    async (ui) => {
      await engineStops(ui, "throwInWorker", /thrown in the engine's worker/);
      assert.ok(ui.consoleErrors.some((e) => /engine stopped.*thrown in the engine's worker/.test(e)), `the page's console names it: ${ui.consoleErrors}`);
    },
    { consoleErrors: false },
  );
});
