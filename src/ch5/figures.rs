//! The chapter's figures.

use super::{HEAT_FLOOR, Report, Run};
use crate::output::{OutDirs, grouped};
use crate::plot::heatmap::{
    Scale, bar_height, cell_keys, cell_label, colour_bar, draw_cells, matrix_background,
};
use crate::plot::{
    COLUMN, FONT, GREY, Keyed, LegendMark, arrow, color, feature_color, legend_figure, line, log_keys, mesh,
    panel, readable, subscript, svg_figure, tick,
};
use crate::sae::metrics::RECOVERED;
use plotters::prelude::*;

pub(super) fn figures(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    sweep(report, dirs)?;
    frontier(report, dirs)?;
    heatmap(report, dirs)?;
    dead(report, dirs)?;
    plane(report, dirs)?;
    Ok(())
}

/// A λ tick label: 0.01, 0.1, 1 without trailing zeros.
fn l1_label(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// MMCS (both directions) and the recovery rate against λ, one line per
/// dictionary size.
fn sweep(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let c = &report.config;
    let lo = *c.l1s.iter().min_by(|a, b| a.total_cmp(b)).expect("λs") as f64;
    let hi = *c.l1s.iter().max_by(|a, b| a.total_cmp(b)).expect("λs") as f64;
    let (lo, hi) = (lo.max(1e-6) / 1.3, hi * 1.3);
    let text = readable(COLUMN);
    let sizes: Vec<String> = c.sizes.iter().map(|m| format!("M = {m}")).collect();
    let mut entries: Vec<(&str, LegendMark)> =
        sizes.iter().enumerate().map(|(k, s)| (s.as_str(), LegendMark::LineDots(color(k)))).collect();
    entries.push(("MMCS truth → learned", LegendMark::Line(GREY)));
    entries.push(("learned → truth", LegendMark::Dashed(GREY)));
    legend_figure(&dirs.figures.join("ch5_mmcs.svg"), (COLUMN, 2 * 300), "", &entries, text, |rest| {
        let panels = rest.split_evenly((2, 1));
        let metrics: [(&str, &str); 2] = [
            ("Mean max cosine similarity", "MMCS"),
            ("True features recovered (cos > 0.9)", "share recovered"),
        ];
        for (p, (area, (title, ylabel))) in panels.iter().zip(metrics).enumerate() {
            let mut chart = panel(area, title, text).build_cartesian_2d(
                (lo..hi).log_scale().with_key_points(c.l1s.iter().map(|&l| l as f64).collect()),
                0f64..1.02,
            )?;
            mesh(&mut chart, text)
                .x_desc("L1 coefficient λ")
                .y_desc(ylabel)
                .y_labels(6)
                .x_label_formatter(&|x| l1_label(*x))
                .draw()?;
            for (k, &m) in c.sizes.iter().enumerate() {
                let runs: Vec<&Run> = c.l1s.iter().map(|&l| report.sweep_run(m, l)).collect();
                let at = |f: &dyn Fn(&Run) -> f64| -> Vec<(f64, f64)> {
                    runs.iter().map(|r| ((r.l1 as f64).max(1e-6), f(r))).collect()
                };
                let main = if p == 0 {
                    at(&|r| r.metrics.mmcs_truth_to_learned)
                } else {
                    at(&|r| r.metrics.recovered)
                };
                chart.draw_series(LineSeries::new(main.clone(), line(color(k))))?;
                chart.draw_series(main.iter().map(|&pt| Circle::new(pt, 4, color(k).filled())))?;
                if p == 0 {
                    let back = at(&|r| r.metrics.mmcs_learned_to_truth);
                    chart.draw_series(DashedLineSeries::new(back.clone(), 6, 4, color(k).stroke_width(2)))?;
                    chart.draw_series(back.iter().map(|&pt| Circle::new(pt, 3, color(k).stroke_width(1))))?;
                }
            }
        }
        Ok(())
    })
}

/// FVU against L0 for the L1 runs at the main size and the TopK runs.
fn frontier(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let c = &report.config;
    let l1: Vec<&Run> = c.l1s.iter().map(|&l| report.sweep_run(c.main_size, l)).collect();
    let all: Vec<&Run> = l1.iter().copied().chain(&report.topk).collect();
    let (l0s, fvus): (Vec<f64>, Vec<f64>) =
        all.iter().map(|r| (r.metrics.l0.max(0.1), r.metrics.fvu.max(1e-6))).unzip();
    let (xmin, xmax) =
        (l0s.iter().copied().fold(f64::INFINITY, f64::min), l0s.iter().copied().fold(0.0, f64::max));
    let (ymin, ymax) =
        (fvus.iter().copied().fold(f64::INFINITY, f64::min), fvus.iter().copied().fold(0.0, f64::max));
    let text = readable(COLUMN);
    let entries = [
        ("L1 penalty (label: λ)", LegendMark::LineDots(color(0))),
        ("TopK (label: k)", LegendMark::LineDots(color(1))),
        ("true features per sample (mean)", LegendMark::Dashed(GREY)),
        ("filled: ≥ 90% of features recovered; open: fewer", LegendMark::Dots(GREY)),
    ];
    let title = format!("Sparsity against reconstruction, M = {}", c.main_size);
    legend_figure(&dirs.figures.join("ch5_frontier.svg"), (COLUMN, 480), &title, &entries, text, |root| {
        let mut chart = panel(&root, "", text).build_cartesian_2d(
            (xmin / 1.5..xmax * 1.5)
                .log_scale()
                .with_key_points(vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]),
            (ymin / 2.0..ymax * 2.0).log_scale().with_key_points(log_keys(ymin / 2.0, ymax * 2.0)),
        )?;
        mesh(&mut chart, text)
            .x_desc("L0 (active latents per sample)")
            .y_desc("FVU (fraction of variance unexplained)")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| decimal(*y))
            .draw()?;
        let mean = c.truth.mean_active;
        chart.draw_series(DashedLineSeries::new(
            [(mean, ymin / 2.0), (mean, ymax * 2.0)],
            6,
            4,
            line(GREY),
        ))?;
        let topk: Vec<&Run> = report.topk.iter().collect();
        for (k, runs) in [&l1, &topk].into_iter().enumerate() {
            let pts: Vec<(f64, f64)> =
                runs.iter().map(|r| (r.metrics.l0.max(0.1), r.metrics.fvu.max(1e-6))).collect();
            chart.draw_series(LineSeries::new(pts.clone(), line(color(k))))?;
            for (r, &pt) in runs.iter().zip(&pts) {
                // Filled marker: at least 90% of the true features recovered.
                let marker = if r.metrics.recovered >= RECOVERED {
                    Circle::new(pt, 5, color(k).filled())
                } else {
                    Circle::new(pt, 5, color(k).stroke_width(2))
                };
                chart.draw_series([marker])?;
                let label = match r.activation {
                    crate::sae::model::Activation::Relu => l1_label(r.l1 as f64),
                    crate::sae::model::Activation::TopK(k) => k.to_string(),
                    crate::sae::model::Activation::JumpRelu => String::new(),
                };
                let offset = if k == 0 { (8, -16) } else { (8, 4) };
                let style = (FONT, text).into_font().color(&color(k));
                chart.draw_series([EmptyElement::at(pt) + Text::new(label, offset, style)])?;
            }
        }
        Ok(())
    })
}

