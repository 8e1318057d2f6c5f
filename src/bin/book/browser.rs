//! `cargo book browse`: open every page of the rendered book in headless
//! Chromium and check it the way a reader sees it.
//!
//! For each page, a small checker page (written next to it) loads the page in
//! an iframe and reports, after the page has settled:
//! - every `<img>` that did not load (missing or broken figure), and every
//!   figure of the text without a numbered caption ("Figure 3.2 — …", see
//!   the `figures` preprocessor);
//! - every SVG figure of the text whose smallest text, at the size the
//!   browser displays the image, is under [`MIN_TEXT_PX`]: the checker loads
//!   the figure's source, reads the font size of every `<text>` and
//!   `<tspan>` (attribute, style or inherited) and multiplies it by the
//!   image's displayed width over the SVG's own width (its `viewBox`), so a
//!   figure drawn wider than the text column counts at its shrunk size;
//! - every SVG figure that weighs more than [`MAX_FIGURE_KB`], measured as
//!   the bytes the browser loads;
//! - every stylesheet that did not load (disabled alternative themes aside)
//!   and whether the fonts loaded;
//! - formulas: every `<math>` element must take up space on the page (the
//!   browser renders MathML), none may hold an `<merror>`, and no raw LaTeX
//!   (`$…\command…$`) may be left in the text outside code.
//!
//! Chromium runs with `--headless --no-sandbox --disable-gpu`, a fresh
//! user-data folder, no network, and `--allow-file-access-from-files` so the
//! checker can look inside the page. Links inside the book are checked here
//! in Rust: every relative `href` must name a file of the book, and its
//! `#fragment`, if any, an `id` in that file.

