//! The tables, inline values and figures of splitting and absorption.

use super::Report;
use super::hierarchy::{AbsorbRow, SplitRun};
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};
use crate::plot::{COLUMN, FONT, GREY, Keyed, LegendMark, color, legend_figure, line, mesh, panel, readable};
use crate::sae::hierarchy::Node;
use crate::sae::metrics::RECOVERED;
use plotters::prelude::*;

/// How many families the tree figure draws (the first ones).
pub const TREE_FAMILIES: usize = 4;

pub(super) fn write(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    splitting_table(report, dirs, numbers)?;
    absorption_table(report, dirs, numbers)?;
    tree(report, dirs)?;
    absorption_figure(report, dirs)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// A percentage with its sign, one decimal, and a true minus: "−0.7%".
fn signed_pct(x: f64) -> String {
    format!("{x:+.1}%").replace('-', "−")
}

/// The splitting table (one row per dictionary size) and its inline values.
fn splitting_table(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let (h, s) = (&report.config.hierarchy, &report.hierarchy.splitting);
    let f = &h.families;
    let n = f.families * f.children;
    let found = format!("children found (of {n})");
    let header =
        ["M", "latents on parent · between · child · other", &found, "FVU", "best codes", "tree level"];
    let rows: Vec<Vec<String>> = s
        .runs
        .iter()
        .map(|r| {
            vec![
                r.run.m.to_string(),
                format!("{} · {} · {} · {}", r.parents, r.between, r.children, r.unmatched),
                r.children_found.to_string(),
                format!("{:.3}", r.run.metrics.fvu),
                format!("{:.4}", r.optimal),
                format!("{:.4} ({})", r.level_optimal, r.level_groups),
            ]
        })
        .collect();
    let right = [true; 6];
    write_atomic(
        &dirs.generated.join("ch5_splitting.md"),
        markdown_table(&header, &right, &rows).as_bytes(),
    )?;
    numbers.set("split_families", f.families.to_string());
    numbers.set("split_children", f.children.to_string());
    numbers.set("split_n", (f.families * f.children).to_string());
    numbers.set("split_rate", f.rate.to_string());
    numbers.set("split_sibling_cos", format!("{:.2}", s.sibling_cos));
    numbers.set("split_child_parent_cos", format!("{:.2}", s.child_parent_cos));
    let sizes: Vec<String> = h.split_sizes.iter().map(|m| m.to_string()).collect();
    numbers.set("split_sizes", sizes.join(", "));
    let at = |m: usize| s.runs.iter().find(|r| r.run.m == m);
    if let Some(r) = at(f.families) {
        numbers.set("split_small_parents", format!("{} of {}", r.parents_found, f.families));
    }
    if let Some(r) = at(2 * f.families) {
        let mix = format!(
            "{} latents on parents, {} on nodes in between and {} on children",
            r.parents, r.between, r.children
        );
        numbers.set("split_middle_mix", mix);
        numbers.set("split_middle_gain", pct(1.0 - r.optimal / r.level_optimal));
    }
    if let Some(r) = at(n) {
        numbers.set("split_full_children", format!("{} of {n}", r.children_found));
    }
    if let Some(r) = at(2 * n) {
        numbers.set("split_double_children", r.children.to_string());
        numbers.set("split_double_other", r.unmatched.to_string());
    }
    // The trained dictionaries against the tree's levels, with the best codes.
    let rel: Vec<f64> = s.runs.iter().map(|r| 100.0 * (r.optimal / r.level_optimal - 1.0)).collect();
    let (lo, hi) =
        (rel.iter().copied().fold(f64::MAX, f64::min), rel.iter().copied().fold(f64::MIN, f64::max));
    numbers.set("split_vs_level", format!("between {} and {}", signed_pct(lo), signed_pct(hi)));
    numbers.set("split_d", f.d.to_string());
    Ok(())
}

/// "independent" or "coupled".
fn coefficients(r: &AbsorbRow) -> &'static str {
    if r.data.coupled { "coupled" } else { "independent" }
}

