//! Chapter 1's figures and generated tables.

use super::Report;
use crate::output::{Numbers, OutDirs, markdown_table, sci, write_atomic};
use crate::plot::{
    CAPTION, FONT, GREY, LABEL, TICK, color, draw_legend, histogram_bars, legend_box, legend_line, line,
    pow10_label, superscript, svg_figure, tick,
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
    let text = crate::plot::readable(800);
    svg_figure(&dirs.figures.join("ch1_gram_schmidt.svg"), (800, 500), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Gram–Schmidt runs out of room after d vectors", (FONT, text + 3))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.5f64..steps as f64 + 0.5, (1e-17f64..10.0).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("vector number j")
            .y_desc("residual ‖v_j − projection‖ / ‖v_j‖")
            .axis_desc_style((FONT, text))
            .label_style((FONT, text))
            .y_label_formatter(&|y| pow10_label(*y))
            .draw()?;
        let eps = f64::EPSILON;
        chart
            .draw_series(DashedLineSeries::new([(0.5, eps), (steps as f64 + 0.5, eps)], 6, 4, GREY.into()))?
            .label("machine ε ≈ 2.2 × 10⁻¹⁶")
            .legend(legend_line(GREY));
        for (k, run) in report.gram_schmidt.iter().enumerate() {
            let c = color(k);
            let pts: Vec<(f64, f64)> =
                run.residuals.iter().enumerate().map(|(j, &r)| ((j + 1) as f64, r.max(1e-17))).collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), line(c)))?
                .label(format!("{} random vectors in R{}", run.residuals.len(), superscript(run.d as i32)))
                .legend(legend_line(c));
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
        // The middle of the plot is empty: nothing lives between O(1) and rounding error.
        crate::plot::draw_legend_sized(&mut chart, SeriesLabelPosition::Coordinate(260, 170), text)
    })
}

/// True feature value against the value read off with a dot product.
fn readout(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let lim = report
        .readout
        .iter()
        .flat_map(|r| r.points_active.iter().chain(&r.points_absent))
        .fold(1.0f64, |m, &(_, y)| m.max(y.abs()))
        * 1.05;
    svg_figure(&dirs.figures.join("ch1_feature_readout.svg"), (900, 460), |root| {
        let panels = root.split_evenly((1, report.readout.len()));
        for (r, area) in report.readout.iter().zip(panels.iter()) {
            let title = format!("{} features, {} neurons ({})", r.features, r.neurons, r.dictionary);
            let mut chart = ChartBuilder::on(area)
                .caption(title, (FONT, LABEL + 1))
                .margin(12)
                .x_label_area_size(45)
                .y_label_area_size(60)
                .build_cartesian_2d(-0.05f64..1.05, -lim..lim)?;
            chart
                .configure_mesh()
                .x_desc("true feature value x_i")
                .y_desc("read-off value ⟨a, f_i⟩")
                .axis_desc_style((FONT, LABEL))
                .label_style((FONT, TICK))
                .draw()?;
            chart
                .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], line(GREY)))?
                .label("perfect read-out")
                .legend(legend_line(GREY));
            chart
                .draw_series(r.points_absent.iter().map(|&p| Circle::new(p, 3, color(1).mix(0.5).filled())))?
                .label("feature absent (x_i = 0)")
                .legend(legend_box(color(1)));
            chart
                .draw_series(r.points_active.iter().map(|&p| Circle::new(p, 3, color(0).mix(0.5).filled())))?
                .label("feature present (x_i > 0)")
                .legend(legend_box(color(0)));
            draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        }
        Ok(())
    })
}

/// Histograms of sampled angles with the exact density drawn over them.
fn angle_histograms(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let cols = 2;
    let rows = report.histograms.len().div_ceil(cols);
    svg_figure(&dirs.figures.join("ch1_angle_histograms.svg"), (820, 300 * rows as u32), |root| {
        let panels = root.split_evenly((rows, cols));
        for (h, area) in report.histograms.iter().zip(panels.iter()) {
            let ymax = h.bins.max_density().max(h.exact_density.iter().copied().fold(0.0, f64::max)) * 1.45;
            let mut chart = ChartBuilder::on(area)
                .caption(format!("d = {}", h.d), (FONT, LABEL + 1))
                .margin(10)
                .x_label_area_size(42)
                .y_label_area_size(62)
                .build_cartesian_2d(h.bins.lo..h.bins.hi, 0.0..ymax)?;
            chart
                .configure_mesh()
                .x_desc("angle θ (degrees)")
                .y_desc("density (per degree)")
                .axis_desc_style((FONT, TICK + 1))
                .label_style((FONT, TICK))
                .x_labels(5)
                .y_labels(4)
                .x_label_formatter(&|x| tick(*x))
                .y_label_formatter(&|y| sci(*y, 2).replace('$', ""))
                .draw()?;
            chart
                .draw_series(histogram_bars(&h.bins, color(0)))?
                .label(format!("{} sampled pairs", h.pairs))
                .legend(legend_box(color(0)));
            let w = h.bins.width();
            let curve =
                h.exact_density.iter().enumerate().map(|(i, &y)| (h.bins.lo + (i as f64 + 0.5) * w, y));
            chart
                .draw_series(LineSeries::new(curve, line(color(1))))?
                .label("exact ∝ sin^(d−2) θ")
                .legend(legend_line(color(1)));
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        Ok(())
    })
}

/// Standard deviation of the angle against d, log–log, with the 1/√d law.
fn angle_spread(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let dmin = report.spread.iter().map(|s| s.d).min().unwrap_or(2) as f64;
    let dmax = report.spread.iter().map(|s| s.d).max().unwrap_or(2) as f64;
    svg_figure(&dirs.figures.join("ch1_angle_spread.svg"), (800, 520), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("The angle between random vectors concentrates at 90°", (FONT, CAPTION))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d((dmin / 1.3..dmax * 1.3).log_scale(), (0.3f64..80.0).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("dimension d")
            .y_desc("standard deviation of θ (degrees)")
            .axis_desc_style((FONT, LABEL))
            .label_style((FONT, TICK))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        let law = |d: f64| (1.0 / d.sqrt()).to_degrees();
        let grid: Vec<f64> = (0..=100).map(|i| dmin * (dmax / dmin).powf(i as f64 / 100.0)).collect();
        chart
            .draw_series(DashedLineSeries::new(grid.iter().map(|&d| (d, law(d))), 8, 5, line(color(2))))?
            .label("large-d law (180/π)/√d")
            .legend(legend_line(color(2)));
        let exact: Vec<(f64, f64)> = report.spread.iter().map(|s| (s.d as f64, s.sd_exact_deg)).collect();
        chart
            .draw_series(LineSeries::new(exact, line(color(1))))?
            .label("exact (from the density)")
            .legend(legend_line(color(1)));
        chart
            .draw_series(
                report
                    .spread
                    .iter()
                    .map(|s| Circle::new((s.d as f64, s.sd_sampled_deg), 5, color(0).filled())),
            )?
            .label(format!("sampled ({} pairs per d)", report.spread.first().map_or(0, |s| s.pairs)))
            .legend(|(x, y)| Circle::new((x + 10, y), 5, color(0).filled()));
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
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
