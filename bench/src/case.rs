//! What a run measures: a [`plan`] of [`Spec`]s (cheap descriptions, so inputs exist only while
//! their cases run) and the [`Case`]s each one builds.

use std::sync::Arc;

use batchverify::gpu::GpuContext;
use batchverify::Backend;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::record::{Regime, Sweep};

/// One implementation's call on one spec's inputs.
pub struct Case {
    pub implementation: &'static str,
    pub operation: String,
    pub backend: Backend,
    /// The code path it takes (ours) or nothing (peers).
    pub path: String,
    /// Whether it is a peer's case: each row divides by the fastest peer row of its group.
    pub baseline: bool,
    /// Runs untimed before every timed call: the cold regime empties our cache here.
    pub prepare: Box<dyn FnMut() + Send>,
    /// One timed call; whether its result was right.
    pub run: Box<dyn FnMut() -> bool + Send>,
}

impl Case {
    pub fn new(
        implementation: &'static str,
        operation: &str,
        run: impl FnMut() -> bool + Send + 'static,
    ) -> Case {
        Case {
            implementation,
            operation: operation.to_string(),
            backend: Backend::Cpu,
            path: String::new(),
            baseline: false,
            prepare: Box::new(|| {}),
            run: Box::new(run),
        }
    }

    pub fn path(mut self, path: impl ToString) -> Case {
        self.path = path.to_string();
        self
    }

    pub fn on_gpu(mut self, adapter: &str) -> Case {
        self.backend = Backend::Gpu;
        self.path = adapter.to_string();
        self
    }

    pub fn baseline(mut self) -> Case {
        self.baseline = true;
        self
    }

    pub fn prepare(mut self, prepare: impl FnMut() + Send + 'static) -> Case {
        self.prepare = Box::new(prepare);
        self
    }

    /// Who runs what, as criterion and the list of failed cases name it.
    pub fn label(&self) -> String {
        let backend = if self.backend == Backend::Gpu {
            " [gpu]"
        } else {
            ""
        };
        format!("{} {}{backend}", self.implementation, self.operation)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Suite {
    Ed25519,
    Bls,
    Secp256k1,
    Sm2,
    Sha256,
    Sm3,
    Merkle,
}

/// The suites in the order a run measures them.
pub const SUITES: [Suite; 7] = [
    Suite::Ed25519,
    Suite::Bls,
    Suite::Secp256k1,
    Suite::Sm2,
    Suite::Sha256,
    Suite::Sm3,
    Suite::Merkle,
];

impl Suite {
    pub fn name(self) -> &'static str {
        match self {
            Suite::Ed25519 => "ed25519",
            Suite::Bls => "bls",
            Suite::Secp256k1 => "secp256k1",
            Suite::Sm2 => "sm2",
            Suite::Sha256 => "sha256",
            Suite::Sm3 => "sm3",
            Suite::Merkle => "merkle",
        }
    }

    pub fn from_name(name: &str) -> Option<Suite> {
        SUITES.into_iter().find(|suite| suite.name() == name)
    }

    pub fn unit(self, kind: Kind) -> &'static str {
        match (self, kind) {
            (_, Kind::Sha256Floor) => "compressions",
            (Suite::Ed25519 | Suite::Bls | Suite::Secp256k1 | Suite::Sm2, _) => "signatures",
            (Suite::Sha256 | Suite::Sm3, _) => "hashes",
            (Suite::Merkle, _) => "nodes",
        }
    }
}

