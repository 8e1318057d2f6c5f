//! A panel: one chart's frame in the book's look, so that a figure function
//! states only what it draws.
//!
//! [`panel`] gives a `ChartBuilder` with the title, margins and axis areas
//! sized for the figure's text; [`mesh`] gives the axes' style (readable
//! labels, light major grid lines only). Both return plotters' own builders,
//! so a figure can still change anything before it calls `build_cartesian_2d`
//! or `draw`.

use super::FONT;
use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;

/// The chart builder for a panel on `area` titled `title` (none if empty),
/// with text of size `text` (see [`super::readable`]): the axis areas leave
/// room for one line of tick labels and one of description.
pub fn panel<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    text: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    if !title.is_empty() {
        builder.caption(title, (FONT, text + 2));
    }
    builder
        .margin(text / 2 + 2)
        .margin_right(text + 4)
        .x_label_area_size(3 * text + 4)
        .y_label_area_size(4 * text + 10);
    builder
}

/// The axes of `chart` in the book's style: tick labels and descriptions at
/// size `text`, the major grid lines light, no minor grid.
pub fn mesh<'a, 'b, DB, X, Y>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    text: u32,
) -> MeshStyle<'a, 'b, X, Y, DB>
where
    DB: DrawingBackend,
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
{
    let mut mesh = chart.configure_mesh();
    mesh.axis_desc_style((FONT, text))
        .label_style((FONT, text))
        .bold_line_style(BLACK.mix(0.12))
        .max_light_lines(0);
    mesh
}

/// A linear axis from `from` to `to` (either way round) whose ticks sit at
/// the given `keys`: for ticks on heatmap cells, bars or chosen values.
/// (plotters' own `with_key_points` on an `f64` range cannot be given a
/// label formatter.)
#[derive(Debug, Clone)]
pub struct Keyed {
    from: f64,
    to: f64,
    keys: Vec<f64>,
}

impl Keyed {
    pub fn new(range: std::ops::Range<f64>, keys: Vec<f64>) -> Self {
        Keyed { from: range.start, to: range.end, keys }
    }
}

impl Ranged for Keyed {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = (value - self.from) / (self.to - self.from);
        limit.0 + (t * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.keys.clone() }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.from..self.to
    }
}
