//! Chapter 3's figures and generated tables.

use super::Report;
use crate::jl::Method;
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};
use crate::plot::{
    GREY, LegendMark, color, draw_legend_band, histogram_bars, legend_band_height, legend_figure, line, mesh,
    panel, pow10_label, readable, superscript, svg_figure, tick,
};
use plotters::prelude::*;

/// Draw every figure and write every generated Markdown fragment.
pub fn figures(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    bound_vs_n(report, dirs)?;
    bound_vs_eps(report, dirs)?;
    ratio_histograms(report, dirs)?;
    worst_distortion(report, dirs)?;
    smallest_k(report, dirs)?;
    superposition(report, dirs)?;
    tables(report, dirs, numbers)
}

/// A count on a crowded axis: 500, 1k, 10k.
fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    if n >= 1000 && n.is_multiple_of(1000) { format!("{}k", n / 1000) } else { n.to_string() }
}

fn method_color(m: Method) -> RGBColor {
    match m {
        Method::Gaussian => color(0),
        Method::Achlioptas => color(1),
        Method::VerySparse => color(2),
    }
}

/// The bound against n, log–log, one curve per ε.
fn bound_vs_n(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let width = 800;
    let text = readable(width);
    let labels: Vec<String> = report.bound_vs_n.iter().map(|c| format!("ε = {}", c.fixed)).collect();
    let entries: Vec<(&str, LegendMark)> =
        labels.iter().enumerate().map(|(i, l)| (l.as_str(), LegendMark::Line(color(i)))).collect();
    let title = "Dasgupta–Gupta dimension against the number of points";
    legend_figure(&dirs.figures.join("ch3_bound_vs_n.svg"), (width, 500), title, &entries, text, |root| {
        let mut chart =
            panel(&root, "", text).build_cartesian_2d((10f64..1e9).log_scale(), (10f64..1e7).log_scale())?;
        mesh(&mut chart, text)
            .x_desc("number of points n")
            .y_desc("target dimension k ≥ 4 ln n / (ε²/2 − ε³/3)")
            .x_label_formatter(&|x| pow10_label(*x))
            .y_label_formatter(&|y| pow10_label(*y))
            .draw()?;
        for (i, curve) in report.bound_vs_n.iter().enumerate() {
            chart.draw_series(LineSeries::new(curve.points.iter().copied(), line(color(i))))?;
        }
        Ok(())
    })
}

/// The bound against ε, log y, one curve per n.
fn bound_vs_eps(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let width = 800;
    let text = readable(width);
    let labels: Vec<String> =
        report.bound_vs_eps.iter().map(|c| format!("n = 10{}", superscript(c.fixed as i32))).collect();
    let entries: Vec<(&str, LegendMark)> =
        labels.iter().enumerate().map(|(i, l)| (l.as_str(), LegendMark::Line(color(i)))).collect();
    let title = "Dasgupta–Gupta dimension against the tolerance";
    legend_figure(&dirs.figures.join("ch3_bound_vs_eps.svg"), (width, 500), title, &entries, text, |root| {
        let mut chart = panel(&root, "", text).build_cartesian_2d(0f64..1.0, (10f64..1e7).log_scale())?;
        mesh(&mut chart, text)
            .x_desc("distortion tolerance ε")
            .y_desc("target dimension k")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| pow10_label(*y))
            .draw()?;
        for (i, curve) in report.bound_vs_eps.iter().enumerate() {
            chart.draw_series(LineSeries::new(curve.points.iter().copied(), line(color(i))))?;
        }
        Ok(())
    })
}

