//! The examples' command lines: help, bad input (one line, exit code 2, no
//! files written), and a good quick run.
//!
//! `cargo test` builds the examples next to the test binaries
//! (target/<profile>/examples), which is where these tests find them.

use std::path::PathBuf;
use std::process::{Command, Output};

fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let path = deps.parent().unwrap().join("examples").join(name);
    assert!(path.exists(), "{} not built; run `cargo test`", path.display());
    path
}

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example(name)).args(args).output().unwrap()
}

fn assert_bad_input(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: exit code; stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{what}: want one line, got: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

#[test]
fn help_explains_the_flags() {
    let out = run("ch1_dimension", &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--seed", "--out", "--quick", "--tolerance", "--vectors"] {
        assert!(text.contains(flag), "--help does not mention {flag}");
    }
}

#[test]
fn bad_input_is_one_line_and_exit_code_two() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["--bogus"],
        &["--seed", "abc"],
        &["--seed", "-1"],
        &["--vectors", "0"],
        &["--vectors", "1"],
        &["--tolerance", "0"],
        &["--tolerance", "90.5"],
        &["--tolerance", "NaN"],
        &["--tolerance", "-3"],
        &["--out"],
    ];
    for args in cases {
        let mut full = args.to_vec();
        full.extend(["--quick", "--out", out]);
        if args == &["--out"] {
            full = vec!["--quick", "--out"];
        }
        assert_bad_input(&run("ch1_dimension", &full), &args.join(" "));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "bad input wrote files");
}

#[test]
fn unwritable_output_is_one_line_and_exit_code_two() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let out = run("ch1_dimension", &["--quick", "--out", blocker.join("sub").to_str().unwrap()]);
    assert_bad_input(&out, "--out under a file");
}

#[test]
fn quick_run_writes_figures_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = run("ch1_dimension", &["--quick", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["figures/ch1_angle_histograms.svg", "figures/ch1_gram_schmidt.svg", "generated/ch1.json"] {
        assert!(dir.path().join(f).exists(), "{f} missing");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("generated/ch1.json")).unwrap()).unwrap();
    assert_eq!(json["config"]["seed"], 2022);
}

#[test]
fn ch3_bad_input_is_one_line_and_exit_code_two() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["--eps", "0"],
        &["--eps", "1"],
        &["--eps", "1.5"],
        &["--eps", "NaN"],
        &["--points", "0"],
        &["--points", "1"],
        &["--dim", "0"],
        &["--k", "0"],
        &["--k", "10,5000"],
        &["--dim", "20", "--k", "25"],
        &["--k", "a,b"],
        &["--frobnicate"],
    ];
    for args in cases {
        let mut full = args.to_vec();
        full.extend(["--quick", "--out", out]);
        assert_bad_input(&run("ch3_jl", &full), &args.join(" "));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "bad input wrote files");
}

#[test]
fn ch3_quick_run_with_flags() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--quick", "--points", "30", "--dim", "200", "--eps", "0.3", "--k", "10,50"];
    let mut full = args.to_vec();
    full.extend(["--out", dir.path().to_str().unwrap()]);
    let out = run("ch3_jl", &full);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("generated/ch3.json")).unwrap()).unwrap();
    assert_eq!(json["config"]["points"], 30);
    assert_eq!(json["config"]["ks"], serde_json::json!([10, 50]));
    let help = run("ch3_jl", &["--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in ["--points", "--dim", "--eps", "--k", "--seed", "--quick", "--out"] {
        assert!(text.contains(flag), "--help does not mention {flag}");
    }
}

#[test]
fn ch2_bad_input_is_one_line_and_exit_code_two() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let cases: &[&[&str]] =
        &[&["--angles", "0"], &["--angles", "91"], &["--angles", "NaN"], &["--dims", "1"], &["--dims", "x"]];
    for args in cases {
        let mut full = args.to_vec();
        full.extend(["--quick", "--out", out]);
        assert_bad_input(&run("ch2_near_orthogonality", &full), &args.join(" "));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "bad input wrote files");
}

#[test]
fn ch4_bad_input_is_one_line_and_exit_code_two() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let cases: &[&[&str]] =
        &[&["--steps", "0"], &["--steps", "-5"], &["--seeds", "0"], &["--seeds", "two"], &["--large"]];
    for args in cases {
        let mut full = args.to_vec();
        full.extend(["--quick", "--out", out]); // --large with --quick: a conflict
        assert_bad_input(&run("ch4_polysemantic", &full), &args.join(" "));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "bad input wrote files");
}

