//! Lines through the origin of R³: the optimiser against the literature.

use super::*;
use ndarray::Array2;
use serde::Serialize;

/// One entry of the literature's table of line packings in R³.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KnownLines {
    /// Number of lines N.
    pub n: usize,
    /// The best known minimal squared chordal distance sin²θ, as tabulated.
    pub sin2: f64,
    /// Where optimality is proven, if it is.
    pub proven: Option<&'static str>,
}

impl KnownLines {
    /// The best known minimum angle between two of the N lines, in degrees.
    pub fn min_angle_deg(&self) -> f64 {
        self.sin2.sqrt().asin().to_degrees()
    }

    /// The best known max |cos| = √(1 − sin²θ).
    pub fn max_abs_cos(&self) -> f64 {
        (1.0 - self.sin2).max(0.0).sqrt()
    }
}

/// Where N = 5 and N = 7 are settled: earlier work, as summarised by Mixon & Parshall.
const SOLVED_BEFORE_2019: &str =
    "solved before 2019, as stated by D. G. Mixon and H. Parshall, arXiv:1902.10177";

/// The proof for N = 8.
const MIXON_PARSHALL: &str = "D. G. Mixon and H. Parshall, \"The optimal packing of eight points in the real \
                              projective plane\", arXiv:1902.10177 (2019)";

/// The best known packings of N = 3…16 lines through the origin of R³.
///
/// Literature data, not computed here. Source: N. J. A. Sloane, "Table of best
/// Grassmannian packings" (<http://neilsloane.com/grass/grassTab.html>, last
/// changed 1997), the column for lines in R³, which gives the squared chordal
/// distance sin²θ of the best packing found by J. H. Conway, R. H. Hardin and
/// N. J. A. Sloane, "Packing lines, planes, etc.: packings in Grassmannian
/// spaces", Experimental Mathematics 5 (1996) 139–159. The digits are as
/// tabulated (the table's N = 5 entry reads 0.799999999999999, which is 4/5);
/// the entries for N = 4, 6 and 7 agree with their closed forms to 15 digits
/// (see the tests).
///
/// Proven optimal: N = 3 (an orthonormal basis), N = 4 and N = 6 (they meet
/// the Welch bound: four diagonals of a cube, |cos| = 1/3; six diagonals of
/// the icosahedron, |cos| = 1/√5), N = 5 and N = 7 (solved earlier: Mixon &
/// Parshall write that "until now only the cases n ≤ 7 have been solved"; the
/// original proofs are not cited here), and N = 8 (Mixon & Parshall,
/// arXiv:1902.10177). From N = 9 on, the values are the best known, not proven.
// ANCHOR: lines_r3
pub const LINES_R3: [KnownLines; 14] = [
    KnownLines { n: 3, sin2: 1.0, proven: Some("orthonormal basis: |cos| = 0") },
    KnownLines { n: 4, sin2: 0.888888888888889, proven: Some("meets the Welch bound, |cos| = 1/3") },
    KnownLines { n: 5, sin2: 0.799999999999999, proven: Some(SOLVED_BEFORE_2019) },
    KnownLines { n: 6, sin2: 0.8, proven: Some("meets the Welch bound, |cos| = 1/√5") },
    KnownLines { n: 7, sin2: 0.666666666666667, proven: Some(SOLVED_BEFORE_2019) },
    KnownLines { n: 8, sin2: 0.580628514621758, proven: Some(MIXON_PARSHALL) },
    KnownLines { n: 9, sin2: 0.551954085526548, proven: None },
    KnownLines { n: 10, sin2: 0.529210992451761, proven: None },
    KnownLines { n: 11, sin2: 0.489583348932409, proven: None },
    KnownLines { n: 12, sin2: 0.445688721477877, proven: None },
    KnownLines { n: 13, sin2: 0.40996497110847, proven: None },
    KnownLines { n: 14, sin2: 0.390628992130893, proven: None },
    KnownLines { n: 15, sin2: 0.381325614173148, proven: None },
    KnownLines { n: 16, sin2: 0.368524269666694, proven: None },
];
// ANCHOR_END: lines_r3

/// The table entry for N lines in R³, if N is in 3…16.
pub fn known_lines_r3(n: usize) -> Option<&'static KnownLines> {
    LINES_R3.iter().find(|k| k.n == n)
}

/// A packing of lines found by the optimiser.
#[derive(Debug, Clone, Serialize)]
pub struct LinePacking {
    pub n: usize,
    /// One unit vector per line (rows).
    #[serde(skip)]
    pub vectors: Array2<f32>,
    pub max_abs_cos: f64,
    /// The smallest angle between two of the lines, arccos(max |cos|), in degrees.
    pub min_angle_deg: f64,
}

/// The best packing of N lines in R^d the smooth-max optimiser finds in
/// `restarts` restarts of `config`.
pub fn best_lines(n: usize, d: usize, config: &SmoothMaxConfig, restarts: usize, seed: u64) -> LinePacking {
    let (vectors, max_abs_cos) = minimise_worst_cos_with(n, d, config, restarts, seed);
    LinePacking { n, vectors, max_abs_cos, min_angle_deg: max_abs_cos.acos().to_degrees() }
}