/// The inputs a spec needs beyond its size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// Signatures by `signers` keys (`None`: every key distinct); with a policy, the
    /// failure-rate cases of that policy alone.
    Ed25519 {
        signers: Option<usize>,
        policy: Option<batchverify::ed25519::Policy>,
    },
    /// Sets over `messages` distinct messages (`None`: every message distinct).
    Bls { messages: Option<usize> },
    Secp256k1 {
        scheme: crate::secp256k1::Scheme,
        signers: Option<usize>,
    },
    /// Signatures by `signers` keys (`None`: every key distinct), the default signer ID.
    Sm2 { signers: Option<usize> },
    /// `count` messages of `size` bytes each.
    Hash {
        hash: crate::sha256::Hash,
        count: usize,
    },
    /// Compressions on one thread: one chain of them (the cost of a single compression) and
    /// each kernel on Merkle nodes in cache.
    Sha256Floor,
    /// An SSZ tree over this hash.
    Merkle { hash: crate::sha256::Hash },
}

/// One group of rows: the same inputs, threads and regime for every implementation in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub suite: Suite,
    pub sweep: Sweep,
    pub workload: String,
    pub kind: Kind,
    pub regime: Option<Regime>,
    pub bad_percent: Option<f64>,
    pub size: usize,
    pub threads: usize,
}

impl Spec {
    /// Items of `unit` one call handles: Merkle nodes for trees, the size otherwise.
    pub fn items(&self) -> usize {
        match self.kind {
            Kind::Merkle { .. } => (self.size.next_power_of_two() - 1).max(1),
            Kind::Hash { count, .. } => count,
            Kind::Sha256Floor => SHA256_MESSAGES,
            _ => self.size,
        }
    }

    /// `workload[, regime][, N% bad]`.
    pub fn label(&self) -> String {
        crate::record::group_label(&self.workload, self.regime, self.bad_percent)
    }

    /// The items one call's inputs hold: `single_call` for the single-call sweep (which cycles
    /// through them one call at a time), the size otherwise.
    pub fn items_per_input(&self, single_call: usize) -> usize {
        if self.sweep == Sweep::SingleCall {
            single_call
        } else {
            self.size
        }
    }

    /// How many of the `size` items are bad.
    pub fn bad_items(&self) -> usize {
        let percent = self.bad_percent.unwrap_or(0.0);
        (self.size as f64 * percent / 100.0).ceil() as usize
    }
}

/// What a run covers.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    pub suites: Vec<Suite>,
    pub sweeps: Vec<Sweep>,
    /// Replaces every suite's sizes in the batch-size sweep, and names the size of its other
    /// sweeps (the largest given).
    pub sizes: Vec<usize>,
    /// Threads of the batch-size, failure-rate and largest scaling rows.
    pub threads: usize,
    /// Whether a GPU's rows join the SHA-256 and Merkle suites.
    pub gpu: bool,
}

const ED25519_SIZES: &[usize] = &[64, 512, 4096, 32768];
const ED25519_FOCUS: usize = 4096;
/// The repeated-signer workload: a validator set signing again and again.
const VALIDATORS: usize = 1000;
const BLS_SIZES: &[usize] = &[128, 2048];
const BLS_FOCUS: usize = 256;
/// Distinct messages in the Ethereum-like BLS workload (attestations of a few committees).
const BLS_ETHEREUM_MESSAGES: usize = 64;
/// Message lengths in bytes; each row hashes `SHA256_MESSAGES` of them.
const SECP256K1_SIZES: &[usize] = &[64, 1024, 4096];
const SECP256K1_FOCUS: usize = 1024;
/// The consortium workload: a chain's member organisations signing again and again.
const SM2_CONSORTIUM: usize = 64;
const SM2_SIZES: &[usize] = &[64, 1024, 4096];
const SM2_FOCUS: usize = 1024;
const SHA256_SIZES: &[usize] = &[32, 64, 256, 1024, 4096];
const SHA256_FOCUS: usize = 1024;
pub(crate) const SHA256_MESSAGES: usize = 16384;
/// With a GPU, one batch large enough for `Auto` to consider it.
const SHA256_GPU_MESSAGES: usize = 1 << 20;
const MERKLE_SIZES: &[usize] = &[1 << 10, 1 << 14, 1 << 17, 1 << 20, 1 << 22, 1 << 24];
const MERKLE_FOCUS: usize = 1 << 20;
/// The largest SM3 tree in the batch-size sweep: its target is at 2^20 leaves.
const MERKLE_SM3_MAX: usize = 1 << 20;
/// The batch-size sweep's workload names: the size column says how many.
const MERKLE_WORKLOAD: &str = "leaf hashes";
const MERKLE_SM3_WORKLOAD: &str = "sm3 leaf hashes";
/// Shares of bad items, in percent: bad input is what an attacker sends.
const FAILURE_PERCENTS: [f64; 6] = [0.0, 0.1, 1.0, 10.0, 50.0, 100.0];

