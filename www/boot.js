// Starts the explorer: first the engine's Web Worker, then the page's own module (the
// controls and charts, no burn), which draws at once and talks to the worker through plain
// JSON messages. Once the page has mounted it tells the worker, which then loads the engine
// module (burn, about 4 MB gzipped) and reports its download. The worker's messages queue in window.__modalscopeInbox until the page's
// loop takes them; an error the worker does not catch arrives there as an EngineFailed
// message, so the page shows it instead of waiting forever.
//
// The address's query goes to the worker too: `?hide-subgroups` (an adapter without the
// `subgroups` feature) and `?test-hooks` act there, where WebGPU runs.
//
// `?test-hooks` defines window.__modalscopeTestHooks for the browser specs, so that fault
// paths a headless browser never meets by itself can be tested:
//   destroyGpuDevice(): destroys every GPUDevice the worker created (as a lost GPU would);
//     resolves to how many there were;
//   panic(): asks the engine loop to panic at its next chunk (a Rust panic in the worker);
//   throwInWorker(): throws an uncaught JavaScript error inside the worker.
// Without `?test-hooks` none of this exists.
const params = new URLSearchParams(location.search);

window.__modalscopeInbox = [];
const worker = new Worker("worker.js" + location.search);
window.__modalscopeWorker = worker;
worker.addEventListener("message", (event) => {
  if (typeof event.data === "string") window.__modalscopeInbox.push(event.data);
});
worker.addEventListener("error", (event) => {
  const where = event.filename ? ` (${event.filename}:${event.lineno})` : "";
  const what = event.message || "the engine's worker could not start (worker.js did not load)";
  window.__modalscopeInbox.push(JSON.stringify({ EngineFailed: what + where }));
});

function askWorker(hook) {
  return new Promise((resolve) => {
    const listen = (event) => {
      if (event.data && event.data.testHookReply === hook) {
        worker.removeEventListener("message", listen);
        resolve(event.data.value);
      }
    };
    worker.addEventListener("message", listen);
    worker.postMessage({ testHook: hook });
  });
}

if (params.has("test-hooks")) {
  window.__modalscopeTestHooks = {
    destroyGpuDevice: () => askWorker("destroyGpuDevice"),
    panic: () => askWorker("panic"),
    throwInWorker: () => askWorker("throw"),
  };
}

/** The page's module, its download shown on the skeleton's bar (indeterminate without a
 * Content-Length, as a compressed response has none). */
async function fetchWithProgress(url) {
  const response = await fetch(url);
  const bar = document.getElementById("skeleton-progress");
  if (!response.ok || !response.body || !bar) return response;
  const total = Number(response.headers.get("Content-Length")) || 0;
  if (total) bar.max = total;
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (total) bar.value = loaded;
  }
  return new Response(new Blob(chunks), { headers: { "Content-Type": "application/wasm" } });
}

const { default: init } = await import("./modalscope-web.js");
const page = await init({ module_or_path: fetchWithProgress("./modalscope-web_bg.wasm") });
// The page module's wasm memory in bytes (bench/page-metrics.mjs adds it to the JS heap and
// the worker's memory).
window.__modalscopePageMemory = () => page.memory.buffer.byteLength;
