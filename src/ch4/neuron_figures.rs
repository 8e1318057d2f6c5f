//! Chapter 4, part 2: figures and tables of the models with a hidden ReLU.

use super::figures::tick_f32;
use super::{Model, Report};
use crate::optim::Schedule;
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};
use crate::plot::{
    CAPTION, FONT, GREY, LABEL, TICK, color, diverging, draw_legend, legend_box, legend_line, line,
    svg_figure, tick,
};
use crate::toy::neurons::{MONOSEMANTIC_SHARE, Role, count, sorted_order};
use plotters::prelude::*;

pub fn figures(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    privileged(report, dirs)?;
    neuron_counts(report, dirs)?;
    abs_small(report, dirs)?;
    abs_large(report, dirs)?;
    up_close(report, dirs)?;
    tables(report, dirs, numbers)
}

fn role_color(r: Role) -> RGBColor {
    match r {
        Role::Monosemantic => color(0),
        Role::Polysemantic => color(1),
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

/// A neuron × feature heatmap of `w` (d × N), rows in `order`, each row
/// marked with its role; colours scaled so that ±`scale` is full colour.
fn weight_map<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    m: &Model,
    order: &[usize],
    scale: f64,
    max_features: usize,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (rows, cols) = (order.len(), m.n.min(max_features));
    // Room left of the matrix for each neuron's role marker.
    let pad = (0.08 * cols as f64).max(0.6);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, TICK + 1))
        .margin(6)
        .x_label_area_size(30)
        .y_label_area_size(8)
        .build_cartesian_2d(-pad..cols as f64, 0f64..rows as f64)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .x_labels(cols.min(6))
        .x_desc("feature")
        .axis_desc_style((FONT, TICK - 1))
        .label_style((FONT, TICK - 3))
        .x_label_formatter(&|x| {
            if *x >= 0.0 && (*x as usize) < cols { format!("{}", *x as usize + 1) } else { String::new() }
        })
        .draw()?;
    // The colour of a zero weight under the whole matrix; cells within 1% of
    // zero are left to it (they would be drawn in that colour anyway), which
    // keeps the file small.
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, 0.0), (cols as f64, rows as f64)],
        diverging(0.0).filled(),
    )))?;
    for (r, &j) in order.iter().enumerate() {
        let y = (rows - 1 - r) as f64;
        chart.draw_series(
            (0..cols).map(|i| (i, m.w[j * m.n + i] as f64 / scale)).filter(|(_, v)| v.abs() >= 0.01).map(
                |(i, v)| Rectangle::new([(i as f64, y), (i as f64 + 1.0, y + 1.0)], diverging(v).filled()),
            ),
        )?;
        let role = m.neurons[j].role;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(-1.4, y + 0.1), (-0.2, y + 0.9)],
            role_color(role).filled(),
        )))?;
        if rows <= 12 {
            let text =
                Text::new(role_letter(role), (-1.15, y + 0.85), (FONT, TICK - 3).into_font().color(&WHITE));
            chart.draw_series(std::iter::once(text))?;
        }
    }
    Ok(())
}

/// The neuron × feature weights of the N = 10, d = 5 model per density.
fn privileged(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models = &report.privileged;
    let cols = 5.min(models.len()).max(1);
    let rows = models.len().div_ceil(cols);
    svg_figure(
        &dirs.figures.join("ch4_privileged.svg"),
        (200 * cols as u32, 70 + 190 * rows as u32),
        |root| {
            let (top, body) = root.split_vertically(70);
            top.titled("Neuron × feature weights W of h = ReLU(W x), by density", (FONT, CAPTION))?;
            let key = [
                (Role::Monosemantic, "M: monosemantic"),
                (Role::Polysemantic, "P: polysemantic"),
                (Role::Dead, "D: dead"),
            ];
            for (k, (role, label)) in key.iter().enumerate() {
                let x = 20 + 190 * k as i32;
                top.draw(&Rectangle::new([(x, 42), (x + 14, 56)], role_color(*role).filled()))?;
                top.draw(&Text::new(*label, (x + 20, 42), (FONT, TICK)))?;
            }
            for k in 0..=20 {
                let x = 620 + 5 * k;
                top.draw(&Rectangle::new(
                    [(x, 42), (x + 5, 56)],
                    diverging(-1.0 + k as f64 / 10.0).filled(),
                ))?;
            }
            top.draw(&Text::new("−1  weight  +1", (622, 58), (FONT, TICK - 3)))?;
            for (m, area) in models.iter().zip(body.split_evenly((rows, cols)).iter()) {
                let order: Vec<usize> = (0..m.d).collect();
                weight_map(area, &format!("density {}", tick_f32(m.density)), m, &order, 1.0, m.n)?;
            }
            Ok(())
        },
    )
}

