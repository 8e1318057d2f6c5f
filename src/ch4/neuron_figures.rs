//! Chapter 4, part 2: figures and tables of the models with a hidden ReLU.

use super::figures::tick_f32;
use super::{Model, Report};
use crate::optim::Schedule;
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};
use crate::plot::heatmap::{
    Scale, bar_height, cell_keys, cell_label, colour_bar, draw_cells, matrix_background, nice_ceil,
};
use crate::plot::{
    COLUMN, FONT, GREY, Keyed, LegendMark, color, draw_legend_band, legend_band_height, legend_figure, line,
    mesh, panel, readable, svg_figure, tick,
};
use crate::toy::neurons::{MONOSEMANTIC_SHARE, Role, count, sorted_order};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub fn figures(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    privileged(report, dirs)?;
    neuron_counts(report, dirs)?;
    abs_small(report, dirs)?;
    abs_large(report, dirs)?;
    up_close(report, dirs)?;
    tables(report, dirs, numbers)
}

/// A neuron's role: bluish green, orange or grey — neither the blue nor the
/// red of the weights' scale.
fn role_color(r: Role) -> RGBColor {
    match r {
        Role::Monosemantic => color(2),
        Role::Polysemantic => color(4),
        Role::Dead => GREY,
    }
}

fn role_letter(r: Role) -> &'static str {
    match r {
        Role::Monosemantic => "M",
        Role::Polysemantic => "P",
        Role::Dead => "D",
    }
}

/// The legend entries of the neurons' roles.
fn role_entries() -> [(&'static str, LegendMark); 3] {
    [
        ("M: monosemantic", LegendMark::Square(role_color(Role::Monosemantic))),
        ("P: polysemantic", LegendMark::Square(role_color(Role::Polysemantic))),
        ("D: dead", LegendMark::Square(role_color(Role::Dead))),
    ]
}

/// How a weight map is laid out: the features shown, and the axes' ticks.
struct MapLayout {
    /// Features shown (the first ones).
    features: usize,
    /// A tick every this many features and neurons.
    every: (usize, usize),
    /// Whether the axes get their descriptions.
    describe: bool,
}

/// A neuron × feature heatmap of `w` (d × N), rows in `order` (row 1 at the
/// top), each row marked with its role on the left; one colour scale.
fn weight_map<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    m: &Model,
    order: &[usize],
    scale: Scale,
    layout: &MapLayout,
    text: u32,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (rows, cols) = (order.len(), m.n.min(layout.features));
    // Room left of the matrix for each neuron's role badge.
    // Badges with a letter need a cell's width or two; plain ones less.
    let pad = if rows <= 12 { (0.05 * cols as f64).max(1.8) } else { (0.03 * cols as f64).max(0.8) };
    let badge = pad * 0.8;
    let mut chart = panel(area, title, text)
        .margin(4)
        .margin_right(8)
        .x_label_area_size(if layout.describe { 3 * text + 4 } else { 2 * text })
        .y_label_area_size(if layout.describe { 3 * text + 8 } else { 2 * text + 4 })
        .build_cartesian_2d(
            Keyed::new(-pad..cols as f64, cell_keys(cols, layout.every.0)),
            Keyed::new(rows as f64..0.0, cell_keys(rows, layout.every.1)),
        )?;
    let mut axes = mesh(&mut chart, text);
    axes.disable_mesh().x_label_formatter(&|x| cell_label(*x)).y_label_formatter(&|y| cell_label(*y));
    if layout.describe {
        axes.x_desc("feature").y_desc("neuron");
    }
    axes.draw()?;
    matrix_background(&mut chart, (rows, cols), 0.0, scale)?;
    draw_cells(&mut chart, (rows, cols), 0.0, scale, |r, i| Some(m.w[order[r] * m.n + i] as f64))?;
    for (r, &j) in order.iter().enumerate() {
        let y = r as f64;
        let role = m.neurons[j].role;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(-pad + 0.1 * pad, y + 0.08), (-pad + 0.1 * pad + badge, y + 0.92)],
            role_color(role).filled(),
        )))?;
        if rows <= 12 {
            let style = (FONT, text).into_font().color(&WHITE).pos(Pos::new(HPos::Center, VPos::Center));
            let at = (-pad + 0.1 * pad + badge / 2.0, y + 0.5);
            chart.draw_series(std::iter::once(Text::new(role_letter(role), at, style)))?;
        }
    }
    Ok(())
}

