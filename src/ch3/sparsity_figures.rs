//! The figures and inline numbers of Chapter 3's sparsity part.

use super::sparsity::Sparsity;
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};
use crate::plot::heatmap::{Scale, bar_height, colour_bar};
use crate::plot::{
    COLUMN, GREY, LegendMark, color, legend_figure, line, log_keys_at, mesh, panel, readable, superscript,
    svg_figure, tick,
};
use crate::sparse::interference_law;
use plotters::prelude::*;

pub fn figures(s: &Sparsity, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    interference(s, dirs)?;
    transition(s, dirs)?;
    capacity(s, dirs)?;
    capacity_table(s, dirs)?;
    readouts(s, dirs)?;
    prose_numbers(s, numbers);
    Ok(())
}

/// The read-out error against d, one colour per K: measured (dots) and the
/// law √((K − 1)/d) (lines).
fn interference(s: &Sparsity, dirs: &OutDirs) -> anyhow::Result<()> {
    let mut ks: Vec<usize> = s.readout.iter().map(|r| r.k).collect();
    ks.sort_unstable();
    ks.dedup();
    let ds: Vec<f64> = s.readout.iter().map(|r| r.d as f64).collect();
    let (dmin, dmax) = (ds.iter().copied().fold(f64::MAX, f64::min), ds.iter().copied().fold(0.0, f64::max));
    let ys = s.readout.iter().flat_map(|r| [r.measured, r.law]).filter(|y| *y > 0.0);
    let (ymin, ymax) = ys.fold((f64::MAX, 0.0f64), |(a, b), y| (a.min(y), b.max(y)));
    let labels: Vec<String> = ks.iter().map(|k| format!("K = {k} active")).collect();
    let entries: Vec<(&str, LegendMark)> =
        labels.iter().enumerate().map(|(i, l)| (l.as_str(), LegendMark::LineDots(color(i)))).collect();
    let text = readable(COLUMN);
    let n = s.readout.first().map_or(0, |r| r.n);
    let title = format!(
        "Dot-product read-out, N = {}: measured (dots), √((K − 1)/d) (lines)",
        crate::output::grouped(n as u64)
    );
    let path = dirs.figures.join("ch3_interference.svg");
    legend_figure(&path, (COLUMN, 430), &title, &entries, text, |body| {
        let (x0, x1) = (dmin / 1.3, dmax * 1.3);
        let (y0, y1) = (ymin / 1.5, ymax * 1.5);
        let mut chart = panel(&body, "", text).build_cartesian_2d(
            (x0..x1).log_scale().with_key_points(ds.clone()),
            (y0..y1).log_scale().with_key_points(log_keys_at(y0, y1, &[1.0, 2.0, 5.0])),
        )?;
        mesh(&mut chart, text)
            .x_desc("dimension d")
            .y_desc("RMS read-out error")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| if *y < 0.1 { format!("{y:.2}") } else { tick(*y) })
            .draw()?;
        for (i, &k) in ks.iter().enumerate() {
            let law = (0..=40)
                .map(|t| x0 * (x1 / x0).powf(t as f64 / 40.0))
                .map(|d| (d, ((k - 1) as f64 / d).sqrt()));
            chart.draw_series(LineSeries::new(law, line(color(i))))?;
            let points = s.readout.iter().filter(|r| r.k == k);
            chart.draw_series(points.map(|r| Circle::new((r.d as f64, r.measured), 5, color(i).filled())))?;
        }
        Ok(())
    })
}

