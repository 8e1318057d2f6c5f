//! Chapter 2's figures and generated tables.

use super::Report;
use crate::output::{Numbers, OutDirs, grouped, markdown_table, write_atomic};
use crate::plot::{
    COLUMN, LegendMark, color, draw_legend_band, histogram_bars, legend_band_height, legend_figure, line,
    log_keys, log_keys_at, mesh, panel, pow10_label, readable, superscript, svg_figure, tick,
};
use plotters::prelude::*;

/// Draw every figure and write every generated Markdown fragment.
pub fn figures(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    random_counts(report, dirs)?;
    bounds(report, dirs)?;
    capacity_figure(report, dirs)?;
    demo_histogram(report, dirs)?;
    tables(report, dirs, numbers)
}

/// A count that may be astronomically large, from its log₁₀: a whole number
/// below a million, else 10^x in LaTeX.
pub fn count_from_log10(x: f64) -> String {
    if x < 6.0 { format!("{}", 10f64.powf(x).floor().max(1.0)) } else { format!("$10^{{{x:.1}}}$") }
}

/// Simulated counts against the two formulas, over 1/p.
fn random_counts(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let r = &report.random;
    let xmax = r.iter().map(|s| s.greedy_formula).fold(2.0, f64::max) * 1.5;
    let ymax = r.iter().map(|s| s.greedy_simulated as f64).fold(xmax, f64::max) * 1.5;
    let text = readable(COLUMN);
    let median = format!("sequential draws, simulated median of {}", report.config.sim_trials);
    let entries = [
        ("greedy guarantee 1/p", LegendMark::Line(color(1))),
        ("median of sequential draws ≈ √(2 ln 2 / p)", LegendMark::Line(color(0))),
        ("greedy construction, simulated", LegendMark::Dots(color(1))),
        (median.as_str(), LegendMark::Dots(color(0))),
    ];
    let title = "Random vectors: simulation against formula";
    legend_figure(&dirs.figures.join("ch2_random_counts.svg"), (COLUMN, 500), title, &entries, text, |root| {
        let mut chart = panel(&root, "", text).build_cartesian_2d(
            (1f64..xmax).log_scale().with_key_points(log_keys(1.0, xmax)),
            (0.5f64..ymax).log_scale().with_key_points(log_keys(0.5, ymax)),
        )?;
        mesh(&mut chart, text)
            .x_desc("1/p, where p = P(|cos| > ε) for a random pair")
            .y_desc("number of vectors")
            .x_label_formatter(&|x| count_tick(*x))
            .y_label_formatter(&|y| count_tick(*y))
            .draw()?;
        let grid: Vec<f64> = (0..=60).map(|i| xmax.powf(i as f64 / 60.0)).collect();
        chart.draw_series(LineSeries::new(grid.iter().map(|&x| (x, x)), line(color(1))))?;
        chart.draw_series(LineSeries::new(
            grid.iter().map(|&x| (x, (2.0 * 2f64.ln() * x).sqrt())),
            line(color(0)),
        ))?;
        chart.draw_series(
            r.iter().map(|s| Circle::new((1.0 / s.p, s.greedy_simulated as f64), 5, color(1).filled())),
        )?;
        chart.draw_series(
            r.iter().map(|s| Circle::new((1.0 / s.p, s.median_simulated.max(0.5)), 5, color(0).filled())),
        )?;
        Ok(())
    })
}

/// A count on a log axis: whole numbers grouped by thousands, small ones
/// as they are (0.5, 1, 2).
fn count_tick(x: f64) -> String {
    if x >= 1.0 { grouped(x.round() as u64) } else { tick(x) }
}