/// The absorption table (strength × coefficients) and its inline values.
fn absorption_table(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let (h, rows) = (&report.config.hierarchy, &report.hierarchy.absorption);
    let found = format!("S found (of {})", h.implications.pairs);
    let header =
        ["P(G ∣ S)", "coefficients", "G's latent silent: S present", "S absent", "cos(D_S, G)", &found];
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let a = &r.absorption;
            vec![
                r.data.implication.to_string(),
                coefficients(r).into(),
                pct(a.silent_with),
                pct(a.silent_without),
                format!("{:.2}", a.lean),
                r.specific_found.to_string(),
            ]
        })
        .collect();
    let right = [true, false, true, true, true, true];
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    write("ch5_absorption.md", markdown_table(&header, &right, &table))?;
    // The three dictionaries with their best codes, the lowest in bold.
    let best = |r: &AbsorbRow, v: f64| {
        let low = r.optimal.min(r.truth_optimal).min(r.absorbed_optimal);
        if v == low { format!("**{v:.4}**") } else { format!("{v:.4}") }
    };
    let header = ["P(G ∣ S)", "coefficients", "SAE's dictionary", "true", "absorbed"];
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let (i, c) = (r.data.implication.to_string(), coefficients(r).to_string());
            vec![i, c, best(r, r.optimal), best(r, r.truth_optimal), best(r, r.absorbed_optimal)]
        })
        .collect();
    write("ch5_absorption_known.md", markdown_table(&header, &[true, false, true, true, true], &table))?;
    let i = &h.implications;
    numbers.set("absorb_pairs", i.pairs.to_string());
    numbers.set("absorb_d", i.d.to_string());
    numbers.set("absorb_full_lean", format!("{:.2}", rows.first().map_or(0.0, |r| r.absorbed_lean)));
    numbers.set("absorb_m", (2 * i.pairs).to_string());
    numbers.set("absorb_rate", i.rate.to_string());
    numbers.set("absorb_given", i.given_general.to_string());
    let strengths: Vec<String> = h.strengths.iter().map(|s| s.to_string()).collect();
    numbers.set("absorb_strengths", strengths.join(", "));
    let truth_lean = rows.first().map_or(0.0, |r| r.absorption.truth_lean);
    numbers.set("absorb_truth_lean", format!("{truth_lean:.2}"));
    let strongest = h.strengths.iter().copied().fold(0.0, f64::max);
    for r in rows.iter().filter(|r| r.data.implication == strongest) {
        let key = coefficients(r);
        let a = &r.absorption;
        numbers.set(&format!("absorb_{key}_silent"), pct(a.silent_with));
        numbers.set(&format!("absorb_{key}_silent_without"), pct(a.silent_without));
        numbers.set(&format!("absorb_{key}_lean"), format!("{:.2}", a.lean));
        numbers.set(&format!("absorb_{key}_found"), format!("{} of {}", r.specific_found, r.data.pairs));
        if r.data.coupled {
            let above = r.optimal / r.absorbed_optimal - 1.0;
            numbers.set("absorb_coupled_above_absorbed", format!("{:.0}%", 100.0 * above));
        }
    }
    let list = |pick: &dyn Fn(&AbsorbRow) -> bool| {
        let found: Vec<String> = rows
            .iter()
            .filter(|r| pick(r))
            .map(|r| format!("{} ({})", r.data.implication, coefficients(r)))
            .collect();
        if found.is_empty() { "none".to_string() } else { found.join(", ") }
    };
    numbers.set("absorb_absorbed_wins", list(&|r| r.absorbed_optimal < r.truth_optimal));
    let weakest = h.strengths.iter().copied().fold(1.0, f64::min);
    let weak = rows.iter().filter(|r| r.data.implication == weakest);
    numbers.set("absorb_weak", weakest.to_string());
    numbers.set("absorb_weak_lean", format!("{:.2}", weak.map(|r| r.absorption.lean).fold(0.0, f64::max)));
    let worst = rows
        .iter()
        .map(|r| r.optimal / r.truth_optimal.min(r.absorbed_optimal) - 1.0)
        .fold(f64::MIN, f64::max);
    numbers.set("absorb_worst_vs_known", format!("{:.1}%", 100.0 * worst));
    let p = &report.paired;
    numbers.set("pair_lean", format!("{:.2}", p.absorption.lean));
    numbers.set("pair_independent_lean", format!("{:.2}", p.independent_absorption.lean));
    numbers.set("pair_silent", pct(p.absorption.silent_with));
    numbers.set("pair_silent_without", pct(p.absorption.silent_without));
    Ok(())
}

/// Latents per level of the tree: a parent (all children), a node in
/// between, a child.
fn node_color(children: u32, k: u32) -> RGBColor {
    match children.count_ones() {
        1 => color(2),
        c if c == k => color(0),
        _ => color(1),
    }
}