/// Histograms of the squared-distance ratio: one panel per data set and k.
fn ratio_histograms(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let ks = &report.config.ks;
    let datasets = ["documents", "clusters"];
    let eps = report.config.eps;
    let width = 330 * ks.len() as u32 + 10;
    let text = readable(width);
    let c = |m| method_color(m);
    let entries: [(&str, LegendMark); 5] = [
        ("Gaussian", LegendMark::Bar(c(Method::Gaussian))),
        ("Achlioptas", LegendMark::Line(c(Method::Achlioptas))),
        ("very sparse", LegendMark::Line(c(Method::VerySparse))),
        ("χ²ₖ/k (exact, Gaussian)", LegendMark::Line(BLACK)),
        ("1 ± ε", LegendMark::Dashed(GREY)),
    ];
    let band = legend_band_height(&entries, text, width);
    svg_figure(&dirs.figures.join("ch3_ratio_histograms.svg"), (width, 676 + band), |root| {
        // One legend for all the panels, in a band above them: inside a panel it would cover a peak.
        let (top, body) = root.split_vertically(band);
        draw_legend_band(&top, &entries, text)?;
        let panels = body.split_evenly((datasets.len(), ks.len()));
        for (p, area) in panels.iter().enumerate() {
            let (dataset, t) = (datasets[p / ks.len()], p % ks.len());
            let exps: Vec<_> = report.experiments.iter().filter(|e| e.dataset == dataset).collect();
            let gaussian = &exps[0].at_k[t];
            let theory = &gaussian.chi2;
            let ymax = exps
                .iter()
                .map(|e| e.at_k[t].bins.max_density())
                .chain(theory.iter().map(|p| p.1))
                .fold(0.0, f64::max)
                * 1.1;
            // Six panels: the axis areas as tight as their short labels allow.
            let mut chart = panel(area, &format!("{dataset}, k = {}", gaussian.k), text)
                .x_label_area_size(2 * text + 8)
                .y_label_area_size(50)
                .build_cartesian_2d(gaussian.bins.lo..gaussian.bins.hi, 0.0..ymax)?;
            mesh(&mut chart, text)
                .x_desc("‖f(u) − f(v)‖² / ‖u − v‖²")
                .y_desc("density")
                .x_labels(4)
                .y_labels(4)
                .x_label_formatter(&|x| format!("{x:.2}"))
                .y_label_formatter(&|y| format!("{y:.1}"))
                .draw()?;
            // The tolerance band 1 ± ε.
            for edge in [1.0 - eps, 1.0 + eps] {
                if edge > gaussian.bins.lo && edge < gaussian.bins.hi {
                    chart.draw_series(DashedLineSeries::new(
                        [(edge, 0.0), (edge, ymax)],
                        7,
                        5,
                        line(GREY),
                    ))?;
                }
            }
            chart.draw_series(histogram_bars(&gaussian.bins, color(0)))?;
            for e in &exps[1..] {
                let c = method_color(e.method);
                let b = &e.at_k[t].bins;
                let pts: Vec<(f64, f64)> = b.densities().map(|(l, r, d)| (0.5 * (l + r), d)).collect();
                chart.draw_series(LineSeries::new(pts, line(c)))?;
            }
            chart.draw_series(LineSeries::new(theory.iter().copied(), line(BLACK)))?;
        }
        Ok(())
    })
}

/// The worst distortion over all pairs against k, with what the bound guarantees.
fn worst_distortion(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let n = report.config.points as u64;
    let pairs = n * (n - 1) / 2;
    let (kmax, eps) = (report.k_search as f64, report.config.eps);
    let text = readable(1000);
    let eps_label = format!("ε = {eps}");
    let mut entries = vec![
        ("Dasgupta–Gupta ε for this k", LegendMark::Line(BLACK)),
        (eps_label.as_str(), LegendMark::Dashed(GREY)),
    ];
    entries.extend(Method::ALL.map(|m| (m.name(), LegendMark::Line(method_color(m)))));
    let band = legend_band_height(&entries, text, 1000);
    svg_figure(&dirs.figures.join("ch3_worst_distortion.svg"), (1000, 460 + band), |root| {
        // One legend for both panels, above them: inside a panel it would cover a curve.
        let (top, body) = root.split_vertically(band);
        draw_legend_band(&top, &entries, text)?;
        for (area, dataset) in body.split_evenly((1, 2)).iter().zip(["documents", "clusters"]) {
            let caption = format!("{dataset}: worst of {} pairs", crate::output::grouped(pairs));
            let mut chart = panel(area, &caption, text).build_cartesian_2d(
                (20f64..kmax).log_scale().with_key_points(vec![20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]),
                (0.2f64..5.0).log_scale().with_key_points(vec![0.2, 0.3, 0.5, 1.0, 2.0, 5.0]),
            )?;
            mesh(&mut chart, text)
                .x_desc("target dimension k")
                .y_desc("max over pairs of |ratio − 1|")
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| tick(*y))
                .draw()?;
            chart.draw_series(LineSeries::new(report.dg.eps_by_k.iter().copied(), line(BLACK)))?;
            chart.draw_series(DashedLineSeries::new([(20.0, eps), (kmax, eps)], 7, 5, line(GREY)))?;
            for e in report.experiments.iter().filter(|e| e.dataset == dataset) {
                let pts = e
                    .worst_by_k
                    .iter()
                    .filter(|(k, _)| *k >= 20)
                    .map(|&(k, w)| (k as f64, w.clamp(0.2, 5.0)));
                chart.draw_series(LineSeries::new(pts, line(method_color(e.method))))?;
            }
        }
        Ok(())
    })
}