/// A 1–2–5 tick of a log axis as a decimal: 0.002, 0.05, 1.
fn decimal(y: f64) -> String {
    let digits = (-y.log10().floor()).max(0.0) as usize;
    format!("{:.digits$}", crate::output::round_sig(y, 1))
}

/// cos(F_i, D_j) as a heatmap: true features down (in order of firing
/// probability), latents across, sorted by the feature they match best;
/// one panel per λ, on one colour scale, white below the floor.
fn heatmap(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let c = &report.config;
    let n = c.truth.n;
    let panels = [report.sweep_run(c.main_size, c.good_l1), report.sweep_run(c.main_size, c.low_l1)];
    let scale = Scale::Diverging { max: 1.0, floor: HEAT_FLOOR };
    let text = readable(COLUMN);
    let band = bar_height(text) + 8;
    let card = 340;
    svg_figure(&dirs.figures.join("ch5_heatmap.svg"), (COLUMN, band + card * panels.len() as u32), |root| {
        let (top, body) = root.split_vertically(band);
        let bar = top.margin(4, 4, COLUMN as i32 / 5, COLUMN as i32 / 5);
        colour_bar(&bar, scale, &format!("cos(Fᵢ, Dⱼ), white where |cos| < {HEAT_FLOOR}"), text)?;
        for ((area, r), map) in body.split_evenly((panels.len(), 1)).iter().zip(panels).zip(&report.heatmaps)
        {
            let m = r.m;
            let title = format!(
                "{}: recovered {:.0}%, FVU {:.3}",
                r.label(),
                100.0 * r.metrics.recovered,
                r.metrics.fvu
            );
            let mut chart = panel(area, &title, text).y_label_area_size(3 * text + 16).build_cartesian_2d(
                Keyed::new(0.0..m as f64, cell_keys(m, m / 8)),
                Keyed::new(n as f64..0.0, cell_keys(n, n / 4)),
            )?;
            mesh(&mut chart, text)
                .disable_mesh()
                .x_desc("latent (sorted by best-matching feature)")
                .y_desc("true feature")
                .x_label_formatter(&|x| cell_label(*x))
                .y_label_formatter(&|y| cell_label(*y))
                .draw()?;
            let mut cells = vec![None; n * m];
            for &(i, place, cos) in &map.cells {
                cells[i * m + place] = Some(cos);
            }
            matrix_background(&mut chart, (n, m), 0.0, scale)?;
            draw_cells(&mut chart, (n, m), 0.0, scale, |i, j| cells[i * m + j])?;
        }
        Ok(())
    })
}

