//! Chapter 4's figures and generated tables.

use super::{Model, Report};
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};
use crate::plot::heatmap::{
    Scale, bar_height, cell_keys, cell_label, colour_bar, draw_cells, matrix_background,
};
use crate::plot::{
    COLUMN, FONT, GREY, Keyed, LegendMark, arrow, color, draw_legend_band, feature_color, legend_band_height,
    legend_figure, line, log_keys, log_keys_at, mesh, panel, readable, subscript, svg_figure, tick,
};
use crate::toy::analysis::REPRESENTED;
use crate::toy::phase::Phase;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draw every figure and write every generated Markdown fragment.
pub fn figures(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    pentagon(report, dirs)?;
    gram(report, dirs)?;
    let (n, d) = (report.config.geometry_n, report.config.geometry_d);
    geometry(&report.geometry, (n, d), &dirs.figures.join("ch4_geometry.svg"))?;
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

/// The columns W_i of the N = 5, d = 2 models as arrows in the plane, one
/// panel per density; feature i in its colour of every figure.
fn pentagon(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models = &report.pentagon;
    let cols = 3.min(models.len()).max(1);
    let rows = models.len().div_ceil(cols);
    let text = readable(COLUMN);
    let n = models.first().map_or(5, |m| m.n);
    let labels: Vec<String> =
        (0..n).map(|i| format!("W{} (I = {:.2})", subscript(i + 1), 0.9f32.powi(i as i32))).collect();
    let mut entries: Vec<(&str, LegendMark)> =
        labels.iter().enumerate().map(|(i, l)| (l.as_str(), LegendMark::Line(feature_color(i)))).collect();
    entries.push(("unit circle", LegendMark::Dashed(GREY)));
    let band = legend_band_height(&entries, text, COLUMN);
    // A panel a little taller than wide: the plane square inside the title and ticks.
    let side = COLUMN / cols as u32 + 28;
    svg_figure(&dirs.figures.join("ch4_pentagon.svg"), (COLUMN, band + side * rows as u32), |root| {
        let (top, body) = root.split_vertically(band);
        draw_legend_band(&top, &entries, text)?;
        for (m, area) in models.iter().zip(body.split_evenly((rows, cols)).iter()) {
            let lim = 1.35;
            let mut chart = panel(area, &density_label(m.density), text)
                .margin_right(8)
                .x_label_area_size(2 * text)
                .y_label_area_size(2 * text + 8)
                .build_cartesian_2d(-lim..lim, -lim..lim)?;
            mesh(&mut chart, text)
                .disable_mesh()
                .x_labels(3)
                .y_labels(3)
                .x_label_formatter(&|x| tick(*x))
                .y_label_formatter(&|y| tick(*y))
                .draw()?;
            let circle = (0..=96).map(|k| {
                let t = std::f64::consts::TAU * k as f64 / 96.0;
                (t.cos(), t.sin())
            });
            chart.draw_series(DashedLineSeries::new(circle, 4, 4, GREY.mix(0.7).stroke_width(1)))?;
            // Least important first, so the important arrows are drawn on top.
            for i in (0..m.n).rev() {
                let to = (m.w[i] as f64, m.w[m.n + i] as f64);
                let c = feature_color(i);
                if to.0.hypot(to.1) < 0.05 {
                    chart.draw_series(std::iter::once(Circle::new((0.0, 0.0), 4, c.filled())))?;
                    continue;
                }
                let (shaft, tip) = arrow((0.0, 0.0), to, 0.16, c);
                chart.draw_series(std::iter::once(shaft))?;
                chart.draw_series(std::iter::once(tip))?;
            }
        }
        Ok(())
    })
}

/// The scale of the interference Σ_{j≠i} (Ŵ_i·W_j)² that colours the bars:
/// 0 (dark) to as much as a whole feature (light).
const INTERFERENCE: Scale = Scale::Sequential { max: 1.0 };
/// The scale of WᵀW and b.
const GRAM: Scale = Scale::Diverging { max: 1.0, floor: 0.0 };

/// WᵀW and b as heatmaps, and ‖W_i‖ as bars coloured by interference, for
/// each N = 20, d = 5 model; the bars sit on the heatmap's rows.
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
    let text = readable(COLUMN);
    let (card_w, card_h) = (COLUMN / cols as u32, 300u32);
    let band = bar_height(text) + 12;
    svg_figure(&dirs.figures.join("ch4_gram.svg"), (COLUMN, band + card_h * rows as u32), |root| {
        let (top, body) = root.split_vertically(band);
        let (left, right) = top.split_horizontally(COLUMN / 2);
        colour_bar(&left.margin(4, 8, 30, 30), GRAM, "WᵀW entries and bᵢ", text)?;
        colour_bar(&right.margin(4, 8, 30, 30), INTERFERENCE, "bar colour: Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)²", text)?;
        for ((m, title), card) in models.iter().zip(body.split_evenly((rows, cols)).iter()) {
            let card = card.titled(title, (FONT, text))?;
            let (left, right) = card.split_horizontally(card_w * 64 / 100);
            gram_card(m, &left, text)?;
            norm_bars(m, &right, text)?;
        }
        Ok(())
    })
}

