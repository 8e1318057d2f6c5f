//! Heatmaps: a matrix drawn as cells on one shared, stepped colour scale,
//! with ticks centred on the cells and a colour bar that shows the steps.
//!
//! Values are rounded to one of `2 × STEPS + 1` colours (diverging) or
//! `STEPS + 1` (sequential) before they are drawn: a reader can match a cell
//! to the bar exactly, neighbouring cells of one colour are drawn as one
//! rectangle, and cells in the background colour are not drawn at all, which
//! keeps the files small.

use super::{FONT, GREY, Keyed, panel};
use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;
use plotters::style::colors::colormaps::{DerivedColorMap, ViridisRGB};

/// The height a horizontal colour bar needs for text of size `text`.
pub fn bar_height(text: u32) -> u32 {
    4 * text + 4
}

/// Colour steps on each side of zero.
pub const STEPS: i32 = 10;

/// How a value becomes a colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// −max … +max: blue through white to red (weights, cosines); values
    /// with |v| < floor are shown white (0 for none).
    Diverging { max: f64, floor: f64 },
    /// 0 … max: viridis from dark to light green (never white, so bars
    /// stay visible).
    Sequential { max: f64 },
}

impl Scale {
    /// The step a value falls in (clamped to the scale's range).
    pub fn step(self, v: f64) -> i32 {
        match self {
            Scale::Diverging { floor, .. } if v.abs() < floor => 0,
            Scale::Diverging { max, floor } => {
                let k = (v / max * STEPS as f64).round().clamp(-STEPS as f64, STEPS as f64) as i32;
                // A value at or above the floor is never shown white.
                if k == 0 && floor > 0.0 { v.signum() as i32 } else { k }
            }
            Scale::Sequential { max } => (v / max * STEPS as f64).round().clamp(0.0, STEPS as f64) as i32,
        }
    }

    /// The colour of step `k`.
    pub fn step_color(self, k: i32) -> RGBColor {
        let t = k as f64 / STEPS as f64;
        match self {
            Scale::Diverging { .. } => {
                let map = DerivedColorMap::new(&[
                    RGBColor(33, 102, 172),
                    RGBColor(247, 247, 247),
                    RGBColor(178, 24, 43),
                ]);
                map.get_color_normalized(t as f32, -1.0, 1.0)
            }
            Scale::Sequential { .. } => ViridisRGB.get_color_normalized((0.9 * t) as f32, 0.0, 1.0),
        }
    }

    /// The colour of a value, rounded to its step.
    pub fn color(self, v: f64) -> RGBColor {
        self.step_color(self.step(v))
    }

    /// The values the scale spans.
    pub fn range(self) -> (f64, f64) {
        match self {
            Scale::Diverging { max, .. } => (-max, max),
            Scale::Sequential { max } => (0.0, max),
        }
    }

    /// The steps from lowest to highest.
    fn steps(self) -> std::ops::RangeInclusive<i32> {
        match self {
            Scale::Diverging { .. } => -STEPS..=STEPS,
            Scale::Sequential { .. } => 0..=STEPS,
        }
    }

    /// The step drawn as background (not drawn cell by cell).
    fn background(self) -> Option<i32> {
        matches!(self, Scale::Diverging { .. }).then_some(0)
    }
}

/// The smallest of 1, 1.5, 2, 2.5, … times a power of ten that is at least
/// `x` (> 0): a colour scale's end that reads well.
pub fn nice_ceil(x: f64) -> f64 {
    let unit = 10f64.powf(x.log10().floor());
    (x / unit * 2.0 - 1e-9).ceil() / 2.0 * unit
}

/// Positions of the cell centres `0.5, 1.5, …` for the cells numbered
/// from one (`1, every, 2·every, …` up to `count`), for an axis `0..count`:
/// ticks sit on the cells they name.
pub fn cell_keys(count: usize, every: usize) -> Vec<f64> {
    let every = every.max(1);
    let mut numbers: Vec<usize> = (0..=count).step_by(every).filter(|&k| k >= 1).collect();
    if numbers.first() != Some(&1) {
        numbers.insert(0, 1);
    }
    numbers.into_iter().map(|k| k as f64 - 0.5).collect()
}

/// The cell number (from 1) at a centred key of [`cell_keys`].
pub fn cell_label(x: f64) -> String {
    format!("{}", (x - 0.5).round() as i64 + 1)
}

/// Draw the cells of a `rows × cols` matrix on `chart`, whose coordinates
/// put cell (r, c) at [x0 + c, x0 + c + 1] × [r, r + 1] (so a y axis from
/// `rows` down to 0 shows row 0 at the top). `value(r, c)` is None for a
/// cell left empty. Neighbouring cells of one colour in a row are drawn as
/// one rectangle; background cells are not drawn (fill the matrix first with
/// [`matrix_background`]).
pub fn draw_cells<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    (rows, cols): (usize, usize),
    x0: f64,
    scale: Scale,
    value: impl Fn(usize, usize) -> Option<f64>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let mut runs = Vec::new();
    for r in 0..rows {
        let steps: Vec<Option<i32>> = (0..cols).map(|c| value(r, c).map(|v| scale.step(v))).collect();
        let mut start = 0;
        for run in steps.chunk_by(|a, b| a == b) {
            if let Some(step) = run[0]
                && Some(step) != scale.background()
            {
                runs.push((r, start, start + run.len(), step));
            }
            start += run.len();
        }
    }
    chart.draw_series(runs.into_iter().map(|(r, a, b, step)| {
        let (y, a, b) = (r as f64, x0 + a as f64, x0 + b as f64);
        Rectangle::new([(a, y), (b, y + 1.0)], scale.step_color(step).filled())
    }))?;
    Ok(())
}