/// Worst |cos| against N at fixed d: random sets and the rigorous bounds.
fn bounds(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let b = &report.bounds;
    let d = report.config.bound_dim;
    let nmin = b.first().map_or(2, |r| r.n) as f64;
    let nmax = b.last().map_or(3, |r| r.n) as f64;
    let width = 800;
    let text = readable(width);
    let random = format!("random sets (median of {} draws)", report.config.bound_draws);
    let optimised = format!("optimised (smooth max, best of {} restarts)", report.config.restarts);
    let built = "built (identity + Hadamard, mutually unbiased bases)";
    let entries = [
        ("Welch bound", LegendMark::Line(color(1))),
        ("Levenstein bound (N > d(d+1)/2)", LegendMark::Line(color(3))),
        ("orthoplex bound 1/√d", LegendMark::Dashed(color(2))),
        (random.as_str(), LegendMark::LineDots(color(0))),
        (optimised.as_str(), LegendMark::Triangle(BLACK)),
        (built, LegendMark::OpenSquare(BLACK)),
    ];
    let title = format!("N vectors in ℝ{}: worst |cos|", superscript(d as i32));
    legend_figure(&dirs.figures.join("ch2_bounds.svg"), (width, 520), &title, &entries, text, |root| {
        let mut chart = panel(&root, "", text).build_cartesian_2d(
            (nmin / 1.1..nmax * 1.1).log_scale().with_key_points(log_keys(nmin / 1.1, nmax * 1.1)),
            0f64..1.0,
        )?;
        mesh(&mut chart, text)
            .x_desc("number of vectors N")
            .y_desc("worst |cos| over all pairs")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        let curves = &report.bound_curves;
        chart.draw_series(LineSeries::new(curves.welch.clone(), line(color(1))))?;
        chart.draw_series(LineSeries::new(curves.levenstein.clone(), line(color(3))))?;
        chart.draw_series(DashedLineSeries::new(curves.orthoplex.clone(), 6, 4, line(color(2))))?;
        let random: Vec<(f64, f64)> = b.iter().map(|r| (r.n as f64, r.random_worst)).collect();
        chart.draw_series(LineSeries::new(random.clone(), line(color(0))))?;
        chart.draw_series(random.iter().map(|&p| Circle::new(p, 4, color(0).filled())))?;
        let optimised: Vec<(f64, f64)> =
            report.optimised.iter().filter(|o| o.d == d).map(|o| (o.n as f64, o.found)).collect();
        chart.draw_series(optimised.iter().map(|&p| TriangleMarker::new(p, 7, BLACK.filled())))?;
        let built: Vec<(f64, f64)> =
            report.bound_built.iter().map(|b| (b.lines as f64, b.worst)).filter(|p| p.0 <= nmax).collect();
        chart.draw_series(built.iter().map(|&(x, y)| {
            EmptyElement::at((x, y)) + Rectangle::new([(-6, -6), (6, 6)], BLACK.stroke_width(2))
        }))?;
        Ok(())
    })
}

/// How many directions fit against the dimension, one panel per tolerance:
/// random directions, the sets the book builds, and the rigorous cap.
fn capacity_figure(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    const TOP: f64 = 12.0; // the y axis ends at 10^12
    let curves = &report.capacity_curves;
    let width = 800;
    let text = readable(width);
    let entries = [
        ("built: mutually unbiased bases, identity + Hadamard, basis", LegendMark::Line(color(3))),
        ("random: greedy guarantee 1/p", LegendMark::Line(color(1))),
        ("random: median of sequential draws", LegendMark::Line(color(0))),
        ("rigorous cap (no set is larger)", LegendMark::Dashed(BLACK)),
    ];
    let band = legend_band_height(&entries, text, width);
    let height = band + 440 * curves.len().max(1) as u32;
    svg_figure(&dirs.figures.join("ch2_capacity.svg"), (width, height), |root| {
        let (top, root) = root.split_vertically(band);
        draw_legend_band(&top, &entries, text)?;
        for (curve, area) in curves.iter().zip(root.split_evenly((curves.len().max(1), 1))) {
            let p = &curve.points;
            let (dmin, dmax) = (p.first().map_or(16, |q| q.d) as f64, p.last().map_or(17, |q| q.d) as f64);
            let title = format!("every pair within {}° of 90°", 90.0 - curve.angle_deg);
            let mut chart = panel(&area, &title, text).margin_right(36).build_cartesian_2d(
                (dmin..dmax).log_scale().with_key_points(log_keys_at(dmin, dmax, &[1.0, 3.0])),
                0f64..TOP,
            )?;
            mesh(&mut chart, text)
                .x_desc("dimension d")
                .y_desc("number of directions")
                .x_label_formatter(&|x| tick(*x))
                .y_labels(7)
                .y_label_formatter(&|y| pow10_label(10f64.powf(*y)))
                .draw()?;
            let series = |f: fn(&super::CapacityPoint) -> f64| -> Vec<(f64, f64)> {
                p.iter().map(|q| (q.d as f64, f(q))).filter(|&(_, y)| y <= TOP).collect()
            };
            chart.draw_series(LineSeries::new(series(|q| q.log10_built), line(color(3)).stroke_width(3)))?;
            chart.draw_series(LineSeries::new(series(|q| q.log10_greedy), line(color(1))))?;
            chart.draw_series(LineSeries::new(series(|q| q.log10_random_median), line(color(0))))?;
            // The cap leaves the axis where it is astronomically large: draw
            // it only where it is on the axis (it never comes back down).
            chart.draw_series(DashedLineSeries::new(series(|q| q.log10_upper), 6, 4, line(BLACK)))?;
        }
        Ok(())
    })
}

