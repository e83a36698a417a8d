//! `batchverify`: verify signatures from JSONL, Merkle roots and proofs, benchmark against peer
//! libraries, show the machine's code paths. Holds no cryptography: it converts and presents.

/// Prints a line of a report on standard output. A reader that stops early (`| head`) ends the
/// process with status 1, as `verify` does when its output closes, rather than a panic.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::print_line(format_args!($($arg)*))
    };
}

mod bench;
mod info;
mod merkle;
mod record;
mod recover;
mod verify;

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::process::ExitCode;

use batchverify::ed25519::Policy;
use clap::{Parser, Subcommand};

/// Mesa's Vulkan drivers (lavapipe among them) connect to Wayland while the GPU is probed, and
/// Wayland's client library prints "error: XDG_RUNTIME_DIR is invalid or not set in the
/// environment" when the variable is unset (a service, a container, ssh without a session),
/// which reads like a failure on a healthy run. Nothing of ours needs that directory, so when
/// it is unset the CLI sets it to a private one of its own, before any thread starts: the
/// message is never printed rather than filtered out of stderr.
#[cfg(target_os = "linux")]
fn quiet_gpu_probe() {
    use std::os::unix::fs::DirBuilderExt;
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return;
    }
    let dir = std::env::temp_dir().join("batchverify-runtime");
    let created = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir);
    if created.is_ok() {
        std::env::set_var("XDG_RUNTIME_DIR", dir);
    }
}

#[derive(Parser)]
#[command(
    name = "batchverify",
    version,
    about = "Batch signature verification engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Version, CPU features, selected code paths and thread count.
    Info,
    /// Verify signatures read as JSONL; one JSONL verdict per record on stdout.
    Verify {
        #[command(subcommand)]
        scheme: VerifyScheme,
    },
    /// Recover Ethereum signers from JSONL records `{"message_hash": hex, "signature": hex}`
    /// (65 bytes r‖s‖v, v 0, 1, 27 or 28), as ecrecover does; one JSONL line per record
    /// with the address and public key, or the error.
    Recover {
        #[command(flatten)]
        stream: verify::StreamArgs,
    },
    /// Merkle roots and inclusion proofs.
    Merkle {
        #[command(subcommand)]
        command: merkle::Command,
    },
    /// Measure throughput against peer libraries on the same inputs in the same run.
    Bench(bench::Args),
}

#[derive(Subcommand)]
enum VerifyScheme {
    /// secp256k1 ECDSA records `{"public_key": hex, "message_hash": hex, "signature": hex}`:
    /// keys compressed or uncompressed, the 32-byte hash the signer signed, signatures DER or
    /// r‖s as the rules read them.
    Ecdsa {
        /// bitcoin (strict DER, low S), bitcoin-consensus (strict DER, any S), ethereum (r‖s,
        /// low S), plain (DER, any S) or plain-compact (r‖s, any S).
        #[arg(long)]
        rules: batchverify::secp256k1::ecdsa::Rules,
        #[command(flatten)]
        stream: verify::StreamArgs,
    },
    /// SM2 records `{"public_key": hex, "message": hex, "signature": hex, "id": hex}`: keys
    /// compressed or uncompressed, signatures r‖s (64 bytes) or DER, `id` the signer ID
    /// (optional; GM/T 0009's default `1234567812345678`).
    Sm2 {
        /// Read every signature as der or compact (r‖s), as a node should; by default 64 bytes
        /// is r‖s and any other length DER, and a 64-byte signature that also reads as DER is
        /// an error for its record.
        #[arg(long)]
        encoding: Option<batchverify::sm2::Encoding>,
        #[command(flatten)]
        stream: verify::StreamArgs,
    },
    /// BIP-340 Schnorr records `{"public_key": hex, "message": hex, "signature": hex}`: x-only
    /// 32-byte keys, messages of any length, 64-byte signatures.
    Schnorr {
        #[command(flatten)]
        stream: verify::StreamArgs,
    },
    /// Records `{"public_key": hex, "message": hex, "signature": hex}`.
    Ed25519 {
        /// Verification rules: zip215 or strict.
        #[arg(long)]
        policy: Policy,
        #[command(flatten)]
        stream: verify::StreamArgs,
    },
    /// BLS12-381 records `{"public_key": hex, "message": hex, "signature": hex}` (compressed
    /// points), checked as one randomized multi-pairing per 8,192 records.
    Bls {
        /// min_pk (48-byte keys, 96-byte signatures: Ethereum) or min_sig.
        #[arg(long, default_value = "min_pk")]
        variant: batchverify::bls::Variant,
        /// pop (Ethereum), basic or aug; each with its standard domain separation tag.
        #[arg(long, default_value = "pop")]
        scheme: batchverify::bls::Scheme,
        #[command(flatten)]
        stream: verify::StreamArgs,
    },
}

