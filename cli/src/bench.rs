//! `bench`: throughput of each operation per batch size, with the peer library measured on the
//! same inputs in the same run, so the ratio holds on a noisy machine.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use batchverify::ed25519::{Policy, Verifier};
use batchverify::gpu::GpuContext;
use batchverify::Backend;
use clap::Args as ClapArgs;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

const SUITES: &[&str] = &["ed25519", "sha256", "merkle", "bls"];
const ED25519_SIZES: &[usize] = &[64, 512, 4096, 32768];
/// Message lengths in bytes; each row hashes `SHA256_MESSAGES` of them (and, with GPU rows, one
/// more row hashes 2^20 64-byte messages).
const SHA256_SIZES: &[usize] = &[32, 64, 256, 1024, 4096];
const SHA256_MESSAGES: usize = 16384;
const MERKLE_SIZES: &[usize] = &[1 << 10, 1 << 14, 1 << 17, 1 << 20, 1 << 22, 1 << 24];
/// Signature sets per BLS batch.
const BLS_SIZES: &[usize] = &[128, 2048];
/// Distinct messages in the Ethereum-like BLS workload (attestations of a few committees).
const BLS_ETHEREUM_MESSAGES: usize = 64;
/// The validator-vote workload: this many signers sign again and again.
const VALIDATORS: usize = 1000;

#[derive(ClapArgs)]
pub struct Args {
    /// Comma-separated suites to run (available: ed25519, sha256, merkle, bls); all by default.
    #[arg(long, value_delimiter = ',')]
    suite: Vec<String>,
    /// Comma-separated sizes, replacing each suite's sweep: signatures per batch (ed25519),
    /// message bytes (sha256), leaves per tree (merkle), signature sets per batch (bls).
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<usize>,
    /// Worker threads for every implementation (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Also write the records as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Minimum measuring time per row, in milliseconds.
    #[arg(long, default_value_t = 800)]
    min_time_ms: u64,
    /// Which backends get rows in the sha256 and merkle suites: cpu; gpu (the CPU rows and the
    /// GPU's, on any adapter, software ones included); auto (the GPU's rows only on GPU
    /// hardware). Default: BATCHVERIFY_BACKEND, else auto.
    #[arg(long)]
    backend: Option<Backend>,
}

#[derive(Serialize)]
struct Record {
    suite: &'static str,
    workload: String,
    operation: String,
    implementation: &'static str,
    backend: String,
    batch_size: usize,
    threads: usize,
    items_per_second: f64,
    /// What an item is: signatures, hashes, Merkle nodes, compressions.
    unit: &'static str,
    /// The peer row the table's ratio column divides by.
    baseline: bool,
}

#[derive(Serialize)]
struct Machine {
    cpu_model: String,
    cores: usize,
    features: Vec<&'static str>,
    ed25519_path: String,
    sha256_path: String,
    /// The GPU adapter the GPU rows ran on.
    gpu_adapter: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    machine: Machine,
    records: &'a [Record],
}

