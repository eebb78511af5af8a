//! Downloads of what the page measured (in the CLI's formats, so that a page run can be
//! compared with `modalscope run` line by line) and of its charts.

use wasm_bindgen::{JsCast, JsValue};

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str, mime: &str) -> Result<(), String> {
    let fail = |e: JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    download_url(name, &url)?;
    web_sys::Url::revoke_object_url(&url).map_err(fail)
}

/// Offers what `url` (an object or `data:` URL) holds as a file download named `name`.
pub fn download_url(name: &str, url: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|e| format!("{e:?}"))?.dyn_into().map_err(|_| "not an anchor")?;
    link.set_href(url);
    link.set_download(name);
    link.click();
    Ok(())
}
