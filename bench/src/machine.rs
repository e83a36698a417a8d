//! The machine block of a run: what a reader needs to trust or reproduce its numbers.

use std::collections::BTreeMap;

use batchverify::gpu::GpuContext;
use serde::{Deserialize, Serialize};

/// The crates whose versions a run records: ours and every peer measured.
const VERSIONED_CRATES: &[&str] = &[
    "batchverify",
    "curve25519-dalek",
    "ed25519-dalek",
    "blst",
    "secp256k1",
    "secp256k1-sys",
    "k256",
    "sha2",
    "rs_merkle",
    "wgpu",
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// UTC date of the run, `YYYY-MM-DD`.
    pub date: String,
    /// `git describe --always --dirty` of the checkout the binary was built from (as of its
    /// last commit or staged change).
    pub commit: String,
    /// The command line of the run.
    pub command: String,
    pub cpu_model: String,
    pub cores: usize,
    /// Threads of the batch-size rows (and the most of the scaling rows).
    pub threads: usize,
    pub features: Vec<String>,
    /// The code path each of our operations took on this CPU.
    pub code_paths: BTreeMap<String, String>,
    /// The adapter of the GPU rows, if the run had any.
    pub gpu_adapter: Option<String>,
    /// Versions of the compiler and of the crates measured.
    pub versions: BTreeMap<String, String>,
    pub min_time_ms: u64,
}

/// This machine, as of now.
pub fn machine(threads: usize, min_time_ms: u64, gpu: Option<&GpuContext>) -> Machine {
    let info = batchverify::cpu_info();
    let calibration = batchverify::sha256::calibration();
    let code_paths = BTreeMap::from([
        ("ed25519".to_string(), info.ed25519.to_string()),
        (
            "ed25519 batch decompression".to_string(),
            info.ed25519_decompression.to_string(),
        ),
        (
            "sha256 (nodes, messages up to 119 bytes)".to_string(),
            calibration.short.to_string(),
        ),
        (
            "sha256 (longer messages)".to_string(),
            calibration.long.to_string(),
        ),
        ("sha512".to_string(), info.sha512.to_string()),
    ]);
    let mut versions = lock_versions();
    versions.insert("rustc".to_string(), env!("BATCHVERIFY_RUSTC").to_string());
    Machine {
        date: utc_date(),
        commit: env!("BATCHVERIFY_COMMIT").to_string(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        cpu_model: cpu_model(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        threads,
        features: info.features.iter().map(|f| f.to_string()).collect(),
        code_paths,
        gpu_adapter: gpu.map(|context| {
            let adapter = context.adapter();
            format!("{} ({}, {})", adapter.name, adapter.api, adapter.kind)
        }),
        versions,
        min_time_ms,
    }
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// The versions the workspace's lock file resolved for [`VERSIONED_CRATES`] (a crate locked at
/// two versions lists both).
fn lock_versions() -> BTreeMap<String, String> {
    let lock = include_str!("../../Cargo.lock");
    let mut versions: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix("name = \"")
            .and_then(|rest| rest.strip_suffix('"'))
        else {
            continue;
        };
        let version = lines
            .next()
            .and_then(|l| l.strip_prefix("version = \""))
            .and_then(|rest| rest.strip_suffix('"'));
        if let (true, Some(version)) = (VERSIONED_CRATES.contains(&name), version) {
            versions.entry(name.to_string()).or_default().push(version);
        }
    }
    versions
        .into_iter()
        .map(|(name, list)| (name, list.join(", ")))
        .collect()
}

/// Today in UTC, from the system clock (Howard Hinnant's civil-from-days).
fn utc_date() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_418), (2025, 11, 26));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn the_lock_file_names_every_peer() {
        let versions = lock_versions();
        for name in VERSIONED_CRATES {
            assert!(versions.contains_key(*name), "{name} missing: {versions:?}");
        }
    }
}
