//! The bench's report and `bench compare`, run as a user runs them.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{batchverify, bench_run};

/// `bench` with the shortest timing and a report into `dir`, which must succeed.
fn report(dir: &Path, args: &[&str]) -> String {
    bench_run(&[args, &["--report", dir.to_str().unwrap()]].concat());
    std::fs::read_to_string(dir.join("report.md")).unwrap()
}

/// Every `![title](file.svg)` of the report with the series its table lists after it.
fn plots_and_tables(markdown: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut plots = Vec::new();
    let mut lines = markdown.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(file) = line
            .strip_prefix("![")
            .and_then(|rest| rest.split_once("]("))
            .and_then(|(_, file)| file.strip_suffix(')'))
        else {
            continue;
        };
        let mut series = BTreeSet::new();
        for row in lines
            .by_ref()
            .skip_while(|l| !l.starts_with("| implementation"))
            .skip(2)
        {
            let Some(cells) = row.strip_prefix("| ") else {
                break;
            };
            let name = cells.split(" | ").next().unwrap();
            series.insert(name.trim_end_matches(" (peer)").to_string());
        }
        plots.push((file.to_string(), series));
    }
    plots
}

/// The text of every element of an SVG document, which must parse as XML.
fn svg_texts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let document = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| node.text().map(|text| text.trim().to_string()))
        .collect()
}

#[test]
fn the_report_plots_one_series_per_implementation_and_its_json_fits_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let markdown = report(
        dir.path(),
        &[
            "--suite",
            "ed25519,sha256",
            "--sizes",
            "4,8",
            "--threads",
            "2",
        ],
    );
    let plots = plots_and_tables(&markdown);
    for sweep in ["batch-size", "scaling-with-threads", "failure-rate-sweep"] {
        assert!(
            plots.iter().any(|(file, _)| file.contains(sweep)),
            "no {sweep} plot in {plots:?}"
        );
    }
    for (file, series) in &plots {
        assert!(series.len() >= 2, "{file}: {series:?}");
        let texts = svg_texts(&dir.path().join(file));
        for name in series {
            let shown = texts.iter().filter(|t| *t == name).count();
            assert_eq!(shown, 1, "{file}: legend entries for {name:?} in {texts:?}");
        }
    }
    assert!(markdown.contains("single-call latency"), "{markdown}");
    assert!(markdown.contains("| commit |"), "{markdown}");

    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("bench.json")).unwrap())
            .unwrap();
    let errors: Vec<String> = validator.iter_errors(&run).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut broken = run.clone();
    broken["records"][0]["regime"] = serde_json::json!("lukewarm");
    assert!(!validator.is_valid(&broken), "the schema checks regimes");
}