use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The smallest text a figure may show, in CSS pixels as displayed (the
/// body text is 16 px; 12 px is the smallest that reads comfortably).
pub const MIN_TEXT_PX: f64 = 12.0;

/// The most a figure's file may weigh, in KB (1024 bytes).
pub const MAX_FIGURE_KB: u64 = 150;

/// The checker page: loads `target` in an iframe and writes its findings as
/// JSON into `<pre id="report">`.
fn checker_page(target: &str) -> String {
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"></head><body>
<pre id="report">pending</pre>
<iframe id="page" src="{target}" style="width:1280px;height:900px"></iframe>
<script>
const frame = document.getElementById('page');
// Report once the page has loaded (the load event may come before this
// script runs, so poll as well), after a moment for fonts and layout.
let started = false;
function ready() {{
  const d = frame.contentDocument;
  if (started || !d || d.readyState !== 'complete' || d.location.href === 'about:blank') return;
  started = true;
  setTimeout(report, 300);
}}
frame.addEventListener('load', ready);
setInterval(ready, 50);
// A file of the book, as bytes (XMLHttpRequest reads file:// URLs, which
// fetch() does not; the status of a file:// load is 0).
function load(url) {{
  return new Promise((resolve, reject) => {{
    const xhr = new XMLHttpRequest();
    xhr.open('GET', url);
    xhr.responseType = 'arraybuffer';
    xhr.onload = () => xhr.status === 0 || xhr.status === 200 ? resolve(xhr.response) : reject(new Error('HTTP ' + xhr.status));
    xhr.onerror = () => reject(new Error('cannot load it'));
    xhr.send();
  }});
}}
// An SVG figure as displayed: its smallest text in CSS pixels, and its weight.
async function measure(img) {{
  const figure = {{ src: img.getAttribute('src'), px: null, bytes: null, error: null }};
  try {{
    await img.decode().catch(() => {{}});
    const bytes = await load(img.src);
    figure.bytes = bytes.byteLength;
    const svg = new DOMParser().parseFromString(new TextDecoder().decode(bytes), 'image/svg+xml');
    const root = svg.documentElement;
    if (root.localName !== 'svg' || svg.getElementsByTagName('parsererror').length) throw new Error('not an SVG file');
    // The SVG's user units, in CSS pixels as displayed: the displayed width
    // over the viewBox (or, without one, over the SVG's own width).
    const rect = img.getBoundingClientRect();
    const box = (root.getAttribute('viewBox') || '').trim().split(/[\s,]+/).map(Number);
    let scale;
    if (box.length === 4 && box[2] > 0 && box[3] > 0) {{
      scale = Math.min(rect.width / box[2], rect.height / box[3]);
    }} else {{
      const width = parseFloat(root.getAttribute('width')) || img.naturalWidth;
      if (!(width > 0)) throw new Error('the SVG has no width');
      scale = rect.width / width;
    }}
    // Font sizes as the browser computes them (attribute, style, inherited,
    // any unit), from a copy of the SVG placed in this (checker) page; an
    // SVG image's own default is 16 px.
    const holder = document.createElement('div');
    holder.style.cssText = 'position:absolute;left:-100000px;top:0;font-size:16px;visibility:hidden';
    holder.appendChild(document.importNode(root, true));
    document.body.appendChild(holder);
    let smallest = Infinity;
    for (const text of holder.querySelectorAll('text, tspan')) {{
      const hasText = [...text.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== '');
      if (hasText) smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize));
    }}
    holder.remove();
    if (smallest < Infinity) figure.px = smallest * scale;
  }} catch (e) {{ figure.error = String(e.message || e); }}
  return figure;
}}
async function report() {{
  const out = {{ images: [], uncaptioned: [], figures: [], sheets: [], fonts: '', math: 0, flatMath: 0, mathErrors: 0, rawLatex: [] }};
  try {{
    const d = frame.contentDocument;
    for (const img of d.images) {{
      if (!(img.complete && img.naturalWidth > 0)) out.images.push(img.getAttribute('src'));
    }}
    for (const img of (d.querySelector('main') || d.body).querySelectorAll('img')) {{
      const caption = img.closest('figure')?.querySelector('figcaption');
      if (!caption || !/^Figure \d+\.\d+ — ./.test(caption.textContent)) out.uncaptioned.push(img.getAttribute('src'));
      // SVG figures that are displayed (the others are reported above).
      if (/\.svg([?#]|$)/i.test(img.getAttribute('src') || '') && img.complete && img.naturalWidth > 0) {{
        out.figures.push(await measure(img));
      }}
    }}
    for (const link of d.querySelectorAll('link[rel=stylesheet]')) {{
      if (!link.disabled && link.sheet === null) out.sheets.push(link.getAttribute('href'));
    }}
    out.fonts = d.fonts.status;
    const maths = d.getElementsByTagName('math');
    out.math = maths.length;
    for (const m of maths) {{
      const r = m.getBoundingClientRect();
      if (!(r.width > 0 && r.height > 0)) out.flatMath++;
    }}
    out.mathErrors = d.getElementsByTagName('merror').length;
    const walker = d.createTreeWalker(d.body, NodeFilter.SHOW_TEXT);
    const latex = /\$[^$]*\\[a-zA-Z]+[^$]*\$/;
    while (walker.nextNode()) {{
      const node = walker.currentNode;
      if (node.parentElement.closest('code, pre, script, style')) continue;
      if (latex.test(node.textContent)) out.rawLatex.push(node.textContent.trim().slice(0, 60));
    }}
  }} catch (e) {{ out.error = String(e); }}
  document.getElementById('report').textContent = 'REPORT' + JSON.stringify(out) + 'END';
}}
</script></body></html>"#
    )
}

/// Find a Chromium binary on PATH.
pub fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file()))
    })
}

/// Every HTML page of the rendered book, relative to `html`.
fn pages(html: &Path) -> Result<Vec<PathBuf>> {
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(html).with_context(|| format!("cannot read {}", html.display()))? {
        let path = entry?.path();
        // 404.html is for a web server: its <base href="/"> points at the
        // site's root, which on disk is the file system's root.
        if path.extension().is_some_and(|e| e == "html") && !path.ends_with("404.html") {
            pages.push(path.strip_prefix(html)?.to_path_buf());
        }
    }
    pages.sort();
    Ok(pages)
}

