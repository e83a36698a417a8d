//! `merkle root | proof | verify`: Merkle roots from one hex leaf per line, inclusion proofs as
//! JSON lines in and out.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use batchverify::merkle::{Digest, Flavor, HashFn, Merkle, OddNode};
use batchverify::Backend;
use clap::{Args, Subcommand};
use rayon::prelude::*;

use crate::record::decode_hex;

/// Leaves parsed before they go to the hasher together: enough for the vector paths and all
/// threads, while memory stays bounded for `root`.
const LINES_PER_PIECE: usize = 1 << 16;

#[derive(Subcommand)]
pub enum Command {
    /// Print the root of the leaves read one hex value per line (bitcoin: also whether the
    /// list is mutated, CVE-2012-2459). Streams: memory does not grow with the input.
    Root {
        #[command(flatten)]
        leaves: LeafArgs,
        /// cpu streams the leaves; gpu (and auto, on a machine with GPU hardware) holds all leaf
        /// hashes in memory and says on stderr which backend ran. Default: BATCHVERIFY_BACKEND,
        /// else auto.
        #[arg(long)]
        backend: Option<Backend>,
    },
    /// Print the inclusion proof of each `--index` as a JSON line.
    Proof {
        #[command(flatten)]
        leaves: LeafArgs,
        /// Comma-separated leaf indices.
        #[arg(long, value_delimiter = ',', required = true)]
        index: Vec<u64>,
    },
    /// Check JSON-line proofs `{"flavor", "root", "leaf_hash", "index", "tree_size", "proof":
    /// [..]}` (hex), as `merkle proof` writes them; one verdict line each. Exit 1 if any fails.
    Verify {
        /// Tree construction, for proofs that do not name theirs: bitcoin, rfc6962, ssz or
        /// fisco-bcos. A proof that names another is an error.
        #[arg(long)]
        flavor: Option<Flavor>,
        /// The hash replacing the `--flavor`'s own: sha256, sha256d or sm3.
        #[arg(long, requires = "flavor")]
        hash: Option<HashFn>,
        /// Hashes (leaf, root, proof) are in Bitcoin's display order (byte-reversed).
        #[arg(long)]
        display_order: bool,
        /// Input file; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct LeafArgs {
    /// Tree construction: bitcoin, rfc6962, ssz or fisco-bcos.
    #[arg(long)]
    flavor: Flavor,
    /// The hash of leaves and nodes, replacing the flavor's own: sha256, sha256d or sm3 (an
    /// RFC 6962 log over SM3, say).
    #[arg(long)]
    hash: Option<HashFn>,
    /// Lines are raw leaf data (hex; an empty line is an empty leaf) that the flavor's leaf
    /// rule hashes first, instead of 32-byte leaf hashes.
    #[arg(long)]
    raw: bool,
    /// Leaf hashes and printed hashes are in Bitcoin's display order (byte-reversed), as block
    /// explorers and RPC show txids.
    #[arg(long)]
    display_order: bool,
    /// Input file; `-` or nothing reads standard input.
    file: Option<PathBuf>,
}

impl LeafArgs {
    /// The flavor over the hash asked for.
    fn flavor(&self) -> Flavor {
        with_hash(self.flavor, self.hash)
    }
}

fn with_hash(flavor: Flavor, hash: Option<HashFn>) -> Flavor {
    hash.map_or(flavor, |hash| flavor.with_hash(hash))
}

pub fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Root { leaves, backend } => {
            crate::chosen_backend(backend).and_then(|backend| root(&leaves, backend))
        }
        Command::Proof { leaves, index } => proofs(&leaves, &index),
        Command::Verify {
            flavor,
            hash,
            display_order,
            file,
        } => {
            let flavor = flavor.map(|flavor| with_hash(flavor, hash));
            return verify(flavor, display_order, file.as_deref());
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("batchverify: {message}");
            ExitCode::from(2)
        }
    }
}

