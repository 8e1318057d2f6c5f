//! Chapter 4's figures and generated tables.

use super::{Model, Report};
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};
use crate::plot::{
    CAPTION, FONT, GREY, LABEL, TICK, arrow, color, diverging, legend_line, line, svg_figure, tick,
};
use crate::toy::analysis::REPRESENTED;
use crate::toy::phase::Phase;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

/// Draw every figure and write every generated Markdown fragment.
pub fn figures(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    pentagon(report, dirs)?;
    gram(report, dirs)?;
    geometry(report, dirs)?;
    phase_diagram(report, dirs)?;
    tables(report, dirs, numbers)
}

/// "density 0.1 (S = 0.9)"
fn density_label(p: f32) -> String {
    format!("density {} (S = {})", tick_f32(p), tick_f32(1.0 - p))
}

/// A density or sparsity without float noise: 0.3, 0.03, 0.997.
pub(super) fn tick_f32(x: f32) -> String {
    let s = format!("{:.4}", x as f64);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Feature i's colour in the arrow plots: dark for important features,
/// light for unimportant ones (viridis).
fn feature_color(i: usize, n: usize) -> RGBColor {
    ViridisRGB.get_color(0.85 * i as f32 / (n.max(2) - 1) as f32)
}

/// The columns W_i of the N = 5, d = 2 models as arrows in the plane.
fn pentagon(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models = &report.pentagon;
    let cols = 3.min(models.len()).max(1);
    let rows = models.len().div_ceil(cols);
    svg_figure(&dirs.figures.join("ch4_pentagon.svg"), (330 * cols as u32, 60 + 330 * rows as u32), |root| {
        let (top, body) = root.split_vertically(60);
        top.titled("Five features in two dimensions: the columns W_i as sparsity grows", (FONT, CAPTION))?;
        // A key for the colours, in the title band.
        let n = models.first().map_or(5, |m| m.n);
        for i in 0..n {
            let x = 30 + 190 * i as i32;
            top.draw(&Rectangle::new([(x, 38), (x + 16, 52)], feature_color(i, n).filled()))?;
            let label = format!("feature {}, I = {:.2}", i + 1, 0.9f32.powi(i as i32));
            top.draw(&Text::new(label, (x + 22, 38), (FONT, TICK)))?;
        }
        for (m, area) in models.iter().zip(body.split_evenly((rows, cols)).iter()) {
            let lim = 1.35;
            let mut chart = ChartBuilder::on(area)
                .caption(density_label(m.density), (FONT, LABEL))
                .margin(10)
                .x_label_area_size(28)
                .y_label_area_size(36)
                .build_cartesian_2d(-lim..lim, -lim..lim)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(5)
                .y_labels(5)
                .label_style((FONT, TICK - 2))
                .x_label_formatter(&|x| tick(*x))
                .y_label_formatter(&|y| tick(*y))
                .draw()?;
            let circle = (0..=96).map(|k| {
                let t = std::f64::consts::TAU * k as f64 / 96.0;
                (t.cos(), t.sin())
            });
            chart.draw_series(DashedLineSeries::new(circle, 3, 3, GREY.mix(0.6).into()))?;
            // Least important first, so the important arrows are drawn on top.
            for i in (0..m.n).rev() {
                let to = (m.w[i] as f64, m.w[m.n + i] as f64);
                let c = feature_color(i, m.n);
                if to.0.hypot(to.1) < 0.05 {
                    chart.draw_series(std::iter::once(Circle::new((0.0, 0.0), 4, c.filled())))?;
                    continue;
                }
                let (shaft, tip) = arrow((0.0, 0.0), to, 0.14, c);
                chart.draw_series(std::iter::once(shaft))?;
                chart.draw_series(std::iter::once(tip))?;
            }
        }
        Ok(())
    })
}

/// Interference Σ_{j≠i} (Ŵ_i·W_j)² on [0, 1] (clamped): black for none,
/// yellow for as much as a whole feature.
fn interference_color(v: f64) -> RGBColor {
    ViridisRGB.get_color(v.clamp(0.0, 1.0) as f32)
}

/// WᵀW and b as heatmaps, and ‖W_i‖ as bars coloured by interference, for
/// each N = 20, d = 5 model.
fn gram(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models: Vec<(&Model, String)> = report
        .linear
        .iter()
        .filter(|m| m.density < 1.0)
        .map(|m| (m, format!("linear, {}", density_label(m.density))))
        .chain(report.gram.iter().map(|m| (m, format!("ReLU, {}", density_label(m.density)))))
        .collect();
    let cols = 2;
    let rows = models.len().div_ceil(cols);
    let (card_w, card_h) = (500u32, 290u32);
    svg_figure(
        &dirs.figures.join("ch4_gram.svg"),
        (card_w * cols as u32, 110 + card_h * rows as u32),
        |root| {
            let (top, body) = root.split_vertically(110);
            top.titled("WᵀW, b and ‖W_i‖ for 20 features in 5 dimensions", (FONT, CAPTION))?;
            // Two colour keys.
            for k in 0..=40 {
                let v = -1.0 + 2.0 * k as f64 / 40.0;
                let x = 60 + 5 * k;
                top.draw(&Rectangle::new([(x, 50), (x + 5, 66)], diverging(v).filled()))?;
                let w = 520 + 5 * k;
                top.draw(&Rectangle::new(
                    [(w, 50), (w + 5, 66)],
                    interference_color(k as f64 / 40.0).filled(),
                ))?;
            }
            let text = |s: &str, x: i32| Text::new(s.to_string(), (x, 70), (FONT, TICK - 2));
            top.draw(&text("−1", 54))?;
            top.draw(&text("0", 158))?;
            top.draw(&text("+1", 255))?;
            top.draw(&Text::new("WᵀW entries and b_i", (60, 88), (FONT, TICK)))?;
            top.draw(&text("0", 517))?;
            top.draw(&text("≥ 1", 710))?;
            top.draw(&Text::new("bar colour: Σ_{j≠i} (Ŵ_i·W_j)²", (520, 88), (FONT, TICK)))?;
            for ((m, title), card) in models.iter().zip(body.split_evenly((rows, cols)).iter()) {
                let (left, right) = card.split_horizontally(card_w * 58 / 100);
                gram_card(m, title, &left)?;
                norm_bars(m, &right)?;
            }
            Ok(())
        },
    )
}

fn gram_card<DB: DrawingBackend>(
    m: &Model,
    title: &str,
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let n = m.n;
    let gram = &m.gram;
    // n columns of WᵀW, a gap, and one column for b.
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, TICK + 1))
        .margin(6)
        .margin_left(12)
        .x_label_area_size(18)
        .build_cartesian_2d(-1.4f64..(n + 2) as f64, 0f64..n as f64)?;
    chart.configure_mesh().disable_mesh().disable_x_axis().disable_y_axis().draw()?;
    // Feature numbers down the side: 1 (most important) at the top.
    let marks = [1, 5, 10, 15, 20].into_iter().filter(|&k| k <= n);
    chart.draw_series(
        marks.map(|k| Text::new(format!("{k}"), (-1.2, (n - k) as f64 + 0.9), (FONT, TICK - 3))),
    )?;
    // Row i from the top is feature i (the most important first).
    let y = |i: usize| (n - 1 - i) as f64;
    chart.draw_series((0..n).flat_map(|i| {
        (0..n).map(move |j| {
            Rectangle::new(
                [(j as f64, y(i)), (j as f64 + 1.0, y(i) + 1.0)],
                diverging(gram[i * n + j]).filled(),
            )
        })
    }))?;
    chart.draw_series((0..n).map(|i| {
        Rectangle::new(
            [(n as f64 + 1.0, y(i)), (n as f64 + 2.0, y(i) + 1.0)],
            diverging(m.b[i] as f64).filled(),
        )
    }))?;
    chart.draw_series(std::iter::once(Text::new("b", (n as f64 + 1.2, -0.2), (FONT, TICK - 2))))?;
    Ok(())
}

