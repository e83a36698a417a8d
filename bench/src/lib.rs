//! The one benchmark harness of batchverify. Each workload has one input builder and its peer
//! implementations here; the CLI's `bench` (with its report and `compare`) and the criterion
//! benches both run the [`Case`]s that [`cases`] builds from a [`plan`], and differ only in the
//! timer.
//!
//! The fairness rules every suite follows (BENCHMARKS.md states them for readers):
//! - both sides run on the same inputs, on the same threads, in the same run; a peer that cannot
//!   use threads (rs_merkle) is measured only at one thread, beside ours at one thread;
//! - every call checks its result, so a case that stops verifying fails rather than gets fast;
//! - where we cache decoded keys there are two regimes: **cold**, where our cache is emptied
//!   before every timed call and the peer decodes every key inside it, and **warm**, where our
//!   cache is warm and the peer is handed keys parsed (and validated) outside the timed call,
//!   as a node keeps them;
//! - each row is divided by the fastest peer row of its group, so the ratio is against the
//!   strongest peer on those inputs and threads: ed25519-dalek's `verify_batch` or its
//!   `verify_strict` loop, blst's `verify_multiple_aggregate_signatures` split over the threads
//!   or its `verify` loop, libsecp256k1's verify or recover loop (or k256's), RustCrypto's `sm2` verify loop, the
//!   `sha2` or `sm3` digest loop, a `sha2` Merkle tree that works in
//!   cache-sized subtrees in reused buffers (or node by node, or rs_merkle);
//! - every batch scheme is also swept over failure rates (0 to 100% bad items) beside verifying
//!   the same items one at a time on the same threads.

mod bls;
mod case;
pub mod compare;
mod ed25519;
mod machine;
mod measure;
mod merkle;
mod record;
pub mod report;
mod secp256k1;
mod sha256;
mod sm2;

pub use case::{cases, plan, Case, PlanOptions, Spec, Suite, SUITES};
pub use machine::{cpu_model, machine, Machine};
pub use measure::{time, Timing};
pub use merkle::crossover;
pub use record::{group_label, Record, Regime, Run, Sweep, SCHEMA_VERSION};