/// Open one page in Chromium through the checker; the problems found.
fn browse_page(chromium: &Path, html: &Path, page: &Path) -> Result<Vec<String>> {
    let checker = html.join(format!("zz-check-{}", page.display()));
    std::fs::write(&checker, checker_page(&page.display().to_string()))?;
    let profile = tempfile::tempdir()?;
    let output = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"])
        .args(["--no-first-run", "--disable-extensions", "--virtual-time-budget=20000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", checker.display()))
        .output()
        .with_context(|| format!("cannot run {}", chromium.display()))?;
    std::fs::remove_file(&checker)?;
    let dom = String::from_utf8_lossy(&output.stdout);
    let Some(json) = dom.split("REPORT").nth(1).and_then(|s| s.split("END").next()) else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "{}: Chromium produced no report (exit {:?}; stderr: {})",
            page.display(),
            output.status.code(),
            stderr.lines().last().unwrap_or_default()
        );
    };
    let report: serde_json::Value = serde_json::from_str(&json.replace("&quot;", "\"").replace("&amp;", "&"))
        .with_context(|| format!("{}: unreadable report {json}", page.display()))?;
    let mut problems = Vec::new();
    let name = page.display();
    if let Some(e) = report["error"].as_str() {
        problems.push(format!("{name}: the checker failed: {e}"));
    }
    // (A set: mdBook shows each figure twice, once zoomable.)
    let strings = |key: &str| -> BTreeSet<String> {
        report[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect()
    };
    for img in strings("images") {
        problems.push(format!("{name}: figure not displayed: {img}"));
    }
    for img in strings("uncaptioned") {
        problems.push(format!("{name}: figure without a numbered caption: {img}"));
    }
    problems.extend(figure_problems(&name.to_string(), &report["figures"]));
    for sheet in strings("sheets") {
        problems.push(format!("{name}: stylesheet not loaded: {sheet}"));
    }
    if report["fonts"] != "loaded" {
        problems.push(format!("{name}: fonts not loaded ({})", report["fonts"]));
    }
    for (key, what) in [("flatMath", "formulas not rendered"), ("mathErrors", "formulas with errors")] {
        let count = report[key].as_u64().unwrap_or(0);
        if count > 0 {
            problems.push(format!("{name}: {count} {what}"));
        }
    }
    for text in strings("rawLatex") {
        problems.push(format!("{name}: LaTeX left as text: {text}"));
    }
    Ok(problems)
}

/// The problems of the SVG figures the checker measured on page `name`
/// (each figure once, however often the page shows it).
fn figure_problems(name: &str, figures: &serde_json::Value) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for figure in figures.as_array().into_iter().flatten() {
        let src = figure["src"].as_str().unwrap_or_default();
        if !seen.insert(src) {
            continue;
        }
        if let Some(e) = figure["error"].as_str() {
            problems.push(format!("{name}: figure not measured ({e}): {src}"));
            continue;
        }
        // Chromium lays images out in 64ths of a pixel, so a figure drawn at
        // exactly the limit can measure a hair under it. Sizes are rounded
        // down (text) and up (weight), so a figure past a limit never shows
        // the limit itself.
        if let Some(px) = figure["px"].as_f64()
            && px < MIN_TEXT_PX - 0.001
        {
            let px = (px * 10.0).floor() / 10.0;
            problems.push(format!("{name}: figure text {px:.1} px as displayed (< {MIN_TEXT_PX} px): {src}"));
        }
        if let Some(bytes) = figure["bytes"].as_u64()
            && bytes > MAX_FIGURE_KB * 1024
        {
            let kb = (bytes as f64 / 1024.0 * 10.0).ceil() / 10.0;
            problems.push(format!("{name}: figure weighs {kb:.1} KB (> {MAX_FIGURE_KB} KB): {src}"));
        }
    }
    problems
}