fn norm_bars<DB: DrawingBackend>(
    m: &Model,
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let n = m.n;
    let mut chart = ChartBuilder::on(area)
        .margin(6)
        .margin_top(30)
        .x_label_area_size(34)
        .y_label_area_size(8)
        .build_cartesian_2d(0f64..1.3, 0f64..n as f64)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .x_labels(3)
        .x_desc("‖W_i‖")
        .axis_desc_style((FONT, TICK - 1))
        .label_style((FONT, TICK - 3))
        .x_label_formatter(&|x| tick(*x))
        .draw()?;
    let f = &m.features;
    chart.draw_series((0..n).map(|i| {
        let y = (n - 1 - i) as f64;
        Rectangle::new(
            [(0.0, y + 0.12), (f.norm[i].min(1.3), y + 0.88)],
            interference_color(f.interference[i]).filled(),
        )
    }))?;
    chart.draw_series(std::iter::once(PathElement::new(vec![(1.0, 0.0), (1.0, n as f64)], GREY.mix(0.5))))?;
    Ok(())
}

/// Dimensions per feature and per-feature dimensionality against 1/(1 − S).
fn geometry(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models = &report.geometry;
    let xmax = models.iter().map(|m| 1.0 / m.density as f64).fold(1.0, f64::max) * 1.6;
    let (n, d) = (report.config.geometry_n, report.config.geometry_d);
    let text = crate::plot::readable(1000);
    svg_figure(&dirs.figures.join("ch4_geometry.svg"), (1000, 460), |root| {
        let (left, right) = root.split_horizontally(430);
        let mut chart = ChartBuilder::on(&left)
            .caption("Dimensions per feature", (FONT, text + 2))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d((0.7f64..xmax).log_scale(), 0f64..1.1)?;
        chart
            .configure_mesh()
            .x_desc("1 / (1 − S) = 1 / density")
            .y_desc("d / ‖W‖²_F")
            .axis_desc_style((FONT, text))
            .label_style((FONT, text))
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        chart
            .draw_series(DashedLineSeries::new([(0.7, 0.5), (xmax, 0.5)], 6, 4, GREY.into()))?
            .label("1/2: antipodal pairs")
            .legend(legend_line(GREY));
        let pts: Vec<(f64, f64)> =
            models.iter().map(|m| (1.0 / m.density as f64, m.dims_per_feature)).collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), line(color(0))))?
            .label(format!("N = {n}, d = {d}"))
            .legend(legend_line(color(0)));
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, color(0).filled())))?;
        crate::plot::draw_legend_sized(&mut chart, SeriesLabelPosition::UpperRight, text)?;

        let mut chart = ChartBuilder::on(&right)
            .caption("Each feature's share of a dimension", (FONT, text + 2))
            .margin(12)
            .margin_right(70)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d((0.7f64..xmax).log_scale(), -0.03f64..1.1)?;
        chart
            .configure_mesh()
            .x_desc("1 / (1 − S) = 1 / density")
            .y_desc("D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)²")
            .axis_desc_style((FONT, text))
            .label_style((FONT, text))
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        for (value, label) in
            [(1.0, "1"), (0.75, "3/4"), (2.0 / 3.0, "2/3"), (0.5, "1/2"), (0.4, "2/5"), (0.375, "3/8")]
        {
            chart.draw_series(DashedLineSeries::new(
                [(0.7, value), (xmax, value)],
                4,
                4,
                GREY.mix(0.7).into(),
            ))?;
            chart.draw_series(std::iter::once(Text::new(
                label,
                // 3/8 sits just under 2/5: its label goes below its line.
                (xmax * 1.05, if value == 0.375 { value - 0.03 } else { value + 0.015 }),
                (FONT, text),
            )))?;
        }
        for m in models {
            let x = 1.0 / m.density as f64;
            // A small deterministic horizontal spread so that points at the same
            // value stay visible.
            // Features within 0.005 (under two pixels) in the same jitter slot would
            // draw the same circle again: one of each keeps the figure light.
            let mut seen = std::collections::BTreeSet::new();
            let points = m.features.dimensionality.iter().enumerate().filter_map(|(i, &share)| {
                let jitter = 10f64.powf(0.035 * ((i % 7) as f64 - 3.0) / 3.0);
                seen.insert((i % 7, (share * 200.0).round() as i64)).then_some((x * jitter, share))
            });
            chart.draw_series(points.map(|p| Circle::new(p, 3, color(0).mix(0.45).filled())))?;
        }
        Ok(())
    })
}

