//! The book's figure style, and the drawing helpers every chapter shares.
//!
//! One look for every figure: white background, sans-serif labels, the
//! Okabe–Ito palette (distinguishable with the common colour-vision
//! deficiencies), axes with a description and units. Figures are SVG, drawn
//! into a string and written atomically. Histograms are binned by [`Bins`] and drawn
//! as rectangles in bin order, because plotters' own `Histogram` series emits
//! bars in hash order (not byte-for-byte reproducible).

use crate::output::write_atomic;
use crate::stats::Bins;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

pub mod heatmap;
mod panel;
pub use panel::{Keyed, mesh, panel};

/// The Okabe–Ito palette (Okabe & Ito, 2008), black last.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),       // black
];

/// The `i`-th colour of the palette (cycling).
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Neutral grey for reference lines.
pub const GREY: RGBColor = RGBColor(110, 110, 110);

/// The font family of every label (the reader's browser picks the face).
pub const FONT: &str = "sans-serif";

/// Draw a figure of `size` pixels with `draw` and write it to `path` as SVG.
pub fn svg_figure(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    // plotters writes SVG's defaults on every element; leaving them out
    // keeps figures with many cells light (a heatmap's file shrinks by a third).
    let svg = svg.replace(" opacity=\"1\"", "").replace(" stroke=\"none\"", "");
    write_atomic(path, smooth_polylines(&svg).as_bytes())
}

/// How far (in pixels) [`smooth_polylines`] lets a line move from the points
/// plotters drew.
const SMOOTH_PX: f64 = 0.8;

/// Every `<polyline>` of an SVG with the points that only make stairs left
/// out. plotters rounds every point to a whole pixel, so a smooth curve drawn
/// through many points comes out as a staircase; dropping each point that
/// lies within [`SMOOTH_PX`] of the line through its neighbours that are kept
/// (Ramer–Douglas–Peucker) draws the same curve, within a pixel, as straight
/// slanted segments, and makes the file smaller.
pub fn smooth_polylines(svg: &str) -> String {
    const POINTS: &str = " points=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find("<polyline") {
        let Some(start) = rest[at..].find(POINTS).map(|p| at + p + POINTS.len()) else { break };
        let Some(len) = rest[start..].find('"') else { break };
        out.push_str(&rest[..start]);
        let points: Option<Vec<(f64, f64)>> = rest[start..start + len]
            .split_whitespace()
            .map(|p| p.split_once(',').and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?))))
            .collect();
        match points {
            Some(points) => {
                for (x, y) in simplify(&points, SMOOTH_PX) {
                    out.push_str(&format!("{x},{y} "));
                }
            }
            None => out.push_str(&rest[start..start + len]),
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// The Ramer–Douglas–Peucker simplification of a polyline: its end points,
/// and recursively the point farthest from the chord between them while it
/// lies more than `tolerance` away.
fn simplify(points: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    if points.len() < 3 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    let (first, last) = (0, points.len() - 1);
    keep[first] = true;
    keep[last] = true;
    let mut stack = vec![(first, last)];
    while let Some((a, b)) = stack.pop() {
        let ((x0, y0), (x1, y1)) = (points[a], points[b]);
        let (dx, dy) = (x1 - x0, y1 - y0);
        let chord = dx.hypot(dy);
        let distance = |&(x, y): &(f64, f64)| {
            if chord == 0.0 { (x - x0).hypot(y - y0) } else { (dy * (x - x0) - dx * (y - y0)).abs() / chord }
        };
        let farthest = (a + 1..b).map(|i| (i, distance(&points[i]))).max_by(|p, q| p.1.total_cmp(&q.1));
        if let Some((i, d)) = farthest
            && d > tolerance
        {
            keep[i] = true;
            stack.push((a, i));
            stack.push((i, b));
        }
    }
    points.iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| *p).collect()
}

/// A figure `width` wide whose body is `height` tall, under a title (none
/// if empty) and a band holding its legend ([`draw_legend_band`]), with text
/// of size `text`: `draw` gets the body.
pub fn legend_figure(
    path: &Path,
    (width, height): (u32, u32),
    title: &str,
    entries: &[(&str, LegendMark)],
    text: u32,
    draw: impl FnOnce(DrawingArea<SVGBackend, Shift>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let band = legend_band_height(entries, text, width);
    svg_figure(path, (width, height + band), |root| {
        let root = if title.is_empty() { root.clone() } else { root.titled(title, (FONT, text + 2))? };
        let (top, body) = root.split_vertically(band);
        draw_legend_band(&top, entries, text)?;
        draw(body)
    })
}

/// Histogram bars as filled rectangles, in bin order.
pub fn histogram_bars(bins: &Bins, fill: RGBColor) -> impl Iterator<Item = Rectangle<(f64, f64)>> + '_ {
    bins.densities().map(move |(l, r, d)| Rectangle::new([(l, 0.0), (r, d)], fill.mix(0.45).filled()))
}

