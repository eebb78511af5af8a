//! Small browser helpers shared by the page (`ui`, main thread) and the engine host (`host`,
//! in a Web Worker): the clock, yields, a fetch of bytes, the test hooks' flags, and the
//! two ends of the worker link. Everything goes through the global scope, so the same code
//! runs in a window and in a worker.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::protocol::{HostEnd, Message, Request, SessionHandle, decode, encode};

/// `self[name]` in the window or the worker (undefined when absent).
pub fn global_get(name: &str) -> JsValue {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Calls `callback` after `ms` milliseconds (the global `setTimeout`).
fn set_timeout(callback: &js_sys::Function, ms: f64) {
    if let Ok(set_timeout) = global_get("setTimeout").dyn_into::<js_sys::Function>() {
        let _ = set_timeout.call2(&JsValue::NULL, callback, &JsValue::from(ms));
    }
}

/// `performance.now()`, in ms (the window's or the worker's clock).
pub fn now_ms() -> f64 {
    global_get("performance").dyn_into::<web_sys::Performance>().map(|p| p.now()).unwrap_or(0.0)
}

/// Resolves at the next animation frame (the page yields to the browser).
pub async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(&resolve);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves as soon as the event loop has run once (messages that arrived meanwhile are
/// delivered): `scheduler.postTask` where it exists, else `setTimeout(0)`.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scheduler = global_get("scheduler");
        let post_task = js_sys::Reflect::get(&scheduler, &JsValue::from_str("postTask")).ok();
        if let Some(post_task) = post_task.and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            && post_task.call1(&scheduler, &resolve).is_ok()
        {
            return;
        }
        set_timeout(&resolve, 0.0);
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: f64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| set_timeout(&resolve, ms));
    let _ = JsFuture::from(promise).await;
}

/// The bytes at `url` (same origin; relative to the page or to the worker's script).
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let fetch = global_get("fetch").dyn_into::<js_sys::Function>().map_err(|_| "no fetch here")?;
    let promise = fetch.call1(&JsValue::NULL, &JsValue::from_str(url)).map_err(|e| format!("{e:?}"))?;
    let response = JsFuture::from(js_sys::Promise::from(promise)).await.map_err(|e| format!("{e:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response")?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| format!("{e:?}"))?).await.map_err(|e| format!("{e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// True when JavaScript set `self[name]` to `true` (the test hooks' flags).
pub fn js_flag(name: &str) -> bool {
    global_get(name).as_bool() == Some(true)
}

/// Logs `text` as a console error.
pub fn console_error(text: &str) {
    web_sys::console::error_1(&JsValue::from_str(text));
}

/// Takes every string out of the JS array `self[name]` (filled by the message listener that
/// `www/boot.js` or `www/worker.js` installed before the wasm started).
fn drain_inbox(name: &str) -> Vec<String> {
    let Ok(inbox) = global_get(name).dyn_into::<js_sys::Array>() else { return Vec::new() };
    if inbox.length() == 0 {
        return Vec::new();
    }
    inbox.splice(0, inbox.length(), &JsValue::UNDEFINED).iter().filter_map(|v| v.as_string()).collect()
}

/// The engine's worker, which `www/boot.js` started as `window.__modalscopeWorker`.
fn engine_worker() -> Option<web_sys::Worker> {
    global_get("__modalscopeWorker").dyn_into::<web_sys::Worker>().ok()
}

/// The page's end of the link to the engine's worker (its messages queue in
/// `window.__modalscopeInbox`).
pub fn worker_link() -> Result<SessionHandle, String> {
    let worker = engine_worker().ok_or("www/boot.js started no engine worker")?;
    let send = move |request: Request| {
        if let Err(e) = worker.post_message(&JsValue::from_str(&encode(&request))) {
            console_error(&format!("a request to the engine could not be posted: {e:?}"));
        }
    };
    let receive = || {
        drain_inbox("__modalscopeInbox")
            .into_iter()
            .map(|text| {
                decode::<Message>(&text).unwrap_or_else(|e| {
                    console_error(&format!("a message from the engine could not be read: {e}"));
                    Message::Notice(format!("A message from the engine could not be read: {e}"))
                })
            })
            .collect()
    };
    Ok(SessionHandle::new(send, receive))
}

/// Stops the engine's worker (the page does so once the engine failed: nothing half-alive
/// goes on training behind the overlay).
pub fn terminate_worker() {
    if let Some(worker) = engine_worker() {
        worker.terminate();
    }
}

/// Moves keyboard focus to the first element matching `selector`, if there is one.
pub fn focus(selector: &str) {
    let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(selector).ok().flatten());
    // HTMLElement.focus through Reflect: web-sys's HtmlElement feature would rebuild the
    // engine modules' whole web stack for one call.
    if let Some(element) = element
        && let Ok(focus) = js_sys::Reflect::get(&element, &JsValue::from_str("focus")).and_then(|f| f.dyn_into::<js_sys::Function>())
    {
        let _ = focus.call0(&element);
    }
}

/// Tells the engine's worker that the page has mounted: `www/worker.js` loads the engine
/// module only then (or after 2 s), since on two cores its download and compile starved the
/// page's mount into main-thread tasks of 60-90 ms.
pub fn page_mounted() {
    if let Some(worker) = engine_worker() {
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &JsValue::from_str("pageMounted"), &JsValue::TRUE);
        if let Err(e) = worker.post_message(&message) {
            console_error(&format!("the engine's worker could not be told that the page mounted: {e:?}"));
        }
    }
}

