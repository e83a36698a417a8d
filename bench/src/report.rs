//! `bench --report DIR`: `report.md`, its SVG plots and the run's JSON, from the records of one
//! run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;

use crate::{Record, Run, Sweep};

/// One line of a plot: its name and its (x, y) points in x order.
type Series = (String, Vec<(f64, f64)>);

/// The rules every row follows, as the report states them.
const FAIRNESS: &str = "\
- Every row of a group ran on the same inputs, on the same threads, in this one run; \
  `vs peer` divides by the group's fastest peer row (marked `(peer)`), so it is against the \
  strongest peer measured. In the failure-rate sweep the divisor is our own verify, one item \
  at a time, on the same threads.
- **cold**: keys never seen; our key cache emptied before every timed call, the peer decoding \
  (and validating) every key inside it. **warm**: repeated keys; our cache warm, the peer \
  given keys parsed and validated outside the timed call, as a node keeps them.
- rs_merkle builds on one thread, so it is measured only at one thread, beside ours at one.
- Every call checks its result; `p50`/`p99` are per-call latencies (with few calls, `p99` is the \
  slowest), `spread` the interquartile range of the calls over their median, within this run.";

/// Writes the report of `run` into `dir` (created if missing); the files written.
pub fn write(dir: &Path, run: &Run) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut md = String::new();
    let machine = &run.machine;
    let _ = writeln!(md, "# batchverify benchmark report\n");
    let _ = writeln!(md, "| | |\n|---|---|");
    let mut facts = vec![
        ("date (UTC)", machine.date.clone()),
        ("commit", machine.commit.clone()),
        ("command", format!("`{}`", machine.command)),
        ("CPU", machine.cpu_model.clone()),
        (
            "cores / threads",
            format!("{} / {}", machine.cores, machine.threads),
        ),
        ("features", machine.features.join(" ")),
        (
            "GPU",
            machine
                .gpu_adapter
                .clone()
                .unwrap_or_else(|| "none measured".to_string()),
        ),
        (
            "minimum time per row",
            format!("{} ms", machine.min_time_ms),
        ),
    ];
    for (operation, path) in &machine.code_paths {
        facts.push(("code path", format!("{operation}: {path}")));
    }
    for (name, version) in &machine.versions {
        facts.push(("version", format!("{name} {version}")));
    }
    for (name, value) in facts {
        let _ = writeln!(md, "| {name} | {} |", value.replace('|', "\\|"));
    }
    let _ = writeln!(md, "\n## Fairness rules\n\n{FAIRNESS}\n");
    let mut suites: Vec<&str> = Vec::new();
    for record in &run.records {
        if !suites.contains(&record.suite.as_str()) {
            suites.push(&record.suite);
        }
    }
    if !run.failures.is_empty() {
        let _ = writeln!(md, "## Rows not recorded (a wrong result or a failure)\n");
        for failure in &run.failures {
            let _ = writeln!(md, "- {failure}");
        }
        md.push('\n');
    }
    for suite in suites {
        let _ = writeln!(md, "## {suite}\n");
        for sweep in Sweep::ALL {
            for group in groups(&run.records, suite, sweep) {
                let first = group[0];
                let title = format!(
                    "{suite}: {}, {}",
                    axis_title(suite, sweep),
                    group_name(first)
                );
                let _ = writeln!(md, "### {}\n", &title[suite.len() + 2..]);
                if let Some(file) = plot_group(dir, &title, sweep, &group)? {
                    let _ = writeln!(md, "![{title}]({file})\n");
                    written.push(dir.join(file));
                }
                md += &table(&group, &run.records);
            }
        }
    }
    if let Some(file) = plot_gpu(dir, &run.records)? {
        let _ = writeln!(md, "## GPU against CPU (Merkle roots)\n");
        let _ = writeln!(md, "![GPU against CPU]({file})\n");
        let _ = writeln!(md, "{}\n", crossover_sentence(&run.records));
        written.push(dir.join(file));
    }
    let json = serde_json::to_string_pretty(run).map_err(|e| e.to_string())?;
    for (name, text) in [("report.md", md), ("bench.json", json)] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// What the run measured about `Auto`'s crossover, in a sentence.
pub fn crossover_sentence(records: &[Record]) -> String {
    match crate::crossover(records) {
        None => "No GPU rows in this run.".to_string(),
        Some(Some(size)) => format!(
            "Auto crossover, measured: the GPU's end-to-end root beats the CPU's from {size} \
             leaves in this run (BATCHVERIFY_GPU_CROSSOVER={size} sets it)."
        ),
        Some(None) => "Auto crossover, measured: the GPU's end-to-end root did not beat the \
                       CPU's at the largest size of this run."
            .to_string(),
    }
}