/// Every spec of a run, in the order it measures them.
pub fn plan(options: &PlanOptions) -> Vec<Spec> {
    let mut specs = Vec::new();
    for &suite in &options.suites {
        for &sweep in &options.sweeps {
            suite_specs(suite, sweep, options, &mut specs);
        }
    }
    specs
}

fn suite_specs(suite: Suite, sweep: Sweep, options: &PlanOptions, specs: &mut Vec<Spec>) {
    let (defaults, focus) = match suite {
        Suite::Ed25519 => (ED25519_SIZES, ED25519_FOCUS),
        Suite::Bls => (BLS_SIZES, BLS_FOCUS),
        Suite::Secp256k1 => (SECP256K1_SIZES, SECP256K1_FOCUS),
        Suite::Sm2 => (SM2_SIZES, SM2_FOCUS),
        Suite::Sha256 | Suite::Sm3 => (SHA256_SIZES, SHA256_FOCUS),
        Suite::Merkle => (MERKLE_SIZES, MERKLE_FOCUS),
    };
    let sizes = if options.sizes.is_empty() {
        defaults.to_vec()
    } else {
        options.sizes.clone()
    };
    let focus = options.sizes.iter().copied().max().unwrap_or(focus);
    let threads = options.threads;
    let spec = |workload: String, kind: Kind, regime: Option<Regime>, size: usize| Spec {
        suite,
        sweep,
        workload,
        kind,
        regime,
        bad_percent: None,
        size,
        threads,
    };
    let signature_workloads = signature_workloads(suite);
    match sweep {
        Sweep::BatchSize => match suite {
            Suite::Ed25519 | Suite::Bls | Suite::Secp256k1 | Suite::Sm2 => {
                for &(workload, kind, regime) in &signature_workloads {
                    for &size in &sizes {
                        specs.push(spec(workload.to_string(), kind, Some(regime), size));
                    }
                }
            }
            Suite::Sha256 | Suite::Sm3 => {
                let hash = hash_of(suite);
                for &len in &sizes {
                    let kind = Kind::Hash {
                        hash,
                        count: SHA256_MESSAGES,
                    };
                    let workload = format!("{SHA256_MESSAGES} messages");
                    specs.push(spec(workload, kind, None, len));
                }
                if options.gpu && hash == crate::sha256::Hash::Sha256 {
                    let count = SHA256_GPU_MESSAGES;
                    let workload = format!("{count} messages");
                    specs.push(spec(workload, Kind::Hash { hash, count }, None, 64));
                }
                if hash == crate::sha256::Hash::Sha256 {
                    specs.push(Spec {
                        threads: 1,
                        ..spec(
                            "floor and ceilings".to_string(),
                            Kind::Sha256Floor,
                            None,
                            64,
                        )
                    });
                }
            }
            Suite::Merkle => {
                use crate::sha256::Hash;
                for &leaves in &sizes {
                    let kind = Kind::Merkle { hash: Hash::Sha256 };
                    specs.push(spec(MERKLE_WORKLOAD.to_string(), kind, None, leaves));
                }
                for &leaves in sizes.iter().filter(|&&n| n <= MERKLE_SM3_MAX) {
                    let kind = Kind::Merkle { hash: Hash::Sm3 };
                    specs.push(spec(MERKLE_SM3_WORKLOAD.to_string(), kind, None, leaves));
                }
            }
        },
        Sweep::Threads => {
            let (workload, kind, regime) = match suite {
                Suite::Ed25519 | Suite::Bls | Suite::Secp256k1 | Suite::Sm2 => {
                    let (workload, kind, regime) = signature_workloads[0];
                    (workload.to_string(), kind, Some(regime))
                }
                Suite::Sha256 | Suite::Sm3 => (
                    format!("{SHA256_MESSAGES} messages of {focus} bytes"),
                    Kind::Hash {
                        hash: hash_of(suite),
                        count: SHA256_MESSAGES,
                    },
                    None,
                ),
                Suite::Merkle => (
                    format!("{focus} leaf hashes"),
                    Kind::Merkle {
                        hash: crate::sha256::Hash::Sha256,
                    },
                    None,
                ),
            };
            for threads in thread_counts(threads) {
                specs.push(Spec {
                    threads,
                    ..spec(workload.clone(), kind, regime, focus)
                });
            }
        }
        Sweep::FailureRate => {
            let kinds: Vec<(String, Kind)> = match suite {
                Suite::Ed25519 => [
                    batchverify::ed25519::Policy::Zip215,
                    batchverify::ed25519::Policy::Strict,
                ]
                .into_iter()
                .map(|policy| {
                    let kind = Kind::Ed25519 {
                        signers: None,
                        policy: Some(policy),
                    };
                    (format!("distinct keys, {policy}"), kind)
                })
                .collect(),
                Suite::Bls => vec![(
                    "distinct messages".to_string(),
                    Kind::Bls { messages: None },
                )],
                Suite::Secp256k1 => vec![(
                    "schnorr, distinct keys".to_string(),
                    signature_workloads[0].1,
                )],
                // SM2 has no batch equation: a bad item costs what a good one does, and the
                // batch-size rows already show that cost.
                Suite::Sm2 | Suite::Sha256 | Suite::Sm3 | Suite::Merkle => Vec::new(),
            };
            for (workload, kind) in kinds {
                for percent in FAILURE_PERCENTS {
                    specs.push(Spec {
                        bad_percent: Some(percent),
                        ..spec(workload.clone(), kind, Some(Regime::Cold), focus)
                    });
                }
            }
        }
        Sweep::SingleCall => {
            if matches!(
                suite,
                Suite::Ed25519 | Suite::Bls | Suite::Secp256k1 | Suite::Sm2
            ) {
                for regime in [Regime::Cold, Regime::Warm] {
                    let kind = signature_workloads[0].1;
                    specs.push(Spec {
                        threads: 1,
                        ..spec("one signature".to_string(), kind, Some(regime), 1)
                    });
                }
            }
        }
    }
}