/// The neuron × feature weights of the N = 10, d = 5 model per density.
fn privileged(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models = &report.privileged;
    let cols = 5.min(models.len()).max(1);
    let rows = models.len().div_ceil(cols);
    let text = readable(COLUMN);
    let entries = role_entries();
    let band = legend_band_height(&entries, text, COLUMN * 62 / 100).max(bar_height(text) + 8);
    let (scale, desc) = shared_scale(models);
    let layout = MapLayout { features: usize::MAX, every: (5, 1), describe: false };
    svg_figure(&dirs.figures.join("ch4_privileged.svg"), (COLUMN, band + 170 * rows as u32 + 30), |root| {
        let (top, body) = root.split_vertically(band);
        let (key, bar) = top.split_horizontally(COLUMN * 62 / 100);
        draw_legend_band(&key, &entries, text)?;
        colour_bar(&bar.margin(4, 4, 0, 10), scale, &desc, text)?;
        let (body, foot) = body.split_vertically(170 * rows as u32);
        for (m, area) in models.iter().zip(body.split_evenly((rows, cols)).iter()) {
            let order: Vec<usize> = (0..m.d).collect();
            weight_map(area, &format!("density {}", tick_f32(m.density)), m, &order, scale, &layout, text)?;
        }
        let note = "rows: neurons 1–5; columns: features 1–10 (most important first)";
        foot.draw(&Text::new(note, (16, 4), (FONT, text)))?;
        Ok(())
    })
}

/// Monosemantic, polysemantic and dead neurons against density.
fn neuron_counts(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models = &report.privileged;
    let d = models.first().map_or(5, |x| x.d);
    let text = readable(COLUMN);
    let entries = [
        ("monosemantic", LegendMark::Square(role_color(Role::Monosemantic))),
        ("polysemantic", LegendMark::Square(role_color(Role::Polysemantic))),
        ("dead", LegendMark::Square(role_color(Role::Dead))),
    ];
    legend_figure(&dirs.figures.join("ch4_neuron_counts.svg"), (COLUMN, 400), "", &entries, text, |root| {
        let keys: Vec<f64> = (0..models.len()).map(|k| k as f64).collect();
        let mut chart = panel(&root, "", text).build_cartesian_2d(
            Keyed::new(-0.5..models.len() as f64 - 0.5, keys),
            Keyed::new(0.0..d as f64 + 0.2, (0..=d).map(|k| k as f64).collect()),
        )?;
        mesh(&mut chart, text)
            .disable_x_mesh()
            .x_desc("feature density 1 − S (sparser →)")
            .y_desc(format!("neurons (of {d})"))
            .x_label_formatter(&|x| {
                models.get(x.round().max(0.0) as usize).map(|m| tick_f32(m.density)).unwrap_or_default()
            })
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        for role in [Role::Monosemantic, Role::Polysemantic, Role::Dead] {
            chart.draw_series(models.iter().enumerate().map(|(k, model)| {
                let (mono, poly, dead) = count(&model.neurons);
                let (lo, hi) = match role {
                    Role::Monosemantic => (0, mono),
                    Role::Polysemantic => (mono, mono + poly),
                    Role::Dead => (mono + poly, mono + poly + dead),
                };
                let x = k as f64;
                Rectangle::new([(x - 0.35, lo as f64), (x + 0.35, hi as f64)], role_color(role).filled())
            }))?;
        }
        Ok(())
    })
}

/// The N = 3, d = 6 absolute-value model: W₁ and the function it computes.
fn abs_small(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let m = &report.abs_small;
    let text = readable(COLUMN);
    let mut entries = role_entries().to_vec();
    entries.push(("|x₁|", LegendMark::Line(GREY)));
    entries.push(("learned y₁", LegendMark::Line(color(0))));
    let band = legend_band_height(&entries, text, COLUMN);
    let scale = Scale::Diverging { max: nice_ceil(max_abs(&m.w)), floor: 0.0 };
    svg_figure(&dirs.figures.join("ch4_abs_small.svg"), (COLUMN, band + 380), |root| {
        let (top, root) = root.split_vertically(band);
        draw_legend_band(&top, &entries, text)?;
        let (left, right) = root.split_horizontally(300);
        let (map, bar) = left.split_horizontally(200);
        let order = sorted_order(&m.neurons);
        let layout = MapLayout { features: m.n, every: (1, 1), describe: true };
        weight_map(
            &map,
            &format!("W₁: {} neurons × {} features", m.d, m.n),
            m,
            &order,
            scale,
            &layout,
            text,
        )?;
        colour_bar(&bar.margin(30, 40, 0, 0), scale, "weight", text)?;
        let mut chart = panel(&right, "What the model computes for feature 1", text)
            .build_cartesian_2d(-1f64..1.0, -0.05f64..1.1)?;
        mesh(&mut chart, text)
            .x_labels(5)
            .y_labels(6)
            .x_desc("x₁ (the other features absent)")
            .y_desc("output y₁")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        chart.draw_series(LineSeries::new([(-1.0, 1.0), (0.0, 0.0), (1.0, 1.0)], line(GREY)))?;
        chart.draw_series(LineSeries::new(report.abs_small_response.iter().copied(), line(color(0))))?;
        Ok(())
    })
}