/// The margins the heatmap and the bars share, so that bar i sits on row i.
fn card_frame<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    text: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = panel(area, "", text);
    builder.margin(4).margin_bottom(6).x_label_area_size(2 * text + 6);
    builder
}

fn gram_card<DB: DrawingBackend>(m: &Model, area: &DrawingArea<DB, Shift>, text: u32) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let n = m.n;
    // n columns of WᵀW, a gap, and one column for b; row i from the top is
    // feature i (the most important first).
    let mut x_keys = cell_keys(n, 5);
    x_keys.push(n as f64 + 1.5);
    let mut chart = card_frame(area, text).y_label_area_size(2 * text + 6).build_cartesian_2d(
        Keyed::new(0.0..(n + 2) as f64, x_keys),
        Keyed::new(n as f64..0.0, cell_keys(n, 5)),
    )?;
    mesh(&mut chart, text)
        .disable_mesh()
        .x_label_formatter(&|x| if *x > n as f64 { "b".to_string() } else { cell_label(*x) })
        .y_label_formatter(&|y| cell_label(*y))
        .draw()?;
    matrix_background(&mut chart, (n, n), 0.0, GRAM)?;
    draw_cells(&mut chart, (n, n), 0.0, GRAM, |i, j| Some(m.gram[i * n + j]))?;
    matrix_background(&mut chart, (n, 1), n as f64 + 1.0, GRAM)?;
    draw_cells(&mut chart, (n, 1), n as f64 + 1.0, GRAM, |i, _| Some(m.b[i] as f64))?;
    Ok(())
}

fn norm_bars<DB: DrawingBackend>(m: &Model, area: &DrawingArea<DB, Shift>, text: u32) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let n = m.n;
    let mut chart = card_frame(area, text)
        .y_label_area_size(0)
        .build_cartesian_2d(Keyed::new(0.0..1.3, vec![0.0, 0.5, 1.0]), n as f64..0.0)?;
    mesh(&mut chart, text)
        .disable_y_mesh()
        .disable_y_axis()
        .x_desc("‖Wᵢ‖")
        .x_label_formatter(&|x| tick(*x))
        .draw()?;
    let f = &m.features;
    chart.draw_series((0..n).map(|i| {
        let y = i as f64;
        Rectangle::new(
            [(0.0, y + 0.12), (f.norm[i].min(1.3), y + 0.88)],
            INTERFERENCE.color(f.interference[i]).filled(),
        )
    }))?;
    Ok(())
}