/// The workloads of a signature suite, each in its regime; the first is the one the other
/// sweeps use.
fn signature_workloads(suite: Suite) -> Vec<(&'static str, Kind, Regime)> {
    match suite {
        Suite::Ed25519 => {
            let distinct = Kind::Ed25519 {
                signers: None,
                policy: None,
            };
            let validators = Kind::Ed25519 {
                signers: Some(VALIDATORS),
                policy: None,
            };
            vec![
                ("distinct keys", distinct, Regime::Cold),
                ("distinct keys", distinct, Regime::Warm),
                ("1000 signers", validators, Regime::Cold),
                ("1000 signers", validators, Regime::Warm),
            ]
        }
        Suite::Bls => {
            let distinct = Kind::Bls { messages: None };
            let ethereum = Kind::Bls {
                messages: Some(BLS_ETHEREUM_MESSAGES),
            };
            vec![
                ("distinct messages", distinct, Regime::Cold),
                ("distinct messages", distinct, Regime::Warm),
                ("64 messages", ethereum, Regime::Cold),
                ("64 messages", ethereum, Regime::Warm),
            ]
        }
        Suite::Secp256k1 => {
            use crate::secp256k1::Scheme;
            let kind = |scheme, signers| Kind::Secp256k1 { scheme, signers };
            let repeated = Some(VALIDATORS);
            vec![
                (
                    "schnorr, distinct keys",
                    kind(Scheme::Schnorr, None),
                    Regime::Cold,
                ),
                (
                    "schnorr, 1000 signers",
                    kind(Scheme::Schnorr, repeated),
                    Regime::Cold,
                ),
                (
                    "schnorr, 1000 signers",
                    kind(Scheme::Schnorr, repeated),
                    Regime::Warm,
                ),
                (
                    "ecdsa bitcoin, distinct keys",
                    kind(Scheme::Ecdsa, None),
                    Regime::Cold,
                ),
                (
                    "ecdsa bitcoin, 1000 signers",
                    kind(Scheme::Ecdsa, repeated),
                    Regime::Cold,
                ),
                (
                    "ecdsa bitcoin, 1000 signers",
                    kind(Scheme::Ecdsa, repeated),
                    Regime::Warm,
                ),
                ("ecrecover", kind(Scheme::Recover, None), Regime::Cold),
            ]
        }
        Suite::Sm2 => {
            let distinct = Kind::Sm2 { signers: None };
            let consortium = Kind::Sm2 {
                signers: Some(SM2_CONSORTIUM),
            };
            vec![
                ("distinct keys", distinct, Regime::Cold),
                ("distinct keys", distinct, Regime::Warm),
                ("64 signers", consortium, Regime::Cold),
                ("64 signers", consortium, Regime::Warm),
            ]
        }
        Suite::Sha256 | Suite::Sm3 | Suite::Merkle => Vec::new(),
    }
}