/// A phase's colour, lightened towards white so the boundary stands out.
fn phase_color(p: Phase) -> RGBColor {
    let c = match p {
        Phase::First => color(0),
        Phase::Second => color(1),
        Phase::Superposition => color(2),
        Phase::Neither => GREY,
    };
    let light = |v: u8| (255.0 - 0.7 * (255.0 - v as f64)).round() as u8;
    RGBColor(light(c.0), light(c.1), light(c.2))
}

/// 10^v with one significant digit: 0.01, 0.03, 0.1, 0.3, 1, 3, 10.
fn pow10_tick(v: f64) -> String {
    let x = crate::output::round_sig(10f64.powf(v), 1);
    let digits = (-x.log10().floor()).max(0.0) as usize;
    format!("{x:.digits$}")
}

/// The learned phase per cell, with the closed-form boundary on top. Both
/// axes are in log₁₀ units, labelled with the values.
fn phase_diagram(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let c = &report.config;
    let log = |v: &[f32]| -> Vec<f64> { v.iter().map(|&x| (x as f64).log10()).collect() };
    let (rs, ps) = (log(&c.phase_importances), log(&c.phase_densities));
    // Cell edges halfway between neighbouring grid values.
    let edges = |v: &[f64]| -> Vec<f64> {
        let step = if v.len() > 1 { v[1] - v[0] } else { 1.0 };
        v.iter().map(|&l| l - step / 2.0).chain(v.last().map(|&l| l + step / 2.0)).collect()
    };
    let (re, pe) = (edges(&rs), edges(&ps));
    let span = |e: &[f64]| {
        (e.iter().copied().fold(f64::INFINITY, f64::min), e.iter().copied().fold(f64::NEG_INFINITY, f64::max))
    };
    let ((rlo, rhi), (plo, phi)) = (span(&re), span(&pe));
    svg_figure(&dirs.figures.join("ch4_phase.svg"), (900, 560), |root| {
        let (plot, key) = root.split_horizontally(620);
        let mut chart = ChartBuilder::on(&plot)
            .caption("Two features, one dimension: the learned solution", (FONT, CAPTION))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(rlo..rhi, plo..phi)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("relative importance r of feature 2 (feature 1: 1)")
            .y_desc("feature density 1 − S")
            .axis_desc_style((FONT, LABEL))
            .label_style((FONT, TICK))
            .x_label_formatter(&|x| pow10_tick(*x))
            .y_label_formatter(&|y| pow10_tick(*y))
            .draw()?;
        let nr = rs.len();
        for (k, cell) in report.phase.cells.iter().enumerate() {
            let (i, j) = (k % nr, k / nr);
            let ([x0, x1], [y0, y1]) = ([re[i], re[i + 1]], [pe[j], pe[j + 1]]);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, y0), (x1, y1)],
                phase_color(cell.learned).filled(),
            )))?;
            if !cell.agrees {
                let mid = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
                chart.draw_series(std::iter::once(Cross::new(mid, 6, BLACK.stroke_width(2))))?;
            }
        }
        // The boundaries: the global minimum's (solid) and the three-candidate
        // picture's (dashed), where they differ from it.
        let t = &report.phase.theory;
        let clip = |(x, y): (f64, f64)| (x.clamp(rlo, rhi), y.clamp(plo, phi));
        let candidates = boundary_edges(t, &t.candidates);
        chart.draw_series(
            boundary_edges(t, &t.phases)
                .into_iter()
                .map(|[a, b]| PathElement::new(vec![clip(a), clip(b)], BLACK.stroke_width(3))),
        )?;
        for [a, b] in candidates {
            chart.draw_series(DashedLineSeries::new([clip(a), clip(b)], 3, 3, color(3).stroke_width(3)))?;
        }

        phase_key(&key)
    })
}

