//! Chapter 4 at the paper's size, behind `--large`: the geometry of
//! superposition with N = 400 features in d = 30 dimensions (Elhage et al.'s
//! size), and a width sweep, N = 100 features in d = 5 … 40 dimensions over
//! densities. It trains for minutes, so the book shows a committed run (in
//! `book/large/`) that `cargo run --release --example ch4_polysemantic --
//! --large` regenerates byte for byte; `cargo book check` does not rerun it.

use serde::{Deserialize, Serialize};

use super::figures::{geometry, geometry_markdown, tick_f32};
use super::{Model, ModelSummary, logspace, model, model_summary, more_copies_until_known};
use crate::chapters::Chapter;
use crate::output::{Numbers, OutDirs, markdown_table, rounded_json, write_atomic};
use crate::progress::Progress;
use crate::rng::{DEFAULT_SEED, group_stream};
use crate::toy::model::{Init, Kind, Spec};
use crate::toy::train::train_best_of;
use crate::toy::{Job, Setting, TrainConfig};

/// What the large run trains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LargeConfig {
    pub seed: u64,
    pub train: TrainConfig,
    /// The most copies per setting (a further copy only where the earlier
    /// ones end above the known solution).
    pub seeds: usize,
    /// The geometry: N features in d dimensions, uniform importance.
    pub geometry_n: usize,
    pub geometry_d: usize,
    pub geometry_densities: Vec<f32>,
    /// The width sweep: N features, uniform importance, in each width d.
    pub width_n: usize,
    pub widths: Vec<usize>,
    pub width_densities: Vec<f32>,
}

impl Default for LargeConfig {
    fn default() -> Self {
        LargeConfig {
            seed: DEFAULT_SEED,
            train: TrainConfig::default(),
            seeds: 3,
            geometry_n: 400,
            geometry_d: 30,
            // Finer where the small groups form (1/(1 − S) up to 10).
            geometry_densities: [logspace(0.0, -1.0, 9), logspace(-1.25, -3.0, 8)].concat(),
            width_n: 100,
            widths: vec![5, 10, 20, 40],
            width_densities: logspace(0.0, -3.0, 7),
        }
    }
}

impl LargeConfig {
    /// A small version for tests (seconds).
    pub fn quick() -> Self {
        LargeConfig {
            train: TrainConfig { steps: 300, batch: 256, eval_samples: 4096, ..TrainConfig::default() },
            seeds: 1,
            geometry_n: 40,
            geometry_d: 6,
            geometry_densities: logspace(0.0, -2.0, 3),
            width_n: 20,
            widths: vec![2, 4],
            width_densities: vec![1.0, 0.1],
            ..LargeConfig::default()
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.geometry_d == 0 || self.geometry_n <= self.geometry_d {
            return Err(format!(
                "the geometry needs N > d ≥ 1, got N = {}, d = {}",
                self.geometry_n, self.geometry_d
            ));
        }
        if let Some(d) = self.widths.iter().find(|&&d| d == 0 || d >= self.width_n) {
            return Err(format!("each width must be in 1..N = {}, got {d}", self.width_n));
        }
        let mut densities = self.geometry_densities.iter().chain(&self.width_densities);
        if let Some(p) = densities.find(|p| !(**p > 0.0 && **p <= 1.0)) {
            return Err(format!("densities must be in (0, 1], got {p}"));
        }
        if self.seeds == 0 || self.train.steps == 0 || self.train.batch == 0 {
            return Err("at least one copy, one step and one sample per batch".to_string());
        }
        Ok(())
    }

    /// Every setting, geometry first; each starts with one copy.
    fn settings(&self) -> Vec<Setting> {
        let job = |k: u64, n: usize, d: usize, density: f32| Job {
            spec: Spec::new(Kind::ReluOutput, n, d),
            density,
            importance: vec![1.0; n],
            init: Init::Xavier,
            stream: group_stream(LARGE_GROUP, k),
        };
        let geometry = self.geometry_densities.iter().map(|&p| (self.geometry_n, self.geometry_d, p));
        let widths = self.widths.iter().flat_map(|&d| self.width_densities.iter().map(move |&p| (d, p)));
        let widths = widths.map(|(d, p)| (self.width_n, d, p));
        geometry
            .chain(widths)
            .enumerate()
            .map(|(k, (n, d, p))| Setting { job: job(k as u64, n, d, p), train: self.train, seeds: 1 })
            .collect()
    }
}

/// The random-stream group of the large run (Chapter 4's own experiments
/// use 1 to 9).
const LARGE_GROUP: u64 = 40;

/// Everything the large run computes.
#[derive(Debug, Clone, Serialize)]
pub struct LargeReport {
    pub config: LargeConfig,
    pub geometry: Vec<Model>,
    /// One model per width and density, widths in order, densities within.
    pub width: Vec<Model>,
    /// The two capacity laws fitted to the width sweep.
    pub laws: Vec<WidthLaw>,
}

/// A width counts as saturated when it represents at least this share of
/// the N features: there the count says nothing about capacity.
pub const SATURATED: f64 = 0.95;

/// A capacity law n/d = c / shape(p), fitted (one constant) to the width
/// sweep's unsaturated models: n features represented in d dimensions at
/// density p < 1, 0 < n < SATURATED · N.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WidthLaw {
    pub law: Law,
    pub c: f64,
    /// The root-mean-square of ln(measured / fitted) over the points.
    pub rms_log: f64,
    pub points: usize,
}