/// A line's style in the book's look.
pub fn line(c: RGBColor) -> ShapeStyle {
    c.stroke_width(2)
}

/// An arrow's two parts: the shaft and the filled head.
pub type Arrow = (PathElement<(f64, f64)>, Polygon<(f64, f64)>);

/// An arrow from `from` to `to` in data coordinates: a shaft and a filled
/// triangular head of length `head` (plotters has no arrow element). The head
/// is laid out in data units, so use it on charts with equal x and y scales.
pub fn arrow(from: (f64, f64), to: (f64, f64), head: f64, c: RGBColor) -> Arrow {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = dx.hypot(dy).max(1e-12);
    let head = head.min(0.6 * len);
    let (ux, uy) = (dx / len, dy / len); // along the arrow
    let (px, py) = (-uy, ux); // across it
    let base = (to.0 - head * ux, to.1 - head * uy);
    let half = 0.45 * head;
    let shaft = PathElement::new(vec![from, base], c.stroke_width(2));
    let tip = Polygon::new(
        vec![to, (base.0 + half * px, base.1 + half * py), (base.0 - half * px, base.1 - half * py)],
        c.filled(),
    );
    (shaft, tip)
}

/// The width of the book's text column, in pixels: a figure drawn this wide
/// is shown at its own size.
pub const COLUMN: u32 = 750;

/// Feature `i`'s colour (from 0), the same in every figure that shows it.
pub fn feature_color(i: usize) -> RGBColor {
    color(i)
}

/// The font size to give plotters so that a figure `width` pixels wide,
/// shown in the book's 750 px column, has text of at least 12 px (plotters
/// writes SVG text at 0.8 times the size it is given).
pub fn readable(width: u32) -> u32 {
    (15 * width.max(750)).div_ceil(750)
}

/// How a legend entry in [`draw_legend_band`] is marked.
#[derive(Debug, Clone, Copy)]
pub enum LegendMark {
    /// Bars, drawn as [`histogram_bars`] draws them.
    Bar(RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
    /// A line through filled circles (measured points joined).
    LineDots(RGBColor),
    /// Filled circles alone.
    Dots(RGBColor),
    /// A filled triangle.
    Triangle(RGBColor),
    /// A square filled in full colour (cells, stacked bars, badges).
    Square(RGBColor),
    /// An × (a marked cell).
    Cross(RGBColor),
    /// An open square (a marker drawn as an outline).
    OpenSquare(RGBColor),
}

/// The height of the band [`draw_legend_band`] needs for `entries` in a
/// figure `width` pixels wide: one row, or more when they do not fit.
pub fn legend_band_height(entries: &[(&str, LegendMark)], size: u32, width: u32) -> u32 {
    let rows = legend_rows(entries, size, width).last().map_or(0, |&(row, _)| row + 1);
    (rows as f64 * 1.5 * size as f64) as u32 + 10
}

/// Each entry's (row, x) in the band.
fn legend_rows(entries: &[(&str, LegendMark)], size: u32, width: u32) -> Vec<(u32, i32)> {
    let (mut row, mut x) = (0, 16);
    entries
        .iter()
        .map(|(label, _)| {
            // About half an em a character for the sans-serif font.
            let wide = 30 + (label.chars().count() as f64 * 0.5 * size as f64) as i32 + 24;
            if x > 16 && x + wide > width as i32 {
                (row, x) = (row + 1, 16);
            }
            let at = (row, x);
            x += wide;
            at
        })
        .collect()
}

/// One legend for a figure, in a band of its own (split from the top of the
/// figure, [`legend_band_height`] tall), its entries side by side and in as
/// many rows as they need: it covers no data.
pub fn draw_legend_band<DB: DrawingBackend>(
    band: &DrawingArea<DB, Shift>,
    entries: &[(&str, LegendMark)],
    size: u32,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (width, _) = band.dim_in_pixel();
    let font = (FONT, size).into_font().color(&BLACK);
    let style = font.pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Left,
        plotters::style::text_anchor::VPos::Center,
    ));
    for (&(label, mark), (row, x)) in entries.iter().zip(legend_rows(entries, size, width)) {
        let y = ((row as f64 + 0.5) * 1.5 * size as f64) as i32 + 5;
        let path =
            |from: i32, to: i32, c: RGBColor| PathElement::new(vec![(x + from, y), (x + to, y)], line(c));
        match mark {
            LegendMark::Bar(c) => {
                band.draw(&Rectangle::new([(x, y - 7), (x + 22, y + 7)], c.mix(0.45).filled()))?
            }
            LegendMark::Line(c) => band.draw(&path(0, 22, c))?,
            LegendMark::Dashed(c) => {
                band.draw(&path(0, 8, c))?;
                band.draw(&path(14, 22, c))?;
            }
            LegendMark::LineDots(c) => {
                band.draw(&path(0, 22, c))?;
                band.draw(&Circle::new((x + 11, y), 4, c.filled()))?;
            }
            LegendMark::Dots(c) => band.draw(&Circle::new((x + 11, y), 5, c.filled()))?,
            LegendMark::Triangle(c) => band.draw(&TriangleMarker::new((x + 11, y), 7, c.filled()))?,
            LegendMark::Square(c) => {
                band.draw(&Rectangle::new([(x + 4, y - 8), (x + 20, y + 8)], c.filled()))?
            }
            LegendMark::Cross(c) => band.draw(&Cross::new((x + 11, y), 6, c.stroke_width(2)))?,
            LegendMark::OpenSquare(c) => {
                band.draw(&Rectangle::new([(x + 5, y - 6), (x + 17, y + 6)], c.stroke_width(2)))?
            }
        }
        band.draw(&Text::new(label.to_string(), (x + 30, y), style.clone()))?;
    }
    Ok(())
}

