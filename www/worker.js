// The engine's Web Worker (a classic worker script; trunk builds the engine modules as
// wasm-bindgen "no-modules": modalscope-worker.js, or modalscope-worker-cpu.js where the
// browser offers no WebGPU adapter, defines the global `wasm_bindgen`).
//
// Before the engine runs it
// - queues the page's requests (JSON strings) in self.__modalscopeInbox, which the engine
//   host drains between chunks of training;
// - records which WebGPU adapter this worker gets (self.__modalscopeAdapter: "vendor
//   architecture", or null), so the page can say which backend runs and why;
// - reports the engine module's download to the page as EngineLoading messages;
// - forwards what it does not catch (errors, rejected promises: a wasm trap after a panic)
//   to the page as EngineFailed messages; Rust panics are forwarded by the panic hook.
//
// `?hide-subgroups` hides the adapter's `subgroups` feature, as on adapters without it, to
// prove the engine trains there too (the web build has no burn `fusion` / `autotune`, whose
// kernels assumed that feature). `?test-hooks` answers the page's test hooks (www/boot.js).
//
// A Content-Security-Policy <meta> in the page does not reach a worker: scripts/serve.sh
// (trunk) and the browser specs' server send this script the same policy as a header.
const params = new URLSearchParams(self.location.search);
const post = (message) => self.postMessage(JSON.stringify(message));

self.__modalscopeInbox = [];
const devices = [];
// The engine module loads once the page has mounted (its message {pageMounted: true}) or
// after 2 s. On two cores, the engine's download (22 MB to gunzip) and compile (V8 uses
// every core) starved the page's main thread while it mounted: tasks of 60-90 ms on every
// local load, where a 496-byte function's lazy compile took 28 ms. Waiting costs the first
// point about 250 ms at 10 Mbit/s, and the controls appear sooner there (bench/RESULTS.md).
let pageMounted;
const mounted = new Promise((resolve) => {
  pageMounted = resolve;
  setTimeout(resolve, 2000);
});
self.addEventListener("message", (event) => {
  if (typeof event.data === "string") {
    self.__modalscopeInbox.push(event.data);
    return;
  }
  if (event.data && event.data.pageMounted) {
    pageMounted();
    return;
  }
  const hook = event.data && event.data.testHook;
  if (!hook || !params.has("test-hooks")) return;
  let value = null;
  if (hook === "destroyGpuDevice") {
    for (const device of devices) device.destroy();
    value = devices.length;
  } else if (hook === "panic") {
    self.__modalscopePanicRequested = true;
  } else if (hook === "throw") {
    setTimeout(() => {
      throw new Error("an error thrown in the engine's worker through ?test-hooks");
    });
  }
  self.postMessage({ testHookReply: hook, value });
});
self.addEventListener("unhandledrejection", (event) => {
  post({ EngineFailed: `the engine stopped: ${event.reason && event.reason.stack ? event.reason.stack : event.reason}` });
});

function hideSubgroups() {
  const request = GPUAdapter.prototype.requestDevice;
  const hide = (adapter) => {
    const features = new Set([...adapter.features].filter((f) => f !== "subgroups"));
    Object.defineProperty(adapter, "features", { value: features });
    return adapter;
  };
  const original = navigator.gpu.requestAdapter.bind(navigator.gpu);
  navigator.gpu.requestAdapter = async (options) => {
    const adapter = await original(options);
    return adapter ? hide(adapter) : adapter;
  };
  GPUAdapter.prototype.requestDevice = function (descriptor = {}) {
    const required = (descriptor.requiredFeatures || []).filter((f) => f !== "subgroups");
    return request.call(this, { ...descriptor, requiredFeatures: required });
  };
}

function recordDevices() {
  const request = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (descriptor) {
    const device = await request.call(this, descriptor);
    devices.push(device);
    return device;
  };
}

async function probeAdapter() {
  self.__modalscopeAdapter = null;
  if (!navigator.gpu) return;
  try {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
    if (adapter) {
      const info = adapter.info || {};
      self.__modalscopeAdapter = [info.vendor, info.architecture].filter(Boolean).join(" ") || "adapter";
    }
  } catch (e) {
    console.warn("WebGPU adapter request failed", e);
  }
}

// The engine module's response as a stream that reports its progress (at most every 50 ms),
// so the browser still compiles it while it downloads.
function reportingProgress(response) {
  // A compressed response's Content-Length counts compressed bytes, the stream does not.
  const total = response.headers.get("content-encoding") ? null : Number(response.headers.get("content-length")) || null;
  const reader = response.body.getReader();
  let loaded = 0;
  let reported = 0;
  const stream = new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        post({ EngineLoading: { loaded, total } });
        controller.close();
        return;
      }
      loaded += value.byteLength;
      if (performance.now() - reported >= 50) {
        reported = performance.now();
        post({ EngineLoading: { loaded, total } });
      }
      controller.enqueue(value);
    },
  });
  return new Response(stream, { headers: { "content-type": "application/wasm" } });
}

// The engine module to load and its response. With a WebGPU adapter the module with both
// backends (about 4 MB gzipped, two thirds of it burn's WebGPU backend); without one, or
// where the server has no such module, the CPU-only module (about 0.8 MB). scripts/serve.sh
// serves the page as soon as the page's and the CPU-only modules are built and builds the
// WebGPU one after: until then its request fails (trunk answers a missing file with the page
// itself, HTTP 200 text/html; a static host with a 404), recorded in
// self.__modalscopeEngineMissing for the badge (src/host/backend.rs).
async function engineResponse() {
  if (self.__modalscopeAdapter) {
    const response = await fetch("modalscope-worker_bg.wasm");
    // Any type but a page will do (some static hosts send wasm as octet-stream).
    const type = response.headers.get("content-type") || "no content type";
    if (response.ok && !type.startsWith("text/html")) return { name: "modalscope-worker", response };
    self.__modalscopeEngineMissing = `modalscope-worker_bg.wasm: HTTP ${response.status}, ${type}`;
    response.body?.cancel();
  }
  const response = await fetch("modalscope-worker-cpu_bg.wasm");
  if (!response.ok) throw new Error(`modalscope-worker-cpu_bg.wasm: HTTP ${response.status}`);
  return { name: "modalscope-worker-cpu", response };
}

async function start() {
  if (navigator.gpu && params.has("hide-subgroups")) hideSubgroups();
  if (navigator.gpu && params.has("test-hooks")) recordDevices();
  await mounted;
  await probeAdapter();
  const { name, response } = await engineResponse();
  importScripts(`./${name}.js`);
  await wasm_bindgen({ module_or_path: reportingProgress(response) });
}

start().catch((error) => {
  console.error("the engine could not start", error);
  post({ EngineFailed: `the engine could not start: ${error && error.message ? error.message : error}` });
});