/// The hash a hashing suite measures.
fn hash_of(suite: Suite) -> crate::sha256::Hash {
    match suite {
        Suite::Sm3 => crate::sha256::Hash::Sm3,
        _ => crate::sha256::Hash::Sha256,
    }
}

/// 1, 2, 4, … up to `max`, and `max` itself.
fn thread_counts(max: usize) -> Vec<usize> {
    let mut counts: Vec<usize> = std::iter::successors(Some(1), |n| Some(n * 2))
        .take_while(|&n| n < max)
        .collect();
    counts.push(max);
    counts
}

/// The cases of `spec`, its inputs built once and shared by them. Runs inside the pool the
/// spec's rows are timed on (input building uses it too).
pub fn cases(spec: &Spec, gpu: Option<&Arc<GpuContext>>) -> Vec<Case> {
    match spec.kind {
        Kind::Ed25519 { signers, policy } => crate::ed25519::cases(spec, signers, policy),
        Kind::Bls { messages } => crate::bls::cases(spec, messages),
        Kind::Secp256k1 { scheme, signers } => crate::secp256k1::cases(spec, scheme, signers),
        Kind::Sm2 { signers } => crate::sm2::cases(spec, signers),
        Kind::Hash { hash, count } => crate::sha256::cases(spec, hash, count, gpu),
        Kind::Sha256Floor => crate::sha256::floor_and_ceilings(),
        Kind::Merkle { hash } => crate::merkle::cases(spec, hash, gpu),
    }
}

/// Where the `bad` bad items of `size` sit: spread evenly, so every chunk a batch splits into
/// meets its share.
pub(crate) fn bad_mask(size: usize, bad: usize) -> Vec<bool> {
    let mut mask = vec![false; size];
    for j in 0..bad.min(size) {
        mask[(2 * j + 1) * size / (2 * bad)] = true;
    }
    mask
}