/// Subscript digits: 12 → ₁₂.
pub fn subscript(k: usize) -> String {
    k.to_string().chars().map(|c| char::from_u32(0x2080 + c.to_digit(10).unwrap_or(0)).unwrap_or(c)).collect()
}

/// 10^e written with Unicode superscripts, for log-axis tick labels.
pub fn pow10_label(y: f64) -> String {
    let e = y.log10().round() as i32;
    format!("10{}", superscript(e))
}

/// An integer in Unicode superscript digits (e.g. −15 → ⁻¹⁵).
pub fn superscript(n: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s: String =
        n.unsigned_abs().to_string().chars().map(|c| DIGITS[c as usize - '0' as usize]).collect();
    if n < 0 {
        s.insert(0, '⁻');
    }
    s
}

/// The 1–2–5 ticks of a log axis from `lo` to `hi` (…, 0.5, 1, 2, 5, 10, …):
/// labelled often enough to read a value off, as a log axis labelled only
/// at whole decades is not.
pub fn log_keys(lo: f64, hi: f64) -> Vec<f64> {
    log_keys_at(lo, hi, &[1.0, 2.0, 5.0])
}

/// The ticks of a log axis at `marks` times each power of ten (e.g. 1 and 3
/// where 1–2–5 would crowd the axis).
pub fn log_keys_at(lo: f64, hi: f64, marks: &[f64]) -> Vec<f64> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    (first..=last)
        .flat_map(|e| marks.iter().map(move |m| m * 10f64.powi(e)))
        .filter(|&x| x >= lo * (1.0 - 1e-9) && x <= hi * (1.0 + 1e-9))
        .collect()
}

/// A tick label without a useless trailing ".0", with a true minus sign
/// (and no "−0").
pub fn tick(x: f64) -> String {
    let s = format!("{x:.1}");
    let s = s.strip_suffix(".0").map(str::to_string).unwrap_or(s);
    if s == "-0" { "0".to_string() } else { s.replace('-', "−") }
}

/// A tick label for a signed quantity: "−1", "0", "+1".
pub fn signed(x: f64) -> String {
    let s = tick(x);
    if x > 0.0 && s != "0" { format!("+{s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_readable() {
        assert_eq!(pow10_label(1e-15), "10⁻¹⁵");
        assert_eq!(superscript(120), "¹²⁰");
        assert_eq!(subscript(12), "₁₂");
        assert_eq!(tick(50.0), "50");
        assert_eq!(tick(87.5), "87.5");
        assert_eq!(tick(-0.5), "−0.5");
        assert_eq!(tick(-0.01), "0");
        assert_eq!(signed(1.0), "+1");
        assert_eq!(signed(-1.0), "−1");
        assert_eq!(log_keys(0.3, 80.0), vec![0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(log_keys(1.0, 10.0), vec![1.0, 2.0, 5.0, 10.0]);
        assert_eq!(log_keys_at(0.7, 200.0, &[1.0, 3.0]), vec![1.0, 3.0, 10.0, 30.0, 100.0]);
    }

    #[test]
    fn stairs_are_smoothed_and_corners_kept() {
        // A shallow line rounded to whole pixels: a staircase of 7 points.
        let stairs = r#"<polyline fill="none" points="0,0 1,0 2,0 3,1 4,1 5,1 6,2 "/>"#;
        assert_eq!(smooth_polylines(stairs), r#"<polyline fill="none" points="0,0 6,2 "/>"#);
        // A real corner stays, and so does everything else.
        let corner = r#"<text>a</text><polyline points="0,0 5,0 10,0 10,5 10,10 "/><rect/>"#;
        assert_eq!(smooth_polylines(corner), r#"<text>a</text><polyline points="0,0 10,0 10,10 "/><rect/>"#);
    }
}