/// Dimensions per feature and per-feature dimensionality against 1/(1 − S),
/// for the models of N features in d dimensions, into `path`.
pub(super) fn geometry(
    models: &[Model],
    (n, d): (usize, usize),
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let xmax = models.iter().map(|m| 1.0 / m.density as f64).fold(1.0, f64::max) * 1.6;
    let width = 1000;
    let text = readable(width);
    let model = format!("N = {n}, d = {d}");
    let entries = [
        ("1/2: antipodal pairs", LegendMark::Dashed(GREY)),
        (model.as_str(), LegendMark::LineDots(color(0))),
    ];
    legend_figure(path, (width, 460), "", &entries, text, |root| {
        let (left, right) = root.split_horizontally(430);
        let x_axis = || (0.7f64..xmax).log_scale().with_key_points(log_keys_at(0.7, xmax, &[1.0, 3.0]));
        let mut chart =
            panel(&left, "Dimensions per feature", text).build_cartesian_2d(x_axis(), 0f64..1.1)?;
        mesh(&mut chart, text)
            .x_desc("1 / (1 − S) = 1 / density")
            .y_desc("d / Σᵢ ‖Wᵢ‖²")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        chart.draw_series(DashedLineSeries::new([(0.7, 0.5), (xmax, 0.5)], 6, 4, GREY.into()))?;
        let pts: Vec<(f64, f64)> =
            models.iter().map(|m| (1.0 / m.density as f64, m.dims_per_feature)).collect();
        chart.draw_series(LineSeries::new(pts.clone(), line(color(0))))?;
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, color(0).filled())))?;

        // Room on the right for the reference values' labels.
        let mut chart = panel(&right, "Each feature's share of a dimension", text)
            .margin_right(70)
            .build_cartesian_2d(x_axis(), -0.03f64..1.1)?;
        mesh(&mut chart, text)
            .x_desc("1 / (1 − S) = 1 / density")
            .y_desc("Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)²")
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

/// A tick at 10^v: 0.01, 0.02, 0.05, 0.1, …, 10.
fn pow10_tick(v: f64) -> String {
    let x = crate::output::round_sig(10f64.powf(v), 1);
    let digits = (-x.log10().floor()).max(0.0) as usize;
    format!("{x:.digits$}")
}

/// The 1–2–5 ticks between 10^lo and 10^hi, in log₁₀ units.
fn log10_keys(lo: f64, hi: f64) -> Vec<f64> {
    log_keys(10f64.powf(lo), 10f64.powf(hi)).into_iter().map(f64::log10).collect()
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
    let text = readable(COLUMN);
    let entries = [
        ("learned: only feature 1", LegendMark::Square(phase_color(Phase::First))),
        ("only feature 2", LegendMark::Square(phase_color(Phase::Second))),
        ("both, antipodal (superposed)", LegendMark::Square(phase_color(Phase::Superposition))),
        ("learned ≠ predicted", LegendMark::Cross(BLACK)),
        ("predicted: global minimum of the exact loss", LegendMark::Line(BLACK)),
        ("the paper's three candidates (closed forms)", LegendMark::Dashed(color(3))),
    ];
    legend_figure(&dirs.figures.join("ch4_phase.svg"), (COLUMN, 560), "", &entries, text, |plot| {
        let mut chart = panel(&plot, "", text).margin_left(60).margin_right(60).build_cartesian_2d(
            Keyed::new(rlo..rhi, log10_keys(rlo, rhi)),
            Keyed::new(plo..phi, log10_keys(plo, phi)),
        )?;
        mesh(&mut chart, text)
            .disable_mesh()
            .x_desc("relative importance r of feature 2 (feature 1: 1)")
            .y_desc("feature density 1 − S")
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
        Ok(())
    })
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
                "features with $\\lVert W_i \\rVert \\ge 1/2$",
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
    let c = &report.config;
    let text = geometry_markdown(&report.geometry);
    write_atomic(&dirs.generated.join("ch4_geometry.md"), text.as_bytes())?;
    numbers.set(
        "geometry_size",
        format!("$N = {}$ features in $d = {}$ dimensions", c.geometry_n, c.geometry_d),
    );
    numbers.set("group_link", format!("{}", super::GROUP_LINK));
    Ok(())
}

/// The geometry table: per density, the features represented, the
/// dimensions per feature, the loss against the known solution and the
/// groups of features that share dimensions.
pub(super) fn geometry_markdown(models: &[Model]) -> String {
    let shape = |&(features, dims, count): &(usize, usize, usize)| {
        let what = match (features, dims) {
            (1, 1) => "dedicated".to_string(),
            (2, 1) => "antipodal pair".to_string(),
            _ => format!("{features} features in {dims} dims"),
        };
        if count > 1 { format!("{count} × {what}") } else { what }
    };
    let rows: Vec<Vec<String>> = models
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
    markdown_table(
        &[
            "1/(1 − S)",
            "features with $\\lVert W_i \\rVert \\ge 1/2$",
            "$d / \\lVert W \\rVert_F^2$",
            "loss ÷ known solution",
            "groups sharing dimensions",
        ],
        &[true, true, true, true, false],
        &rows,
    )
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