/// The phase diagram's key, drawn beside the plot.
fn phase_key(key: &DrawingArea<SVGBackend, Shift>) -> anyhow::Result<()> {
    let entries = [
        (Some(phase_color(Phase::First)), "only feature 1 represented"),
        (Some(phase_color(Phase::Second)), "only feature 2 represented"),
        (Some(phase_color(Phase::Superposition)), "both, antipodal (superposed)"),
    ];
    key.draw(&Text::new("learned (best of the copies):", (0, 90), (FONT, TICK + 1)))?;
    for (k, (fill, label)) in entries.iter().enumerate() {
        let y = 118 + 30 * k as i32;
        if let Some(fill) = fill {
            key.draw(&Rectangle::new([(4, y), (24, y + 20)], fill.filled()))?;
        }
        key.draw(&Text::new(*label, (32, y + 3), (FONT, TICK)))?;
    }
    key.draw(&Cross::new((14, 228), 6, BLACK.stroke_width(2)))?;
    key.draw(&Text::new("learned ≠ predicted", (32, 221), (FONT, TICK)))?;
    key.draw(&PathElement::new(vec![(2, 262), (26, 262)], BLACK.stroke_width(3)))?;
    key.draw(&Text::new("predicted: global minimum", (32, 255), (FONT, TICK)))?;
    key.draw(&Text::new("of the exact expected loss", (32, 273), (FONT, TICK - 1)))?;
    for x in [2, 10, 18] {
        key.draw(&PathElement::new(vec![(x, 306), (x + 5, 306)], color(3).stroke_width(3)))?;
    }
    key.draw(&Text::new("the paper's three candidates", (32, 299), (FONT, TICK)))?;
    key.draw(&Text::new("(closed forms, no search)", (32, 317), (FONT, TICK - 1)))?;
    Ok(())
}

