//! A plotters backend for `<canvas>` that measures text with the canvas itself.
//!
//! plotters' own wasm text measurement inserts a styled `<span>` into the page for every
//! label and reads its size: a forced page layout per label (hundreds of milliseconds per
//! redraw) and an inline style that a strict Content-Security-Policy blocks. This wrapper
//! answers `estimate_text_size` with `CanvasRenderingContext2D.measureText` and delegates
//! everything else to [`CanvasBackend`].
//!
//! It also draws sharply at any device pixel ratio: the canvas holds `scale` device pixels
//! per CSS pixel, the context is scaled by `scale` × `zoom`, and plotters sees the size in
//! CSS pixels divided by `zoom`, so fonts, strokes and margins are `zoom` times their sizes
//! (presentation mode enlarges the charts' text this way) and still sharp.

use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// [`CanvasBackend`] with canvas-based text measurement.
pub struct MeasuredCanvas {
    inner: CanvasBackend,
    context: CanvasRenderingContext2d,
    /// The size plotters draws in, in CSS pixels.
    size: (u32, u32),
}

impl MeasuredCanvas {
    /// Wraps a canvas element, first giving it `scale` device pixels per CSS pixel of the box
    /// it is laid out in, everything drawn `zoom` times larger; `None` when it has no 2D
    /// context or no size (not laid out).
    pub fn new(canvas: HtmlCanvasElement, scale: f64, zoom: f64) -> Option<Self> {
        let css = (canvas.client_width().max(0) as f64, canvas.client_height().max(0) as f64);
        Self::sized(canvas, css, scale, zoom)
    }

    /// As [`MeasuredCanvas::new`], for a canvas of `css` CSS pixels that need not be laid out
    /// (an export drawn off screen).
    pub fn sized(canvas: HtmlCanvasElement, css: (f64, f64), scale: f64, zoom: f64) -> Option<Self> {
        if css.0 == 0.0 || css.1 == 0.0 {
            return None;
        }
        let size = ((css.0 / zoom).round() as u32, (css.1 / zoom).round() as u32);
        let pixels = ((css.0 * scale).round() as u32, (css.1 * scale).round() as u32);
        if (canvas.width(), canvas.height()) != pixels {
            canvas.set_width(pixels.0);
            canvas.set_height(pixels.1);
        }
        let context = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
        context.set_transform(scale * zoom, 0.0, 0.0, scale * zoom, 0.0, 0.0).ok()?;
        let inner = CanvasBackend::with_canvas_object(canvas)?;
        Some(Self { inner, context, size })
    }
}

type Error = <CanvasBackend as DrawingBackend>::ErrorType;

impl DrawingBackend for MeasuredCanvas {
    type ErrorType = Error;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), DrawingErrorKind<Error>> {
        let font = format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str());
        self.context.set_font(&font);
        let width = self.context.measure_text(text).map(|m| m.width()).unwrap_or(style.size() * 0.6 * text.len() as f64);
        Ok((width.ceil() as u32, style.size().ceil() as u32))
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.blit_bitmap(pos, size, src)
    }
}