/// The matrix's area filled with the scale's background colour (white for
/// a diverging scale), and framed.
pub fn matrix_background<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    (rows, cols): (usize, usize),
    x0: f64,
    scale: Scale,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let corners = [(x0, 0.0), (x0 + cols as f64, rows as f64)];
    if let Some(step) = scale.background() {
        chart.draw_series([Rectangle::new(corners, scale.step_color(step).filled())])?;
    }
    chart.draw_series([Rectangle::new(corners, GREY.stroke_width(1))])?;
    Ok(())
}

/// A colour bar for `scale` filling `area`: the steps as blocks, labelled
/// at the ends and the middle, described by `desc`. Vertical when the area
/// is taller than wide; a horizontal one needs about 4 × `text` + 4 pixels
/// of height ([`bar_height`]).
pub fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scale: Scale,
    desc: &str,
    text: u32,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let (lo, hi) = scale.range();
    let half = (hi - lo) / (2.0 * (scale.steps().count() - 1) as f64);
    let (lo_edge, hi_edge) = (lo - half, hi + half);
    let keys = vec![lo, (lo + hi) / 2.0, hi];
    let diverging = matches!(scale, Scale::Diverging { .. });
    let label = |v: &f64| if diverging { super::signed(*v) } else { super::tick(*v) };
    let block = |k: i32| {
        let v = lo + (k - scale.steps().start()) as f64 * 2.0 * half;
        // Steps below a diverging scale's floor are never used: white.
        let below = matches!(scale, Scale::Diverging { floor, .. } if v.abs() + half <= floor);
        (v - half, v + half, scale.step_color(if below { 0 } else { k }))
    };
    if h > w {
        let mut chart = panel(area, "", text)
            .margin(4)
            .margin_top(text)
            .margin_bottom(text)
            .x_label_area_size(0)
            .y_label_area_size(0)
            .right_y_label_area_size(2 * text + 24)
            .build_cartesian_2d(0f64..1.0, lo_edge..hi_edge)?
            .set_secondary_coord(0f64..1.0, Keyed::new(lo_edge..hi_edge, keys));
        chart.draw_series(scale.steps().map(|k| {
            let (a, b, c) = block(k);
            Rectangle::new([(0.0, a), (1.0, b)], c.filled())
        }))?;
        chart.draw_series([Rectangle::new([(0.0, lo_edge), (1.0, hi_edge)], GREY.stroke_width(1))])?;
        chart
            .configure_secondary_axes()
            .label_style((FONT, text))
            .y_desc(desc)
            .axis_desc_style((FONT, text))
            .y_label_formatter(&label)
            .draw()?;
    } else {
        // The description above the bar, its values below.
        let mut chart = panel(area, desc, text)
            .margin(2)
            .margin_left(text)
            .margin_right(text)
            .x_label_area_size(text + 8)
            .y_label_area_size(0)
            .build_cartesian_2d(Keyed::new(lo_edge..hi_edge, keys), 0f64..1.0)?;
        chart.draw_series(scale.steps().map(|k| {
            let (a, b, c) = block(k);
            Rectangle::new([(a, 0.0), (b, 1.0)], c.filled())
        }))?;
        chart.draw_series([Rectangle::new([(lo_edge, 0.0), (hi_edge, 1.0)], GREY.stroke_width(1))])?;
        chart
            .configure_mesh()
            .disable_mesh()
            .disable_y_axis()
            .label_style((FONT, text))
            .x_label_formatter(&label)
            .draw()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_round_and_clamp() {
        let s = Scale::Diverging { max: 1.0, floor: 0.0 };
        assert_eq!(s.step(0.04), 0);
        assert_eq!(s.step(0.06), 1);
        assert_eq!(s.step(-0.96), -10);
        assert_eq!(s.step(-3.0), -10);
        assert_eq!(s.color(0.0), RGBColor(247, 247, 247));
        let f = Scale::Diverging { max: 1.0, floor: 0.3 };
        assert_eq!((f.step(0.29), f.step(-0.31), f.step(0.5)), (0, -3, 5));
        let q = Scale::Sequential { max: 2.0 };
        assert_eq!(q.step(-1.0), 0);
        assert_eq!(q.step(1.0), 5);
        assert_eq!(q.step(9.0), 10);
        assert_eq!((nice_ceil(2.34), nice_ceil(1.0), nice_ceil(0.031)), (2.5, 1.0, 0.035));
    }

    #[test]
    fn ticks_sit_on_cell_centres() {
        assert_eq!(cell_keys(20, 5), vec![0.5, 4.5, 9.5, 14.5, 19.5]);
        assert_eq!(cell_keys(3, 1), vec![0.5, 1.5, 2.5]);
        assert_eq!(cell_label(4.5), "5");
    }
}