/// Smallest k keeping every pair inside 1 ± ε against n, measured and the
/// bound, with what a map that looks at the data needs: min(n − 1, D).
fn smallest_k(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let eps = report.config.eps;
    let sizes = &report.config.sizes;
    let (nmin, nmax) = (*sizes.iter().min().unwrap_or(&2) as f64, *sizes.iter().max().unwrap_or(&2) as f64);
    let dim = report.config.dim as f64;
    let kmax = (report.dg.k_largest_size as f64 * 1.25).max(dim * 1.1);
    let text = readable(1000);
    let above = format!("more than {} (the search's limit)", report.k_search);
    let mut entries = vec![
        ("Dasgupta–Gupta bound", LegendMark::Line(BLACK)),
        ("onto the points' span: min(n − 1, D)", LegendMark::Dashed(GREY)),
    ];
    entries.extend(Method::ALL.map(|m| (m.name(), LegendMark::LineDots(method_color(m)))));
    if report.experiments.iter().any(|e| e.smallest_k_by_size.iter().any(Option::is_none)) {
        entries.push((above.as_str(), LegendMark::Triangle(GREY)));
    }
    legend_figure(&dirs.figures.join("ch3_smallest_k.svg"), (1000, 460), "", &entries, text, |body| {
        for (area, dataset) in body.split_evenly((1, 2)).iter().zip(["documents", "clusters"]) {
            let key_points = sizes.iter().map(|&n| n as f64).collect();
            // The k labels are short: the room goes to the crowded n axis.
            let mut chart = panel(area, &format!("{dataset}: every pair in 1 ± {eps}"), text)
                .y_label_area_size(3 * text + 10)
                .build_cartesian_2d(
                    (nmin / 1.3..nmax * 1.3).log_scale().with_key_points(key_points),
                    0f64..kmax,
                )?;
            mesh(&mut chart, text)
                .x_desc("number of points n")
                .y_desc("target dimension k")
                .x_label_formatter(&|x| thousands(*x))
                .y_label_formatter(&|y| format!("{y:.0}"))
                .draw()?;
            // Only the part of the curve inside the axis (plotters would pile
            // the rest up on the axis' edge).
            let inside = |&&(n, _): &&(f64, f64)| (nmin / 1.3..=nmax * 1.3).contains(&n);
            chart
                .draw_series(LineSeries::new(report.dg.k_by_n.iter().filter(inside).copied(), line(BLACK)))?;
            // Projecting onto the points' span keeps every distance exactly.
            let span = (0..=60)
                .map(|i| nmin / 1.3 * (1.69 * nmax / nmin).powf(i as f64 / 60.0))
                .map(|n| (n, (n - 1.0).min(dim)));
            chart.draw_series(DashedLineSeries::new(span, 7, 5, line(GREY)))?;
            for e in report.experiments.iter().filter(|e| e.dataset == dataset) {
                let c = method_color(e.method);
                let found = sizes.iter().zip(&e.smallest_k_by_size);
                let pts: Vec<(f64, f64)> =
                    found.clone().filter_map(|(&n, k)| k.map(|k| (n as f64, k as f64))).collect();
                chart.draw_series(LineSeries::new(pts.clone(), line(c)))?;
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
                // Sizes whose k was not found below the search's limit: a triangle there.
                let limit = report.k_search as f64;
                let missing = found.filter(|(_, k)| k.is_none());
                chart.draw_series(
                    missing.map(|(&n, _)| TriangleMarker::new((n as f64, limit), 7, c.filled())),
                )?;
            }
        }
        Ok(())
    })
}