pub fn run(args: Args) -> ExitCode {
    let suites: Vec<String> = if args.suite.is_empty() {
        SUITES.iter().map(|s| s.to_string()).collect()
    } else {
        args.suite.clone()
    };
    if let Some(unknown) = suites.iter().find(|s| !SUITES.contains(&s.as_str())) {
        eprintln!(
            "batchverify: unknown suite {unknown:?} (available: {})",
            SUITES.join(", ")
        );
        return ExitCode::from(2);
    }
    if args.sizes.contains(&0) {
        eprintln!("batchverify: sizes must be at least 1");
        return ExitCode::from(2);
    }
    let sizes = |defaults: &[usize]| {
        if args.sizes.is_empty() {
            defaults.to_vec()
        } else {
            args.sizes.clone()
        }
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("batchverify: cannot start {threads} threads: {e}");
            return ExitCode::from(2);
        }
    };
    let min_time = Duration::from_millis(args.min_time_ms);
    let gpu = match crate::chosen_backend(args.backend) {
        Ok(backend) => gpu_for(backend),
        Err(message) => {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    };
    let gpu = gpu.as_deref();
    out!("{}", table_line(TABLE_HEADER));
    let mut records = Vec::new();
    for suite in &suites {
        records.extend(pool.install(|| match suite.as_str() {
            "ed25519" => ed25519_suite(&sizes(ED25519_SIZES), threads, min_time),
            "sha256" => sha256_suite(&sizes(SHA256_SIZES), threads, min_time, gpu),
            "bls" => bls_suite(&sizes(BLS_SIZES), threads, min_time),
            _ => merkle_suite(&sizes(MERKLE_SIZES), threads, min_time, gpu),
        }));
    }
    out!(
        "(vs peer: throughput relative to the peer row of the same workload and size: \
         ed25519-dalek verify_batch, sha2 digest loop, sha2 node-by-node tree, blst \
         verify_multiple_aggregate_signatures, which runs on one thread as blst's pool is off)"
    );
    if let Some(context) = gpu {
        let adapter = context.adapter();
        out!(
            "(gpu rows: {}, {} {})",
            adapter.name,
            adapter.api,
            adapter.kind
        );
    }
    if let Some(path) = &args.json {
        let report = Report {
            machine: machine(gpu),
            records: &records,
        };
        let written = serde_json::to_string_pretty(&report)
            .map_err(std::io::Error::other)
            .and_then(|text| std::fs::write(path, text));
        if let Err(e) = written {
            eprintln!("batchverify: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

struct Inputs {
    keys: Vec<[u8; 32]>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<[u8; 64]>,
    dalek_keys: Vec<VerifyingKey>,
    dalek_signatures: Vec<Signature>,
}

/// `size` signatures over 32-byte messages; by `signers` keys (`None`: every one distinct).
fn inputs(size: usize, signers: Option<usize>, seed: u64) -> Inputs {
    let mut rng = StdRng::seed_from_u64(seed);
    let key_count = signers.unwrap_or(size);
    let signing: Vec<SigningKey> = (0..key_count)
        .map(|_| SigningKey::from_bytes(&rng.random()))
        .collect();
    let messages: Vec<Vec<u8>> = (0..size)
        .map(|_| rng.random::<[u8; 32]>().to_vec())
        .collect();
    let picks: Vec<usize> = (0..size)
        .map(|i| match signers {
            Some(n) => rng.random_range(0..n),
            None => i,
        })
        .collect();
    let dalek_signatures: Vec<Signature> = picks
        .par_iter()
        .zip(&messages)
        .map(|(&k, m)| signing[k].sign(m))
        .collect();
    let dalek_keys: Vec<VerifyingKey> = picks.iter().map(|&k| signing[k].verifying_key()).collect();
    Inputs {
        keys: dalek_keys.iter().map(|k| k.to_bytes()).collect(),
        messages,
        signatures: dalek_signatures.iter().map(|s| s.to_bytes()).collect(),
        dalek_keys,
        dalek_signatures,
    }
}

/// The GPU whose rows the run includes, as `--backend` asks.
fn gpu_for(backend: Backend) -> Option<std::sync::Arc<GpuContext>> {
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

/// Median items per second of `run` over repeated runs lasting at least `min_time` in all.
/// `run` returns whether everything verified; `None` when it did not, since a benchmark of a
/// verifier that rejects its inputs measures nothing.
fn measure(size: usize, min_time: Duration, mut run: impl FnMut() -> bool) -> Option<f64> {
    if !run() {
        return None;
    }
    let mut samples = Vec::new();
    let started = Instant::now();
    while samples.len() < 3 || (started.elapsed() < min_time && samples.len() < 1000) {
        let t = Instant::now();
        let ok = run();
        samples.push(t.elapsed().as_secs_f64());
        if !ok {
            return None;
        }
    }
    samples.sort_by(f64::total_cmp);
    Some(size as f64 / samples[samples.len() / 2])
}

fn progress_bar(steps: usize) -> ProgressBar {
    let progress = ProgressBar::new(steps as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress
}

/// Rows of one suite: each `add` call records a measured rate, or reports a row whose output
/// was wrong and leaves it out; `print_finished` prints the rows added since its last call.
struct Rows<'a> {
    suite: &'static str,
    unit: &'static str,
    threads: usize,
    progress: &'a ProgressBar,
    records: Vec<Record>,
    printed: usize,
}

impl<'a> Rows<'a> {
    fn new(
        suite: &'static str,
        unit: &'static str,
        threads: usize,
        progress: &'a ProgressBar,
    ) -> Self {
        Rows {
            suite,
            unit,
            threads,
            progress,
            records: Vec::new(),
            printed: 0,
        }
    }

    /// Prints the rows of a finished workload and size (the peer row among them), so that a
    /// long run shows its table as it goes.
    fn print_finished(&mut self) {
        let lines: Vec<String> = self.records[self.printed..]
            .iter()
            .map(|record| table_row(record, &self.records))
            .collect();
        self.printed = self.records.len();
        self.progress.suspend(|| {
            for line in lines {
                out!("{line}");
            }
        });
    }

    /// The rows, once all are printed.
    fn finish(mut self) -> Vec<Record> {
        self.print_finished();
        self.progress.finish_and_clear();
        self.records
    }
}

impl Rows<'_> {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        workload: &str,
        operation: &str,
        implementation: &'static str,
        backend: &str,
        size: usize,
        rate: Option<f64>,
        baseline: bool,
    ) {
        self.progress.inc(1);
        let Some(rate) = rate else {
            // `suspend`, not `println`: a hidden bar (stderr not a terminal) drops its lines.
            self.progress.suspend(|| {
                eprintln!(
                    "{implementation} {operation} ({workload}) gave a wrong result or failed at size {size}: not recorded"
                )
            });
            return;
        };
        self.records.push(Record {
            suite: self.suite,
            workload: workload.to_string(),
            operation: operation.to_string(),
            implementation,
            backend: backend.to_string(),
            batch_size: size,
            threads: self.threads,
            items_per_second: rate,
            unit: self.unit,
            baseline,
        });
    }
}

fn ed25519_suite(sizes: &[usize], threads: usize, min_time: Duration) -> Vec<Record> {
    let workloads: [(&str, Option<usize>); 2] =
        [("distinct keys", None), ("1000 signers", Some(VALIDATORS))];
    let implementations = 4;
    let progress = progress_bar(sizes.len() * workloads.len() * implementations);
    let mut rows = Rows::new("ed25519", "signatures", threads, &progress);
    let backend = batchverify::cpu_info().ed25519.to_string();
    for (workload, signers) in workloads {
        for &size in sizes {
            progress.set_message(format!("ed25519 {workload}, batch {size}"));
            let input = inputs(size, signers, size as u64);
            let messages: Vec<&[u8]> = input.messages.iter().map(Vec::as_slice).collect();
            for policy in [Policy::Zip215, Policy::Strict] {
                let verifier = Verifier::new(policy);
                let rate = measure(size, min_time, || {
                    verifier
                        .verify_batch(&input.keys, &messages, &input.signatures)
                        .is_ok_and(|o| o.all_valid())
                });
                let operation = format!("verify_batch {policy}");
                rows.add(
                    workload,
                    &operation,
                    "batchverify",
                    &backend,
                    size,
                    rate,
                    false,
                );
            }
            let per_thread = size.div_ceil(threads);
            let rate = measure(size, min_time, || {
                messages
                    .par_chunks(per_thread)
                    .zip(input.dalek_signatures.par_chunks(per_thread))
                    .zip(input.dalek_keys.par_chunks(per_thread))
                    .all(|((m, s), k)| ed25519_dalek::verify_batch(m, s, k).is_ok())
            });
            rows.add(
                workload,
                "verify_batch",
                "ed25519-dalek",
                "",
                size,
                rate,
                true,
            );
            let rate = measure(size, min_time, || {
                (0..size).into_par_iter().all(|i| {
                    input.dalek_keys[i]
                        .verify_strict(messages[i], &input.dalek_signatures[i])
                        .is_ok()
                })
            });
            rows.add(
                workload,
                "verify_strict loop",
                "ed25519-dalek",
                "",
                size,
                rate,
                false,
            );
            rows.print_finished();
        }
    }
    rows.finish()
}

/// BLS signature sets (Ethereum's min-pk, proof of possession) by distinct keys over `distinct`
/// messages, compressed as they arrive from the network.
struct BlsInputs {
    keys: Vec<Vec<u8>>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<Vec<u8>>,
}

fn bls_inputs(sets: usize, distinct: usize) -> BlsInputs {
    let bls = batchverify::bls::Bls::ethereum();
    let signed: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = (0..sets)
        .into_par_iter()
        .map(|i| {
            let mut ikm = [0u8; 32];
            ikm[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let secret = batchverify::bls::SecretKey::key_gen(&ikm).expect("32-byte ikm");
            let mut message = vec![0u8; 32];
            message[..8].copy_from_slice(&((i % distinct) as u64).to_le_bytes());
            let signature = bls.sign(&secret, &message);
            (bls.public_key(&secret), message, signature)
        })
        .collect();
    let mut inputs = BlsInputs {
        keys: Vec::new(),
        messages: Vec::new(),
        signatures: Vec::new(),
    };
    for (key, message, signature) in signed {
        inputs.keys.push(key);
        inputs.messages.push(message);
        inputs.signatures.push(signature);
    }
    inputs
}

/// blst's points decompressed from the bytes: the peer rows time this too.
fn blst_points(
    input: &BlsInputs,
) -> Option<(Vec<blst::min_pk::PublicKey>, Vec<blst::min_pk::Signature>)> {
    let keys = input
        .keys
        .iter()
        .map(|key| blst::min_pk::PublicKey::from_bytes(key).ok())
        .collect::<Option<Vec<_>>>()?;
    let signatures = input
        .signatures
        .iter()
        .map(|signature| blst::min_pk::Signature::from_bytes(signature).ok())
        .collect::<Option<Vec<_>>>()?;
    Some((keys, signatures))
}

fn bls_suite(sizes: &[usize], threads: usize, min_time: Duration) -> Vec<Record> {
    let workloads = ["distinct messages", "64 messages"];
    let progress = progress_bar(sizes.len() * workloads.len() * 3);
    let mut rows = Rows::new("bls", "signatures", threads, &progress);
    let bls = batchverify::bls::Bls::ethereum();
    let dst = batchverify::bls::dst::MIN_PK_POP;
    for workload in workloads {
        for &sets in sizes {
            progress.set_message(format!("bls {workload}, {sets} sets"));
            let distinct = match workload {
                "distinct messages" => sets,
                _ => BLS_ETHEREUM_MESSAGES.min(sets),
            };
            let input = bls_inputs(sets, distinct);
            let rate = measure(sets, min_time, || {
                bls.verify_batch(&input.keys, &input.messages, &input.signatures)
                    .is_ok_and(|outcome| outcome.all_valid())
            });
            rows.add(
                workload,
                "verify_batch",
                "batchverify",
                "",
                sets,
                rate,
                false,
            );
            let messages: Vec<&[u8]> = input.messages.iter().map(Vec::as_slice).collect();
            let mut rng = StdRng::seed_from_u64(sets as u64);
            let weights: Vec<blst::blst_scalar> = (0..sets)
                .map(|_| {
                    let mut weight = blst::blst_scalar::default();
                    weight.b[..8].copy_from_slice(&rng.random::<u64>().max(1).to_le_bytes());
                    weight
                })
                .collect();
            let rate = measure(sets, min_time, || {
                let Some((keys, signatures)) = blst_points(&input) else {
                    return false;
                };
                let keys: Vec<&blst::min_pk::PublicKey> = keys.iter().collect();
                let signatures: Vec<&blst::min_pk::Signature> = signatures.iter().collect();
                blst::min_pk::Signature::verify_multiple_aggregate_signatures(
                    &messages,
                    dst,
                    &keys,
                    true,
                    &signatures,
                    true,
                    &weights,
                    64,
                ) == blst::BLST_ERROR::BLST_SUCCESS
            });
            // blst's own pool is compiled out: this row runs on one thread whatever --threads.
            rows.threads = 1;
            rows.add(
                workload,
                "verify_multiple_aggregate_signatures",
                "blst",
                "",
                sets,
                rate,
                true,
            );
            rows.threads = threads;
            let rate = measure(sets, min_time, || {
                (0..sets).into_par_iter().all(|i| {
                    let (Ok(key), Ok(signature)) = (
                        blst::min_pk::PublicKey::from_bytes(&input.keys[i]),
                        blst::min_pk::Signature::from_bytes(&input.signatures[i]),
                    ) else {
                        return false;
                    };
                    signature.verify(true, messages[i], dst, &[], &key, true)
                        == blst::BLST_ERROR::BLST_SUCCESS
                })
            });
            rows.add(workload, "verify loop", "blst", "", sets, rate, false);
            rows.print_finished();
        }
    }
    rows.finish()
}

fn sha256_suite(
    sizes: &[usize],
    threads: usize,
    min_time: Duration,
    gpu: Option<&GpuContext>,
) -> Vec<Record> {
    // With a GPU, one batch large enough for `Auto` to send it there.
    let batches: Vec<(usize, usize)> = sizes
        .iter()
        .map(|&len| (len, SHA256_MESSAGES))
        .chain(gpu.map(|_| (64, 1 << 20)))
        .collect();
    let gpu_rows = usize::from(gpu.is_some());
    let progress = progress_bar((2 + gpu_rows) * batches.len() + 1);
    let mut rows = Rows::new("sha256", "hashes", threads, &progress);
    // The CPU rows stay on the CPU whatever `Auto` would choose for their size.
    let cpu_hasher = batchverify::sha256::Hasher::new().with_backend(Backend::Cpu);
    let mut rng = StdRng::seed_from_u64(256);
    for (len, count) in batches {
        progress.set_message(format!("sha256 {len}-byte messages"));
        let workload = if count == SHA256_MESSAGES {
            format!("{len}-byte messages")
        } else {
            format!("{count} x {len} bytes")
        };
        let messages: Vec<Vec<u8>> = (0..count)
            .map(|_| (0..len).map(|_| rng.random()).collect())
            .collect();
        let want = sha2_loop(&messages);
        let rate = measure(count, min_time, || cpu_hasher.hash_many(&messages) == want);
        rows.add(
            &workload,
            "hash_many",
            "batchverify",
            &cpu_hasher.path_for_length(len).to_string(),
            len,
            rate,
            false,
        );
        if let Some(context) = gpu {
            let rate = measure(count, min_time, || {
                context
                    .hash_many(&messages)
                    .is_ok_and(|digests| digests == want)
            });
            rows.add(
                &workload,
                "hash_many",
                "batchverify",
                "gpu",
                len,
                rate,
                false,
            );
        }
        let rate = measure(count, min_time, || sha2_loop(&messages) == want);
        rows.add(&workload, "digest loop", "sha2", "", len, rate, true);
        rows.print_finished();
    }
    progress.set_message("sha256 compression floor");
    rows.unit = "compressions";
    let blocks = vec![[0x5au8; 64]; SHA256_MESSAGES];
    let rate = measure(SHA256_MESSAGES, min_time, || {
        let mut state = [0u32; 8];
        sha2::block_api::compress256(&mut state, std::hint::black_box(&blocks));
        std::hint::black_box(state) != [0; 8]
    });
    // One chain of dependent blocks on one thread: the cost of a single compression.
    rows.threads = 1;
    rows.add(
        "floor",
        "compress256 chain",
        "sha2",
        &sha2_path(),
        64,
        rate,
        false,
    );
    rows.finish()
}

/// The peer: `sha2` one message at a time, messages spread over the same threads.
fn sha2_loop(messages: &[Vec<u8>]) -> Vec<[u8; 32]> {
    use sha2::Digest as _;
    messages
        .par_iter()
        .map(|m| sha2::Sha256::digest(m).into())
        .collect()
}

/// The compression the `sha2` crate runs (its own run-time choice).
fn sha2_path() -> String {
    let sha = batchverify::cpu_info().features.contains(&"sha");
    String::from(if sha { "sha-ni" } else { "software" })
}

fn merkle_suite(
    sizes: &[usize],
    threads: usize,
    min_time: Duration,
    gpu: Option<&GpuContext>,
) -> Vec<Record> {
    let gpu_rows = 4 * usize::from(gpu.is_some());
    let progress = progress_bar((3 + gpu_rows) * sizes.len());
    let mut rows = Rows::new("merkle", "nodes", threads, &progress);
    let backend = batchverify::sha256::best_path().to_string();
    let flavor = batchverify::merkle::SSZ;
    // The CPU rows stay on the CPU whatever `Auto` would choose for their size.
    let cpu_merkle = batchverify::merkle::Merkle::new(flavor).with_backend(Backend::Cpu);
    for &leaves in sizes {
        progress.set_message(format!("merkle {leaves} leaves"));
        let workload = format!("{leaves} leaves");
        let leaf_hashes: Vec<[u8; 32]> = (0..leaves as u64)
            .into_par_iter()
            .map(|i| batchverify::sha256::hash(&i.to_le_bytes()))
            .collect();
        let nodes = leaves.next_power_of_two() - 1;
        let want = sha2_tree(&leaf_hashes);
        let rate = measure(nodes.max(1), min_time, || {
            cpu_merkle.root(&leaf_hashes).is_ok_and(|root| root == want)
        });
        rows.add(
            &workload,
            "root (ssz)",
            "batchverify",
            &backend,
            leaves,
            rate,
            false,
        );
        if let Some(context) = gpu {
            gpu_merkle_rows(&mut rows, context, &leaf_hashes, want, min_time);
        }
        let rate = measure(nodes.max(1), min_time, || sha2_tree(&leaf_hashes) == want);
        rows.add(
            &workload,
            "node-by-node tree",
            "sha2",
            "",
            leaves,
            rate,
            true,
        );
        let rate = measure(nodes.max(1), min_time, || {
            sha2_subtree_tree(&leaf_hashes) == want
        });
        rows.add(
            &workload,
            "cache-sized subtrees, buffers reused",
            "sha2",
            "",
            leaves,
            rate,
            false,
        );
        rows.print_finished();
    }
    let records = rows.finish();
    if gpu.is_some() {
        out!("{}", crossover_line(&records));
    }
    records
}

/// Where `Backend::Auto` should start using the GPU, as this run measured it: the smallest size
/// from which the GPU's end-to-end root beats the CPU root at every larger size measured.
fn crossover_line(records: &[Record]) -> String {
    let rate = |size: usize, backend_is_gpu: bool, operation: &str| {
        records
            .iter()
            .find(|r| {
                r.batch_size == size
                    && r.operation == operation
                    && (r.backend == "gpu") == backend_is_gpu
            })
            .map(|r| r.items_per_second)
    };
    let mut sizes: Vec<usize> = records.iter().map(|r| r.batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let gpu_wins: Vec<(usize, bool)> = sizes
        .iter()
        .filter_map(|&size| {
            let cpu = rate(size, false, "root (ssz)")?;
            let gpu = rate(size, true, "root (ssz), end-to-end")?;
            Some((size, gpu > cpu))
        })
        .collect();
    let from = gpu_wins
        .iter()
        .rposition(|&(_, wins)| !wins)
        .map_or(0, |last_loss| last_loss + 1);
    match gpu_wins.get(from) {
        Some((size, _)) => format!(
            "(auto crossover, measured: the GPU's end-to-end root beats the CPU's from {size} \
             leaves in this run; BATCHVERIFY_GPU_CROSSOVER={size} sets it)"
        ),
        None => "(auto crossover, measured: the GPU's end-to-end root did not beat the CPU's at \
                 the largest size of this run)"
            .to_string(),
    }
}

/// The GPU's root of the same leaves: end to end (upload, kernels, read-back of the root), and
/// kernel-only on leaves uploaded beforehand (when they fit one buffer); then a tree kept for
/// proofs (every level read back) on the CPU and on the GPU.
fn gpu_merkle_rows(
    rows: &mut Rows<'_>,
    context: &GpuContext,
    leaf_hashes: &[[u8; 32]],
    want: [u8; 32],
    min_time: Duration,
) {
    let flavor = batchverify::merkle::SSZ;
    let leaves = leaf_hashes.len();
    for backend in [Backend::Cpu, Backend::Gpu] {
        let merkle = batchverify::merkle::Merkle::new(flavor).with_backend(backend);
        let rate = measure(leaves.next_power_of_two() - 1, min_time, || {
            merkle
                .tree(leaf_hashes)
                .is_ok_and(|tree| tree.root() == want && tree.execution().backend == backend)
        });
        let (label, shown) = match backend {
            Backend::Gpu => ("gpu", "gpu".to_string()),
            _ => ("cpu", batchverify::sha256::best_path().to_string()),
        };
        rows.add(
            &format!("{leaves} leaves"),
            &format!("tree (ssz), {label}"),
            "batchverify",
            &shown,
            leaves,
            rate,
            false,
        );
    }
    let nodes = leaves.next_power_of_two() - 1;
    let workload = format!("{leaves} leaves");
    let rate = measure(nodes.max(1), min_time, || {
        context
            .merkle_root(&flavor, leaf_hashes)
            .is_ok_and(|(root, _)| root == want)
    });
    rows.add(
        &workload,
        "root (ssz), end-to-end",
        "batchverify",
        "gpu",
        leaves,
        rate,
        false,
    );
    let rate = match context.upload(leaf_hashes) {
        Ok(resident) => measure(nodes.max(1), min_time, || {
            context
                .merkle_root_resident(&flavor, &resident)
                .is_ok_and(|(root, _)| root == want)
        }),
        Err(error) => {
            rows.progress
                .suspend(|| eprintln!("gpu kernel-only at {leaves} leaves: {error}"));
            None
        }
    };
    rows.add(
        &workload,
        "root (ssz), kernel-only",
        "batchverify",
        "gpu",
        leaves,
        rate,
        false,
    );
}

/// The peer: a plain SHA-256(l ‖ r) tree built with `sha2` one node at a time, each level spread
/// over the same threads; odd levels padded with zero subtrees, so the root is SSZ's.
fn sha2_tree(leaves: &[[u8; 32]]) -> [u8; 32] {
    let node = sha2_node;
    let mut level = leaves.to_vec();
    let mut zero = [0u8; 32];
    let depth = leaves.len().max(1).next_power_of_two().trailing_zeros();
    for _ in 0..depth {
        if level.len() % 2 == 1 {
            level.push(zero);
        }
        level = level.par_chunks(2).map(|p| node(&p[0], &p[1])).collect();
        zero = node(&zero, &zero);
    }
    level.first().copied().unwrap_or(zero)
}

/// Most leaves of one subtree the strong sha2 peer reduces on one thread: 128 KiB of digests,
/// which a core's L2 cache holds.
const PEER_SUBTREE_LEAVES: usize = 1 << 12;

/// The strongest plain-`sha2` tree we know how to write: leaves cut into cache-sized subtrees,
/// each reduced in place on one thread (no allocation per level), the subtree roots reduced the
/// same way; odd nodes paired with zero subtrees, so the root is SSZ's.
fn sha2_subtree_tree(leaves: &[[u8; 32]]) -> [u8; 32] {
    let depth = leaves.len().max(1).next_power_of_two().trailing_zeros();
    let mut zeros = vec![[0u8; 32]];
    for height in 0..depth as usize {
        zeros.push(sha2_node(&zeros[height], &zeros[height]));
    }
    // Small trees still give every thread a subtree.
    let per_thread = (leaves.len() / rayon::current_num_threads()).max(1);
    let subtree_height = (usize::BITS - 1 - per_thread.leading_zeros())
        .min(PEER_SUBTREE_LEAVES.trailing_zeros())
        .min(depth);
    let subtree_leaves = 1 << subtree_height;
    let mut roots: Vec<[u8; 32]> = leaves
        .par_chunks(subtree_leaves)
        .map_init(
            || Vec::with_capacity(subtree_leaves),
            |level, subtree| {
                level.clear();
                level.extend_from_slice(subtree);
                reduce_in_place(level, 0..subtree_height, &zeros)
            },
        )
        .collect();
    reduce_in_place(&mut roots, subtree_height..depth, &zeros)
}

/// Reduces `level` in place through `heights`, an odd last node paired with the zero subtree
/// of its height; the one node left (the zero subtree's root for an empty level).
fn reduce_in_place(
    level: &mut [[u8; 32]],
    heights: std::ops::Range<u32>,
    zeros: &[[u8; 32]],
) -> [u8; 32] {
    let mut len = level.len();
    for height in heights.clone() {
        let parents = len.div_ceil(2);
        for i in 0..parents {
            let right = if 2 * i + 1 < len {
                level[2 * i + 1]
            } else {
                zeros[height as usize]
            };
            level[i] = sha2_node(&level[2 * i], &right);
        }
        len = parents;
    }
    if len == 0 {
        zeros[heights.end as usize]
    } else {
        level[0]
    }
}

fn sha2_node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
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

/// One table line; wide enough for every implementation name, so columns stay aligned.
fn table_line(cells: [&str; 8]) -> String {
    let [suite, workload, implementation, size, threads, rate, unit, ratio] = cells;
    format!(
        "{suite:<8} {workload:<20} {implementation:<46} {size:>9} {threads:>7} {rate:>14} {unit:<13} {ratio:>8}"
    )
}

/// A record's line, with its throughput relative to the peer row of the same workload and size.
fn table_row(record: &Record, records: &[Record]) -> String {
    let peer = records.iter().find(|r| {
        r.baseline
            && r.suite == record.suite
            && r.workload == record.workload
            && r.batch_size == record.batch_size
    });
    let ratio = peer.map_or(String::from("-"), |p| {
        format!("{:.2}x", record.items_per_second / p.items_per_second)
    });
    let backend = if record.backend.is_empty() {
        String::new()
    } else {
        format!(" [{}]", record.backend)
    };
    table_line([
        record.suite,
        &record.workload,
        &format!("{} {}{backend}", record.implementation, record.operation),
        &record.batch_size.to_string(),
        &record.threads.to_string(),
        &format!("{:.0}", record.items_per_second),
        record.unit,
        &ratio,
    ])
}

fn machine(gpu: Option<&GpuContext>) -> Machine {
    let info = batchverify::cpu_info();
    Machine {
        cpu_model: cpu_model(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        features: info.features,
        ed25519_path: info.ed25519.to_string(),
        sha256_path: info.sha256.to_string(),
        gpu_adapter: gpu.map(|context| context.adapter().name.clone()),
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
