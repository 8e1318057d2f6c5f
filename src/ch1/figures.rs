//! Chapter 1's figures and generated tables.

use super::Report;
use crate::output::{Numbers, OutDirs, grouped, markdown_table, sci, write_atomic};
use crate::plot::{
    COLUMN, GREY, LegendMark, color, draw_legend_band, histogram_bars, legend_band_height, legend_figure,
    line, log_keys, mesh, panel, pow10_label, readable, superscript, svg_figure, tick,
};
use plotters::prelude::*;

/// Draw every figure and write every generated Markdown fragment.
pub fn figures(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    gram_schmidt(report, dirs)?;
    readout(report, dirs)?;
    angle_histograms(report, dirs)?;
    angle_spread(report, dirs)?;
    tables(report, dirs, numbers)
}

/// Residual norm per Gram–Schmidt step, log scale.
fn gram_schmidt(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let steps = report.gram_schmidt.iter().map(|r| r.residuals.len()).max().unwrap_or(1);
    let width = 800;
    let text = readable(width);
    let runs: Vec<String> = report
        .gram_schmidt
        .iter()
        .map(|run| format!("{} random vectors in ℝ{}", run.residuals.len(), superscript(run.d as i32)))
        .collect();
    let mut entries = vec![("machine ε ≈ 2.2 × 10⁻¹⁶", LegendMark::Dashed(GREY))];
    entries.extend(runs.iter().enumerate().map(|(k, l)| (l.as_str(), LegendMark::LineDots(color(k)))));
    let title = "Gram–Schmidt runs out of room after d vectors";
    legend_figure(&dirs.figures.join("ch1_gram_schmidt.svg"), (width, 500), title, &entries, text, |root| {
        let mut chart = panel(&root, "", text)
            .build_cartesian_2d(0.5f64..steps as f64 + 0.5, (1e-17f64..10.0).log_scale())?;
        mesh(&mut chart, text)
            .x_desc("vector number j")
            .y_desc("residual ‖vⱼ − projection‖ / ‖vⱼ‖")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| pow10_label(*y))
            .draw()?;
        let eps = f64::EPSILON;
        chart.draw_series(DashedLineSeries::new(
            [(0.5, eps), (steps as f64 + 0.5, eps)],
            6,
            4,
            GREY.into(),
        ))?;
        for (k, run) in report.gram_schmidt.iter().enumerate() {
            let c = color(k);
            let pts: Vec<(f64, f64)> =
                run.residuals.iter().enumerate().map(|(j, &r)| ((j + 1) as f64, r.max(1e-17))).collect();
            chart.draw_series(LineSeries::new(pts.clone(), line(c)))?;
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
            // The d-th vector: the last one that can still be new.
            let last_new = run.d as f64 + 0.5;
            chart.draw_series(DashedLineSeries::new(
                [(last_new, 1e-17), (last_new, 10.0)],
                4,
                4,
                c.mix(0.7).into(),
            ))?;
        }
        Ok(())
    })
}

/// At most this many points of each kind per panel (every k-th sample):
/// enough to show the spread, few enough for a light figure.
const MAX_POINTS: usize = 300;

/// Every k-th point, at most [`MAX_POINTS`].
fn thinned(points: &[(f64, f64)]) -> impl Iterator<Item = (f64, f64)> + '_ {
    points.iter().copied().step_by(points.len().div_ceil(MAX_POINTS).max(1))
}

/// True feature value against the value read off with a dot product.
fn readout(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let lim = report
        .readout
        .iter()
        .flat_map(|r| r.points_active.iter().chain(&r.points_absent))
        .fold(1.0f64, |m, &(_, y)| m.max(y.abs()))
        * 1.05;
    let text = readable(COLUMN);
    let entries = [
        ("perfect read-out", LegendMark::Line(GREY)),
        ("feature absent (xᵢ = 0)", LegendMark::Dots(color(1))),
        ("feature present (xᵢ > 0)", LegendMark::Dots(color(0))),
    ];
    legend_figure(&dirs.figures.join("ch1_feature_readout.svg"), (COLUMN, 420), "", &entries, text, |rest| {
        let panels = rest.split_evenly((1, report.readout.len()));
        for (k, (r, area)) in report.readout.iter().zip(panels.iter()).enumerate() {
            let title = format!("{}: N = {}, d = {}", r.dictionary, r.features, r.neurons);
            let mut chart = panel(area, &title, text)
                .y_label_area_size(if k == 0 { 62 } else { 40 })
                .build_cartesian_2d(-0.05f64..1.05, -lim..lim)?;
            let mut axes = mesh(&mut chart, text);
            axes.x_desc("true value xᵢ")
                .x_labels(3)
                .y_labels(5)
                .x_label_formatter(&|x| tick(*x))
                .y_label_formatter(&|y| tick(*y));
            if k == 0 {
                axes.y_desc("read-off value ⟨a, fᵢ⟩");
            }
            axes.draw()?;
            chart.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], line(GREY)))?;
            let dots = |c: RGBColor| move |p| Circle::new(p, 3, c.mix(0.5).filled());
            chart.draw_series(thinned(&r.points_absent).map(dots(color(1))))?;
            chart.draw_series(thinned(&r.points_active).map(dots(color(0))))?;
        }
        Ok(())
    })
}

