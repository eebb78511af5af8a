//! "Share and export": the link to the page as it is (the address bar holds the same
//! link, [`crate::link::PageLink`], updated as things change), what a classroom
//! link hides and whether it plays on open, the same run as a CLI command, and downloads of
//! the run's metrics (JSON, CSV), its configuration (TOML, which `modalscope run --config`
//! reads) and its dataset splits (CSV). Each chart saves itself as PNG (its own button).

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::link::{HIDEABLE, with_name};
use crate::protocol::{MetricsFormat, Request};
use crate::ui::state::AppState;

/// The page's address without its `#`.
fn page_address() -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_string()
}

/// Keeps the address's `#` equal to the page's link (replacing the history entry, so that
/// Back leaves the page rather than stepping through settings), and reloads the page when
/// the user puts another link's `#` in the address bar. Returns the link (encoded once per
/// change, for the address and the share panel).
pub fn use_link_in_address(state: AppState) -> Memo<String> {
    let text = Memo::new(move |_| state.link().encode());
    let current_hash = || web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    // The `#` as the page found it, then as the page last wrote it.
    let written = StoredValue::new(current_hash());
    // In a task of its own (the browser's history write is slow, and a change of a setting
    // already fills its task). A link the user put in the address meanwhile is not written
    // over: the hashchange listener below reloads it.
    Effect::new(move |_| {
        let hash = format!("#{}", text.get());
        set_timeout(
            move || {
                if current_hash() != written.get_value() {
                    return;
                }
                let history = web_sys::window().and_then(|w| w.history().ok());
                if history.is_some_and(|h| h.replace_state_with_url(&JsValue::NULL, "", Some(&hash)).is_ok()) {
                    // As the browser holds it (it may encode characters the link left as they
                    // were).
                    written.set_value(current_hash());
                }
            },
            std::time::Duration::ZERO,
        );
    });
    let _listener = window_event_listener(leptos::ev::hashchange, move |_| {
        let Some(location) = web_sys::window().map(|w| w.location()) else { return };
        if location.hash().ok().is_some_and(|hash| hash != written.get_value()) {
            let _ = location.reload();
        }
    });
    text
}

/// Copies `text` to the clipboard; `done` gets what to tell the user.
fn copy_text(text: String, what: &'static str, done: impl Fn(String) + 'static) {
    let navigator = web_sys::window().map(|w| w.navigator());
    let clipboard = navigator.and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("clipboard")).ok()).filter(|c| c.is_object());
    let write = clipboard.as_ref().and_then(|c| js_sys::Reflect::get(c, &JsValue::from_str("writeText")).ok()).and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let promise = match (clipboard, write) {
        (Some(clipboard), Some(write)) => write.call1(&clipboard, &JsValue::from_str(&text)).ok().and_then(|p| p.dyn_into::<js_sys::Promise>().ok()),
        _ => None,
    };
    let refused = format!("This browser did not let the page copy: select the {what} in its box and copy it by hand.");
    let Some(promise) = promise else { return done(refused) };
    wasm_bindgen_futures::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(_) => done(format!("Copied the {what}.")),
            Err(_) => done(refused),
        }
    });
}

/// Modules of white around a QR code (the standard's quiet zone).
const QR_QUIET: i32 = 4;

/// Draws `text` as a QR code on `canvas`, one canvas pixel per module (CSS scales it up,
/// unsmoothed); `Err` when the text is too long for any QR code.
fn draw_qr(canvas: &web_sys::HtmlCanvasElement, text: &str) -> Result<(), String> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let code = QrCode::encode_text(text, QrCodeEcc::Low).map_err(|_| format!("The link ({} characters) is too long for a QR code: fewer changed settings make it shorter.", text.len()))?;
    let side = code.size() + 2 * QR_QUIET;
    canvas.set_width(side as u32);
    canvas.set_height(side as u32);
    let context = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()).ok_or("no 2d context")?;
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, side as f64, side as f64);
    context.set_fill_style_str("#000000");
    for y in 0..code.size() {
        for x in 0..code.size() {
            if code.get_module(x, y) {
                context.fill_rect((x + QR_QUIET) as f64, (y + QR_QUIET) as f64, 1.0, 1.0);
            }
        }
    }
    Ok(())
}

/// Whether `url` names the computer it is opened on (loopback), which no other device reaches.
fn names_this_computer(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let server = authority.rsplit_once('@').map_or(authority, |(_, s)| s);
    let name = if server.starts_with('[') { server.split(']').next().unwrap_or_default().trim_start_matches('[') } else { server.split(':').next().unwrap_or_default() };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.starts_with("127.") || name == "::1" || name == "0.0.0.0"
}