/// Posts `message` to the page, from inside the worker.
fn post_to_page(message: &Message) -> Result<(), JsValue> {
    let scope = js_sys::global().unchecked_into::<web_sys::DedicatedWorkerGlobalScope>();
    scope.post_message(&JsValue::from_str(&encode(message)))
}

/// The worker's end of the link to the page: requests queue in `self.__modalscopeInbox`
/// (`www/worker.js` fills it), messages go out through `postMessage`.
pub fn page_link() -> HostEnd {
    let send = |message: Message| {
        if let Err(e) = post_to_page(&message) {
            console_error(&format!("a message to the page could not be posted: {e:?}"));
        }
    };
    let receive = || {
        drain_inbox("__modalscopeInbox")
            .into_iter()
            .filter_map(|text| match decode::<Request>(&text) {
                Ok(request) => Some(request),
                Err(e) => {
                    console_error(&format!("a request from the page could not be read: {e}"));
                    None
                }
            })
            .collect()
    };
    HostEnd::new(send, receive)
}

/// Sends [`Message::EngineFailed`] to the page from inside the worker (the panic hook).
pub fn report_engine_failure(text: &str) {
    let _ = post_to_page(&Message::EngineFailed(text.to_string()));
}

/// Defines `_initialize` in a wasm entry (both bins call it first thing in `main`).
///
/// Defining `_initialize` makes wasm-ld link the module as a "reactor": without it every
/// export is wrapped in a call to `__wasm_call_ctors`, so the static constructors of our
/// dependencies (`inventory` registrations in cubecl's IR) rerun on every call from
/// JavaScript, hundreds of milliseconds per frame. `main` calls it once instead.
#[macro_export]
macro_rules! define_initialize {
    () => {
        /// Runs the module's static constructors, once (see `modalscope::define_initialize`).
        #[cfg(target_arch = "wasm32")]
        #[unsafe(no_mangle)]
        pub extern "C" fn _initialize() {
            unsafe extern "C" {
                fn __wasm_call_ctors();
            }
            static ONCE: std::sync::Once = std::sync::Once::new();
            // SAFETY: the linker-generated constructor function, run exactly once before any other code.
            ONCE.call_once(|| unsafe { __wasm_call_ctors() });
        }
    };
}
