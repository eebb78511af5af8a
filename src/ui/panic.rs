//! A Rust panic never leaves a blank page: the hook logs to the console and shows a
//! readable message with a reload button. The same overlay shows when the engine's worker
//! stops (its panics and uncaught errors arrive as [`crate::protocol::Message::EngineFailed`]).

use wasm_bindgen::JsCast;

/// Installs the hook.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&format!("{info}"));
    }));
}

/// The engine's worker stopped (or never started) for `detail`: stops what is left of it,
/// logs it on the page's console and shows the overlay once.
pub fn engine_stopped(detail: &str) {
    crate::browser::terminate_worker();
    crate::browser::console_error(&format!("the engine stopped: {detail}"));
    show(&format!("The engine's worker stopped: {detail}"));
}

fn show(detail: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if document.get_element_by_id("panic-overlay").is_some() {
        return;
    }
    let Ok(overlay) = document.create_element("div") else { return };
    overlay.set_id("panic-overlay");
    let _ = overlay.set_attribute("data-testid", "panic");
    let _ = overlay.set_attribute("role", "alert");
    let title = document.create_element("h2").ok();
    let text = document.create_element("p").ok();
    let pre = document.create_element("pre").ok();
    let button = document.create_element("button").ok();
    if let (Some(title), Some(text), Some(pre), Some(button)) = (title, text, pre, button) {
        title.set_text_content(Some("Modalscope stopped"));
        text.set_text_content(Some("Something went wrong inside the trainer. Your settings are in the address bar; reload to start again."));
        pre.set_text_content(Some(detail));
        button.set_text_content(Some("Reload and reset"));
        let _ = button.set_attribute("data-testid", "panic-reset");
        let reload = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(|| {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        });
        if let Ok(target) = button.clone().dyn_into::<web_sys::HtmlElement>() {
            target.set_onclick(Some(reload.as_ref().unchecked_ref()));
        }
        reload.forget();
        for child in [&title, &text, &pre, &button] {
            let _ = overlay.append_child(child);
        }
    }
    if let Some(body) = document.body() {
        let _ = body.append_child(&overlay);
    }
}