/// Dead latents (no activation in the last window of steps) during
/// training, and the TopK runs' recovery over the same steps.
fn dead(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let c = &report.config;
    let largest = *c.sizes.iter().max().expect("sizes");
    // (run, colour, solid line): the L1 pair in one colour, the TopK runs in
    // another; without repair dashed; AuxK in a third colour.
    let runs = [
        (report.sweep_run(largest, c.good_l1), 0, false),
        (&report.resampled[0], 0, true),
        (&report.resampled[1], 1, false),
        (&report.resampled[2], 1, true),
        (&report.resampled[3], 2, true),
    ];
    let ymax =
        runs.iter().flat_map(|(r, ..)| r.dead_curve.iter().map(|p| p.1)).max().unwrap_or(1).max(1) as f64;
    // Curves that stay at zero hide under the axis: say so in the legend.
    let l1_flat = runs[..2].iter().all(|(r, ..)| r.dead_curve.iter().all(|p| p.1 == 0));
    let names: Vec<String> =
        runs.iter().map(|(r, ..)| format!("{}, M = {}, repair: {}", r.label(), r.m, r.repair())).collect();
    let resampling =
        if l1_flat { "resampling steps (both L1 curves: 0 throughout)" } else { "resampling steps" };
    let mut entries = vec![(resampling, LegendMark::Dashed(GREY))];
    for ((_, k, solid), name) in runs.iter().zip(&names) {
        let mark = if *solid { LegendMark::Line(color(*k)) } else { LegendMark::Dashed(color(*k)) };
        entries.push((name.as_str(), mark));
    }
    let text = readable(COLUMN);
    let title = "Dead latents and recovery during training";
    let steps = c.train.steps as f64;
    legend_figure(&dirs.figures.join("ch5_dead.svg"), (COLUMN, 2 * 330), title, &entries, text, |root| {
        let panels = root.split_evenly((2, 1));
        let window = grouped(c.train.dead_window as u64);
        let axes = [
            ("Dead latents", format!("latents silent for {window} steps"), ymax * 1.1),
            ("TopK: true features recovered (cos > 0.9)", "share recovered".to_string(), 1.02),
        ];
        for (p, (area, (name, ylabel, top))) in panels.iter().zip(axes).enumerate() {
            let mut chart = panel(area, name, text).build_cartesian_2d(0f64..steps, 0f64..top)?;
            mesh(&mut chart, text)
                .x_desc("training step")
                .y_desc(ylabel)
                .x_labels(6)
                .x_label_formatter(&|x| grouped(x.round() as u64))
                .y_label_formatter(&|y| if p == 0 { format!("{y:.0}") } else { format!("{y:.1}") })
                .draw()?;
            for &s in &c.resample.at_steps {
                let at = [(s as f64, 0.0), (s as f64, top)];
                chart.draw_series(DashedLineSeries::new(at, 6, 4, line(GREY)))?;
            }
            for &(r, k, solid) in &runs {
                let pts: Vec<(f64, f64)> = if p == 0 {
                    r.dead_curve.iter().map(|&(s, d)| (s as f64, d as f64)).collect()
                } else {
                    r.recovery_curve.iter().map(|&(s, v)| (s as f64, v)).collect()
                };
                if p == 1 && !matches!(r.activation, crate::sae::model::Activation::TopK(_)) {
                    continue;
                }
                if solid {
                    chart.draw_series(LineSeries::new(pts, line(color(k))))?;
                } else {
                    chart.draw_series(DashedLineSeries::new(pts, 6, 4, line(color(k))))?;
                }
            }
        }
        Ok(())
    })
}