/// `href="…"` and `id="…"` values of an HTML file.
fn attributes(text: &str, attribute: &str) -> Vec<String> {
    let needle = format!("{attribute}=\"");
    text.match_indices(&needle)
        .filter_map(|(i, _)| text[i + needle.len()..].split('"').next().map(str::to_string))
        .collect()
}

/// Relative links whose file or fragment does not exist.
fn broken_links(html: &Path, pages: &[PathBuf]) -> Result<Vec<String>> {
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut texts = BTreeMap::new();
    for page in pages {
        let text = std::fs::read_to_string(html.join(page))?;
        ids.insert(page.clone(), attributes(&text, "id").into_iter().collect());
        texts.insert(page.clone(), text);
    }
    let mut broken = Vec::new();
    for (page, text) in &texts {
        for href in attributes(text, "href") {
            if href.contains("://") || href.starts_with("mailto:") || href.starts_with("javascript:") {
                continue;
            }
            let (file, fragment) = href.split_once('#').map_or((href.as_str(), None), |(f, g)| (f, Some(g)));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap_or(Path::new("")).join(file)
            };
            if !file.is_empty() && !html.join(&target).exists() {
                broken.push(format!("{}: link to a missing file: {href}", page.display()));
                continue;
            }
            if let Some(fragment) = fragment.filter(|f| !f.is_empty())
                && target.extension().is_some_and(|e| e == "html")
                && !ids.get(&target).is_some_and(|ids| ids.contains(fragment))
            {
                broken.push(format!("{}: link to a missing anchor: {href}", page.display()));
            }
        }
    }
    Ok(broken)
}