/// A hand-made run whose rows have these rates and spreads.
fn run_file(dir: &Path, name: &str, rows: &[(&str, f64, f64)]) -> String {
    let records: Vec<serde_json::Value> = rows
        .iter()
        .map(|&(workload, rate, spread)| {
            let seconds = if rate > 0.0 { 512.0 / rate } else { 1.0 };
            serde_json::json!({
                "suite": "ed25519", "sweep": "batch_size", "workload": workload,
                "regime": "cold", "bad_percent": null, "bad_items": 0,
                "implementation": "batchverify",
                "operation": "verify_batch zip215", "backend": "cpu", "path": "avx2",
                "batch_size": 512, "threads": 2, "unit": "signatures",
                "items_per_second": rate, "baseline": false, "samples": 9,
                "p50_seconds": seconds, "p99_seconds": seconds,
                "min_seconds": seconds, "max_seconds": seconds, "spread": spread
            })
        })
        .collect();
    let run = serde_json::json!({
        "schema_version": 2,
        "machine": {
            "date": "2026-11-26", "commit": "abc1234", "command": "batchverify bench",
            "cpu_model": "hand-made", "cores": 2, "threads": 2, "features": [],
            "code_paths": {}, "gpu_adapter": null,
            "versions": {"batchverify": "0.1.0", "rustc": "rustc 1.95.0"}, "min_time_ms": 300
        },
        "records": records,
        "failures": []
    });
    let path = dir.join(name);
    std::fs::write(&path, run.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

/// The line of `compare`'s output for `workload`.
fn row_of(output: &str, workload: &str) -> String {
    output
        .lines()
        .find(|line| line.contains(&format!("| {workload}, cold |")))
        .unwrap_or_else(|| panic!("no {workload} row: {output}"))
        .to_string()
}

#[test]
fn compare_divides_each_row_and_marks_what_moved_beyond_the_noise() {
    let dir = tempfile::tempdir().unwrap();
    let before = run_file(
        dir.path(),
        "before.json",
        &[
            ("doubled", 1000.0, 0.02),
            ("noise", 1000.0, 0.05),
            ("gone", 10.0, 0.0),
        ],
    );
    let after = run_file(
        dir.path(),
        "after.json",
        &[
            ("doubled", 2000.0, 0.03),
            ("noise", 1020.0, 0.05),
            ("new", 10.0, 0.0),
        ],
    );
    let out = batchverify(&["bench", "compare", &before, &after], "");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(row_of(&stdout, "doubled").contains("2.000x"), "{stdout}");
    assert!(row_of(&stdout, "doubled").ends_with("MOVED"), "{stdout}");
    assert!(row_of(&stdout, "noise").contains("1.020x"), "{stdout}");
    assert!(!row_of(&stdout, "noise").contains("MOVED"), "{stdout}");
    assert!(stdout
        .lines()
        .any(|l| l.starts_with("only before:") && l.contains("gone")));
    assert!(stdout
        .lines()
        .any(|l| l.starts_with("only after:") && l.contains("new")));

    // Within-run spreads of 5% + 5% do not explain a 12% change; a repeat of the before run
    // that strayed 15% does, and still not a doubling.
    let repeat = run_file(
        dir.path(),
        "repeat.json",
        &[("doubled", 1010.0, 0.02), ("noise", 850.0, 0.05)],
    );
    let after_more = run_file(
        dir.path(),
        "after-more.json",
        &[("doubled", 2000.0, 0.0), ("noise", 1120.0, 0.05)],
    );
    let out = batchverify(&["bench", "compare", &before, &after_more], "");
    let without_repeat = String::from_utf8(out.stdout).unwrap();
    assert!(
        row_of(&without_repeat, "noise").ends_with("MOVED"),
        "{without_repeat}"
    );
    let out = batchverify(
        &[
            "bench",
            "compare",
            &before,
            &after_more,
            "--repeat",
            &repeat,
        ],
        "",
    );
    let with_repeat = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{with_repeat}");
    assert!(
        !row_of(&with_repeat, "noise").ends_with("MOVED"),
        "{with_repeat}"
    );
    assert!(
        row_of(&with_repeat, "doubled").ends_with("MOVED"),
        "{with_repeat}"
    );

    let zero_rate = run_file(dir.path(), "zero.json", &[("stalled", 0.0, 0.0)]);
    let out = batchverify(&["bench", "compare", &before, &zero_rate], "");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("zero.json: record stalled, cold"),
        "{stderr}"
    );

    let not_json = dir.path().join("not.json");
    std::fs::write(&not_json, "{}").unwrap();
    let out = batchverify(
        &["bench", "compare", &before, not_json.to_str().unwrap()],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not.json is not a bench JSON file"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_report_is_written_again_from_a_runs_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = run_file(dir.path(), "run.json", &[("made elsewhere", 1000.0, 0.02)]);
    let out_dir = dir.path().join("report");
    let out = batchverify(&["bench", "report", &json, out_dir.to_str().unwrap()], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let markdown = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(markdown.contains("### throughput against batch size, made elsewhere, cold"));
    assert!(
        markdown.contains("| batchverify verify_batch zip215 | avx2 | 512 | 2 |"),
        "{markdown}"
    );
    assert!(markdown.contains("| CPU | hand-made |"), "{markdown}");
    assert!(!markdown.contains("Rows not recorded"), "{markdown}");

    // A run with a case that failed says so in its report.
    let mut run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    run["failures"] =
        serde_json::json!(["merkle batchverify tree (ssz) [gpu] gave a wrong result"]);
    std::fs::write(&json, run.to_string()).unwrap();
    let out = batchverify(&["bench", "report", &json, out_dir.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0));
    let markdown = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(
        markdown.contains("## Rows not recorded (a wrong result or a failure)\n\n- merkle batchverify tree (ssz) [gpu] gave a wrong result"),
        "{markdown}"
    );
}