/// The family tree as an icicle: one row per dictionary size, the first
/// [`TREE_FAMILIES`] families' children across; each latent a box over the
/// children whose normalised sum its decoder is nearest, labelled with that
/// cosine (grey outline: below 0.9, a blend, not a node).
fn tree(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let (h, s) = (&report.config.hierarchy, &report.hierarchy.splitting);
    let k = h.families.children;
    let shown = TREE_FAMILIES.min(h.families.families);
    let gap = 0.7;
    let column = |f: usize, i: usize| f as f64 * (k as f64 + gap) + i as f64;
    let width = column(shown - 1, k - 1) + 1.0;
    // Each row's latents in lanes, so that boxes over the same children stack.
    let rows: Vec<(&SplitRun, Vec<Vec<Node>>)> = s.runs.iter().map(|r| (r, lanes(&r.nodes, shown))).collect();
    let text = readable(COLUMN);
    let lane_px = 2 * text + 6;
    let height: u32 = rows.iter().map(|(_, l)| l.len().max(1) as u32 * lane_px + 14).sum::<u32>() + 5 * text;
    let entries = [
        ("on a parent (all its children)", LegendMark::Square(color(0))),
        ("on a node in between", LegendMark::Square(color(1))),
        ("on one child", LegendMark::Square(color(2))),
        ("nearest node at cos < 0.9", LegendMark::OpenSquare(GREY)),
    ];
    let title = "Feature splitting: each latent over the children it points at";
    legend_figure(&dirs.figures.join("ch5_splitting.svg"), (COLUMN, height), title, &entries, text, |root| {
        // Each size's band of lanes, top to bottom: (M, first lane, lanes).
        let mut bands = Vec::new();
        let mut top = 0.0;
        for (run, lanes) in &rows {
            let count = lanes.len().max(1) as f64;
            bands.push((run.run.m, top, count));
            top += count + 0.5;
        }
        let centre = |b: &(usize, f64, f64)| b.1 + b.2 / 2.0;
        let size_at = |y: f64| {
            let nearest = bands.iter().min_by(|a, b| (centre(a) - y).abs().total_cmp(&(centre(b) - y).abs()));
            nearest.map_or(String::new(), |b| format!("M = {}", b.0))
        };
        let columns = (0..shown).flat_map(|f| (0..k).map(move |i| column(f, i))).collect();
        let mut chart = panel(&root, "", text).y_label_area_size(5 * text).build_cartesian_2d(
            Keyed::new(-0.5..width - 0.5, columns),
            Keyed::new(top - 0.3..-0.2, bands.iter().map(centre).collect()),
        )?;
        let child_name = |x: f64| {
            let f = (x / (k as f64 + gap)).floor() as usize;
            format!("{}.{}", f + 1, (x - column(f, 0)).round() as usize + 1)
        };
        mesh(&mut chart, text)
            .disable_mesh()
            .x_desc("child (family.child), the first families")
            .x_label_formatter(&|x| child_name(*x))
            .y_label_formatter(&|y| size_at(*y))
            .draw()?;
        for ((_, lanes), &(_, at, _)) in rows.iter().zip(&bands) {
            if at > 0.0 {
                let rule = [(-0.5, at - 0.25), (width - 0.5, at - 0.25)];
                chart.draw_series([PathElement::new(rule, GREY.mix(0.4).stroke_width(1))])?;
            }
            for (lane, nodes) in lanes.iter().enumerate() {
                for node in nodes {
                    draw_node(&mut chart, node, at + lane as f64, k, &column, text)?;
                }
            }
        }
        Ok(())
    })
}

/// The latents of the first `shown` families, in lanes: each goes into the
/// first lane where it overlaps no box already there (by its span of
/// children), in the order of (family, first child, size).
fn lanes(nodes: &[Node], shown: usize) -> Vec<Vec<Node>> {
    let mut mine: Vec<Node> = nodes.iter().copied().filter(|n| n.family < shown).collect();
    let span = |n: &Node| (n.children.trailing_zeros(), 31 - n.children.leading_zeros());
    mine.sort_by_key(|n| (n.family, span(n).0, std::cmp::Reverse(n.children.count_ones())));
    let mut lanes: Vec<Vec<Node>> = Vec::new();
    for n in mine {
        let (lo, hi) = span(&n);
        let free =
            |lane: &Vec<Node>| lane.iter().all(|o| o.family != n.family || span(o).1 < lo || span(o).0 > hi);
        match lanes.iter_mut().find(|l| free(l)) {
            Some(lane) => lane.push(n),
            None => lanes.push(vec![n]),
        }
    }
    lanes
}

