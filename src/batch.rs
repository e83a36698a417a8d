//! Per-item verdicts of a batch and the bisection that finds the bad items.

use core::ops::Range;

/// The verdict for every item of a batch, in input order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BatchOutcome {
    verdicts: Vec<bool>,
}

impl BatchOutcome {
    /// Wraps per-item verdicts (`true` = valid).
    pub fn from_verdicts(verdicts: Vec<bool>) -> Self {
        Self { verdicts }
    }

    /// Number of items in the batch.
    pub fn len(&self) -> usize {
        self.verdicts.len()
    }

    /// Whether the batch had no items (an empty batch is valid).
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }

    /// `true` when every item verified (and for an empty batch).
    pub fn all_valid(&self) -> bool {
        self.verdicts.iter().all(|&v| v)
    }

    /// Verdict of item `index`, or `None` past the end.
    pub fn is_valid(&self, index: usize) -> Option<bool> {
        self.verdicts.get(index).copied()
    }

    /// Positions of the items that did not verify, ascending.
    pub fn invalid_indices(&self) -> Vec<usize> {
        self.verdicts
            .iter()
            .enumerate()
            .filter_map(|(i, &v)| (!v).then_some(i))
            .collect()
    }

    /// Number of items that did not verify.
    pub fn invalid_count(&self) -> usize {
        self.verdicts.iter().filter(|&&v| !v).count()
    }

    /// The verdicts as a slice (`true` = valid).
    pub fn as_slice(&self) -> &[bool] {
        &self.verdicts
    }

    /// The verdicts as a vector (`true` = valid).
    pub fn into_vec(self) -> Vec<bool> {
        self.verdicts
    }
}

/// A randomized batch equation over a run of items that can be split.
///
/// The scheme computes a partial sum for a range of items; the equation holds for the range when
/// the sum is (in the scheme's sense) zero. Sums are additive over disjoint ranges, which lets
/// bisection compute one half and derive the other by subtraction.
pub(crate) trait SplittableCheck {
    type Sum;

    /// The batch sum over `range`.
    fn sum(&self, range: Range<usize>) -> Self::Sum;

    /// `whole - part`.
    fn difference(&self, whole: &Self::Sum, part: &Self::Sum) -> Self::Sum;

    /// Whether the batch equation holds for a sum.
    fn holds(&self, sum: &Self::Sum) -> bool;

    /// The single-item verdict, used where bisection stops paying.
    fn verify_one(&self, index: usize) -> bool;

    /// Cost of adding one item to a sum, in units of one single verification.
    fn sum_cost_per_item(&self) -> f64;
}

/// Fills `verdicts[range]` given that `range`'s batch sum is `sum`.
///
/// A range whose equation holds is all valid. A failing range is split: the left half is summed,
/// the right half's sum is derived by one subtraction, and each failing half is searched again.
///
/// Splitting is a bet that a half turns out clean, which saves verifying its items singly. With
/// a few bad items the bet mostly wins; with many it always loses. So the search may spend up to
/// three quarters of one full re-sum of the range exploring, and past that only what clean halves
/// have already saved: sparse failures are isolated at a few sums' cost, and dense failures fall
/// back to single verification after a bounded probe.
pub(crate) fn bisect<C: SplittableCheck>(
    check: &C,
    range: Range<usize>,
    sum: C::Sum,
    verdicts: &mut [bool],
) {
    let mut ledger = Ledger {
        cost_per_item: check.sum_cost_per_item(),
        allowance: check.sum_cost_per_item() * range.len() as f64 * 0.75,
        spent: 0.0,
        saved: 0.0,
    };
    search(check, range, sum, verdicts, &mut ledger);
}

struct Ledger {
    cost_per_item: f64,
    allowance: f64,
    spent: f64,
    saved: f64,
}

fn search<C: SplittableCheck>(
    check: &C,
    range: Range<usize>,
    sum: C::Sum,
    verdicts: &mut [bool],
    ledger: &mut Ledger,
) {
    if check.holds(&sum) {
        ledger.saved += range.len() as f64;
        verdicts[range].fill(true);
        return;
    }
    let half = range.len() / 2;
    let split_cost = ledger.cost_per_item * half as f64;
    if half == 0 || ledger.spent + split_cost > ledger.saved + ledger.allowance {
        for i in range {
            verdicts[i] = check.verify_one(i);
        }
        return;
    }
    ledger.spent += split_cost;
    let mid = range.start + half;
    let left = check.sum(range.start..mid);
    let right = check.difference(&sum, &left);
    search(check, range.start..mid, left, verdicts, ledger);
    search(check, mid..range.end, right, verdicts, ledger);
}

/// A per-process secret for deriving batch weights, from the OS. Someone who does not know it
/// cannot choose invalid items whose errors cancel in a randomized batch equation.
pub(crate) fn process_secret() -> &'static [u8; 32] {
    static SECRET: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| {
        let mut secret = [0u8; 32];
        if getrandom::fill(&mut secret).is_err() {
            // No OS entropy source: std's per-process hash keys are the best left, and still
            // unknown to whoever wrote the signatures.
            use std::hash::{BuildHasher, Hasher};
            for (i, word) in secret.chunks_exact_mut(8).enumerate() {
                let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
                hasher.write_usize(i);
                word.copy_from_slice(&hasher.finish().to_le_bytes());
            }
        }
        secret
    })
}

/// The parallel slices of a signature batch must have one message and one signature per
/// public key.
pub(crate) fn check_counts(
    public_keys: usize,
    messages: usize,
    signatures: usize,
) -> Result<(), crate::Error> {
    for (field, actual) in [
        (crate::Field::Message, messages),
        (crate::Field::Signature, signatures),
    ] {
        if actual != public_keys {
            return Err(crate::Error::CountMismatch {
                field,
                expected: public_keys,
                actual,
            });
        }
    }
    Ok(())
}