/// Worst and typical |cos| of the projected basis against k, with the two bounds.
fn superposition(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let s = &report.superposition;
    let b = &report.superposition_bounds;
    let (kmin, kmax) = (b.first().map_or(1, |b| b.0) as f64, b.last().map_or(2, |b| b.0) as f64);
    let text = readable(800);
    let entries = [
        ("bound via JL: 2ε/(1 − ε), Dasgupta–Gupta ε", LegendMark::Line(color(3))),
        ("direct bound: C(N, 2)·P(|cos| > x) = ½", LegendMark::Line(color(1))),
        ("1/√k", LegendMark::Dashed(color(2))),
        ("worst pair, measured", LegendMark::Dots(color(0))),
        ("RMS over pairs, measured", LegendMark::Dots(color(2))),
    ];
    let title = format!("{} basis vectors projected to k dimensions", report.config.basis);
    legend_figure(&dirs.figures.join("ch3_superposition.svg"), (800, 480), &title, &entries, text, |body| {
        let mut chart = panel(&body, "", text).build_cartesian_2d(
            (kmin / 1.2..kmax * 1.2)
                .log_scale()
                .with_key_points(vec![20.0, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3]),
            (0.01f64..1.0).log_scale().with_key_points(vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]),
        )?;
        mesh(&mut chart, text)
            .x_desc("target dimension k")
            .y_desc("|cos| between projected basis vectors")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y}"))
            .draw()?;
        let direct: Vec<(f64, f64)> = b.iter().map(|&(k, d, _)| (k as f64, d)).collect();
        let jl: Vec<(f64, f64)> = b.iter().filter_map(|&(k, _, j)| j.map(|j| (k as f64, j))).collect();
        chart.draw_series(LineSeries::new(jl, line(color(3))))?;
        chart.draw_series(LineSeries::new(direct, line(color(1))))?;
        let rms_theory = b.iter().map(|&(k, _, _)| (k as f64, 1.0 / (k as f64).sqrt()));
        chart.draw_series(DashedLineSeries::new(rms_theory, 7, 5, line(color(2))))?;
        let worst = s.iter().map(|b| Circle::new((b.k as f64, b.worst_abs_cos), 5, color(0).filled()));
        chart.draw_series(worst)?;
        chart.draw_series(s.iter().map(|b| Circle::new((b.k as f64, b.rms_cos), 5, color(2).filled())))?;
        Ok(())
    })
}

/// The generated Markdown tables and inline values.
fn tables(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    ratios_table(report, dirs)?;
    smallest_k_table(report, dirs)?;
    typical_table(report, dirs)?;
    superposition_table(report, dirs)?;
    prose_numbers(report, numbers);
    Ok(())
}

/// The ratio of projected to original squared distances, per data set, projection and k.
fn ratios_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let c = &report.config;
    let mut rows = Vec::new();
    for e in &report.experiments {
        for a in &e.at_k {
            rows.push(vec![
                e.dataset.clone(),
                e.method.name().into(),
                a.k.to_string(),
                format!("{:.4}", a.mean),
                format!("{:.3}", a.variance * a.k as f64 / 2.0),
                format!("{:.1}%", 100.0 * a.inside),
            ]);
        }
    }
    write(
        "ch3_ratios.md",
        markdown_table(
            &[
                "data",
                "projection",
                "k",
                "mean ratio",
                "variance × k/2",
                &format!("pairs inside 1 ± {}", c.eps),
            ],
            &[false, false, true, true, true, true],
            &rows,
        ),
    )?;
    Ok(())
}

/// The smallest k that keeps every pair within 1 ± ε, against the Dasgupta–Gupta bound.
fn smallest_k_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let c = &report.config;
    let mut header = vec!["data".to_string(), "projection".to_string()];
    header.extend(c.eps_table.iter().map(|e| format!("ε = {e}")));
    let mut rows = Vec::new();
    for e in &report.experiments {
        let mut row = vec![e.dataset.clone(), e.method.name().to_string()];
        row.extend(
            e.smallest_k_by_eps.iter().map(|k| k.map_or(format!("> {}", report.k_search), |k| k.to_string())),
        );
        rows.push(row);
    }
    let mut bound = vec!["**bound**".to_string(), "Dasgupta–Gupta".to_string()];
    bound.extend(report.dg.k_points_by_eps.iter().map(|k| format!("**{k}**")));
    rows.push(bound);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let right: Vec<bool> = (0..header.len()).map(|i| i >= 2).collect();
    write("ch3_smallest_k.md", markdown_table(&header, &right, &rows))?;
    Ok(())
}

