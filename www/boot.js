// Starts the explorer. Before the wasm runs it records which WebGPU adapter the browser
// offers (window.__modalscopeAdapter: "vendor architecture", or null when there is none),
// so the page can say which backend it uses and why.
//
// `?hide-subgroups` in the URL hides the adapter's `subgroups` feature, as on adapters
// without it, to prove the page trains there too (the web build has no burn `fusion` /
// `autotune`, whose kernels assumed that feature).
//
// `?test-hooks` defines window.__modalscopeTestHooks for the browser specs, so that fault
// paths a headless browser never meets by itself can be tested:
//   destroyGpuDevice(): destroys every GPUDevice the page created (as a lost GPU would);
//     returns how many there were;
//   panic(): asks the trainer loop to panic at its next frame (the panic overlay's path).
// Without `?test-hooks` none of this exists.
const params = new URLSearchParams(location.search);

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

function installTestHooks() {
  const devices = [];
  if (navigator.gpu) {
    const request = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (descriptor) {
      const device = await request.call(this, descriptor);
      devices.push(device);
      return device;
    };
  }
  window.__modalscopeTestHooks = {
    destroyGpuDevice() {
      for (const device of devices) device.destroy();
      return devices.length;
    },
    panic() {
      window.__modalscopePanicRequested = true;
    },
  };
}

async function probeAdapter() {
  window.__modalscopeAdapter = null;
  if (!navigator.gpu) return;
  try {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
    if (adapter) {
      const info = adapter.info || {};
      window.__modalscopeAdapter = [info.vendor, info.architecture].filter(Boolean).join(" ") || "adapter";
    }
  } catch (e) {
    console.warn("WebGPU adapter request failed", e);
  }
}

if (navigator.gpu && params.has("hide-subgroups")) hideSubgroups();
if (params.has("test-hooks")) installTestHooks();
await probeAdapter();
const { default: init } = await import("./modalscope-web.js");
await init({ module_or_path: "./modalscope-web_bg.wasm" });
