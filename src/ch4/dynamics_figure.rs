//! Chapter 4's learning dynamics: the watched copies' loss, dimensionalities
//! and norms over training, the polygons' levels, and the table of what
//! every copy ended at.

use super::Report;
use super::dynamics_part::{Dynamics, FEATURES, LEVEL_TOL, Watched};
use super::figures::tick_f32;
use crate::output::grouped;
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};
use crate::plot::{
    COLUMN, FONT, GREY, LegendMark, feature_color, legend_figure, line, mesh, panel, readable,
};
use crate::toy::dynamics::{Snapshot, levels};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A copy within this factor of the best polygon's loss counts as having
/// reached it.
pub const AT_BEST: f64 = 1.05;

pub fn figure(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let dy = &report.dynamics;
    draw(dy, dirs)?;
    table(dy, dirs)?;
    numbers_for(dy, numbers);
    Ok(())
}

/// The watched copies side by side (columns); loss against the best
/// polygon's, each feature's dimensionality, each feature's norm (rows).
fn draw(dy: &Dynamics, dirs: &OutDirs) -> anyhow::Result<()> {
    let text = readable(COLUMN);
    let names: Vec<String> = (0..FEATURES).map(|i| format!("feature {}", i + 1)).collect();
    let mut entries: Vec<(&str, LegendMark)> =
        names.iter().enumerate().map(|(i, n)| (n.as_str(), LegendMark::Line(feature_color(i)))).collect();
    entries.push(("loss", LegendMark::Line(BLACK)));
    entries.push(("a k-gon's level", LegendMark::Dashed(GREY)));
    let best = dy.best_polygon().loss;
    let steps = dy.watched[0].snapshots.last().map_or(1, |s| s.step).max(10) as f64;
    let top = dy.watched.iter().flat_map(|w| w.snapshots.iter().map(|s| s.loss / best)).fold(1.0, f64::max);
    let (ylo, yhi) = (0.9, (top * 1.2).max(2.0));
    let title = format!("Six features in two dimensions learning, p = {}", tick_f32(dy.density));
    let path = dirs.figures.join("ch4_dynamics.svg");
    let columns = dy.watched.len();
    legend_figure(&path, (COLUMN, 700), &title, &entries, text, |body| {
        // Rows: loss, dimensionality, norm; one column per watched copy.
        let cells = body.split_evenly((3, columns));
        for (c, w) in dy.watched.iter().enumerate() {
            let caption = if w.copy == 0 || columns == 1 {
                format!("copy {}", w.copy + 1)
            } else {
                format!("copy {}, the lowest loss", w.copy + 1)
            };
            let area = &cells[c];
            let x = (1f64..steps).log_scale();
            let mut chart = panel(area, &caption, text).build_cartesian_2d(x, (ylo..yhi).log_scale())?;
            mesh(&mut chart, text)
                .x_label_formatter(&|v| crate::plot::pow10_label(*v))
                .y_desc("loss / best k-gon's")
                .y_label_formatter(&|v| crate::plot::tick(*v))
                .draw()?;
            for p in &dy.polygons {
                let level = p.loss / best;
                if level < yhi {
                    chart.draw_series(DashedLineSeries::new(
                        [(1.0, level), (steps, level)],
                        7,
                        5,
                        line(GREY),
                    ))?;
                    let label = format!("{}-gon", p.k);
                    let style = (FONT, text).into_font().color(&GREY).pos(Pos::new(HPos::Left, VPos::Bottom));
                    chart.draw_series([Text::new(label, (1.3, level * 1.02), style)])?;
                }
            }
            chart.draw_series(LineSeries::new(points(w, |s| s.loss / best), line(BLACK)))?;
            per_feature(&cells[columns + c], dy, w, steps, text, true)?;
            per_feature(&cells[2 * columns + c], dy, w, steps, text, false)?;
        }
        Ok(())
    })
}

/// The points (step, value) of a watched copy, from step 1.
fn points(w: &Watched, value: impl Fn(&Snapshot) -> f64) -> Vec<(f64, f64)> {
    w.snapshots.iter().filter(|s| s.step >= 1).map(|s| (s.step as f64, value(s))).collect()
}

/// One line per feature: its dimensionality (with the polygons' levels
/// 1/2, 2/5 and 1/3) or its norm.
fn per_feature<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    dy: &Dynamics,
    w: &Watched,
    steps: f64,
    text: u32,
    dimensionality: bool,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let value = |s: &Snapshot, i: usize| if dimensionality { s.dimensionality[i] } else { s.norm[i] };
    // One scale for every column.
    let all = dy.watched.iter().flat_map(|w| &w.snapshots);
    let top = all.flat_map(|s| (0..FEATURES).map(move |i| value(s, i))).fold(0.5, f64::max);
    let ymax = (1.1 * top).min(if dimensionality { 1.05 } else { 2.0 });
    let mut chart = panel(area, "", text).build_cartesian_2d((1f64..steps).log_scale(), 0f64..ymax)?;
    let desc = if dimensionality { "dimensionality Dᵢ" } else { "norm ‖Wᵢ‖" };
    let mut mesh = mesh(&mut chart, text);
    mesh.x_label_formatter(&|v| crate::plot::pow10_label(*v))
        .y_desc(desc)
        .y_label_formatter(&|v| crate::plot::tick(*v));
    if !dimensionality {
        mesh.x_desc("training step");
    }
    mesh.draw()?;
    if dimensionality {
        for level in [0.5, 0.4, 1.0 / 3.0] {
            chart.draw_series(DashedLineSeries::new([(1.0, level), (steps, level)], 7, 5, line(GREY)))?;
        }
    }
    for i in 0..FEATURES {
        chart.draw_series(LineSeries::new(points(w, |s| value(s, i)), line(feature_color(i))))?;
    }
    Ok(())
}

