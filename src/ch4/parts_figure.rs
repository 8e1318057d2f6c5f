//! Chapter 4's loss split: feature benefit against interference, per density.

use super::Report;
use super::figures::tick_f32;
use crate::output::{Numbers, OutDirs};
use crate::plot::{COLUMN, Keyed, LegendMark, color, legend_figure, mesh, panel, readable};
use crate::toy::parts::LossParts;
use plotters::prelude::*;

/// The parts' colours and names, bottom to top.
const PARTS: [(&str, usize); 3] = [("the bias alone", 3), ("features one at a time", 0), ("interference", 1)];

fn values(p: &LossParts) -> [f64; 3] {
    [p.bias, p.alone, p.interference]
}

/// A lighter shade of a colour, for the construction's bars.
fn light(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (v as f64 + 0.55 * (255.0 - v as f64)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// The rows the figure and text show: every density below 1 (at density 1
/// the empty sample never occurs, and a split around it means nothing).
fn shown(report: &Report) -> Vec<&super::PartsRow> {
    report.loss_parts.iter().filter(|r| r.density < 1.0).collect()
}

/// Stacked bars per density: the trained model (left, full colour) and the
/// construction (right, light), each part as a share of the mean-only loss.
pub fn figure(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let rows = shown(report);
    let text = readable(COLUMN);
    let mut entries: Vec<(&str, LegendMark)> =
        PARTS.iter().map(|(name, c)| (*name, LegendMark::Square(color(*c)))).collect();
    entries.push(("left: trained; right, lighter: the construction", LegendMark::Square(light(color(0)))));
    let totals =
        rows.iter().flat_map(|r| [r.trained.total(), r.construction.total()].map(|t| t / r.mean_only));
    let ymax = (totals.fold(0.0, f64::max) * 1.1).max(0.1);
    let title = "Twenty features in five dimensions: what the loss is made of";
    let path = dirs.figures.join("ch4_loss_parts.svg");
    legend_figure(&path, (COLUMN, 420), title, &entries, text, |body| {
        let n = rows.len();
        let keys = (0..n).map(|k| k as f64 + 0.5).collect();
        let mut chart =
            panel(&body, "", text).build_cartesian_2d(Keyed::new(0.0..n as f64, keys), 0f64..ymax)?;
        let label = |x: &f64| rows.get(x.floor() as usize).map_or(String::new(), |r| tick_f32(r.density));
        mesh(&mut chart, text)
            .x_desc("feature density p")
            .y_desc("loss / loss of representing nothing")
            .x_label_formatter(&label)
            .y_label_formatter(&|y| format!("{y:.2}"))
            .draw()?;
        for (k, r) in rows.iter().enumerate() {
            for (side, (parts, shade)) in
                [(&r.trained, false), (&r.construction, true)].into_iter().enumerate()
            {
                let x0 = k as f64 + 0.12 + side as f64 * 0.39;
                // Positive parts stacked up from 0, a negative one (a model
                // whose features help each other) down from 0.
                let (mut up, mut down) = (0.0, 0.0);
                for (v, (_, c)) in values(parts).iter().zip(PARTS) {
                    let h = v / r.mean_only;
                    let fill = if shade { light(color(c)) } else { color(c) };
                    let (a, b) = if h >= 0.0 { (up, up + h) } else { (down + h, down) };
                    if h >= 0.0 {
                        up += h
                    } else {
                        down += h
                    }
                    chart.draw_series([Rectangle::new([(x0, a), (x0 + 0.37, b)], fill.filled())])?;
                }
            }
        }
        Ok(())
    })?;
    numbers_for(report, numbers);
    Ok(())
}

/// The inline numbers: the densest and the sparsest row.
fn numbers_for(report: &Report, numbers: &mut Numbers) {
    let rows = shown(report);
    let (Some(dense), Some(sparse)) = (rows.first(), rows.last()) else { return };
    let scaled = |v: f64, r: &super::PartsRow| format!("{:.3}", v / r.mean_only);
    numbers.set("parts_dense_density", tick_f32(dense.density));
    numbers.set("parts_dense_interference", scaled(dense.trained.interference, dense));
    numbers.set("parts_dense_alone_trained", scaled(dense.trained.alone, dense));
    numbers.set("parts_dense_alone_built", scaled(dense.construction.alone, dense));
    numbers.set("parts_sparse_density", tick_f32(sparse.density));
    numbers.set("parts_sparse_alone_trained", scaled(sparse.trained.alone, sparse));
    numbers.set("parts_sparse_alone_built", scaled(sparse.construction.alone, sparse));
    numbers.set("parts_sparse_interference", scaled(sparse.trained.interference, sparse));
    numbers.set("parts_sparse_total_trained", scaled(sparse.trained.total(), sparse));
    numbers.set("parts_sparse_total_built", scaled(sparse.construction.total(), sparse));
}
