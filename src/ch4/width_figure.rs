//! The width sweep of the large run: how many of N features a width d
//! represents, per density, and the features per dimension against 1/p
//! with Chapter 3's two laws fitted.

use super::figures::tick_f32;
use super::large::{LargeReport, Law, width_points};
use crate::output::{Numbers, OutDirs};
use crate::plot::{
    COLUMN, GREY, LegendMark, color, legend_figure, line, log_keys, log_keys_at, mesh, panel, readable, tick,
};
use plotters::prelude::*;

pub fn figure(report: &LargeReport, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let c = &report.config;
    let text = readable(COLUMN);
    let labels: Vec<String> = c.width_densities.iter().map(|&p| format!("p = {}", tick_f32(p))).collect();
    let mut entries: Vec<(&str, LegendMark)> =
        labels.iter().enumerate().map(|(k, l)| (l.as_str(), LegendMark::LineDots(color(k)))).collect();
    entries.push(("one feature per dimension; all N", LegendMark::Dashed(GREY)));
    entries.push(("fit c/(p ln(1/p))", LegendMark::Line(BLACK)));
    entries.push(("fit c/p", LegendMark::Dashed(BLACK)));
    let n = c.width_n as f64;
    let dmax = *c.widths.iter().max().unwrap_or(&1) as f64;
    let per_width = c.width_densities.len();
    // (d, represented, density index) per model.
    let points: Vec<(f64, f64, usize)> = report
        .width
        .iter()
        .enumerate()
        .map(|(k, m)| (c.widths[k / per_width] as f64, m.represented as f64, k % per_width))
        .collect();
    let title = format!("N = {} features of equal importance in d dimensions", c.width_n);
    legend_figure(&dirs.figures.join("ch4_width.svg"), (COLUMN, 400), &title, &entries, text, |body| {
        let (left, right) = body.split_horizontally(COLUMN / 2);
        let mut chart = panel(&left, "features represented", text)
            .build_cartesian_2d(0f64..dmax * 1.05, 0f64..n * 1.08)?;
        mesh(&mut chart, text)
            .x_desc("width d")
            .y_desc("features with ‖Wᵢ‖ ≥ ½")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (n.min(dmax * 1.05), n.min(dmax * 1.05))],
            7,
            5,
            line(GREY),
        ))?;
        chart.draw_series(DashedLineSeries::new([(0.0, n), (dmax * 1.05, n)], 7, 5, line(GREY)))?;
        for k in 0..per_width {
            let series: Vec<(f64, f64)> = points.iter().filter(|p| p.2 == k).map(|p| (p.0, p.1)).collect();
            chart.draw_series(LineSeries::new(series.clone(), line(color(k))))?;
            chart.draw_series(series.iter().map(|&p| Circle::new(p, 4, color(k).filled())))?;
        }
        // Right: features per dimension against 1/p where the width is
        // not saturated, with the two laws fitted.
        let unsaturated = width_points(&report.width, c.width_n);
        let (xlo, xhi) = (1.5, 1.5 / c.width_densities.iter().copied().fold(1.0, f32::min) as f64);
        let ys = unsaturated.iter().map(|&(_, d, n)| n / d);
        let (ylo, yhi) = ys.fold((1.0f64, 1.0f64), |(a, b), y| (a.min(y), b.max(y)));
        let (ylo, yhi) = (ylo / 1.5, yhi * 1.5);
        let y_axis = (ylo..yhi).log_scale().with_key_points(log_keys(ylo, yhi));
        let x_axis = (xlo..xhi).log_scale().with_key_points(log_keys_at(xlo, xhi, &[1.0, 3.0]));
        let mut chart = panel(&right, "features per dimension", text).build_cartesian_2d(x_axis, y_axis)?;
        mesh(&mut chart, text)
            .x_desc("1 / p")
            .y_desc("represented / d")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        // Each law over the densities it was fitted to, inside the frame.
        let fitted = unsaturated.iter().map(|p| 1.0 / p.0);
        let (from, to) = fitted.fold((f64::INFINITY, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
        for law in &report.laws {
            let curve: Vec<(f64, f64)> = (0..=60)
                .map(|k| from * (to / from).powf(k as f64 / 60.0))
                .map(|x| (x, law.c / law.law.shape(1.0 / x)))
                .filter(|&(_, y)| y > ylo && y < yhi)
                .collect();
            match law.law {
                Law::Recovery => chart.draw_series(LineSeries::new(curve, line(BLACK)))?,
                Law::Interference => chart.draw_series(DashedLineSeries::new(curve, 7, 5, line(BLACK)))?,
            };
        }
        for &(p, d, n) in &unsaturated {
            let k = c.width_densities.iter().position(|&q| q as f64 == p).unwrap_or(0);
            chart.draw_series([Circle::new((1.0 / p, n / d), 4, color(k).filled())])?;
        }
        Ok(())
    })?;
    numbers
        .set("width_size", format!("$N = {}$ features in $d =$ {} dimensions", c.width_n, widths(&c.widths)));
    for law in &report.laws {
        let name = match law.law {
            Law::Interference => "interference",
            Law::Recovery => "recovery",
        };
        numbers.set(&format!("width_{name}_c"), format!("{:.2}", law.c));
        // exp(rms of the log): the typical factor between measured and fitted.
        numbers.set(&format!("width_{name}_spread"), format!("{:.2}", law.rms_log.exp()));
    }
    numbers.set("width_points", report.laws.first().map_or(0, |l| l.points).to_string());
    numbers.set("width_saturated", format!("{:.0}%", 100.0 * super::large::SATURATED));
    Ok(())
}

/// "$5$, $10$, $20$ and $40$".
fn widths(ds: &[usize]) -> String {
    let all: Vec<String> = ds.iter().map(|d| format!("${d}$")).collect();
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => all.join(""),
    }
}