/// The edges between fine-grid cells of `t` whose phases differ, in the
/// plot's log₁₀ coordinates.
fn boundary_edges(t: &super::TheoryGrid, phases: &[Phase]) -> Vec<[(f64, f64); 2]> {
    let (k, (r0, r1), (p0, p1)) = (t.steps, t.log_r, t.log_p);
    let (dr, dp) = ((r1 - r0) / (k - 1) as f64, (p1 - p0) / (k - 1) as f64);
    let phase_at = |i: usize, j: usize| phases[j * k + i];
    let mut edges = Vec::new();
    for j in 0..k {
        for i in 0..k {
            let (x, y) = (r0 + dr * i as f64, p0 + dp * j as f64);
            if i + 1 < k && phase_at(i, j) != phase_at(i + 1, j) {
                let xm = x + dr / 2.0;
                edges.push([(xm, y - dp.abs() / 2.0), (xm, y + dp.abs() / 2.0)]);
            }
            if j + 1 < k && phase_at(i, j) != phase_at(i, j + 1) {
                let ym = y + dp / 2.0;
                edges.push([(x - dr / 2.0, ym), (x + dr / 2.0, ym)]);
            }
        }
    }
    edges
}

/// The two table cells that set a kept model beside its known solution: the
/// construction's loss (in units of `unit`) and the ratio of the model's
/// loss to it, marked ✗ where the model is worse (a failed optimisation).
pub(super) fn known_cells(m: &Model, unit: f64) -> [String; 2] {
    let ratio = if m.construction > 0.0 { format!("{:.3}", m.ratio()) } else { "—".to_string() };
    let mark = if m.converged() { "" } else { " ✗" };
    [format!("{:.3}", m.construction / unit), format!("{ratio}{mark}")]
}