/// `size` signed items by `signers` keys (`None`: every key distinct), the same for a given
/// seed: `key(i)` makes key `i` (on rayon's threads), and `sign(key, rng, corrupt)` makes an
/// item with its own seeded `rng`, corrupted where the evenly spread mask of `bad` says.
/// Returns the items and the indices of the corrupted ones, in order.
pub(crate) fn signed_items<K: Send + Sync, T: Send>(
    size: usize,
    signers: Option<usize>,
    bad: usize,
    seed: u64,
    key: impl Fn(usize) -> K + Sync + Send,
    sign: impl Fn(&K, &mut StdRng, bool) -> T + Sync + Send,
) -> (Vec<T>, Vec<usize>) {
    let keys: Vec<K> = (0..signers.unwrap_or(size).max(1))
        .into_par_iter()
        .map(key)
        .collect();
    let mask = bad_mask(size, bad);
    let items = (0..size)
        .into_par_iter()
        .map(|i| {
            let mut rng = StdRng::seed_from_u64(seed.rotate_left(32) ^ i as u64);
            let key = &keys[signers.map_or(i, |n| rng.random_range(0..n))];
            sign(key, &mut rng, mask[i])
        })
        .collect();
    (items, (0..size).filter(|&i| mask[i]).collect())
}

/// Keys a case's private cache holds: the cache empties a shard (of 16) when it fills, so the
/// warm regime needs room well beyond the keys it sees.
pub(crate) fn cache_capacity(keys: usize) -> usize {
    (8 * keys).max(1 << 12)
}

/// The signature builders' (key, message, signature) triples as three columns.
pub(crate) fn unzip3<A, B, C>(items: Vec<(A, B, C)>) -> (Vec<A>, Vec<B>, Vec<C>) {
    let mut columns = (
        Vec::with_capacity(items.len()),
        Vec::with_capacity(items.len()),
        Vec::with_capacity(items.len()),
    );
    for (a, b, c) in items {
        columns.0.push(a);
        columns.1.push(b);
        columns.2.push(c);
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(sweeps: Vec<Sweep>) -> PlanOptions {
        PlanOptions {
            suites: SUITES.to_vec(),
            sweeps,
            sizes: Vec::new(),
            threads: 6,
            gpu: false,
        }
    }

    #[test]
    fn thread_sweeps_end_at_the_run_threads() {
        assert_eq!(thread_counts(1), [1]);
        assert_eq!(thread_counts(6), [1, 2, 4, 6]);
        assert_eq!(thread_counts(8), [1, 2, 4, 8]);
    }

    #[test]
    fn failure_rates_cover_every_batch_scheme_and_count_at_least_one_bad_item() {
        let specs = plan(&options(vec![Sweep::FailureRate]));
        let schemes: std::collections::BTreeSet<_> =
            specs.iter().map(|s| s.workload.as_str()).collect();
        assert_eq!(
            schemes.into_iter().collect::<Vec<_>>(),
            [
                "distinct keys, strict",
                "distinct keys, zip215",
                "distinct messages",
                "schnorr, distinct keys"
            ]
        );
        let tenth = specs
            .iter()
            .find(|s| s.bad_percent == Some(0.1) && s.suite == Suite::Bls)
            .unwrap();
        assert_eq!(tenth.bad_items(), 1);
        assert!(specs
            .iter()
            .all(|s| s.regime == Some(Regime::Cold) && s.threads == 6));
    }

    #[test]
    fn every_signature_suite_has_both_regimes() {
        let specs = plan(&options(vec![Sweep::BatchSize, Sweep::SingleCall]));
        for suite in [Suite::Ed25519, Suite::Bls, Suite::Secp256k1, Suite::Sm2] {
            for sweep in [Sweep::BatchSize, Sweep::SingleCall] {
                let regimes: std::collections::BTreeSet<_> = specs
                    .iter()
                    .filter(|s| s.suite == suite && s.sweep == sweep)
                    .map(|s| s.regime)
                    .collect();
                assert_eq!(
                    regimes.into_iter().collect::<Vec<_>>(),
                    [Some(Regime::Cold), Some(Regime::Warm)]
                );
            }
        }
    }

    #[test]
    fn bad_masks_mark_exactly_the_asked_number() {
        for (size, bad) in [(10, 0), (10, 1), (10, 10), (4096, 5), (7, 3), (256, 128)] {
            let mask = bad_mask(size, bad);
            assert_eq!(mask.iter().filter(|&&b| b).count(), bad, "{size} {bad}");
        }
    }
}