fn root(args: &LeafArgs, backend: Backend) -> Result<(), String> {
    let merkle = Merkle::new(args.flavor()).with_backend(backend);
    let (root, mutated) = if may_use_gpu(backend) {
        let mut leaves = Vec::new();
        read_leaves(args, |piece| {
            leaves.extend_from_slice(piece);
            Ok(())
        })?;
        let report = merkle.root_report(&leaves).map_err(|e| e.to_string())?;
        if let Some(reason) = &report.execution.fallback {
            eprintln!("batchverify: warning: {reason}");
        }
        match &report.execution.adapter {
            Some(adapter) => eprintln!("batchverify: computed on the GPU ({adapter})"),
            None => eprintln!("batchverify: computed on the CPU"),
        }
        (report.root, report.mutated)
    } else {
        let mut builder = merkle.root_builder();
        read_leaves(args, |piece| builder.push(piece).map_err(|e| e.to_string()))?;
        builder.finish().map_err(|e| e.to_string())?
    };
    out!("{}", show(&root, args.display_order));
    if args.flavor().odd == OddNode::Duplicate {
        out!("mutated: {mutated}");
    }
    Ok(())
}

/// Whether `backend` could put a root on the GPU; if not, the root streams on the CPU.
fn may_use_gpu(backend: Backend) -> bool {
    match backend {
        Backend::Cpu => false,
        Backend::Gpu => true,
        Backend::Auto => batchverify::gpu::hardware_adapter_present(),
    }
}