fn tables(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    gram_table(report, dirs)?;
    setup_numbers(report, numbers);
    pentagon_table(report, dirs)?;
    gram_numbers(report, numbers);
    geometry_table(report, dirs, numbers)?;
    phase_numbers(report, numbers);
    Ok(())
}

/// The linear and ReLU models of N = 20 features in d = 5 dimensions.
fn gram_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let header = [
        "model",
        "density",
        "features represented",
        "largest \\|cos\\| between them",
        "loss (×10⁻³)",
        "known solution (×10⁻³)",
        "ratio",
        "copies' losses (×10⁻³)",
    ];
    let right = [false, true, true, true, true, true, true, false];
    let rows: Vec<Vec<String>> = report
        .linear
        .iter()
        .chain(&report.gram)
        .map(|m| {
            let losses: Vec<String> = m.seed_losses.iter().map(|l| format!("{:.3}", l * 1e3)).collect();
            let [known, ratio] = known_cells(m, 1e-3);
            vec![
                format!("{:?}", m.kind).replace("ReluOutput", "ReLU"),
                tick_f32(m.density),
                format!("{} of {}", m.represented, m.n),
                format!("{:.3}", m.max_cos),
                format!("{:.3}", m.loss * 1e3),
                known,
                ratio,
                losses.join(", "),
            ]
        })
        .collect();
    write("ch4_gram.md", markdown_table(&header, &right, &rows))?;
    Ok(())
}

/// The training setup, from the configuration.
fn setup_numbers(report: &Report, numbers: &mut Numbers) {
    let c = &report.config;
    let t = &c.train;
    numbers.set(
        "setup",
        format!(
            "AdamW (learning rate {}, weight decay {}), batches of {}, {} steps, {} copies per setting",
            t.adam.lr, t.adam.weight_decay, t.batch, t.steps, c.seeds
        ),
    );
    numbers.set("eval_samples", format!("{}", t.eval_samples));
}

/// Pentagon: how many features get a direction, and the smallest angle between two of them.
fn pentagon_table(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let rows: Vec<Vec<String>> = report
        .pentagon
        .iter()
        .map(|m| {
            let angle =
                if m.represented < 2 { "—".to_string() } else { format!("{:.1}°", m.smallest_angle) };
            let [known, ratio] = known_cells(m, 1e-3);
            vec![
                tick_f32(m.density),
                format!("{} of {}", m.represented, m.n),
                angle,
                format!("{:.3}", m.loss * 1e3),
                known,
                ratio,
            ]
        })
        .collect();
    write(
        "ch4_pentagon.md",
        markdown_table(
            &[
                "density",
                "features with ‖W_i‖ ≥ 1/2",
                "smallest angle between them",
                "loss (×10⁻³)",
                "known solution (×10⁻³)",
                "ratio",
            ],
            &[true; 6],
            &rows,
        ),
    )?;
    Ok(())
}

/// N = 20, d = 5: the two ends of the density range.
fn gram_numbers(report: &Report, numbers: &mut Numbers) {
    if let (Some(dense), Some(sparse)) = (report.gram.first(), report.gram.last()) {
        numbers.set("dense_kept", format!("{}", dense.represented));
        numbers.set("dense_cos", format!("{:.3}", dense.max_cos));
        numbers.set("sparse_density", tick_f32(sparse.density));
        numbers.set("sparse_kept", format!("{}", sparse.represented));
        let growing = sparse.features.norm.iter().filter(|&&v| (0.05..REPRESENTED).contains(&v)).count();
        numbers.set("sparse_growing", format!("{growing}"));
    }
}