/// The demonstration's angle histogram, before and after optimisation.
fn demo_histogram(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let demo = &report.demo;
    let c = &report.config.demo;
    let width = 750;
    let text = readable(width);
    let start = format!("random start: {:.1}% within 89°–91°", 100.0 * demo.before.within_one_degree);
    let after = format!(
        "after {} Adam steps: {:.1}% within 89°–91°, {:.2}% within 5° of parallel",
        c.steps,
        100.0 * demo.after.within_one_degree,
        100.0 * demo.near_parallel_after
    );
    let entries = [(start.as_str(), LegendMark::Bar(color(0))), (after.as_str(), LegendMark::Bar(color(1)))];
    legend_figure(&dirs.figures.join("ch2_demo_histogram.svg"), (width, 440), "", &entries, text, |rest| {
        let (left, right) = rest.split_horizontally(width / 2);
        // Near 90°, on a linear scale: what the original demonstration shows.
        let ymax = demo.before.hist.max_density().max(demo.after.hist.max_density()) * 1.1;
        let title = format!("{} vectors in ℝ{}, near 90°", c.n, superscript(c.d as i32));
        let mut chart = panel(&left, &title, text)
            .build_cartesian_2d(demo.before.hist.lo..demo.before.hist.hi, 0.0..ymax)?;
        mesh(&mut chart, text)
            .x_desc("angle (degrees)")
            .y_desc("share of pairs per degree")
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| format!("{y:.2}"))
            .draw()?;
        chart.draw_series(histogram_bars(&demo.before.hist, color(0)))?;
        chart.draw_series(histogram_bars(&demo.after.hist, color(1)))?;
        // Every angle, on a log scale: the pairs pushed to parallel show.
        let full = [&demo.before_full, &demo.after_full];
        let positive: Vec<f64> =
            full.iter().flat_map(|h| h.densities()).map(|(_, _, y)| y).filter(|&y| y > 0.0).collect();
        let floor = positive.iter().copied().fold(f64::INFINITY, f64::min) / 3.0;
        let ceiling = positive.iter().copied().fold(0.0, f64::max) * 3.0;
        let mut chart = panel(&right, "every angle, log scale", text)
            .build_cartesian_2d(0.0f64..180.0, (floor..ceiling).log_scale())?;
        mesh(&mut chart, text)
            .x_desc("angle (degrees)")
            .x_labels(5)
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| pow10_label(*y))
            .draw()?;
        for (h, k) in full.iter().zip([0, 1]) {
            let bars = h.densities().filter(|&(_, _, y)| y > 0.0);
            let fill = color(k).mix(0.45).filled();
            chart.draw_series(bars.map(|(l, r, y)| Rectangle::new([(l, floor), (r, y)], fill)))?;
        }
        Ok(())
    })
}

/// The generated Markdown tables and inline values.
fn tables(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    random_table(report, dirs)?;
    hadamard_table(report, dirs)?;
    mub_table(report, dirs)?;
    capacity_table(report, dirs)?;
    optimised_table(report, dirs)?;
    lines_table(report, dirs)?;
    demo_numbers(report, numbers);
    prose_numbers(report, numbers);
    Ok(())
}