fn proofs(args: &LeafArgs, indices: &[u64]) -> Result<(), String> {
    let mut leaves = Vec::new();
    read_leaves(args, |piece| {
        leaves.extend_from_slice(piece);
        Ok(())
    })?;
    let tree = Merkle::new(args.flavor())
        .tree(&leaves)
        .map_err(|e| e.to_string())?;
    let proofs = tree.proofs(indices).map_err(|e| e.to_string())?;
    let mut out = BufWriter::new(io::stdout().lock());
    for proof in proofs {
        let line = serde_json::json!({
            "flavor": args.flavor().to_string(),
            "root": show(&tree.root(), args.display_order),
            "leaf_hash": show(&leaves[proof.index as usize], args.display_order),
            "index": proof.index,
            "tree_size": proof.tree_size,
            "proof": proof.siblings.iter().map(|s| show(s, args.display_order)).collect::<Vec<_>>(),
        });
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn show(digest: &Digest, display_order: bool) -> String {
    let mut bytes = *digest;
    if display_order {
        bytes.reverse();
    }
    hex::encode(bytes)
}

/// Parses the input in pieces of leaf hashes (applying the leaf rule for `--raw`), handing each
/// to `consume`. Errors name the line.
fn read_leaves(
    args: &LeafArgs,
    mut consume: impl FnMut(&[Digest]) -> Result<(), String>,
) -> Result<(), String> {
    let merkle = Merkle::new(args.flavor());
    let input = crate::open_input(args.file.as_deref())?;
    let mut lines = Vec::with_capacity(LINES_PER_PIECE);
    let mut piece: Vec<Vec<u8>> = Vec::with_capacity(LINES_PER_PIECE);
    let mut flush = |lines: &mut Vec<usize>, piece: &mut Vec<Vec<u8>>| -> Result<(), String> {
        let hashes = if args.raw {
            merkle.leaf_hashes(piece).map_err(|e| match e {
                batchverify::Error::Malformed {
                    index,
                    expected_len,
                    actual_len,
                    ..
                } => format!(
                    "line {}: expected {expected_len} bytes of leaf data, got {actual_len}",
                    lines[index]
                ),
                other => other.to_string(),
            })?
        } else {
            piece
                .iter()
                .zip(lines.iter())
                .map(|(bytes, line)| {
                    let mut hash: Digest = bytes.as_slice().try_into().map_err(|_| {
                        format!(
                            "line {line}: expected a 32-byte leaf hash (64 hex digits), got {} bytes",
                            bytes.len()
                        )
                    })?;
                    if args.display_order {
                        hash.reverse();
                    }
                    Ok(hash)
                })
                .collect::<Result<Vec<_>, String>>()?
        };
        consume(&hashes)?;
        lines.clear();
        piece.clear();
        Ok(())
    };
    for (number, line) in input.lines().enumerate() {
        let number = number + 1;
        let line = line.map_err(|e| format!("line {number}: {e}"))?;
        let text = line.trim();
        // A blank line is an empty leaf in raw data, and skipped among leaf hashes.
        if text.is_empty() && !args.raw {
            continue;
        }
        let bytes = decode_hex(text).map_err(|e| format!("line {number}: invalid hex: {e}"))?;
        lines.push(number);
        piece.push(bytes);
        if piece.len() == LINES_PER_PIECE {
            flush(&mut lines, &mut piece)?;
        }
    }
    flush(&mut lines, &mut piece)
}

struct ProofRecord {
    flavor: Flavor,
    root: Vec<u8>,
    leaf_hash: Vec<u8>,
    index: u64,
    tree_size: u64,
    proof: Vec<Vec<u8>>,
}

fn verify(flavor: Option<Flavor>, display_order: bool, file: Option<&Path>) -> ExitCode {
    let input = match crate::open_input(file) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    };
    crate::verdict_status(verify_stream(
        flavor,
        display_order,
        input,
        io::stdout().lock(),
    ))
}

/// One verdict line per proof line, in order; returns whether all verified.
fn verify_stream(
    flavor: Option<Flavor>,
    display_order: bool,
    input: impl BufRead,
    output: impl Write,
) -> io::Result<bool> {
    let mut output = BufWriter::new(output);
    let mut all_valid = true;
    let mut index = 0usize;
    let mut pending: Vec<(usize, Result<ProofRecord, String>)> = Vec::new();
    let mut lines = input.lines().enumerate();
    loop {
        let (number, line) = match lines.next() {
            Some((number, line)) => (number + 1, Some(line?)),
            None => (0, None),
        };
        if let Some(text) = line.as_deref().filter(|t| !t.trim().is_empty()) {
            pending.push((number, parse_proof(text, display_order, flavor)));
        }
        if pending.len() == LINES_PER_PIECE || (line.is_none() && !pending.is_empty()) {
            let verdicts: Vec<Result<bool, &String>> = pending
                .par_iter()
                .map(|(_, record)| {
                    record.as_ref().map(|r| {
                        Merkle::new(r.flavor).verify_inclusion(
                            &r.root,
                            &r.leaf_hash,
                            r.index,
                            r.tree_size,
                            &r.proof,
                        )
                    })
                })
                .collect();
            for ((number, record), verdict) in pending.iter().zip(verdicts) {
                let line = match (record, verdict) {
                    (Ok(record), Ok(valid)) => serde_json::json!({
                        "index": index,
                        "line": number,
                        "leaf_index": record.index,
                        "valid": valid,
                    }),
                    (_, Err(error)) | (Err(error), _) => serde_json::json!({
                        "index": index,
                        "line": number,
                        "valid": false,
                        "error": error,
                    }),
                };
                all_valid &= line["valid"] == true;
                writeln!(output, "{line}")?;
                index += 1;
            }
            pending.clear();
        }
        if line.is_none() {
            break;
        }
    }
    output.flush()?;
    Ok(all_valid)
}

/// A proof line; its flavor is the one it names, or `flavor` (`--flavor`) when it names none,
/// and an error when the two differ.
fn parse_proof(
    line: &str,
    display_order: bool,
    flavor: Option<Flavor>,
) -> Result<ProofRecord, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not a JSON object: {e}"))?;
    let named = match value.get("flavor") {
        None => None,
        Some(name) => Some(
            name.as_str()
                .ok_or_else(|| "flavor: expected a name".to_string())?
                .parse::<Flavor>()
                .map_err(|e| format!("flavor: {e}"))?,
        ),
    };
    let flavor = match (named, flavor) {
        (Some(named), Some(given)) if named != given => {
            return Err(format!(
                "flavor: the proof is for {named}, --flavor says {given}"
            ))
        }
        (Some(flavor), _) | (None, Some(flavor)) => flavor,
        (None, None) => {
            return Err("flavor: missing (name it in the proof or with --flavor)".to_string())
        }
    };
    let hash = |name: &str, field: &serde_json::Value| -> Result<Vec<u8>, String> {
        let text = field
            .as_str()
            .ok_or_else(|| format!("{name}: expected a hex string"))?;
        let mut bytes = decode_hex(text).map_err(|e| format!("{name}: invalid hex: {e}"))?;
        if display_order {
            bytes.reverse();
        }
        Ok(bytes)
    };
    let field = |name: &str| value.get(name).ok_or_else(|| format!("{name}: missing"));
    let number = |name: &str| -> Result<u64, String> {
        field(name)?
            .as_u64()
            .ok_or_else(|| format!("{name}: expected a non-negative integer"))
    };
    let proof = field("proof")?
        .as_array()
        .ok_or_else(|| "proof: expected an array of hex strings".to_string())?
        .iter()
        .map(|sibling| hash("proof", sibling))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ProofRecord {
        flavor,
        root: hash("root", field("root")?)?,
        leaf_hash: hash("leaf_hash", field("leaf_hash")?)?,
        index: number("index")?,
        tree_size: number("tree_size")?,
        proof,
    })
}