/// The share of sparse vectors basis pursuit recovers, over (δ, ρ), with
/// the predicted curve.
fn transition(s: &Sparsity, dirs: &OutDirs) -> anyhow::Result<()> {
    let scale = Scale::Sequential { max: 1.0 };
    let text = readable(COLUMN);
    let band = bar_height(text) + 8;
    let steps = (s.cells.len() as f64).sqrt().round() as usize;
    let half = 0.5 / (steps + 1) as f64;
    let path = dirs.figures.join("ch3_transition.svg");
    svg_figure(&path, (COLUMN, band + 560), |root| {
        let (top, body) = root.split_vertically(band);
        let bar = top.margin(4, 4, COLUMN as i32 / 5, COLUMN as i32 / 5);
        colour_bar(&bar, scale, "share of K-sparse vectors recovered exactly", text)?;
        let n = s.cells.first().map_or(0, |c| (c.d as f64 / c.delta).round() as usize);
        let title = format!("Basis pursuit in ℝ{}: where it recovers", superscript(n as i32));
        let mut chart = panel(&body, &title, text).build_cartesian_2d(0f64..1.0, 0f64..1.0)?;
        mesh(&mut chart, text)
            .disable_mesh()
            .x_desc("δ = d/N (measurements per coordinate)")
            .y_desc("ρ = K/d (active features per measurement)")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        // Each cell at its grid point (δ, ρ are rounded to whole d and K).
        for (i, c) in s.cells.iter().enumerate() {
            let (a, b) = (i / steps, i % steps);
            let (x, y) = ((a + 1) as f64 * 2.0 * half, (b + 1) as f64 * 2.0 * half);
            let share = c.recovered as f64 / c.trials as f64;
            chart.draw_series([Rectangle::new(
                [(x - half, y - half), (x + half, y + half)],
                scale.color(share).filled(),
            )])?;
        }
        chart.draw_series(LineSeries::new(s.curve.iter().copied(), WHITE.stroke_width(5)))?;
        chart.draw_series(LineSeries::new(s.curve.iter().copied(), BLACK.stroke_width(2)))?;
        Ok(())
    })
}

/// log₁₀ N as a label: "10⁴".
fn power_label(y: f64) -> String {
    format!("10{}", superscript(y.round() as i32))
}

/// How many features d dimensions support with K active, against d: the
/// thresholded read-out measured (dots) and predicted (lines), basis
/// pursuit predicted (dashed).
fn capacity(s: &Sparsity, dirs: &OutDirs) -> anyhow::Result<()> {
    let text = readable(COLUMN);
    let labels: Vec<String> = s.capacity_curves.iter().map(|(k, _)| format!("K = {k}")).collect();
    let mut entries: Vec<(&str, LegendMark)> =
        labels.iter().enumerate().map(|(i, l)| (l.as_str(), LegendMark::LineDots(color(i)))).collect();
    entries.push(("threshold at ½: measured, predicted", LegendMark::LineDots(GREY)));
    entries.push(("basis pursuit, predicted", LegendMark::Dashed(GREY)));
    let points = s.capacity_curves.iter().flat_map(|(_, c)| c.iter());
    let dmax = points.clone().map(|p| p.0).fold(0.0, f64::max);
    let ymax = points.map(|p| p.2).fold(0.0, f64::max).ceil();
    let title = "Features supported with K active: the median read before the first misread";
    let path = dirs.figures.join("ch3_capacity.svg");
    legend_figure(&path, (COLUMN, 440), title, &entries, text, |body| {
        let mut chart = panel(&body, "", text).build_cartesian_2d(0f64..dmax * 1.04, 0f64..ymax)?;
        mesh(&mut chart, text)
            .x_desc("dimension d")
            .y_desc("features N")
            .y_label_formatter(&|y| power_label(*y))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw()?;
        for (i, (k, curve)) in s.capacity_curves.iter().enumerate() {
            let threshold = curve.iter().filter(|p| p.1.is_finite()).map(|p| (p.0, p.1));
            chart.draw_series(LineSeries::new(threshold, line(color(i))))?;
            let bp = curve.iter().map(|p| (p.0, p.2));
            chart.draw_series(DashedLineSeries::new(bp, 7, 5, line(color(i))))?;
            let measured =
                s.capacity.iter().filter(|c| c.k == *k).filter_map(|c| c.measured.map(|m| (c.d as f64, m)));
            chart.draw_series(measured.map(|p| Circle::new(p, 5, color(i).filled())))?;
        }
        Ok(())
    })
}

