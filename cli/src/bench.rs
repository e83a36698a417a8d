//! `bench`: runs the harness (`batchverify-bench`) and presents it: a table as rows finish, the
//! JSON records, the report with plots; `bench compare` sets two runs side by side.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use batchverify::gpu::GpuContext;
use batchverify::Backend;
use batchverify_bench::{
    cases, compare, plan, report, time, PlanOptions, Record, Run, Suite, Sweep, SCHEMA_VERSION,
    SUITES,
};
use clap::{Args as ClapArgs, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(ClapArgs)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Comma-separated suites to run (ed25519, bls, secp256k1, sm2, sha256, sm3, merkle); all by
    /// default.
    #[arg(long, value_delimiter = ',')]
    suite: Vec<String>,
    /// Comma-separated sweeps to run (batch-size, threads, failure-rate, single-call); all by
    /// default.
    #[arg(long, value_delimiter = ',')]
    sweep: Vec<String>,
    /// Comma-separated sizes, replacing each suite's batch-size sweep (the largest also sizes
    /// its other sweeps): signatures per batch (ed25519), signature sets per batch (bls),
    /// message bytes (sha256), leaves per tree (merkle).
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<usize>,
    /// Worker threads for every implementation (default: all cores); the thread sweep goes
    /// from 1 to this.
    #[arg(long)]
    threads: Option<usize>,
    /// Also write the records as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write DIR/report.md, its SVG plots and DIR/bench.json.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Minimum measuring time per row, in milliseconds.
    #[arg(long, default_value_t = 300)]
    min_time_ms: u64,
    /// Which backends get rows in the sha256 and merkle suites: cpu; gpu (the CPU rows and the
    /// GPU's, on any adapter, software ones included); auto (the GPU's rows only on GPU
    /// hardware). Default: BATCHVERIFY_BACKEND, else auto.
    #[arg(long)]
    backend: Option<Backend>,
}