/// Every solution's loss: the construction, the polygons, the copies.
fn table(dy: &Dynamics, dirs: &OutDirs) -> anyhow::Result<()> {
    let best = dy.best_polygon().loss;
    let row = |what: String, r: String, b: String, loss: f64| {
        vec![what, r, b, format!("{:.3}", 1e3 * loss), format!("{:.3}", loss / best)]
    };
    let mut rows =
        vec![row("two features, one dimension each".into(), "1".into(), "0".into(), dy.construction)];
    for p in &dy.polygons {
        let name = format!("{}-gon ({} features at D = 2/{})", p.k, p.k, p.k);
        rows.push(row(name, format!("{:.3}", p.radius), signed(p.bias), p.loss));
    }
    let mut sorted = dy.copies.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    rows.push(row(format!("trained: the best of {} copies", sorted.len()), "".into(), "".into(), sorted[0]));
    rows.push(row("trained: the median copy".into(), "".into(), "".into(), median));
    rows.push(row("trained: copy 1 (watched)".into(), "".into(), "".into(), dy.copies[0]));
    for &(k, loss) in &dy.from_polygons {
        rows.push(row(format!("trained, starting at the {k}-gon"), "".into(), "".into(), loss));
    }
    let text = markdown_table(
        &["solution", "norm r", "bias b", "loss ×10⁻³", "loss / best k-gon's"],
        &[false, true, true, true, true],
        &rows,
    );
    write_atomic(&dirs.generated.join("ch4_dynamics.md"), text.as_bytes())?;
    Ok(())
}

/// Three decimals with a true minus sign, and no "−0.000".
fn signed(x: f64) -> String {
    let s = format!("{x:.3}");
    if s == "-0.000" { "0.000".to_string() } else { s.replace('-', "−") }
}

/// Where a watched copy rested, as a phrase: "near the 4-gon's loss from
/// step 692 to step 912, then near the 5-gon's from step 1585 to the end".
fn path(dy: &Dynamics, w: &Watched) -> String {
    let last = w.snapshots.last().map_or(0, |s| s.step);
    let parts: Vec<String> = levels(&w.snapshots, &dy.polygons, LEVEL_TOL)
        .iter()
        .map(|&(k, from, to)| {
            let end = if to == last { "the end".to_string() } else { format!("step {}", grouped(to as u64)) };
            if from == to {
                format!("the {k}-gon's at step {}", grouped(from as u64))
            } else {
                format!("the {k}-gon's from step {} to {end}", grouped(from as u64))
            }
        })
        .collect();
    if parts.is_empty() {
        "near no polygon's loss".to_string()
    } else {
        format!("near {}", parts.join(", then "))
    }
}

fn numbers_for(dy: &Dynamics, numbers: &mut Numbers) {
    let best = dy.best_polygon();
    let ratio = |loss: f64| format!("{:.2}", loss / best.loss);
    let at_best = dy.copies.iter().filter(|&&l| l <= AT_BEST * best.loss).count();
    let others: Vec<f64> = dy.copies.iter().copied().filter(|&l| l > AT_BEST * best.loss).collect();
    numbers.set("dyn_density", tick_f32(dy.density));
    numbers.set("dyn_best_k", best.k.to_string());
    numbers.set("dyn_copies", dy.copies.len().to_string());
    numbers.set("dyn_at_best", at_best.to_string());
    numbers.set("dyn_others", others.len().to_string());
    numbers.set("dyn_others_low", others.iter().copied().reduce(f64::min).map_or("–".into(), ratio));
    numbers.set("dyn_others_high", others.iter().copied().reduce(f64::max).map_or("–".into(), ratio));
    for &(k, loss) in &dy.from_polygons {
        numbers.set(&format!("dyn_from_{k}"), ratio(loss));
    }
    if let Some(pentagon) = dy.polygons.iter().find(|p| p.k == 5) {
        numbers.set("dyn_gon_5", ratio(pentagon.loss));
    }
    numbers.set("dyn_level_tol", format!("{}%", 100.0 * LEVEL_TOL));
    numbers.set("dyn_at_best_margin", format!("{:.0}%", 100.0 * (AT_BEST - 1.0)));
    numbers.set("dyn_per_decade", super::dynamics_part::PER_DECADE.to_string());
    numbers.set("dyn_copy1_path", path(dy, &dy.watched[0]));
    let lowest = dy.watched.last().expect("a watched copy");
    numbers.set("dyn_best_copy", (lowest.copy + 1).to_string());
    numbers.set("dyn_best_path", path(dy, lowest));
}