/// The share of inputs each read-out returns exactly, against K.
fn readouts(s: &Sparsity, dirs: &OutDirs) -> anyhow::Result<()> {
    let text = readable(COLUMN);
    let entries = [
        ("dot product, the K largest", LegendMark::LineDots(color(0))),
        ("dot product above ½", LegendMark::LineDots(color(1))),
        ("above ½, predicted", LegendMark::Dashed(color(1))),
        ("basis pursuit", LegendMark::LineDots(color(2))),
        ("basis pursuit's predicted transition", LegendMark::Dashed(GREY)),
    ];
    let kmax = s.readouts.iter().map(|r| r.k).max().unwrap_or(1) as f64 + 1.0;
    let (n, d) = (s.readouts_n, s.readouts_d);
    let title = format!("Reading K active features of N = {n} back out of d = {d} dimensions");
    let path = dirs.figures.join("ch3_readouts.svg");
    legend_figure(&path, (COLUMN, 400), &title, &entries, text, |body| {
        let mut chart = panel(&body, "", text).build_cartesian_2d(0f64..kmax, 0f64..1.05)?;
        mesh(&mut chart, text)
            .x_desc("active features K")
            .y_desc("inputs read back exactly")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        for (m, c) in [(0, color(0)), (1, color(1)), (2, color(2))] {
            let points: Vec<(f64, f64)> = s.readouts.iter().map(|r| (r.k as f64, r.recovered[m])).collect();
            chart.draw_series(LineSeries::new(points.clone(), line(c)))?;
            chart.draw_series(points.into_iter().map(|p| Circle::new(p, 4, c.filled())))?;
        }
        let predicted = s.readouts.iter().map(|r| (r.k as f64, r.threshold_predicted));
        chart.draw_series(DashedLineSeries::new(predicted, 7, 5, line(color(1))))?;
        let kt = s.bp_transition_k;
        chart.draw_series(DashedLineSeries::new([(kt, 0.0), (kt, 1.05)], 7, 5, line(GREY)))?;
        Ok(())
    })
}

/// The predicted capacities at the widths of real models.
fn capacity_table(s: &Sparsity, dirs: &OutDirs) -> anyhow::Result<()> {
    let power = |y: f64| {
        if y < 6.0 {
            crate::output::grouped(10f64.powf(y).floor() as u64)
        } else {
            format!("$10^{{{y:.1}}}$")
        }
    };
    let rows: Vec<Vec<String>> = s
        .wide
        .iter()
        .map(|c| {
            vec![
                crate::output::grouped(c.d as u64),
                c.k.to_string(),
                format!("{:.3}", interference_law(c.k, c.d)),
                c.threshold.map_or("none".into(), power),
                power(c.basis_pursuit),
            ]
        })
        .collect();
    let table = markdown_table(
        &["width d", "active K", "RMS interference", "threshold at ½", "basis pursuit"],
        &[true, true, true, true, true],
        &rows,
    );
    write_atomic(&dirs.generated.join("ch3_capacity.md"), table.as_bytes())
}

fn prose_numbers(s: &Sparsity, numbers: &mut Numbers) {
    let (agree, cells) = s.agreement();
    numbers.set("transition_agree", agree.to_string());
    numbers.set("transition_cells", cells.to_string());
    numbers.set("miss_distance", s.worst_miss().map_or("—".into(), |m| format!("{m:.3}")));
    numbers.set("law_gap", format!("{:.1}%", 100.0 * s.worst_law_gap()));
    if let Some(first) = s.readout_by_n.first() {
        numbers.set("readout_at_d", first.d.to_string());
        numbers.set("readout_at_k", first.k.to_string());
        numbers.set("readout_at_law", format!("{:.4}", first.law));
        let by_n: Vec<String> = s
            .readout_by_n
            .iter()
            .map(|r| format!("{:.4} for N = {}", r.measured, crate::output::grouped(r.n as u64)))
            .collect();
        numbers.set("readout_by_n", by_n.join(", "));
    }
    if let Some(c) = s.cells.first() {
        numbers.set("transition_n", ((c.d as f64 / c.delta).round() as usize).to_string());
        numbers.set("transition_trials", c.trials.to_string());
    }
    numbers.set("readouts_n", s.readouts_n.to_string());
    numbers.set("readouts_d", s.readouts_d.to_string());
    numbers.set("readouts_bp_k", format!("{:.1}", s.bp_transition_k));
    // The largest K at which each read-out still returns at least half the inputs.
    let last_half =
        |m: usize| s.readouts.iter().filter(|r| r.recovered[m] >= 0.5).map(|r| r.k).max().unwrap_or(0);
    numbers.set("readouts_half_top_k", last_half(0).to_string());
    numbers.set("readouts_half_threshold", last_half(1).to_string());
    numbers.set("readouts_half_bp", last_half(2).to_string());
    numbers.set("rho_half", format!("{:.3}", crate::sparse::l1_transition(0.5)));
    numbers.set("cells_per_axis", ((s.cells.len() as f64).sqrt().round() as usize).to_string());
}