/// W₁ of the N = 100, d = 40 models, neurons sorted by their top feature,
/// on one colour scale.
fn abs_large(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models = &report.abs_large;
    let text = readable(COLUMN);
    let entries = role_entries();
    let band = legend_band_height(&entries, text, COLUMN * 62 / 100).max(bar_height(text) + 8);
    let (scale, desc) = shared_scale(models);
    let layout = MapLayout { features: SHOWN_FEATURES, every: (5, 10), describe: true };
    let card = 300;
    svg_figure(&dirs.figures.join("ch4_abs_large.svg"), (COLUMN, band + card * models.len() as u32), |root| {
        let (top, body) = root.split_vertically(band);
        let (key, bar) = top.split_horizontally(COLUMN * 62 / 100);
        draw_legend_band(&key, &entries, text)?;
        colour_bar(&bar.margin(4, 4, 0, 10), scale, &desc, text)?;
        for (m, area) in models.iter().zip(body.split_evenly((models.len().max(1), 1)).iter()) {
            let (mono, poly, dead) = count(&m.neurons);
            let title = format!(
                "density {}: {mono} monosemantic, {poly} polysemantic, {dead} dead",
                tick_f32(m.density)
            );
            weight_map(area, &title, m, &sorted_order(&m.neurons), scale, &layout, text)?;
        }
        Ok(())
    })
}

/// One colour scale for every panel of a figure, set by the bulk of the
/// weights that matter (the 99th percentile of those above 0.1): a few
/// larger ones are shown at the scale's ends, and the colour bar's
/// description says so.
fn shared_scale(models: &[Model]) -> (Scale, String) {
    let mut big: Vec<f64> =
        models.iter().flat_map(|m| m.w.iter().map(|&v| (v as f64).abs())).filter(|&v| v > 0.1).collect();
    big.sort_by(f64::total_cmp);
    let end = nice_ceil(big.get(big.len() * 99 / 100).copied().unwrap_or(1.0));
    let max = models.iter().map(|m| max_abs(&m.w)).fold(1e-9, f64::max);
    let desc = if max > end {
        format!("weight (ends: |w| ≥ {}, to {})", tick(end), tick(max))
    } else {
        "weight".to_string()
    };
    (Scale::Diverging { max: end, floor: 0.0 }, desc)
}

/// The absolute-value figure shows the first features only: the less
/// important ones end with weights near zero.
const SHOWN_FEATURES: usize = 30;

fn max_abs(w: &[f32]) -> f64 {
    w.iter().fold(0.0f64, |a, &v| a.max((v as f64).abs())).max(1e-9)
}

/// The chosen polysemantic neuron's input weights, feature by feature.
fn up_close(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let Some(u) = &report.up_close else { return Ok(()) };
    let k = u.features.len();
    let lim = u.features.iter().fold(0.1f64, |a, f| a.max(f.1.abs())) * 1.15;
    let text = readable(COLUMN);
    let entries = [
        ("serves feature i (writes ≥ 0.1 to yᵢ)", LegendMark::Square(color(2))),
        ("only driven by it", LegendMark::Square(GREY)),
    ];
    legend_figure(
        &dirs.figures.join("ch4_up_close.svg"),
        (COLUMN, 110 + 30 * k as u32),
        "",
        &entries,
        text,
        |root| {
            let title = format!("Neuron {} of the density-{} model", u.neuron + 1, tick_f32(u.density));
            // Row r from the top is the r-th feature of the list.
            let rows: Vec<f64> = (0..k).map(|r| r as f64).collect();
            let mut chart = panel(&root, &title, text)
                .y_label_area_size(6 * text)
                .build_cartesian_2d(-lim..lim, Keyed::new(k as f64 - 0.5..-0.5, rows))?;
            let name =
                |y: f64| format!("feature {}", u.features[(y.round().max(0.0) as usize).min(k - 1)].0 + 1);
            mesh(&mut chart, text)
                .disable_y_mesh()
                .x_desc("input weight W₁[j, i] (> 0: fires for xᵢ > 0; < 0: for xᵢ < 0)")
                .x_label_formatter(&|x| tick(*x))
                .y_label_formatter(&|y| name(*y))
                .draw()?;
            chart.draw_series(u.features.iter().enumerate().map(|(r, f)| {
                let y = r as f64;
                let serves = f.4 >= crate::toy::neurons::LIVE_WEIGHT;
                let c = if serves { color(2) } else { GREY };
                Rectangle::new([(0.0, y - 0.35), (f.1, y + 0.35)], c.filled())
            }))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.5), (0.0, k as f64 - 0.5)],
                BLACK,
            )))?;
            Ok(())
        },
    )
}