/// The records of `suite` and `sweep`, split into the groups one plot and table show: same
/// workload and regime (and, but for the axis the sweep varies, the same size and threads).
fn groups<'a>(records: &'a [Record], suite: &str, sweep: Sweep) -> Vec<Vec<&'a Record>> {
    let mut groups: Vec<Vec<&Record>> = Vec::new();
    for record in records
        .iter()
        .filter(|r| r.suite == suite && r.sweep == sweep)
    {
        // Failure rates and thread counts are the axis, not separate groups.
        let workload = |r: &Record| (r.workload.clone(), r.regime);
        match groups
            .iter_mut()
            .find(|g| workload(g[0]) == workload(record))
        {
            Some(group) => group.push(record),
            None => groups.push(vec![record]),
        }
    }
    groups
}

fn group_name(record: &Record) -> String {
    match record.regime {
        Some(regime) => format!("{}, {regime}", record.workload),
        None => record.workload.clone(),
    }
}

/// What a suite's sweep varies: SHA-256's "batch size" is the message length.
fn axis_title(suite: &str, sweep: Sweep) -> &'static str {
    match (suite, sweep) {
        ("sha256", Sweep::BatchSize) => "throughput against message length",
        _ => sweep.title(),
    }
}

/// The x value of a record on its sweep's axis.
fn x_of(record: &Record) -> f64 {
    match record.sweep {
        Sweep::BatchSize | Sweep::SingleCall => record.batch_size as f64,
        Sweep::Threads => record.threads as f64,
        Sweep::FailureRate => record.bad_percent.unwrap_or(0.0),
    }
}

/// One series per implementation (and operation) measured, points in x order.
fn series(records: &[&Record]) -> Vec<Series> {
    let mut all: Vec<Series> = Vec::new();
    for record in records {
        let name = record.series();
        let point = (x_of(record), record.items_per_second);
        match all.iter_mut().find(|(n, _)| *n == name) {
            Some((_, points)) => points.push(point),
            None => all.push((name, vec![point])),
        }
    }
    for (_, points) in &mut all {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    all
}

/// The file name a plot of `title` gets.
fn file_name(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    format!("{}.svg", slug.trim_matches('-'))
}

/// Plots a group whose axis has at least two points; the file name, or `None` for a group a
/// table shows better (one size, single calls).
fn plot_group(
    dir: &Path,
    title: &str,
    sweep: Sweep,
    group: &[&Record],
) -> Result<Option<String>, String> {
    let mut xs: Vec<f64> = group.iter().map(|r| x_of(r)).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    if xs.len() < 2 || sweep == Sweep::SingleCall {
        return Ok(None);
    }
    let unit = &group[0].unit;
    let y_desc = format!("{unit} per second");
    let file = file_name(title);
    let path = dir.join(&file);
    let series = series(group);
    match sweep {
        Sweep::BatchSize => {
            let x_desc = match group[0].suite.as_str() {
                "sha256" => "message bytes",
                "merkle" => "leaves",
                "bls" => "signature sets per batch",
                _ => "signatures per batch",
            };
            line_plot(&path, title, x_desc, &y_desc, Axis::Log, &series, None)?
        }
        Sweep::Threads => line_plot(
            &path,
            title,
            "threads",
            &y_desc,
            Axis::Linear,
            &series,
            None,
        )?,
        _ => {
            let labels = xs.iter().map(|x| format!("{x}%")).collect();
            let series: Vec<Series> = series
                .into_iter()
                .map(|(name, points)| {
                    let at = |x: f64| xs.iter().position(|&v| v == x).unwrap_or(0) as f64;
                    (name, points.into_iter().map(|(x, y)| (at(x), y)).collect())
                })
                .collect();
            line_plot(
                &path,
                title,
                "bad items",
                &y_desc,
                Axis::Categories(labels),
                &series,
                None,
            )?
        }
    }
    Ok(Some(file))
}

/// The GPU plot: the CPU's root, the GPU's end to end and kernel-only, against tree size, with
/// the measured crossover marked.
fn plot_gpu(dir: &Path, records: &[Record]) -> Result<Option<String>, String> {
    let rows: Vec<&Record> = records
        .iter()
        .filter(|r| {
            r.suite == "merkle"
                && r.sweep == Sweep::BatchSize
                && r.operation.starts_with("root (ssz)")
        })
        .collect();
    if !rows.iter().any(|r| r.backend == "gpu") {
        return Ok(None);
    }
    let file = "merkle-gpu-against-cpu.svg".to_string();
    let title = "merkle: GPU against CPU, roots";
    let marker = crate::crossover(records)
        .flatten()
        .map(|size| (size as f64, "measured Auto crossover".to_string()));
    line_plot(
        &dir.join(&file),
        title,
        "leaves",
        "nodes per second",
        Axis::Log,
        &series(&rows),
        marker,
    )?;
    Ok(Some(file))
}

/// A group's rows as a Markdown table.
fn table(group: &[&Record], records: &[Record]) -> String {
    let mut md = String::from(
        "| implementation | path | size | threads | bad | per second | vs peer | p50 | p99 | spread | calls |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in group {
        let ratio = r
            .vs_baseline(records)
            .map_or("-".to_string(), |ratio| format!("{ratio:.2}x"));
        let bad = r
            .bad_percent
            .map_or("-".to_string(), |p| format!("{} ({p}%)", r.bad_items));
        let _ = writeln!(
            md,
            "| {}{} | {} | {} | {} | {bad} | {} {} | {ratio} | {} | {} | {:.1}% | {} |",
            r.series(),
            if r.baseline { " (peer)" } else { "" },
            r.path,
            r.batch_size,
            r.threads,
            human(r.items_per_second),
            r.unit,
            duration(r.p50_seconds),
            duration(r.p99_seconds),
            r.spread * 100.0,
            r.samples
        );
    }
    md.push('\n');
    md
}

/// A rate in k, M or G.
fn human(value: f64) -> String {
    let (scaled, suffix) = match value.abs() {
        v if v >= 1e9 => (value / 1e9, "G"),
        v if v >= 1e6 => (value / 1e6, "M"),
        v if v >= 1e3 => (value / 1e3, "k"),
        _ => (value, ""),
    };
    let digits = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.digits$}{suffix}")
}

