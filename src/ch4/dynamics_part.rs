//! Chapter 4's learning dynamics: six features of equal importance in two
//! dimensions, watched while they train, beside the regular polygons they
//! can rest on (see [`crate::toy::dynamics`]).

use serde::{Deserialize, Serialize};

use super::Config;
use crate::rng::stream;
use crate::toy::dynamics::{
    Polygon, Snapshot, best_polygon, expected_loss, log_steps, polygon_params, watch,
};
use crate::toy::known::construction_params;
use crate::toy::model::{Init, Kind, Spec};
use crate::toy::train::{Job, train_from, train_one};

/// Features of the watched model (in d = 2).
pub const FEATURES: usize = 6;
/// Snapshots per factor of ten in steps.
pub const PER_DECADE: usize = 25;
/// How close (as a fraction) the loss must be to a k-gon's to count as
/// resting at its level.
pub const LEVEL_TOL: f64 = 0.05;
const STREAM: u64 = 11 << 32;

/// What the dynamics part computes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dynamics {
    pub density: f32,
    /// The regular k-gons, k = 3 … N, each at its best norm and bias.
    pub polygons: Vec<Polygon>,
    /// The construction's loss: two features, one dimension each.
    pub construction: f64,
    /// Every copy's expected loss, trained from a random start (the
    /// reference setup). All losses here are [`expected_loss`]: on the
    /// trainer's evaluation set two features meet too rarely at this density.
    pub copies: Vec<f64>,
    /// Copy 0 and the copy with the lowest loss, watched.
    pub watched: Vec<Watched>,
    /// Trained from the k-gon itself (k = N − 1 and N): (k, the loss it ends at).
    pub from_polygons: Vec<(usize, f64)>,
}

/// One copy's training, snapshot by snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Watched {
    pub copy: usize,
    pub snapshots: Vec<Snapshot>,
}

impl Dynamics {
    /// The polygon with the lowest loss.
    pub fn best_polygon(&self) -> &Polygon {
        self.polygons.iter().min_by(|a, b| a.loss.total_cmp(&b.loss)).expect("polygons")
    }
}

/// Copy `r`'s job.
fn job(density: f32, r: usize) -> Job {
    let spec = Spec::new(Kind::ReluOutput, FEATURES, 2);
    Job { spec, density, importance: vec![1.0; FEATURES], init: Init::Xavier, stream: STREAM + r as u64 }
}

pub fn run(config: &Config) -> Dynamics {
    let density = config.dynamics_density;
    let base = job(density, 0);
    let (train, seed) = (&config.train, config.seed);
    let ks: Vec<usize> = (3..=FEATURES).collect();
    let polygons = crate::parallel::map(&ks, |&k| best_polygon(&base, k, seed));
    let copies: Vec<usize> = (0..config.dynamics_copies).collect();
    let losses = crate::parallel::map(&copies, |&r| {
        let job = job(density, r);
        expected_loss(&job, &train_one(&job, train, seed, |_| {}).params, seed)
    });
    let best = (0..losses.len()).min_by(|&a, &b| losses[a].total_cmp(&losses[b])).expect("a copy");
    // Two copies trained again, watched (the same bits): cheaper than
    // snapshotting all of them the first time.
    let at = log_steps(train.steps, PER_DECADE);
    let shown: Vec<usize> = if best == 0 { vec![0] } else { vec![0, best] };
    let watched = crate::parallel::map(&shown, |&r| {
        let (_, snapshots) = watch(&job(density, r), train, seed, &at);
        Watched { copy: r, snapshots }
    });
    let starts: Vec<&Polygon> = polygons.iter().filter(|p| p.k + 1 >= FEATURES).collect();
    let from_polygons = crate::parallel::map(&starts, |p| {
        let params = polygon_params(&base.spec, p.k, p.radius, p.bias, density);
        let mut rng = stream(seed, STREAM + 0x100 + p.k as u64);
        (p.k, expected_loss(&base, &train_from(&base, train, seed, params, &mut rng, |_| {}).params, seed))
    });
    let built = construction_params(&base.spec, &base.importance, density);
    Dynamics {
        density,
        polygons,
        construction: expected_loss(&base, &built, seed),
        copies: losses,
        watched,
        from_polygons,
    }
}