/// What one active feature costs in dimensions, by Chapter 3's two laws.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Law {
    /// Interference alone: the read-out error √(K/d) with K = p n active
    /// must stay below a fixed size, so n/d = c/p.
    Interference,
    /// Sparse recovery: d ≈ C K ln(n/K) with K = p n, so n/d = c/(p ln(1/p)).
    Recovery,
}

impl Law {
    pub fn shape(self, p: f64) -> f64 {
        match self {
            Law::Interference => p,
            Law::Recovery => p * (1.0 / p).ln(),
        }
    }
}

/// The unsaturated points of the width sweep: (p, d, n).
pub fn width_points(report_width: &[Model], n_max: usize) -> Vec<(f64, f64, f64)> {
    report_width
        .iter()
        .filter(|m| m.density < 1.0 && m.represented > 0 && (m.represented as f64) < SATURATED * n_max as f64)
        .map(|m| (m.density as f64, m.d as f64, m.represented as f64))
        .collect()
}

/// Fit ln c = mean of ln(n/d) + ln shape(p), and the spread around it.
pub fn fit(law: Law, points: &[(f64, f64, f64)]) -> WidthLaw {
    let logs: Vec<f64> = points.iter().map(|&(p, d, n)| (n / d).ln() + law.shape(p).ln()).collect();
    let mean = logs.iter().sum::<f64>() / logs.len().max(1) as f64;
    let rms = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / logs.len().max(1) as f64).sqrt();
    WidthLaw { law, c: mean.exp(), rms_log: rms, points: points.len() }
}

pub fn run(config: &LargeConfig, progress: &dyn Progress) -> LargeReport {
    let settings = config.settings();
    let total = (settings.len() * config.train.steps) as u64;
    progress.start(total, "ch4 --large: training toy models");
    let on_steps = |k| progress.advance(k);
    let mut best = train_best_of(&settings, config.seed, &on_steps, None);
    more_copies_until_known(
        &settings,
        &mut best,
        &vec![config.seeds; settings.len()],
        config.seed,
        &on_steps,
    );
    progress.finish();
    let mut models: Vec<Model> =
        settings.iter().zip(best).map(|(s, b)| model(&s.job, &s.train, config.seed, b)).collect();
    let width = models.split_off(config.geometry_densities.len());
    let points = width_points(&width, config.width_n);
    let laws = [Law::Interference, Law::Recovery].map(|law| fit(law, &points)).to_vec();
    LargeReport { config: config.clone(), geometry: models, width, laws }
}

/// The large run in the shape every chapter has; its files are named
/// `ch4_large*` and go to `book/large/`.
pub struct Ch4Large;

/// The JSON report: the configuration and every model's summary.
#[derive(Serialize, Deserialize)]
pub struct LargeSummary {
    pub config: LargeConfig,
    pub geometry: Vec<ModelSummary>,
    pub width: Vec<ModelSummary>,
    pub laws: Vec<WidthLaw>,
}

impl Chapter for Ch4Large {
    const NAME: &'static str = "ch4_polysemantic";
    const ID: &'static str = "ch4_large";
    const DIGITS: i32 = 6;
    const BOOK_SECONDS: f64 = 420.0;
    type Config = LargeConfig;
    type Report = LargeReport;

