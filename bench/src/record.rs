//! What a run writes: one record per measured case, and the machine it ran on. `schema.json`
//! in this crate describes the JSON; a test checks a real run against it.

use serde::{Deserialize, Serialize};

use crate::{Machine, Timing};

/// Bumped whenever a field is added or changes meaning, so `compare` and `report` refuse files
/// they would misread (2 added `bad_items` and `failures`).
pub const SCHEMA_VERSION: u32 = 2;

/// Whether the keys a row verifies were seen before (see the crate's fairness rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// Keys never seen: our cache emptied before each call, the peer decodes inside it.
    Cold,
    /// Repeated keys: our cache warm, the peer given keys parsed outside the timed call.
    Warm,
}

impl std::fmt::Display for Regime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Regime::Cold => "cold",
            Regime::Warm => "warm",
        })
    }
}

/// Which axis a row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sweep {
    /// Throughput against the number of items per call.
    BatchSize,
    /// Throughput of one size against the number of threads.
    Threads,
    /// Throughput of one size against the share of bad items.
    FailureRate,
    /// The latency of verifying one item.
    SingleCall,
}

impl Sweep {
    /// Every sweep, in the order a run measures them.
    pub const ALL: [Sweep; 4] = [
        Sweep::BatchSize,
        Sweep::Threads,
        Sweep::FailureRate,
        Sweep::SingleCall,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Sweep::BatchSize => "throughput against batch size",
            Sweep::Threads => "scaling with threads",
            Sweep::FailureRate => "failure-rate sweep",
            Sweep::SingleCall => "single-call latency",
        }
    }

    /// The name used on the command line and in file names.
    pub fn slug(self) -> &'static str {
        match self {
            Sweep::BatchSize => "batch-size",
            Sweep::Threads => "threads",
            Sweep::FailureRate => "failure-rate",
            Sweep::SingleCall => "single-call",
        }
    }
}

/// One measured case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub suite: String,
    pub sweep: Sweep,
    pub workload: String,
    pub regime: Option<Regime>,
    /// Share of bad items asked for in the failure-rate sweep, in percent.
    pub bad_percent: Option<f64>,
    /// How many items were bad: the share of the batch, rounded up to at least one.
    pub bad_items: usize,
    pub implementation: String,
    pub operation: String,
    /// `cpu` or `gpu`.
    pub backend: String,
    /// The code path that ran (`avx512-ifma`, `sha-ni`, the GPU adapter…), empty for peers.
    pub path: String,
    /// Items per call: signatures, messages, leaves.
    pub batch_size: usize,
    pub threads: usize,
    /// What `items_per_second` counts: signatures, hashes, Merkle nodes, compressions.
    pub unit: String,
    pub items_per_second: f64,
    /// Whether this is a peer's row: every row of a group is divided by its fastest peer row.
    pub baseline: bool,
    pub samples: usize,
    pub p50_seconds: f64,
    pub p99_seconds: f64,
    pub min_seconds: f64,
    pub max_seconds: f64,
    /// Interquartile range of the call times over their median.
    pub spread: f64,
}

impl Record {
    /// The record of a timed case of `spec`.
    pub fn new(spec: &crate::Spec, case: &crate::Case, timing: &Timing) -> Record {
        Record {
            suite: spec.suite.name().to_string(),
            sweep: spec.sweep,
            workload: spec.workload.clone(),
            regime: spec.regime,
            bad_percent: spec.bad_percent,
            bad_items: spec.bad_items(),
            implementation: case.implementation.to_string(),
            operation: case.operation.clone(),
            backend: case.backend.to_string(),
            path: case.path.clone(),
            batch_size: spec.size,
            threads: spec.threads,
            unit: spec.suite.unit(spec.kind).to_string(),
            items_per_second: spec.items() as f64 / timing.median(),
            baseline: case.baseline,
            samples: timing.samples(),
            p50_seconds: timing.median(),
            p99_seconds: timing.percentile(99.0),
            min_seconds: timing.min(),
            max_seconds: timing.max(),
            spread: timing.spread(),
        }
    }

    /// Whether `other` was measured on the same inputs, threads and regime: the rows a table
    /// puts side by side and divides by the baseline among them.
    pub fn same_group(&self, other: &Record) -> bool {
        self.suite == other.suite
            && self.sweep == other.sweep
            && self.workload == other.workload
            && self.regime == other.regime
            && self.bad_percent == other.bad_percent
            && self.batch_size == other.batch_size
            && self.threads == other.threads
    }