fn tables(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    count_tables(report, dirs, numbers)?;
    abs_numbers(report, numbers);
    privileged_numbers(report, numbers);
    up_close_table(report, dirs, numbers)
}

/// Monosemantic, polysemantic and dead neurons of the privileged-basis and
/// large |x| models.
fn count_tables(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let counts = |models: &[Model], unit: f64| -> Vec<Vec<String>> {
        models
            .iter()
            .map(|m| {
                let (mono, poly, dead) = count(&m.neurons);
                let served: std::collections::BTreeSet<usize> = m
                    .neurons
                    .iter()
                    .filter(|n| n.role == Role::Monosemantic)
                    .map(|n| n.top_feature)
                    .collect();
                let [known, ratio] = super::figures::known_cells(m, unit);
                vec![
                    tick_f32(m.density),
                    format!("{mono}"),
                    format!("{poly}"),
                    format!("{dead}"),
                    format!("{}", served.len()),
                    format!("{:.3}", m.loss / unit),
                    known,
                    ratio,
                ]
            })
            .collect()
    };
    let header = |unit: &str| {
        [
            "density".to_string(),
            "monosemantic".into(),
            "polysemantic".into(),
            "dead".into(),
            "features with a neuron of their own".into(),
            format!("loss ({unit})"),
            format!("known solution ({unit})"),
            "ratio".into(),
        ]
    };
    let right = [true; 8];
    let (milli, micro) = (header("×10⁻³"), header("×10⁻⁶"));
    let (milli, micro): (Vec<&str>, Vec<&str>) =
        (milli.iter().map(|s| s.as_str()).collect(), micro.iter().map(|s| s.as_str()).collect());
    write("ch4_neuron_counts.md", markdown_table(&milli, &right, &counts(&report.privileged, 1e-3)))?;
    write("ch4_abs_large.md", markdown_table(&micro, &right, &counts(&report.abs_large, 1e-6)))?;
    numbers.set("mono_share", format!("{:.0}%", MONOSEMANTIC_SHARE * 100.0));
    Ok(())
}

/// The learning-rate schedule in words, after "a learning rate of η".
fn schedule_text(schedule: Schedule) -> String {
    let warmup = |steps| format!(" after a linear warm-up over {steps} steps");
    let cosine = |floor: f32| format!("decaying along a cosine to {}% of it", floor * 100.0);
    match schedule {
        Schedule::Constant => String::new(),
        Schedule::Warmup { steps } => warmup(steps),
        Schedule::Cosine { steps, floor } => format!(", {} over {steps} steps", cosine(floor)),
        Schedule::WarmupCosine { warmup: w, steps, floor } => {
            format!("{}, then {} by step {steps}", warmup(w), cosine(floor))
        }
    }
}