/// A tick label with a true minus sign.
fn minus(label: String) -> String {
    label.replacen('-', "−", 1)
}

/// Histograms of sampled angles with the exact density drawn over them.
fn angle_histograms(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let cols = 2;
    let rows = report.histograms.len().div_ceil(cols);
    let text = readable(COLUMN);
    let pairs = report.histograms.first().map_or(0, |h| h.pairs);
    let sampled = format!("{} sampled pairs per d", grouped(pairs as u64));
    let entries = [
        (sampled.as_str(), LegendMark::Bar(color(0))),
        ("exact density ∝ sinᵈ⁻² θ", LegendMark::Line(color(1))),
    ];
    let band = legend_band_height(&entries, text, COLUMN);
    let size = (COLUMN, 270 * rows as u32 + band);
    svg_figure(&dirs.figures.join("ch1_angle_histograms.svg"), size, |root| {
        let (top, rest) = root.split_vertically(band);
        draw_legend_band(&top, &entries, text)?;
        let panels = rest.split_evenly((rows, cols));
        for (k, (h, area)) in report.histograms.iter().zip(panels.iter()).enumerate() {
            let ymax = h.bins.max_density().max(h.exact_density.iter().copied().fold(0.0, f64::max)) * 1.1;
            let bottom = k + cols >= report.histograms.len();
            let mut chart = panel(area, &format!("d = {}", crate::output::grouped(h.d as u64)), text)
                .x_label_area_size(if bottom { 48 } else { 26 })
                .y_label_area_size(if k % cols == 0 { 70 } else { 52 })
                .build_cartesian_2d(h.bins.lo..h.bins.hi, 0.0..ymax)?;
            let mut axes = mesh(&mut chart, text);
            axes.x_labels(5).y_labels(3).x_label_formatter(&|x| tick(*x)).y_label_formatter(&|y| short(*y));
            if bottom {
                axes.x_desc("angle θ (degrees)");
            }
            if k % cols == 0 {
                axes.y_desc("density per degree");
            }
            axes.draw()?;
            chart.draw_series(histogram_bars(&h.bins, color(0)))?;
            let w = h.bins.width();
            let curve =
                h.exact_density.iter().enumerate().map(|(i, &y)| (h.bins.lo + (i as f64 + 0.5) * w, y));
            chart.draw_series(LineSeries::new(curve, line(color(1))))?;
        }
        Ok(())
    })
}