/// Monosemantic, polysemantic and dead neurons against density.
fn neuron_counts(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models = &report.privileged;
    let d = models.first().map_or(5, |x| x.d) as f64;
    svg_figure(&dirs.figures.join("ch4_neuron_counts.svg"), (820, 460), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Dense features, monosemantic neurons; sparse features, polysemantic ones",
                (FONT, CAPTION - 2),
            )
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..models.len() as f64 - 0.5, 0f64..d + 1.6)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(models.len())
            .x_desc("feature density 1 − S (sparser →)")
            .y_desc("neurons (of 5)")
            .axis_desc_style((FONT, LABEL))
            .label_style((FONT, TICK))
            .x_label_formatter(&|x| {
                let k = x.round();
                if (x - k).abs() < 0.01 && k >= 0.0 {
                    models.get(k as usize).map(|m| tick_f32(m.density)).unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        for (role, label) in
            [(Role::Monosemantic, "monosemantic"), (Role::Polysemantic, "polysemantic"), (Role::Dead, "dead")]
        {
            chart
                .draw_series(models.iter().enumerate().map(|(k, model)| {
                    let (mono, poly, dead) = count(&model.neurons);
                    let (lo, hi) = match role {
                        Role::Monosemantic => (0, mono),
                        Role::Polysemantic => (mono, mono + poly),
                        Role::Dead => (mono + poly, mono + poly + dead),
                    };
                    let x = k as f64;
                    Rectangle::new([(x - 0.35, lo as f64), (x + 0.35, hi as f64)], role_color(role).filled())
                }))?
                .label(label)
                .legend(legend_box(role_color(role)));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}

/// The N = 3, d = 6 absolute-value model: W₁ and the function it computes.
fn abs_small(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let m = &report.abs_small;
    svg_figure(&dirs.figures.join("ch4_abs_small.svg"), (900, 380), |root| {
        let (left, right) = root.split_horizontally(330);
        let order = sorted_order(&m.neurons);
        weight_map(&left, "W₁: 6 neurons × 3 features", m, &order, 1.5, m.n)?;
        let mut chart = ChartBuilder::on(&right)
            .caption("What the model computes for feature 1", (FONT, LABEL + 1))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(50)
            .build_cartesian_2d(-1f64..1.0, -0.05f64..1.1)?;
        chart
            .configure_mesh()
            .x_desc("x₁ (the other features absent)")
            .y_desc("output y₁")
            .axis_desc_style((FONT, LABEL))
            .label_style((FONT, TICK))
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        chart
            .draw_series(LineSeries::new([(-1.0, 1.0), (0.0, 0.0), (1.0, 1.0)], line(GREY)))?
            .label("|x₁|")
            .legend(legend_line(GREY));
        chart
            .draw_series(LineSeries::new(report.abs_small_response.iter().copied(), line(color(0))))?
            .label("learned y₁")
            .legend(legend_line(color(0)));
        draw_legend(&mut chart, SeriesLabelPosition::UpperMiddle)
    })
}

/// W₁ of the N = 100, d = 40 models, neurons sorted by their top feature.
fn abs_large(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let models = &report.abs_large;
    svg_figure(&dirs.figures.join("ch4_abs_large.svg"), (1000, 70 + 300 * models.len() as u32), |root| {
        let (top, body) = root.split_vertically(70);
        top.titled(
            &format!("Computing |x| with 40 neurons: W₁ (features 1–{SHOWN_FEATURES} of 100), neurons sorted by main feature"),
            (FONT, CAPTION - 3),
        )?;
        let key = [
            (Role::Monosemantic, "monosemantic neuron"),
            (Role::Polysemantic, "polysemantic neuron"),
            (Role::Dead, "dead"),
        ];
        for (k, (role, label)) in key.iter().enumerate() {
            let x = 20 + 230 * k as i32;
            top.draw(&Rectangle::new([(x, 42), (x + 14, 56)], role_color(*role).filled()))?;
            top.draw(&Text::new(*label, (x + 20, 42), (FONT, TICK)))?;
        }
        for (m, area) in models.iter().zip(body.split_evenly((models.len().max(1), 1)).iter()) {
            let (mono, poly, dead) = count(&m.neurons);
            let title = format!(
                "density {}: {mono} monosemantic, {poly} polysemantic, {dead} dead (colour: ±{:.1})",
                tick_f32(m.density),
                max_abs(&m.w)
            );
            weight_map(area, &title, m, &sorted_order(&m.neurons), max_abs(&m.w), SHOWN_FEATURES)?;
        }
        Ok(())
    })
}

/// The absolute-value figure shows the first features only: the less
/// important ones end with weights near zero.
const SHOWN_FEATURES: usize = 50;

fn max_abs(w: &[f32]) -> f64 {
    w.iter().fold(0.0f64, |a, &v| a.max((v as f64).abs())).max(1e-9)
}

/// The chosen polysemantic neuron's input weights, feature by feature.
fn up_close(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let Some(u) = &report.up_close else { return Ok(()) };
    let k = u.features.len();
    let lim = u.features.iter().fold(0.1f64, |a, f| a.max(f.1.abs())) * 1.15;
    svg_figure(&dirs.figures.join("ch4_up_close.svg"), (820, 120 + 32 * k as u32), |root| {
        let title = format!(
            "Neuron {} of the density-{} model: the features that drive it",
            u.neuron + 1,
            tick_f32(u.density)
        );
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, LABEL + 2))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(90)
            .build_cartesian_2d(-lim..1.9 * lim, -0.5f64..k as f64 - 0.5)?;
        // Row r (from the top) is the r-th feature of the list, at y = k − 1 − r.
        let name = |y: f64| -> String {
            let r = y.round();
            if (y - r).abs() < 0.01 && r >= 0.0 && (r as usize) < k {
                format!("feature {}", u.features[k - 1 - r as usize].0 + 1)
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(k)
            .x_desc("input weight W₁[j, i]: it fires for x_i > 0 if positive, for x_i < 0 if negative")
            .axis_desc_style((FONT, TICK + 1))
            .label_style((FONT, TICK))
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| name(*y))
            .draw()?;
        chart.draw_series(u.features.iter().enumerate().map(|(r, f)| {
            let y = (k - 1 - r) as f64;
            let serves = f.4 >= crate::toy::neurons::LIVE_WEIGHT;
            let c = if serves { color(2) } else { GREY };
            Rectangle::new([(0.0, y - 0.35), (f.1, y + 0.35)], c.filled())
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, k as f64 - 0.5)],
            BLACK,
        )))?;
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
            .label("serves feature i (writes ≥ 0.1 to y_i)")
            .legend(legend_box(color(2)));
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
            .label("only driven by it")
            .legend(legend_box(GREY));
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
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
                    "activation at x_i = +1",
                    "activation at x_i = −1",
                    "output weight to y_i",
                    "serves i",
                ],
                &[true, true, true, true, true, false],
                &rows,
            ),
        )?;
    }
    Ok(())
}