/// Check every page of the rendered book in `html`: the number of pages
/// opened and the problems found.
pub fn browse(html: &Path, chromium: &Path) -> Result<(usize, Vec<String>)> {
    // file:// URLs need an absolute path.
    let html = &html.canonicalize().with_context(|| format!("cannot find {}", html.display()))?;
    let pages = pages(html)?;
    let mut problems = broken_links(html, &pages)?;
    for page in &pages {
        problems.extend(browse_page(chromium, html, page)?);
    }
    Ok((pages.len(), problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chromium, or None (and a note) where a test cannot run without it;
    /// CI installs it (see .ci/run), so there it must be found.
    fn test_chromium() -> Option<PathBuf> {
        let found = chromium();
        if found.is_none() {
            assert!(std::env::var_os("CI").is_none(), "CI must have Chromium");
            eprintln!("skipped: no Chromium on PATH");
        }
        found
    }

    /// A tiny book: one good page, then the same page broken four ways.
    #[test]
    fn finds_missing_figures_raw_latex_and_broken_links() {
        let Some(chromium) = test_chromium() else { return };
        let dir = tempfile::tempdir().unwrap();
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>"#;
        std::fs::write(dir.path().join("fig.svg"), svg).unwrap();
        let page = |body: &str| {
            format!(
                "<!doctype html><html><head><meta charset=\"utf-8\"></head><body><h1 id=\"top\">T</h1>{body}</body></html>"
            )
        };
        let good = r#"<figure><img src="fig.svg"><figcaption>Figure 1.1 — A box</figcaption></figure>
            <p><math><mi>x</mi><mo>=</mo><mn>1</mn></math> <a href="b.html#top">b</a></p>"#;
        std::fs::write(dir.path().join("a.html"), page(good)).unwrap();
        std::fs::write(dir.path().join("b.html"), page("<p>b</p>")).unwrap();
        assert_eq!(browse(dir.path(), &chromium).unwrap(), (2, Vec::<String>::new()));

        std::fs::remove_file(dir.path().join("fig.svg")).unwrap();
        let bad = r#"<p><img src="fig.svg"> $\frac{1}{2}$ <a href="c.html">c</a> <a href="b.html#nowhere">b</a></p>
            <figure><img src="other.svg"><figcaption>a box, unnumbered</figcaption></figure>"#;
        std::fs::write(dir.path().join("a.html"), page(bad)).unwrap();
        let (_, problems) = browse(dir.path(), &chromium).unwrap();
        let has = |s: &str| problems.iter().any(|p| p.contains(s));
        assert!(has("figure not displayed: fig.svg"), "{problems:?}");
        // Both figures lack a numbered caption: one has none, one is unnumbered.
        let uncaptioned = problems.iter().filter(|p| p.contains("without a numbered caption")).count();
        assert_eq!(uncaptioned, 2, "{problems:?}");
        assert!(has("LaTeX left as text"), "{problems:?}");
        assert!(has("missing file: c.html"), "{problems:?}");
        assert!(has("missing anchor: b.html#nowhere"), "{problems:?}");
    }

    /// A figure whose text is large enough as displayed passes; a copy drawn
    /// too wide for its column (so its text shrinks under 12 px) and a copy
    /// padded past 150 KB each fail, once however often the page shows them.
    #[test]
    fn finds_figures_with_small_text_or_heavy_files() {
        let Some(chromium) = test_chromium() else { return };
        let dir = tempfile::tempdir().unwrap();
        // An SVG `width` px wide whose labels are `size` px, with `padding`
        // bytes of comment.
        let svg = |width: u32, size: f64, padding: usize| {
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"200\" viewBox=\"0 0 {width} 200\">\
                 <!-- {} --><g font-family=\"sans-serif\"><text x=\"10\" y=\"50\" font-size=\"{}\">title</text>\
                 <text x=\"10\" y=\"100\" font-size=\"{size}\">label <tspan font-size=\"{}\">sub</tspan></text>\
                 </g></svg>",
                "x".repeat(padding),
                size * 1.2,
                size * 1.1
            )
        };
        let write = |file: &str, text: &str| std::fs::write(dir.path().join(file), text).unwrap();
        // A column 750 px wide, as mdBook's at the checker's 1280 px, with book/figures.css.
        let page = |figures: &[&str]| {
            let figures: String = figures
                .iter()
                .enumerate()
                .map(|(i, src)| {
                    format!(
                        "<figure><img src=\"{src}\"><figcaption>Figure 1.{} — A plot</figcaption></figure>",
                        i + 1
                    )
                })
                .collect();
            format!(
                "<!doctype html><html><head><meta charset=\"utf-8\">\
                 <style>figure {{ margin: 1.5em 0 }} figure img {{ max-width: 100% }}</style>\
                 </head><body><main style=\"width: 750px\">{figures}</main></body></html>"
            )
        };
        // Drawn for the column: 14 px labels shown at 14 px. Drawn twice as
        // wide with 24 px labels: shown at half size, 12 px, just enough.
        write("fig.svg", &svg(750, 14.0, 0));
        write("wide.svg", &svg(1500, 24.0, 0));
        write("a.html", &page(&["fig.svg", "wide.svg"]));
        assert_eq!(browse(dir.path(), &chromium).unwrap(), (1, Vec::<String>::new()));

        // Tampered copies: 16 px labels on a 1500 px drawing (8 px as shown),
        // and the good figure with 160 KB of comment.
        write("small.svg", &svg(1500, 16.0, 0));
        let heavy = svg(750, 14.0, 160 * 1024);
        write("heavy.svg", &heavy);
        write("a.html", &page(&["fig.svg", "small.svg", "heavy.svg", "small.svg", "heavy.svg"]));
        let (_, problems) = browse(dir.path(), &chromium).unwrap();
        let kb = (heavy.len() as f64 / 1024.0 * 10.0).ceil() / 10.0;
        assert_eq!(
            problems,
            [
                "a.html: figure text 8.0 px as displayed (< 12 px): small.svg".to_string(),
                format!("a.html: figure weighs {kb:.1} KB (> 150 KB): heavy.svg"),
            ],
        );
    }
}