/// A density tick label in at most three significant digits (0.005, 0.02, 0.3).
fn short(y: f64) -> String {
    if y == 0.0 {
        return "0".into();
    }
    let digits = (2 - y.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{y:.digits$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    minus(s)
}

/// Standard deviation of the angle against d, log–log, with the 1/√d law.
fn angle_spread(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let dmin = report.spread.iter().map(|s| s.d).min().unwrap_or(2) as f64;
    let dmax = report.spread.iter().map(|s| s.d).max().unwrap_or(2) as f64;
    let text = readable(COLUMN);
    let sampled =
        format!("sampled ({} pairs per d)", grouped(report.spread.first().map_or(0, |s| s.pairs) as u64));
    let entries = [
        ("large-d law (180/π)/√d", LegendMark::Dashed(color(2))),
        ("exact (from the density)", LegendMark::Line(color(1))),
        (sampled.as_str(), LegendMark::Dots(color(0))),
    ];
    let title = "The angle between random vectors concentrates at 90°";
    legend_figure(&dirs.figures.join("ch1_angle_spread.svg"), (COLUMN, 500), title, &entries, text, |root| {
        let mut chart = panel(&root, "", text).build_cartesian_2d(
            (dmin / 1.3..dmax * 1.3).log_scale().with_key_points(log_keys(dmin / 1.3, dmax * 1.3)),
            (0.3f64..80.0).log_scale().with_key_points(log_keys(0.3, 80.0)),
        )?;
        mesh(&mut chart, text)
            .x_desc("dimension d")
            .y_desc("standard deviation of θ (degrees)")
            .x_label_formatter(&|x| grouped(x.round() as u64))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        let law = |d: f64| (1.0 / d.sqrt()).to_degrees();
        let grid: Vec<f64> = (0..=100).map(|i| dmin * (dmax / dmin).powf(i as f64 / 100.0)).collect();
        chart.draw_series(DashedLineSeries::new(grid.iter().map(|&d| (d, law(d))), 8, 5, line(color(2))))?;
        let exact: Vec<(f64, f64)> = report.spread.iter().map(|s| (s.d as f64, s.sd_exact_deg)).collect();
        chart.draw_series(LineSeries::new(exact, line(color(1))))?;
        chart.draw_series(
            report.spread.iter().map(|s| Circle::new((s.d as f64, s.sd_sampled_deg), 5, color(0).filled())),
        )?;
        Ok(())
    })
}

/// The generated Markdown tables and inline values.
fn tables(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    gram_schmidt_table(report, dirs)?;
    readout_table(report, dirs)?;
    concentration_table(report, dirs)?;
    within_table(report, dirs)?;
    prose_numbers(report, numbers);
    Ok(())
}

/// Gram–Schmidt: the residuals of the first d vectors and of the rest.
fn gram_schmidt_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .gram_schmidt
        .iter()
        .map(|r| {
            vec![
                r.d.to_string(),
                (r.d + report.config.gs_extra).to_string(),
                sci(r.min_first_d, 3),
                sci(r.max_after_d, 2),
            ]
        })
        .collect::<Vec<_>>();
    write(
        "ch1_gram_schmidt.md",
        markdown_table(
            &["d", "vectors", "smallest residual, vectors 1…d", "largest residual, vectors d+1…"],
            &[true, true, true, true],
            &rows,
        ),
    )?;
    Ok(())
}

/// Reading features back from their directions: error against prediction.
fn readout_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .readout
        .iter()
        .map(|r| {
            vec![
                r.dictionary.clone(),
                r.features.to_string(),
                r.neurons.to_string(),
                sci(r.max_abs_cos, 3),
                sci(r.rms_error, 3),
                sci(r.rms_predicted, 3),
                sci(r.rms_offset, 3),
                r.rms_random_theory.map_or("—".into(), |v| sci(v, 3)),
            ]
        })
        .collect::<Vec<_>>();
    write(
        "ch1_readout.md",
        markdown_table(
            &[
                "directions",
                "N",
                "d",
                "max \\|cos\\|",
                "RMS error",
                "predicted",
                "its offset part",
                "random estimate",
            ],
            &[false, true, true, true, true, true, true, true],
            &rows,
        ),
    )?;
    Ok(())
}

/// How cos θ concentrates as d grows.
fn concentration_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .histograms
        .iter()
        .map(|h| {
            vec![
                h.d.to_string(),
                h.pairs.to_string(),
                sci(h.mean_cos, 2),
                sci(h.var_cos, 4),
                sci(h.var_cos_exact, 4),
            ]
        })
        .collect::<Vec<_>>();
    write(
        "ch1_concentration.md",
        markdown_table(
            &["d", "pairs", "mean cos θ", "variance of cos θ (sampled)", "1/d (exact)"],
            &[true; 5],
            &rows,
        ),
    )?;
    Ok(())
}

/// The share of pairs within the tolerance of 90°, exact and sampled.
fn within_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .within
        .iter()
        .map(|w| vec![w.d.to_string(), sci(w.exact, 4), sci(w.sampled, 4), w.pairs.to_string()])
        .collect::<Vec<_>>();
    let tol = report.config.tolerance_deg;
    write(
        "ch1_within.md",
        markdown_table(
            &["d", &format!("exact P(\\|θ − 90°\\| ≤ {tol}°)"), "sampled share", "pairs"],
            &[true; 4],
            &rows,
        ),
    )?;
    Ok(())
}

/// Values quoted inline in the prose (no trailing newline).
fn prose_numbers(report: &Report, numbers: &mut Numbers) {
    if let Some(w) = report.within.last() {
        numbers.set("within_last_d", w.d.to_string());
        numbers.set("within_last_percent", format!("{:.0}", 100.0 * w.exact));
    }
    if let Some(w) = report.within.first() {
        numbers.set("within_first_d", w.d.to_string());
        numbers.set("within_first_percent", format!("{:.0}", 100.0 * w.exact));
    }
    if let Some(r) = report.readout.iter().find(|r| r.dictionary == "random") {
        numbers.set("readout_ratio", format!("{:.1}", r.features as f64 / r.neurons as f64));
    }
}