/// Random directions: the median and greedy counts, formula against simulation.
fn random_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .random
        .iter()
        .map(|s| {
            vec![
                s.d.to_string(),
                format!("{}°", s.angle_deg),
                format!("{:.4}", s.p),
                format!("{:.1}", s.median_formula),
                format!("{:.1}", s.median_simulated),
                format!("{:.0}", s.greedy_formula),
                s.greedy_simulated.to_string(),
            ]
        })
        .collect::<Vec<_>>();
    write(
        "ch2_random.md",
        markdown_table(
            &["d", "tolerance", "p", "√(2 ln 2/p)", "median, simulated", "1/p", "greedy, simulated"],
            &[true; 7],
            &rows,
        ),
    )?;
    Ok(())
}

/// The identity plus a Hadamard matrix against random vectors and the Welch bound.
fn hadamard_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .hadamard
        .iter()
        .map(|h| {
            vec![
                h.d.to_string(),
                (2 * h.d).to_string(),
                format!("{:.4}", h.structured_worst),
                format!("{:.4}", h.one_over_sqrt_d),
                format!("{:.4}", h.random_worst),
                format!("{:.4}", h.welch),
            ]
        })
        .collect::<Vec<_>>();
    write(
        "ch2_hadamard.md",
        markdown_table(
            &["d", "N = 2d", "identity + Hadamard", "1/√d", "random (one draw)", "Welch bound"],
            &[true; 6],
            &rows,
        ),
    )?;
    Ok(())
}

/// The mutually unbiased bases, checked, against the bound and random sets.
fn mub_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let rows = report
        .mubs
        .iter()
        .map(|m| {
            let checked = if m.every_pair { "all" } else { "sampled" };
            vec![
                m.d.to_string(),
                grouped(m.lines as u64),
                format!("{:.3}°", m.angle_deg),
                format!("{}\u{a0}{checked}", grouped(m.check.pairs)),
                if m.check.exact { "yes" } else { "NO" }.to_string(),
                format!("{:.6}", m.check.worst_across),
                format!("{:.6}", m.bound),
                count_from_log10(m.log10_random_median),
                count_from_log10(m.log10_greedy),
            ]
        })
        .collect::<Vec<_>>();
    let table = markdown_table(
        &["d", "lines", "angle", "pairs checked", "exact", "worst \\|cos\\|", "bound", "random", "greedy"],
        &[true, true, true, true, false, true, true, true, true],
        &rows,
    );
    write_atomic(&dirs.generated.join("ch2_mubs.md"), table.as_bytes())
}

/// A count the book builds, with the blocks it is built from: M for
/// mutually unbiased bases, H for identity + Hadamard, B for a basis alone.
fn built_cell(b: &crate::mub::Built) -> String {
    let kind = if !b.mub_blocks.is_empty() {
        "M"
    } else if !b.hadamard_blocks.is_empty() {
        "H"
    } else {
        "B"
    };
    let count = if b.lines < 1_000_000 {
        grouped(b.lines)
    } else {
        let x = (b.lines as f64).log10();
        let mantissa = 10f64.powf(x - x.floor());
        format!("${mantissa:.2} \\times 10^{{{}}}$", x.floor())
    };
    format!("{count}\u{a0}({kind})")
}

/// How many directions fit within an angle: random, greedy, the rigorous cap and the KL estimate.
fn capacity_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .capacity
        .iter()
        .map(|c| {
            vec![
                c.d.to_string(),
                format!("{}°", c.angle_deg),
                crate::output::sci_from_ln(c.log10_p * std::f64::consts::LN_10, 2),
                count_from_log10(c.log10_random_median),
                count_from_log10(c.log10_greedy),
                built_cell(&c.built),
                format!("{}\u{a0}({})", count_from_log10(c.log10_upper), &c.upper_kind[..1]),
                count_from_log10(c.log10_kl),
            ]
        })
        .collect::<Vec<_>>();
    write(
        "ch2_capacity.md",
        markdown_table(
            &["d", "angle", "p", "random, median", "greedy", "built", "rigorous cap", "KL estimate"],
            &[true, true, true, true, true, true, false, true],
            &rows,
        ),
    )?;
    Ok(())
}