/// The worst pair against the typical pair, for the Gaussian projection: the
/// smallest k for every pair and for 99% of them, per ε, beside the bound.
fn typical_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let c = &report.config;
    let gaussian: Vec<_> = report.experiments.iter().filter(|e| e.method == Method::Gaussian).collect();
    let k_text = |k: &Option<usize>| k.map_or(format!("> {}", report.k_search), |k| k.to_string());
    let rows: Vec<Vec<String>> = c
        .eps_table
        .iter()
        .enumerate()
        .map(|(i, eps)| {
            let mut row = vec![format!("{eps}"), report.dg.k_points_by_eps[i].to_string()];
            row.extend(gaussian.iter().map(|e| k_text(&e.smallest_k_by_eps[i])));
            row.extend(gaussian.iter().map(|e| k_text(&e.typical_k_by_eps[i])));
            row
        })
        .collect();
    let share = format!("{:.0}%", 100.0 * super::TYPICAL_SHARE);
    let mut header = vec!["ε".to_string(), "bound".to_string()];
    header.extend(gaussian.iter().map(|e| format!("every pair: {}", e.dataset)));
    header.extend(gaussian.iter().map(|e| format!("{share} of pairs: {}", e.dataset)));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let right: Vec<bool> = (0..header.len()).map(|i| i >= 1).collect();
    write_atomic(&dirs.generated.join("ch3_typical.md"), markdown_table(&header, &right, &rows).as_bytes())?;
    Ok(())
}

/// Superposition from a random projection: the worst and RMS cosines against the bounds.
fn superposition_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .superposition
        .iter()
        .map(|b| {
            vec![
                b.k.to_string(),
                format!("{:.3}", b.worst_abs_cos),
                format!("{:.3}", b.rms_cos),
                format!("{:.3}", 1.0 / (b.k as f64).sqrt()),
                format!("{:.3}", b.direct_bound),
                b.jl_bound.map_or("—".into(), |j| format!("{j:.3}")),
            ]
        })
        .collect::<Vec<_>>();
    write(
        "ch3_superposition.md",
        markdown_table(
            &["k", "worst \\|cos\\|", "RMS cos", "1/√k", "direct bound", "via JL"],
            &[true; 6],
            &rows,
        ),
    )?;
    Ok(())
}

/// Inline values.
fn prose_numbers(report: &Report, numbers: &mut Numbers) {
    let c = &report.config;
    numbers.set("points", crate::output::grouped(c.points as u64));
    numbers.set("dim", c.dim.to_string());
    numbers.set("eps", c.eps.to_string());
    numbers.set("basis", c.basis.to_string());
    numbers.set("bound_billion", report.dg.k_billion.to_string());
    numbers.set("cos_target", super::COS_TARGET.to_string());
    numbers.set("k_direct", report.k_direct.to_string());
    numbers.set("k_jl", report.k_jl.to_string());
    numbers.set("k_ratio", format!("{:.1}", report.k_jl as f64 / report.k_direct as f64));
    numbers.set("bound_points_eps", report.dg.k_points.to_string());
    for e in report.experiments.iter().filter(|e| e.method == Method::Gaussian) {
        let k = e.smallest_k_by_size.last().copied().flatten();
        let text = k.map_or(format!("more than {}", report.k_search), |k| k.to_string());
        numbers.set(&format!("gaussian_smallest_k_{}", e.dataset), text);
    }
    let n = c.points as u64;
    numbers.set("pairs", crate::output::grouped(n * (n - 1) / 2));
    numbers.set("span", super::span(c).to_string());
    numbers.set("step", c.step.to_string());
    numbers.set("typical_share", format!("{:.0}", 100.0 * super::TYPICAL_SHARE));
    let worst = super::gaussian_worst_share(report);
    numbers.set("bound_share", worst.map_or("—".into(), |w| format!("{:.0}%", 100.0 * w)));
    let typical = super::gaussian_typical_share(report);
    numbers.set("typical_bound_share", typical.map_or("—".into(), |w| format!("{:.0}%", 100.0 * w)));
}