    /// This row's rate over the fastest peer row of its group (the strongest peer on these
    /// inputs and threads), if the group has one.
    pub fn vs_baseline(&self, records: &[Record]) -> Option<f64> {
        records
            .iter()
            .filter(|r| r.baseline && r.same_group(self))
            .map(|peer| peer.items_per_second)
            .max_by(f64::total_cmp)
            .map(|fastest| self.items_per_second / fastest)
    }

    /// The group's name: workload, regime and share of bad items.
    pub fn group_label(&self) -> String {
        group_label(&self.workload, self.regime, self.bad_percent)
    }

    /// Who ran and what: the name of this row's series in a plot or a comparison.
    pub fn series(&self) -> String {
        let backend = if self.backend == "gpu" { " [gpu]" } else { "" };
        format!("{} {}{backend}", self.implementation, self.operation)
    }
}

/// `workload[, regime][, N% bad]`, as tables, comparisons and criterion name a group.
pub fn group_label(workload: &str, regime: Option<Regime>, bad_percent: Option<f64>) -> String {
    let mut label = workload.to_string();
    if let Some(regime) = regime {
        label += &format!(", {regime}");
    }
    if let Some(percent) = bad_percent {
        label += &format!(", {percent}% bad");
    }
    label
}

/// One `batchverify bench` run as written to JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub schema_version: u32,
    pub machine: Machine,
    pub records: Vec<Record>,
    /// The cases that gave a wrong result or failed, which have no record.
    pub failures: Vec<String>,
}

impl Run {
    /// Checks what a file read back must hold for its report and comparisons to mean
    /// anything: positive, finite rates and times, non-negative spreads.
    pub fn check(&self) -> Result<(), String> {
        for record in &self.records {
            let times = [
                record.items_per_second,
                record.p50_seconds,
                record.p99_seconds,
                record.min_seconds,
                record.max_seconds,
            ];
            if times.iter().any(|v| !v.is_finite() || *v <= 0.0)
                || !record.spread.is_finite()
                || record.spread < 0.0
                || record.batch_size == 0
                || record.threads == 0
            {
                return Err(format!(
                    "record {} {} has a rate, time, spread or size out of range",
                    record.group_label(),
                    record.series()
                ));
            }
        }
        Ok(())
    }
}

/// A record with these figures and plain defaults elsewhere, for tests of what reads records.
#[cfg(test)]
pub(crate) fn sample(
    suite: &str,
    operation: &str,
    backend: &str,
    batch_size: usize,
    rate: f64,
    baseline: bool,
) -> Record {
    Record {
        suite: suite.to_string(),
        sweep: Sweep::BatchSize,
        workload: "test".to_string(),
        regime: None,
        bad_percent: None,
        bad_items: 0,
        implementation: "test".to_string(),
        operation: operation.to_string(),
        backend: backend.to_string(),
        path: String::new(),
        batch_size,
        threads: 2,
        unit: "nodes".to_string(),
        items_per_second: rate,
        baseline,
        samples: 3,
        p50_seconds: 1.0,
        p99_seconds: 1.0,
        min_seconds: 1.0,
        max_seconds: 1.0,
        spread: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_divide_by_the_fastest_peer_of_their_own_group() {
        let ours = sample("sha256", "ours", "cpu", 64, 300.0, false);
        let slow_peer = sample("sha256", "slow peer", "cpu", 64, 100.0, true);
        let fast_peer = sample("sha256", "fast peer", "cpu", 64, 200.0, true);
        let other_size = sample("sha256", "peer at another size", "cpu", 128, 1000.0, true);
        let other_threads = Record {
            threads: 1,
            ..sample("sha256", "peer on other threads", "cpu", 64, 1000.0, true)
        };
        let records = [
            ours.clone(),
            slow_peer,
            fast_peer,
            other_size,
            other_threads,
        ];
        assert_eq!(ours.vs_baseline(&records), Some(1.5));
        let alone = sample("merkle", "no peer", "cpu", 64, 5.0, false);
        assert_eq!(alone.vs_baseline(std::slice::from_ref(&alone)), None);
    }

    #[test]
    fn files_with_rates_out_of_range_are_refused() {
        let machine = crate::machine(1, 1, None);
        let run = |rate: f64| Run {
            schema_version: SCHEMA_VERSION,
            machine: machine.clone(),
            records: vec![sample("sha256", "ours", "cpu", 64, rate, false)],
            failures: Vec::new(),
        };
        assert!(run(10.0).check().is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(run(bad).check().is_err(), "{bad}");
        }
    }
}