/// The d = 2 toy model in its plane: the columns W_i and the SAE's decoder
/// directions.
fn plane(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let Some(l) = report.loops.iter().find(|l| l.config.d == 2) else { return Ok(()) };
    let n = l.config.n;
    let r = l.norms.iter().copied().fold(1.0, f64::max) * 1.3;
    let text = readable(820);
    svg_figure(&dirs.figures.join("ch5_loop.svg"), (820, 560), |root| {
        // The plane on the left, square; the legend beside it.
        let (left, right) = root.split_horizontally(560);
        let title = format!("Toy model N = {n}, d = 2: W and the SAE's dictionary");
        // No axis descriptions: room for the tick labels only.
        let mut chart = panel(&left, &title, text)
            .x_label_area_size(2 * text)
            .y_label_area_size(2 * text + 8)
            .build_cartesian_2d(-r..r, -r..r)?;
        mesh(&mut chart, text).x_label_formatter(&|x| tick(*x)).y_label_formatter(&|y| tick(*y)).draw()?;
        let mut legend: Vec<(String, ShapeStyle, bool)> = Vec::new();
        let (matched, spare) = (BLACK.stroke_width(1), GREY.mix(0.4).stroke_width(1));
        for j in 0..l.config.latents {
            let dec = &l.decoder[j * l.config.d..(j + 1) * l.config.d];
            let end = (dec[0] as f64 * r / 1.1, dec[1] as f64 * r / 1.1);
            let style = if l.best_latent.contains(&j) { matched } else { spare };
            chart.draw_series(DashedLineSeries::new([(0.0, 0.0), end], 5, 4, style))?;
        }
        legend.push(("decoder direction, matched".into(), matched, true));
        legend.push(("decoder direction, spare".into(), spare, true));
        for i in 0..n {
            let w = (l.w[i] as f64, l.w[n + i] as f64);
            let (shaft, tip) = arrow((0.0, 0.0), w, 0.08 * r, feature_color(i));
            chart.draw_series([shaft])?;
            chart.draw_series([tip])?;
            let label = format!("W{}: best cos {:.3}", subscript(i + 1), l.best_cos[i]);
            legend.push((label, line(feature_color(i)), false));
        }
        // The legend, drawn by hand beside the plane.
        for (k, (label, style, dashed)) in legend.into_iter().enumerate() {
            let y = 70 + 26 * k as i32;
            if dashed {
                for x in [10, 22] {
                    right.draw(&PathElement::new(vec![(x, y), (x + 7, y)], style))?;
                }
            } else {
                right.draw(&PathElement::new(vec![(10, y), (30, y)], style))?;
            }
            right.draw(&Text::new(label, (38, y - 8), (FONT, text)))?;
        }
        // Two lines, so that the note fits beside the plane.
        for (row, note) in ["(directions drawn", "at a common length)"].into_iter().enumerate() {
            let y = 70 + 26 * (n as i32 + 2 + row as i32);
            right.draw(&Text::new(note, (10, y), (FONT, text).into_font().color(&GREY)))?;
        }
        Ok(())
    })
}