/// The link as a QR code, for a room of students to open on their phones; a click enlarges
/// it to fill most of the screen (and a second click shrinks it).
#[component]
fn LinkQrCode(
    /// The link.
    url: Signal<String>,
    /// Whether the panel is open: the code is drawn only then (encoding it on every change
    /// of a setting cost a fifth of that change's main-thread task).
    open: ReadSignal<bool>,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let problem = RwSignal::new(None::<String>);
    let large = RwSignal::new(false);
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let text = url.get();
        if let Some(element) = canvas.get() {
            problem.set(draw_qr(&element, &text).err());
        }
    });
    // Escape shrinks the enlarged code, as its close control does.
    let _escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && large.try_get_untracked() == Some(true) {
            large.set(false);
        }
    });
    let loopback = move || url.with(|u| names_this_computer(u));
    view! {
        <button type="button" class="qr" class:large=move || large.get() data-testid="qr-button" aria-pressed=move || large.get().to_string()
            title="The link as a QR code: click to enlarge it for the room, again (or Esc) to shrink it." on:click=move |_| large.update(|l| *l = !*l)>
            <canvas node_ref=canvas data-testid="qr-code" role="img" aria-label="QR code of the link to this page" hidden=move || problem.with(Option::is_some)></canvas>
            <span class="qr-close" data-testid="qr-close" hidden=move || !large.get()>"✕ Close (Esc)"</span>
        </button>
        {move || problem.get().map(|text| view! { <p class="qr-problem" role="note">{text}</p> })}
        <Show when=loopback>
            <p class="qr-problem" role="note" data-testid="qr-loopback">
                "This link names this computer (127.0.0.1 or localhost): students' phones cannot open it. Serve on the network ("
                <code>"ADDRESS=0.0.0.0 ./scripts/serve.sh"</code>
                ", then open the page at this computer's network address) or put the built page on a web host (README: “Host it for a class”)."
            </p>
        </Show>
    }
}

/// The panel.
#[component]
pub fn SharePanel(
    /// The page's link, encoded ([`use_link_in_address`]).
    link: Memo<String>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let url = Signal::derive(move || format!("{}#{}", page_address(), link.get()));
    let (open, set_open) = signal(false);
    let panel = NodeRef::<leptos::html::Details>::new();
    // Written into its box only while the panel is open (a setting's change does not pay
    // for it otherwise).
    let command = move || state.link().cli_command();
    let command_shown = move || if open.get() { command() } else { String::new() };
    let said = RwSignal::new(String::new());
    let copy = move |text: String, what: &'static str| copy_text(text, what, move |words| said.set(words));
    let hides = HIDEABLE
        .iter()
        .map(|name| {
            let name = *name;
            let on = move || state.hidden.with(|h| h.iter().any(|n| n == name));
            let toggle = move |ev| {
                let hide = event_target_checked(&ev);
                state.hidden.update(|h| *h = with_name(&HIDEABLE, h, name, hide));
            };
            view! { <label class="toggle"><input type="checkbox" data-testid=format!("hide-{name}") prop:checked=on on:change=toggle />{name}</label> }
        })
        .collect_view();
    let config_toml = move |_| {
        let text = format!("# modalscope run --config {}.toml --out runs/{}\n{}", state.preset.get_untracked(), state.preset.get_untracked(), state.config.with_untracked(|c| c.to_toml()));
        state.offer_download(&format!("{}.toml", state.preset.get_untracked()), &text, "application/toml");
    };
    view! {
        <details class="share" data-testid="share-panel" node_ref=panel
            on:toggle=move |_| set_open.set(panel.get_untracked().is_some_and(|p| p.open()))>
            <summary>"Share and export"</summary>
            <div class="share-body">
                <div class="share-texts">
                    <div class="share-row">
                        <label class="field">
                            <span>"Link to this page (the address bar holds it too)"</span>
                            <input type="text" readonly data-testid="share-link" prop:value=url on:focus=select_all />
                        </label>
                        <button type="button" data-testid="copy-link" on:click=move |_| copy(url.get(), "link")>"Copy link"</button>
                    </div>
                    <div class="share-row">
                        <label class="field">
                            <span>"The same run from the command line"</span>
                            <textarea readonly rows="2" data-testid="cli-command" prop:value=command_shown on:focus=select_all></textarea>
                        </label>
                        <button type="button" data-testid="copy-cli" on:click=move |_| copy(command(), "command")>"Copy as CLI command"</button>
                    </div>
                    <p class="copied" role="status" data-testid="copy-status">{move || said.get()}</p>
                    <p class="exports">
                        "Download: "
                        <button type="button" data-testid="download-metrics" title="This run's evaluations as metrics.jsonl, the CLI's format (one JSON object per evaluation)."
                            on:click=move |_| state.send(Request::ExportMetrics(MetricsFormat::Jsonl))>"metrics (JSON)"</button>
                        <button type="button" data-testid="download-metrics-csv" title="This run's evaluations as a table: one row per evaluation, one column per number."
                            on:click=move |_| state.send(Request::ExportMetrics(MetricsFormat::Csv))>"metrics (CSV)"</button>
                        <button type="button" data-testid="download-config" title="The configuration as TOML: modalscope run --config FILE trains the same run."
                            on:click=config_toml>"configuration (TOML)"</button>
                        <button type="button" data-testid="download-splits" title="The run's data: every split (train, held-out V, validation, test, T′) in one CSV with a split column, features standardised as the model sees them."
                            on:click=move |_| state.send(Request::ExportData)>"dataset splits (CSV)"</button>
                    </p>
                </div>
                <LinkQrCode url open />
                <fieldset class="classroom">
                    <legend>"For a classroom: hide"</legend>
                    {hides}
                    <label class="toggle"><input type="checkbox" data-testid="play-on-open" prop:checked=move || state.play_on_open.get()
                        on:change=move |ev| state.play_on_open.set(event_target_checked(&ev)) />"the run plays on open"</label>
                </fieldset>
            </div>
        </details>
    }
}

/// Selects the whole text of the focused field, ready to copy by hand.
fn select_all(ev: leptos::ev::FocusEvent) {
    if let Some(target) = ev.target() {
        let _ = js_sys::Reflect::get(&target, &JsValue::from_str("select"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .map(|select| select.call0(&target));
    }
}