#[derive(Subcommand)]
enum Command {
    /// Each row's rate in AFTER over its rate in BEFORE (two `--json` files), rows that moved
    /// more than the measured noise marked: the rows' spreads within their runs and, with
    /// `--repeat`, how far repeats of BEFORE strayed from it.
    Compare {
        before: PathBuf,
        after: PathBuf,
        /// Another run of BEFORE's command on BEFORE's machine (repeatable), to measure the
        /// run-to-run spread.
        #[arg(long, value_name = "JSON")]
        repeat: Vec<PathBuf>,
    },
    /// Writes the report of a run from its JSON file (a run made elsewhere, or before).
    Report {
        json: PathBuf,
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

pub fn run(args: Args) -> ExitCode {
    match &args.command {
        Some(Command::Compare {
            before,
            after,
            repeat,
        }) => return run_compare(before, after, repeat),
        Some(Command::Report { json, dir }) => {
            return match read_run(json).and_then(|run| write_report(dir, &run)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("batchverify: {message}");
                    ExitCode::from(2)
                }
            }
        }
        None => {}
    }
    let options = match options(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    };
    let gpu = match crate::chosen_backend(args.backend) {
        Ok(backend) => gpu_for(backend),
        Err(message) => {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    };
    let options = PlanOptions {
        gpu: gpu.is_some(),
        ..options
    };
    let (records, failures) = match measure_all(
        &options,
        gpu.as_ref(),
        Duration::from_millis(args.min_time_ms),
    ) {
        Ok(records) => records,
        Err(message) => {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    };
    out!(
        "(vs peer: throughput over the fastest peer row of the same workload, size, threads and \
         regime: ed25519-dalek verify_batch or verify_strict loop, blst \
         verify_multiple_aggregate_signatures split over the threads or verify loop, \
         libsecp256k1's or k256's verify or recover loop, RustCrypto's sm2 verify loop, the sha2 \
         or sm3 digest loop, sha2 or sm3 trees and rs_merkle; failure-rate rows: our own \
         one-at-a-time verify)"
    );
    if let Some(context) = &gpu {
        let adapter = context.adapter();
        out!(
            "(gpu rows: {}, {} {})",
            adapter.name,
            adapter.api,
            adapter.kind
        );
        out!("({})", report::crossover_sentence(&records));
    }
    let run = Run {
        schema_version: SCHEMA_VERSION,
        machine: batchverify_bench::machine(options.threads, args.min_time_ms, gpu.as_deref()),
        records,
        failures,
    };
    if let Some(path) = &args.json {
        let written = serde_json::to_string_pretty(&run)
            .map_err(std::io::Error::other)
            .and_then(|text| std::fs::write(path, text));
        if let Err(e) = written {
            eprintln!("batchverify: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if let Some(dir) = &args.report {
        if let Err(message) = write_report(dir, &run) {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    }
    if run.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "batchverify: {} case(s) gave a wrong result or failed (listed above and in the \
             report): the run is incomplete",
            run.failures.len()
        );
        ExitCode::from(1)
    }
}

fn options(args: &Args) -> Result<PlanOptions, String> {
    let suites = if args.suite.is_empty() {
        SUITES.to_vec()
    } else {
        args.suite
            .iter()
            .map(|name| {
                Suite::from_name(name).ok_or_else(|| {
                    let names: Vec<&str> = SUITES.iter().map(|s| s.name()).collect();
                    format!("unknown suite {name:?} (available: {})", names.join(", "))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let sweeps = if args.sweep.is_empty() {
        Sweep::ALL.to_vec()
    } else {
        args.sweep
            .iter()
            .map(|name| {
                Sweep::ALL
                    .into_iter()
                    .find(|s| s.slug() == name)
                    .ok_or_else(|| {
                        let names: Vec<&str> = Sweep::ALL.iter().map(|s| s.slug()).collect();
                        format!("unknown sweep {name:?} (available: {})", names.join(", "))
                    })
            })
            .collect::<Result<_, _>>()?
    };
    if let Some(size) = args.sizes.iter().find(|&&s| s == 0 || s > MAX_SIZE) {
        return Err(format!(
            "size {size} is out of range: sizes are 1 to {MAX_SIZE}"
        ));
    }
    if args.threads == Some(0) {
        return Err("threads must be at least 1".to_string());
    }
    Ok(PlanOptions {
        suites,
        sweeps,
        sizes: args.sizes.clone(),
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        gpu: false,
    })
}

/// The largest `--sizes` value: 2^28 leaves are 8 GiB of digests, more than a benchmark should
/// allocate by mistake.
const MAX_SIZE: usize = 1 << 28;

/// Times every case of the plan, printing each group's rows as it finishes, so that a long run
/// shows its table as it goes; the records, and the cases that gave a wrong result or failed.
fn measure_all(
    options: &PlanOptions,
    gpu: Option<&Arc<GpuContext>>,
    min_time: Duration,
) -> Result<(Vec<Record>, Vec<String>), String> {
    let specs = plan(options);
    let progress = ProgressBar::new(specs.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut pools = BTreeMap::new();
    let mut records: Vec<Record> = Vec::new();
    let mut failures = Vec::new();
    out!("{}", table_line(TABLE_HEADER));
    for spec in specs {
        progress.set_message(format!(
            "{} {} {}",
            spec.suite.name(),
            spec.workload,
            spec.size
        ));
        let pool = match pools.entry(spec.threads) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => entry.insert(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(spec.threads)
                    .build()
                    .map_err(|e| format!("cannot start {} threads: {e}", spec.threads))?,
            ),
        };
        let group_start = records.len();
        pool.install(|| {
            for mut case in cases(&spec, gpu) {
                match time(&mut case, min_time) {
                    Some(timing) => records.push(Record::new(&spec, &case, &timing)),
                    None => {
                        let failure = format!(
                            "{} {} ({}, size {}, {} threads) gave a wrong result or failed",
                            spec.suite.name(),
                            case.label(),
                            spec.label(),
                            spec.size,
                            spec.threads
                        );
                        progress.suspend(|| eprintln!("{failure}: not recorded"));
                        failures.push(failure);
                    }
                }
            }
        });
        let lines: Vec<String> = records[group_start..]
            .iter()
            .map(|record| table_row(record, &records))
            .collect();
        // `suspend`, not `println`: a hidden bar (stderr not a terminal) drops its lines.
        progress.suspend(|| lines.iter().for_each(|line| out!("{line}")));
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok((records, failures))
}

fn write_report(dir: &Path, run: &Run) -> Result<(), String> {
    report::write(dir, run).map_err(|message| format!("report: {message}"))?;
    out!("(report: {})", dir.join("report.md").display());
    Ok(())
}

/// A run's JSON file, which must be of the schema this build writes.
fn read_run(path: &Path) -> Result<Run, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let run: Run = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a bench JSON file: {e}", path.display()))?;
    if run.schema_version != SCHEMA_VERSION {
        return Err(format!(
            "{} has schema version {}, this build reads {SCHEMA_VERSION}",
            path.display(),
            run.schema_version
        ));
    }
    run.check()
        .map_err(|message| format!("{}: {message}", path.display()))?;
    Ok(run)
}

fn run_compare(before: &Path, after: &Path, repeats: &[PathBuf]) -> ExitCode {
    let repeats = match repeats
        .iter()
        .map(|path| read_run(path))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(runs) => runs,
        Err(message) => {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    };
    match (read_run(before), read_run(after)) {
        (Ok(before_run), Ok(after_run)) => {
            for (label, path, run) in [
                ("before:", before, &before_run),
                ("after: ", after, &after_run),
            ] {
                out!(
                    "{label} {} ({}, {})",
                    path.display(),
                    run.machine.cpu_model,
                    run.machine.commit
                );
            }
            if repeats.is_empty() {
                out!("(noise: the rows' spreads within their runs; --repeat adds run-to-run)");
            } else {
                out!(
                    "(noise: the rows' spreads, or the most {} repeat(s) of before strayed)",
                    repeats.len()
                );
            }
            for line in compare::compare(&before_run, &after_run, &repeats).lines() {
                out!("{line}");
            }
            ExitCode::SUCCESS
        }
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("batchverify: {message}");
            ExitCode::from(2)
        }
    }
}

/// The GPU whose rows the run includes, as `--backend` asks.
fn gpu_for(backend: Backend) -> Option<Arc<GpuContext>> {
    if backend == Backend::Cpu {
        return None;
    }
    match batchverify::gpu::shared() {
        Ok(context) if backend == Backend::Gpu || context.adapter().hardware => Some(context),
        Ok(context) => {
            eprintln!(
                "batchverify: no GPU rows: {} is a software adapter (--backend gpu measures it)",
                context.adapter().name
            );
            None
        }
        Err(error) => {
            if backend == Backend::Gpu {
                eprintln!("batchverify: warning: no GPU rows: {error}");
            }
            None
        }
    }
}

const TABLE_HEADER: [&str; 8] = [
    "suite",
    "workload",
    "implementation",
    "size",
    "threads",
    "per second",
    "unit",
    "vs peer",
];

/// One table line; wide enough for every workload and implementation name, so columns stay
/// aligned.
fn table_line(cells: [&str; 8]) -> String {
    let [suite, workload, implementation, size, threads, rate, unit, ratio] = cells;
    format!(
        "{suite:<8} {workload:<38} {implementation:<56} {size:>9} {threads:>7} {rate:>14} {unit:<13} {ratio:>8}"
    )
}

/// A record's line, with its throughput relative to the fastest peer row of its group.
fn table_row(record: &Record, records: &[Record]) -> String {
    let ratio = record
        .vs_baseline(records)
        .map_or(String::from("-"), |ratio| format!("{ratio:.2}x"));
    let workload = record.group_label();
    // The adapter's name is in the `(gpu rows: …)` line; the column keeps its width.
    let path = match (record.backend.as_str(), record.path.as_str()) {
        ("gpu", _) => " [gpu]".to_string(),
        (_, "") => String::new(),
        (_, path) => format!(" [{path}]"),
    };
    table_line([
        &record.suite,
        &workload,
        &format!("{} {}{path}", record.implementation, record.operation),
        &record.batch_size.to_string(),
        &record.threads.to_string(),
        &format!("{:.0}", record.items_per_second),
        &record.unit,
        &ratio,
    ])
}