    fn validate(config: &LargeConfig) -> Result<(), String> {
        config.validate()
    }
    fn work(config: &LargeConfig) -> Option<f64> {
        let settings = config.settings();
        let work =
            |s: &Setting| s.job.spec.param_count() as f64 * s.train.steps as f64 * s.train.batch as f64;
        Some(settings.iter().map(work).sum())
    }
    fn run(config: &LargeConfig, progress: &dyn Progress) -> LargeReport {
        run(config, progress)
    }
    fn write(report: &LargeReport, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
        let c = &report.config;
        let (n, d) = (c.geometry_n, c.geometry_d);
        geometry(&report.geometry, (n, d), &dirs.figures.join("ch4_large_geometry.svg"))?;
        let table = geometry_markdown(&report.geometry);
        write_atomic(&dirs.generated.join("ch4_large_geometry.md"), table.as_bytes())?;
        numbers.set("large_geometry_size", format!("$N = {n}$ features in $d = {d}$ dimensions"));
        numbers.set("large_shapes", shapes(&report.geometry));
        let unconverged: Vec<String> = report
            .geometry
            .iter()
            .filter(|m| !m.converged())
            .map(|m| format!("{:.1}", 1.0 / m.density))
            .collect();
        numbers.set(
            "large_unconverged",
            if unconverged.is_empty() { "none".into() } else { unconverged.join(", ") },
        );
        super::width_figure::figure(report, dirs, numbers)?;
        width_table(report, dirs)
    }
    fn json(report: &LargeReport) -> serde_json::Value {
        let all = |v: &[Model]| v.iter().map(model_summary).collect();
        let summary = LargeSummary {
            config: report.config.clone(),
            geometry: all(&report.geometry),
            width: all(&report.width),
            laws: report.laws.clone(),
        };
        rounded_json(&summary, Self::DIGITS)
    }
}

/// The paper's small arrangements, as groups of (features, dimensions),
/// their name and each feature's dimensionality.
const SHAPES: [(usize, usize, &str, &str); 5] = [
    (4, 3, "tetrahedra", "3/4"),
    (3, 2, "triangles", "2/3"),
    (2, 1, "antipodal pairs", "1/2"),
    (5, 2, "pentagons", "2/5"),
    (8, 3, "square antiprisms", "3/8"),
];

/// Where each of the paper's arrangements appears: "tetrahedra (4 features
/// in 3 dimensions, D_i = 3/4) at 1.8; …", at values of 1/(1 − S).
fn shapes(models: &[Model]) -> String {
    let parts: Vec<String> = SHAPES
        .iter()
        .map(|&(features, dims, name, share)| {
            let at: Vec<String> = models
                .iter()
                .filter(|m| m.groups.iter().any(|g| (g.0, g.1) == (features, dims)))
                .map(|m| format!("{:.1}", 1.0 / m.density))
                .collect();
            let place =
                if at.is_empty() { "at no density".to_string() } else { format!("at {}", at.join(", ")) };
            let unit = if dims == 1 { "dimension" } else { "dimensions" };
            format!("{name} ({features} features in {dims} {unit}, $D_i = {share}$) {place}")
        })
        .collect();
    parts.join("; ")
}

/// Features represented per width (rows) and density (columns), with the
/// loss against the known solution.
fn width_table(report: &LargeReport, dirs: &OutDirs) -> anyhow::Result<()> {
    let c = &report.config;
    let mut header = vec!["d".to_string()];
    header.extend(c.width_densities.iter().map(|&p| format!("p = {}", tick_f32(p))));
    let per_width = c.width_densities.len();
    let rows: Vec<Vec<String>> = report
        .width
        .chunks(per_width)
        .zip(&c.widths)
        .map(|(models, d)| {
            let mut row = vec![d.to_string()];
            row.extend(models.iter().map(|m| format!("{} ({:.2})", m.represented, m.loss / m.construction)));
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let text = markdown_table(&header, &vec![true; header.len()], &rows);
    write_atomic(&dirs.generated.join("ch4_width.md"), text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points on each law come back with its constant and no spread; the
    /// other law's fit has a spread.
    #[test]
    fn a_law_fitted_to_its_own_points_is_exact() {
        for law in [Law::Interference, Law::Recovery] {
            let points: Vec<(f64, f64, f64)> = [(0.3, 10.0), (0.1, 20.0), (0.01, 5.0)]
                .iter()
                .map(|&(p, d)| (p, d, d * 0.7 / law.shape(p)))
                .collect();
            let fitted = fit(law, &points);
            assert!((fitted.c - 0.7).abs() < 1e-12 && fitted.rms_log < 1e-12, "{fitted:?}");
            let other = if law == Law::Recovery { Law::Interference } else { Law::Recovery };
            assert!(fit(other, &points).rms_log > 0.1);
        }
    }
}