/// One latent's box (one per run of consecutive children it covers,
/// joined by a line) with its cosine.
fn draw_node<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Cartesian2d<Keyed, Keyed>>,
    node: &Node,
    y: f64,
    k: usize,
    column: &dyn Fn(usize, usize) -> f64,
    text: u32,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let matched = node.cos > RECOVERED;
    let fill = node_color(node.children, k as u32);
    let covered: Vec<usize> = (0..k).filter(|i| node.children >> i & 1 == 1).collect();
    let (lo, hi) = (column(node.family, covered[0]), column(node.family, *covered.last().expect("a child")));
    if covered.len() > 1 {
        let mid = y + 0.45;
        chart.draw_series([PathElement::new(vec![(lo, mid), (hi, mid)], GREY.stroke_width(1))])?;
    }
    for &i in &covered {
        let x = column(node.family, i);
        let corners = [(x - 0.45, y + 0.08), (x + 0.45, y + 0.82)];
        let style = if matched { fill.mix(0.75).filled() } else { GREY.stroke_width(2) };
        chart.draw_series([Rectangle::new(corners, style)])?;
    }
    let label = format!("{:.2}", node.cos);
    let centre = ((lo + hi) / 2.0, y + 0.45);
    let style = (FONT, text).into_font().color(&BLACK).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ));
    chart.draw_series([Text::new(label, centre, style)])?;
    Ok(())
}

/// Absorption against the strength of the implication: how often the
/// general feature's latent stays silent, and how far the specific
/// feature's latent leans towards the general direction.
fn absorption_figure(report: &Report, dirs: &OutDirs) -> anyhow::Result<()> {
    let (h, rows) = (&report.config.hierarchy, &report.hierarchy.absorption);
    let text = readable(COLUMN);
    let entries = [
        ("independent coefficients", LegendMark::LineDots(color(0))),
        ("coupled coefficients", LegendMark::LineDots(color(1))),
        ("solid: S present; dashed: S absent", LegendMark::Dashed(GREY)),
        ("the true directions' mean cos(S, G), near 0", LegendMark::Line(GREY)),
        ("full absorption, normalise(S + G)", LegendMark::Dashed(BLACK)),
    ];
    let lo = h.strengths.iter().copied().fold(1.0, f64::min);
    let title = "Absorption against P(G | S)";
    legend_figure(
        &dirs.figures.join("ch5_absorption.svg"),
        (COLUMN, 2 * 300),
        title,
        &entries,
        text,
        |rest| {
            let panels = rest.split_evenly((2, 1));
            let ymax = |f: &dyn Fn(&AbsorbRow) -> f64| rows.iter().map(f).fold(0.1, f64::max) * 1.15;
            type Pick<'a> = &'a dyn Fn(&AbsorbRow) -> f64;
            // (title, y label, (value, solid line)).
            type Series<'a> = (&'a str, &'a str, Vec<(Pick<'a>, bool)>);
            let series: [Series; 2] = [
                (
                    "How often G's latent is silent when G is present",
                    "share silent",
                    vec![
                        (&|r: &AbsorbRow| r.absorption.silent_with, true),
                        (&|r| r.absorption.silent_without, false),
                    ],
                ),
                (
                    "How far S's latent leans towards G",
                    "cos(decoder of S's latent, G)",
                    vec![(&|r: &AbsorbRow| r.absorption.lean, true)],
                ),
            ];
            for (area, (name, ylabel, picks)) in panels.iter().zip(series) {
                let full = rows.iter().map(|r| r.absorbed_lean).fold(0.0, f64::max) * 1.1;
                let top = picks.iter().map(|(f, _)| ymax(*f)).fold(full, f64::max);
                let xs = Keyed::new(lo - 0.05..1.05, h.strengths.clone());
                let mut chart = panel(area, name, text).build_cartesian_2d(xs, 0f64..top)?;
                mesh(&mut chart, text)
                    .x_desc("P(G | S), the strength of the implication")
                    .y_desc(ylabel)
                    .x_label_formatter(&|x| format!("{x}"))
                    .y_label_formatter(&|y| format!("{y:.1}"))
                    .draw()?;
                for (c, coupled) in [false, true].into_iter().enumerate() {
                    let mine: Vec<&AbsorbRow> = rows.iter().filter(|r| r.data.coupled == coupled).collect();
                    for (pick, solid) in &picks {
                        let pts: Vec<(f64, f64)> =
                            mine.iter().map(|r| (r.data.implication, pick(r))).collect();
                        if *solid {
                            chart.draw_series(LineSeries::new(pts.clone(), line(color(c))))?;
                        } else {
                            chart.draw_series(DashedLineSeries::new(pts.clone(), 6, 4, line(color(c))))?;
                        }
                        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, color(c).filled())))?;
                    }
                }
                if picks.len() == 1 {
                    let base = rows.first().map_or(0.0, |r| r.absorption.truth_lean);
                    chart.draw_series(LineSeries::new([(lo - 0.05, base), (1.05, base)], line(GREY)))?;
                    let full = rows.first().map_or(0.0, |r| r.absorbed_lean);
                    let at = [(lo - 0.05, full), (1.05, full)];
                    chart.draw_series(DashedLineSeries::new(at, 6, 4, line(BLACK)))?;
                }
            }
            Ok(())
        },
    )
}