fn duration(seconds: f64) -> String {
    match seconds {
        s if s >= 1.0 => format!("{s:.2} s"),
        s if s >= 1e-3 => format!("{:.2} ms", s * 1e3),
        s => format!("{:.1} µs", s * 1e6),
    }
}

enum Axis {
    Log,
    Linear,
    /// Evenly spaced named points at x = 0, 1, 2, …
    Categories(Vec<String>),
}

fn line_plot(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    axis: Axis,
    series: &[Series],
    marker: Option<(f64, String)>,
) -> Result<(), String> {
    let points = series.iter().flat_map(|(_, points)| points.iter());
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        (x_min, x_max) = (x_min.min(x), x_max.max(x));
        (y_min, y_max) = (y_min.min(y), y_max.max(y));
    }
    if x_min > x_max {
        return Err(format!("{title}: nothing to plot"));
    }
    let root = SVGBackend::new(path, (900, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(72);
    let style = Style {
        x_desc,
        y_desc,
        series,
        marker,
    };
    match axis {
        Axis::Log => {
            let chart = builder
                .build_cartesian_2d(
                    (x_min / 1.3..x_max * 1.3).log_scale(),
                    (y_min / 2.0..y_max * 2.0).log_scale(),
                )
                .map_err(|e| e.to_string())?;
            style.draw(chart, &|x| human(*x))?;
        }
        Axis::Linear => {
            let chart = builder
                .build_cartesian_2d(x_min - 0.2..x_max + 0.2, 0.0..y_max * 1.15)
                .map_err(|e| e.to_string())?;
            style.draw(chart, &|x| format!("{x:.0}"))?;
        }
        Axis::Categories(labels) => {
            let last = labels.len() as f64 - 1.0;
            let chart = builder
                .build_cartesian_2d(-0.3..last + 0.3, 0.0..y_max * 1.15)
                .map_err(|e| e.to_string())?;
            let name = |x: &f64| {
                let index = x.round();
                if (x - index).abs() < 0.01 && index >= 0.0 {
                    labels.get(index as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            };
            style.draw(chart, &name)?;
        }
    }
    root.present()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

struct Style<'a> {
    x_desc: &'a str,
    y_desc: &'a str,
    series: &'a [Series],
    marker: Option<(f64, String)>,
}

impl Style<'_> {
    fn draw<'b, X, Y>(
        self,
        mut chart: ChartContext<'b, SVGBackend<'b>, Cartesian2d<X, Y>>,
        x_label: &dyn Fn(&f64) -> String,
    ) -> Result<(), String>
    where
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        chart
            .configure_mesh()
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .x_labels(12)
            .x_label_formatter(x_label)
            .y_label_formatter(&|y| human(*y))
            .draw()
            .map_err(|e| e.to_string())?;
        for (index, (name, points)) in self.series.iter().enumerate() {
            let color = Palette99::pick(index).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&point| Circle::new(point, 3, color.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
        if let Some((x, label)) = self.marker {
            let y = chart.y_range();
            chart
                .draw_series(LineSeries::new(
                    [(x, y.start), (x, y.end)],
                    BLACK.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())
    }
}