fn main() -> ExitCode {
    #[cfg(target_os = "linux")]
    quiet_gpu_probe();
    let cli = Cli::parse();
    match cli.command {
        Command::Info => info::run(),
        Command::Verify {
            scheme: VerifyScheme::Ed25519 { policy, stream },
        } => verify::run(
            verify::Scheme::Ed25519(batchverify::ed25519::Verifier::new(policy)),
            &stream,
        ),
        Command::Verify {
            scheme:
                VerifyScheme::Bls {
                    variant,
                    scheme,
                    stream,
                },
        } => verify::run(
            verify::Scheme::Bls(batchverify::bls::Verifier::new(variant, scheme)),
            &stream,
        ),
        Command::Verify {
            scheme: VerifyScheme::Ecdsa { rules, stream },
        } => verify::run(
            verify::Scheme::Ecdsa(batchverify::secp256k1::ecdsa::Verifier::new(rules)),
            &stream,
        ),
        Command::Verify {
            scheme: VerifyScheme::Sm2 { encoding, stream },
        } => {
            let verifier = batchverify::sm2::Verifier::new();
            let verifier = match encoding {
                Some(encoding) => verifier.encoding(encoding),
                None => verifier,
            };
            verify::run(verify::Scheme::Sm2(verifier), &stream)
        }
        Command::Verify {
            scheme: VerifyScheme::Schnorr { stream },
        } => verify::run(
            verify::Scheme::Schnorr(batchverify::secp256k1::schnorr::Verifier::new()),
            &stream,
        ),
        Command::Recover { stream } => recover::run(&stream),
        Command::Merkle { command } => merkle::run(command),
        Command::Bench(args) => bench::run(args),
    }
}

fn print_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    if let Err(error) = writeln!(io::stdout().lock(), "{line}") {
        if error.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(1);
        }
        eprintln!("batchverify: cannot write to standard output: {error}");
        std::process::exit(2);
    }
}

/// `--backend`, else `BATCHVERIFY_BACKEND`, else auto; a bad value in the variable is an error
/// here (the library's default only logs it), so a typo does not silently change where work
/// runs.
fn chosen_backend(flag: Option<batchverify::Backend>) -> Result<batchverify::Backend, String> {
    flag.map_or_else(batchverify::Backend::try_from_env, Ok)
}

/// The exit status of a verifying command: 0 all valid, 1 any invalid (or output closed
/// early), 2 unreadable input or an I/O error.
fn verdict_status(result: io::Result<bool>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(1),
        Err(e) => {
            eprintln!("batchverify: {e}");
            ExitCode::from(2)
        }
    }
}

/// The named file, or standard input for `-` or no name.
fn open_input(file: Option<&Path>) -> Result<Box<dyn BufRead + Send>, String> {
    match file {
        None => Ok(Box::new(BufReader::new(io::stdin()))),
        Some(path) if path == Path::new("-") => Ok(Box::new(BufReader::new(io::stdin()))),
        Some(path) => File::open(path)
            .map(|f| Box::new(BufReader::new(f)) as Box<dyn BufRead + Send>)
            .map_err(|e| format!("cannot read {}: {e}", path.display())),
    }
}