/// Optimised arrangements against random ones and the best rigorous bound.
fn optimised_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .optimised
        .iter()
        .map(|o| {
            vec![
                o.d.to_string(),
                o.n.to_string(),
                format!("{:.4}", o.random),
                format!("{:.4}", o.found),
                format!("{:.4}", o.best_bound),
                format!("{:.3}", o.found / o.best_bound),
            ]
        })
        .collect::<Vec<_>>();
    write(
        "ch2_optimised.md",
        markdown_table(
            &["d", "N", "random (median)", "optimised", "best rigorous bound", "optimised / bound"],
            &[true; 6],
            &rows,
        ),
    )?;
    Ok(())
}

/// Lines in R³: what the optimiser found against the literature.
fn lines_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows = report
        .lines
        .iter()
        .map(|l| {
            vec![
                l.n.to_string(),
                format!("{:.3}°", l.found_deg),
                format!("{:.3}°", l.known_deg),
                {
                    let diff = l.found_deg - l.known_deg;
                    if diff.abs() < 5e-4 { "0".into() } else { format!("{diff:+.3}°") }
                },
                if l.proven { "proven optimal".into() } else { "best known".into() },
            ]
        })
        .collect::<Vec<_>>();
    write(
        "ch2_lines_r3.md",
        markdown_table(
            &["N", "found", "literature", "difference", "status"],
            &[true, true, true, true, false],
            &rows,
        ),
    )?;
    Ok(())
}

/// The demonstration: before and after optimising.
fn demo_numbers(report: &Report, numbers: &mut Numbers) {
    let d = &report.demo;
    let c = &report.config.demo;
    numbers.set("demo_n", c.n.to_string());
    numbers.set("demo_d", c.d.to_string());
    numbers.set("demo_steps", c.steps.to_string());
    numbers.set("demo_within_before", format!("{:.1}", 100.0 * d.before.within_one_degree));
    numbers.set("demo_within_after", format!("{:.1}", 100.0 * d.after.within_one_degree));
    numbers.set("demo_worst_before", format!("{:.1}", d.before.worst_angle_deg));
    numbers.set("demo_worst_after", format!("{:.1}", d.after.worst_angle_deg));
    numbers.set("demo_parallel", format!("{:.2}", 100.0 * d.near_parallel_after));
    numbers.set("demo_welch_deg", format!("{:.1}", d.welch.acos().to_degrees()));
}

/// Capacity values quoted in the prose.
fn prose_numbers(report: &Report, numbers: &mut Numbers) {
    let cell = |d: usize, a: f64| report.capacity.iter().find(|c| c.d == d && c.angle_deg == a);
    if let Some(c) = cell(100, 89.0) {
        numbers.set("cap_100_89", count_from_log10(c.log10_upper));
    }
    if let Some(c) = cell(12288, 85.0) {
        numbers.set("median_12288_85", count_from_log10(c.log10_random_median));
        numbers.set("greedy_12288_85", count_from_log10(c.log10_greedy));
        numbers.set("upper_12288_85", count_from_log10(c.log10_upper));
        numbers.set("kl_12288_85", count_from_log10(c.log10_kl));
    }
    // The cells where a built set is larger than the KL estimate.
    let beaten: Vec<String> = report
        .capacity
        .iter()
        .filter(|c| (c.built.lines as f64).log10() > c.log10_kl && c.built.lines > c.d as u64)
        .map(|c| format!("{} dimensions at {}°", c.d, c.angle_deg))
        .collect();
    numbers
        .set("kl_beaten", if beaten.is_empty() { "no cell of the table".into() } else { beaten.join(", ") });
    if let Some(c) = cell(4096, 89.0) {
        numbers.set("built_4096_89", built_cell(&c.built));
        numbers.set("median_4096_89", count_from_log10(c.log10_random_median));
        numbers.set("greedy_4096_89", count_from_log10(c.log10_greedy));
        numbers.set("upper_4096_89", count_from_log10(c.log10_upper));
    }
    if let Some(m) = report.mubs.iter().find(|m| m.d == 4096) {
        numbers.set("mub_lines_4096", grouped(m.lines as u64));
        numbers.set("mub_angle_4096", format!("{:.2}", m.angle_deg));
        numbers.set("mub_median_4096", count_from_log10(m.log10_random_median));
        numbers.set("mub_greedy_4096", count_from_log10(m.log10_greedy));
    }
    if let Some(c) = cell(100_000, 80.0) {
        numbers.set("p_100000_80", crate::output::sci_from_ln(c.log10_p * std::f64::consts::LN_10, 2));
    }
}
