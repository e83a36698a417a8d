//! How batches are decided: per-item verdicts ([`BatchOutcome`]), randomized equations split
//! and searched to find bad items (`bisect`), batches cut into waves sized by the failure rate
//! recent batches met (`waves`), the per-process secret their weights derive from (`weights`),
//! and the thread helpers every scheme's batch runs on (`threads`).

mod bisect;
mod outcome;
mod threads;
mod waves;
mod weights;

pub(crate) use bisect::{bisect, lone_failure, LocatableCheck, SplittableCheck};
pub(crate) use outcome::check_counts;
pub use outcome::BatchOutcome;
pub(crate) use threads::{map_items, map_ranges};
pub use waves::FailureMemory;
pub(crate) use waves::Waves;
pub(crate) use weights::{process_secret, WeightTranscript};