/// Geometry: per density, the groups of features that share dimensions.
fn geometry_table(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let c = &report.config;
    let shape = |&(features, dims, count): &(usize, usize, usize)| {
        let what = match (features, dims) {
            (1, 1) => "dedicated".to_string(),
            (2, 1) => "antipodal pair".to_string(),
            _ => format!("{features} features in {dims} dims"),
        };
        if count > 1 { format!("{count} × {what}") } else { what }
    };
    let rows: Vec<Vec<String>> = report
        .geometry
        .iter()
        .map(|m| {
            let groups: Vec<String> = m.groups.iter().map(shape).collect();
            vec![
                format!("{:.1}", 1.0 / m.density as f64),
                format!("{}", m.represented),
                format!("{:.3}", m.dims_per_feature),
                known_cells(m, 1e-3)[1].clone(),
                if groups.is_empty() { "—".into() } else { groups.join(", ") },
            ]
        })
        .collect();
    write(
        "ch4_geometry.md",
        markdown_table(
            &[
                "1/(1 − S)",
                "features with ‖W_i‖ ≥ 1/2",
                "d / ‖W‖²_F",
                "loss ÷ known solution",
                "groups sharing dimensions",
            ],
            &[true, true, true, true, false],
            &rows,
        ),
    )?;
    numbers.set(
        "geometry_size",
        format!("$N = {}$ features in $d = {}$ dimensions", c.geometry_n, c.geometry_d),
    );
    numbers.set("group_link", format!("{}", super::GROUP_LINK));
    Ok(())
}

/// The phase diagram: how many cells learned the predicted solution, and the rest.
fn phase_numbers(report: &Report, numbers: &mut Numbers) {
    let c = &report.config;
    let ph = &report.phase;
    numbers.set("phase_agree", format!("{} of {}", ph.agree, ph.cells.len()));
    let stuck: Vec<f64> = ph
        .cells
        .iter()
        .filter(|c| !c.agrees && c.loss > 1.01 * c.predicted_loss)
        .map(|c| c.loss / c.predicted_loss)
        .collect();
    numbers.set("phase_stuck", format!("{}", stuck.len()));
    let near = ph.cells.iter().filter(|c| !c.agrees).count() - stuck.len();
    let near = match near {
        0 => "Every other cell learned the predicted solution.".to_string(),
        1 => "One other cell sits next to the boundary, with a loss within 1% of the minimum.".to_string(),
        k => format!("The other {k} sit next to the boundary, with losses within 1% of the minimum."),
    };
    numbers.set("phase_near", near);
    let (lo, hi) = stuck.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    numbers.set(
        "phase_stuck_range",
        if stuck.is_empty() { "—".into() } else { format!("{lo:.2}× to {hi:.0}×") },
    );
    numbers.set("phase_min_ratio", format!("{:.6}", ph.min_loss_ratio));
    numbers.set("phase_candidates_differ", format!("{} of {}", ph.candidates_differ, ph.theory.phases.len()));
    numbers.set("phase_tolerance", format!("{}%", super::PHASE_TOLERANCE * 100.0));
    numbers.set("theory_grid", format!("{0} × {0}", c.theory_grid));
    // Dense, equally important features: the optimum is not a candidate.
    let onset = &ph.dense_optimum;
    numbers.set(
        "dense_optimum",
        format!(
            "$W = ({:.2}, {:.2})$, $b = ({:.2}, {:.2})$, with an exact loss {:.3}% below the dedicated \
             solutions'",
            onset.w[0],
            onset.w[1],
            onset.b[0],
            onset.b[1],
            (1.0 - onset.loss / onset.candidates.first.min(onset.candidates.second)) * 100.0
        )
        .replace('-', "−"),
    );
}