/// How the |x| models were trained, which of them failed to reach the
/// construction, and how small the weights the figure leaves out are.
fn abs_numbers(report: &Report, numbers: &mut Numbers) {
    let c = &report.config;
    let sd = c.abs_init.sd(&report.abs_small_spec());
    let schedule = schedule_text(c.abs_train.adam.schedule);
    let abs_setup = format!(
        "initial weights drawn from $\\mathcal{{N}}(0, {sd}^2)$, each output's bias started at the mean of \
         its target, $p/2$, and a learning rate of {}{schedule}, for {} steps",
        c.abs_train.adam.lr, c.abs_train.steps
    );
    numbers.set("abs_copies", c.abs_seeds.to_string());
    numbers.set("abs_setup", abs_setup);
    let list = |models: Vec<&Model>| -> String {
        let v: Vec<String> = models.iter().map(|m| tick_f32(m.density)).collect();
        match v.len() {
            0 => "none".to_string(),
            1 => v[0].clone(),
            k => format!("{} and {}", v[..k - 1].join(", "), v[k - 1]),
        }
    };
    let (good, bad): (Vec<&Model>, Vec<&Model>) = report.abs_large.iter().partition(|m| m.converged());
    let paying: Vec<&Model> =
        good.into_iter().filter(|m| m.ratio() < 1.0 - super::CONVERGED_MARGIN).collect();
    numbers.set("abs_paying", list(paying));
    // PyTorch's xavier_normal_ on an instances × N × d tensor: fans N·d and instances·d.
    if let Some(m) = report.abs_large.first() {
        let instances = report.abs_large.len();
        let sd = (2.0 / (m.n * m.d + instances * m.d) as f64).sqrt();
        numbers.set("notebook_sd", format!("{sd:.3}"));
    }
    let worst = bad.iter().map(|m| m.ratio()).fold(0.0f64, f64::max);
    numbers.set(
        "abs_unconverged",
        if bad.is_empty() {
            "Every kept model reaches its construction.".to_string()
        } else {
            format!(
                "At density {} the kept model stays above its construction (up to {worst:.2}× its loss): \
                 a failed optimisation, marked ✗, and not read as a result below.",
                list(bad)
            )
        },
    );
    // How small the weights of the features the absolute-value figure leaves out are.
    let tail = report
        .abs_large
        .iter()
        .flat_map(|m| {
            (0..m.d).flat_map(move |j| (SHOWN_FEATURES.min(m.n)..m.n).map(move |i| m.w[j * m.n + i]))
        })
        .fold(0.0f64, |a, v| a.max((v as f64).abs()));
    numbers.set("abs_tail_weight", format!("{tail:.3}"));
    numbers.set("abs_shown", format!("{SHOWN_FEATURES}"));
    let small = &report.abs_small;
    numbers.set("abs_small_pairs", format!("{} of {}", report.abs_small_pairs, small.n));
    numbers.set("abs_small_loss", crate::output::sci(small.loss, 2));
}

/// The privileged-basis models: the densest that beats the
/// one-neuron-per-feature construction, and the neurons at the two ends.
fn privileged_numbers(report: &Report, numbers: &mut Numbers) {
    let pays = report
        .privileged
        .iter()
        .filter(|m| m.ratio() < 1.0 - super::CONVERGED_MARGIN)
        .max_by(|a, b| a.density.total_cmp(&b.density));
    numbers.set("privileged_pays", pays.map_or("—".into(), |m| tick_f32(m.density)));
    if let Some(dense) = report.privileged.first() {
        let (mono, poly, dead) = count(&dense.neurons);
        numbers.set("privileged_dense", format!("{mono} monosemantic, {poly} polysemantic and {dead} dead"));
    }
    if let Some(sparse) = report.privileged.last() {
        let (mono, poly, dead) = count(&sparse.neurons);
        numbers.set("privileged_sparse", format!("{mono} monosemantic, {poly} polysemantic and {dead} dead"));
        numbers.set("privileged_sparse_density", tick_f32(sparse.density));
    }
}

/// One polysemantic neuron of the |x| model, feature by feature.
fn up_close_table(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    if let Some(u) = &report.up_close {
        numbers.set("up_close_neuron", format!("{}", u.neuron + 1));
        numbers.set("up_close_density", tick_f32(u.density));
        numbers.set("up_close_count", format!("{}", u.features.len()));
        numbers.set("up_close_share", format!("{:.0}%", u.share * 100.0));
        numbers.set("up_close_served", format!("{}", u.served));
        let rows: Vec<Vec<String>> = u
            .features
            .iter()
            .map(|&(i, w, plus, minus, out)| {
                let serves = if w.abs() >= crate::toy::neurons::LIVE_WEIGHT
                    && out >= crate::toy::neurons::LIVE_WEIGHT
                {
                    "yes"
                } else {
                    ""
                };
                vec![
                    format!("{}", i + 1),
                    format!("{w:+.2}"),
                    format!("{plus:.2}"),
                    format!("{minus:.2}"),
                    format!("{out:+.2}"),
                    serves.to_string(),
                ]
            })
            .collect();
        write(
            "ch4_up_close.md",
            markdown_table(
                &[
                    "feature i",
                    "input weight",
                    "activation at $x_i = +1$",
                    "activation at $x_i = -1$",
                    "output weight to $y_i$",
                    "serves i",
                ],
                &[true, true, true, true, true, false],
                &rows,
            ),
        )?;
    }
    Ok(())
}
