// Without WebGPU flags, headless Chromium has no adapter: the page must say CPU and why,
// and train there with no long main-thread task and no request leaving the page. The run is
// made long (?set=train.epochs=100000) so that nothing below races its end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CPU_TIMEOUT, distDir, withExplorer } from "../fixture.mjs";

test("CPU fallback: badge, training, charts, no long task, CSP", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?set=train.epochs=100000" }, async (ui) => {
    const badge = await ui.waitForText("backend-badge", /CPU/);
    assert.match(await ui.text("backend-reason"), /WebGPU|adapter/);
    await ui.waitForAtLeast("eval-counter", 1);
    const startup = await ui.resetLongTasks();
    const before = await ui.chartFingerprint("loss");
    await ui.waitForAtLeast("step-counter", 300);
    await ui.waitForAtLeast("eval-counter", 20);
    const after = await ui.chartFingerprint("loss");
    assert.notEqual(before, after, "the loss chart changed while training");
    await ui.waitForAtLeast("steps-per-second", 1);
    const longTasks = await ui.longTasks();
    const stats = {
      badge,
      stepsPerSecond: await ui.number("steps-per-second"),
      firstPointMs: await ui.number("first-point-ms"),
      maxChunkMs: await ui.number("max-chunk-ms"),
      longTasks,
      startupLongTasks: startup,
    };
    console.log("cpu:", JSON.stringify(stats));
    // The 50 ms frame budget is measured by the speed benchmarks, not asserted on a shared
    // two-core machine: here no task after the first point may reach 200 ms.
    assert.ok(longTasks.every((ms) => ms >= 0 && ms < 200), `no main-thread task of 200 ms or more while training: ${longTasks}`);
    assert.equal(await ui.text("run-status"), "training");
    await ui.screenshot("explorer-cpu.png");
  });
});

test("a browser without navigator.gpu at all trains on the CPU and says why", { timeout: CPU_TIMEOUT }, async () => {
  // Launched with WebGPU on, then navigator.gpu removed before the page's and the engine
  // worker's scripts run: the "no WebGPU at all" path, not the "no adapter" one above.
  const initScript = () => Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined, configurable: true });
  const workerInitScript = 'Object.defineProperty(WorkerNavigator.prototype, "gpu", { get: () => undefined, configurable: true });';
  await withExplorer({ webgpu: true, initScript, workerInitScript }, async (ui) => {
    await ui.waitForText("backend-badge", /CPU/);
    assert.match(await ui.text("backend-reason"), /no WebGPU/);
    assert.ok(await ui.page.getByTestId("switch-backend").isDisabled(), "nothing to switch to");
    await ui.waitForAtLeast("eval-counter", 3);
  });
});

test("an adapter but no WebGPU engine module on the server (serve.sh's first minutes): the CPU engine trains, the badge says why", { timeout: CPU_TIMEOUT }, async () => {
  // dist/ less the WebGPU engine module and its script, as scripts/serve.sh serves the page
  // while that module still builds.
  const dir = await mkdtemp(join(tmpdir(), "modalscope-no-webgpu-module-"));
  try {
    const left = /^modalscope-worker(_bg\.wasm|\.js)$/;
    for (const name of await readdir(distDir)) if (!left.test(name)) await symlink(join(distDir, name), join(dir, name));
    await withExplorer({ webgpu: true, dir }, async (ui) => {
      await ui.waitForText("backend-badge", /CPU/);
      assert.match(await ui.text("backend-reason"), /WebGPU adapter \(.+\), but this server has no WebGPU engine module yet \(modalscope-worker_bg\.wasm: HTTP 404/);
      assert.ok(await ui.page.getByTestId("switch-backend").isDisabled(), "the CPU-only module has no WebGPU to switch to");
      await ui.waitForAtLeast("eval-counter", 3);
      // The one request that failed is the module that is not there; the browser logs it.
      assert.deepEqual(ui.server.missing.splice(0), ["/modalscope-worker_bg.wasm"]);
      const notFound = ui.consoleErrors.splice(0).filter((text) => !/status of 404/.test(text));
      assert.deepEqual(notFound, [], "no console error but the missing module's 404");
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
