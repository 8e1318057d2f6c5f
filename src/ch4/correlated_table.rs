//! Chapter 4's table of correlated and anti-correlated features.

use super::Report;
use super::figures::tick_f32;
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};

/// One row per structure and density: what the kept model learned, against
/// the cheapest construction on the same samples.
pub fn table(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let rows: Vec<Vec<String>> = report
        .correlated
        .iter()
        .map(|r| {
            let (best, best_loss) = r.best_construction();
            vec![
                r.structure.name().to_string(),
                tick_f32(r.density),
                format!("({:.2}, {:.2})", r.w[0], r.w[1]).replace('-', "−"),
                format!("{} ({}/{})", r.arrangement.name(), r.copies_found, r.copies),
                format!("{:.3}", 1e3 * r.loss),
                format!("{:.3} ({})", 1e3 * best_loss, best.name()),
            ]
        })
        .collect();
    let text = markdown_table(
        &["features", "p", "kept W", "arranged (copies)", "loss ×10⁻³", "cheapest construction ×10⁻³"],
        &[false, true, false, false, true, false],
        &rows,
    );
    write_atomic(&dirs.generated.join("ch4_correlated.md"), text.as_bytes())?;
    let seeds = report.correlated.first().map_or(0, |r| r.copies);
    numbers.set("correlated_copies", seeds.to_string());
    Ok(())
}