#[test]
fn ch4_quick_run_with_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        "ch4_polysemantic",
        &["--quick", "--steps", "200", "--seeds", "2", "--out", dir.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = std::fs::read_to_string(dir.path().join("generated/ch4.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["config"]["train"]["steps"], 200);
    assert_eq!(report["config"]["seeds"], 2);
    assert!(dir.path().join("figures/ch4_phase.svg").exists());
}

#[test]
fn ch5_bad_input_is_one_line_and_exit_code_two() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let cases: &[&[&str]] =
        &[&["--steps", "0"], &["--steps", "many"], &["--large", "--quick"], &["--seed", "-1"]];
    for args in cases {
        let mut full = args.to_vec();
        if !args.contains(&"--quick") {
            full.push("--quick");
        }
        full.extend(["--out", out]);
        assert_bad_input(&run("ch5_sae", &full), &args.join(" "));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "bad input wrote files");
}

#[test]
fn ch5_quick_run_with_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        run("ch5_sae", &["--quick", "--steps", "300", "--seed", "7", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = std::fs::read_to_string(dir.path().join("generated/ch5.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["config"]["train"]["steps"], 300);
    assert_eq!(report["config"]["seed"], 7);
    // Resampling moves with the training length: step 300 of 600 becomes 150 of 300.
    assert_eq!(report["config"]["resample"]["at_steps"], serde_json::json!([150]));
    for figure in ["ch5_mmcs", "ch5_frontier", "ch5_heatmap", "ch5_dead", "ch5_loop"] {
        assert!(dir.path().join(format!("figures/{figure}.svg")).exists(), "{figure}");
    }
}

/// Every file under `dir/figures` and `dir/generated`, with its bytes.
fn outputs(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    for sub in ["figures", "generated"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            files.insert(
                format!("{sub}/{}", path.file_name().unwrap().to_string_lossy()),
                std::fs::read(&path).unwrap(),
            );
        }
    }
    files
}

fn staging_folders(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".partial-"))
        .count()
}

#[test]
fn a_killed_run_leaves_the_folders_as_they_were() {
    let args = ["--quick", "--steps", "600"];
    fn with_out<'a>(args: &[&'a str], dir: &'a std::path::Path) -> Vec<&'a str> {
        [args, &["--out", dir.to_str().unwrap()]].concat()
    }
    // What a complete run writes.
    let complete = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let out = run("ch4_polysemantic", &with_out(&args, complete.path()));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let duration = start.elapsed();
    let written = outputs(complete.path()).len();
    // A folder from an earlier run: one file the chapter rewrites, one it does not touch.
    let seed_old = |dir: &std::path::Path| {
        for (file, text) in [("generated/ch4.json", "old"), ("figures/other.svg", "<svg/>")] {
            std::fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
            std::fs::write(dir.join(file), text).unwrap();
        }
    };
    let old_dir = tempfile::tempdir().unwrap();
    seed_old(old_dir.path());
    let old = outputs(old_dir.path());
    let mut new = old.clone();
    new.extend(outputs(complete.path()));
    // Stopped in the middle of writing its outputs (after the first, a middle
    // and the last file): the folder is as it was.
    for n in [1, written / 2, written] {
        let dir = tempfile::tempdir().unwrap();
        seed_old(dir.path());
        let out = Command::new(example("ch4_polysemantic"))
            .args(with_out(&args, dir.path()))
            .env("SUPERPOSITION_ABORT_AFTER_WRITES", n.to_string())
            .output()
            .unwrap();
        assert!(!out.status.success(), "the run was to stop after {n} files");
        assert!(
            outputs(dir.path()) == old,
            "a run stopped after writing {n} of {written} files changed the folder"
        );
        // The next run finishes and removes what the stopped one left behind.
        let out = run("ch4_polysemantic", &with_out(&args, dir.path()));
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(outputs(dir.path()) == new, "the run after a stopped one did not write everything");
        assert_eq!(staging_folders(dir.path()), 0, "an abandoned staging folder was left");
    }
    // Killed at four moments of the run: the old folder or the complete new one.
    for k in 1..=4 {
        let dir = tempfile::tempdir().unwrap();
        seed_old(dir.path());
        let mut child = Command::new(example("ch4_polysemantic"))
            .args(with_out(&args, dir.path()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(duration * k / 4);
        let _ = child.kill();
        child.wait().unwrap();
        let now = outputs(dir.path());
        assert!(now == old || now == new, "a kill at {k}/4 of the run left a mixture of old and new files");
    }
}

#[test]
fn sizes_beyond_the_memory_are_refused_before_anything_is_allocated() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("ch1_dimension", &["--vectors", "100000000000"]),
        ("ch3_jl", &["--points", "100000000"]),
        ("ch3_jl", &["--dim", "100000000"]),
        ("ch4_polysemantic", &["--seeds", "100000000"]),
    ];
    for (example, args) in cases {
        let start = std::time::Instant::now();
        let result = run(example, &[args, &["--out", out][..]].concat());
        let what = format!("{example} {}", args.join(" "));
        assert_bad_input(&result, &what);
        assert!(String::from_utf8_lossy(&result.stderr).contains("of memory"), "{what}: not about memory");
        assert!(start.elapsed().as_secs_f64() < 10.0, "{what}: refused only after {:?}", start.elapsed());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "a refused run wrote files");
}

#[test]
fn a_run_of_hours_says_so_before_it_starts() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let runs: [(&str, &[&str]); 3] = [
        ("ch4_polysemantic", &["--seeds", "3000"]),
        ("ch4_polysemantic", &["--large", "--steps", "99999999999"]),
        ("ch5_sae", &["--steps", "99999999999"]),
    ];
    for (name, args) in runs {
        let mut child = Command::new(example(name))
            .args(args)
            .args(["--out", dir.path().to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
        let _ = child.kill();
        child.wait().unwrap();
        assert!(
            line.contains("this run should take about") && (line.contains(" h ") || line.contains("years")),
            "{name}: {line}"
        );
    }
}
