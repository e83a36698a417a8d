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
pub(crate) trait SplittableCheck: Sync {
    type Sum;

    /// The batch sum over `range`.
    fn sum(&self, range: Range<usize>) -> Self::Sum;

    /// `whole - part`.
    fn difference(&self, whole: &Self::Sum, part: &Self::Sum) -> Self::Sum;

    /// Whether the batch equation holds for a sum.
    fn holds(&self, sum: &Self::Sum) -> bool;

    /// The single-item verdict, used where bisection stops paying.
    fn verify_one(&self, index: usize) -> bool;

    /// Cost of splitting `range` (summing its first half with [`SplittableCheck::sum`] and
    /// testing both halves), in units of one [`SplittableCheck::verify_one`].
    fn split_cost(&self, range: Range<usize>) -> f64;

    /// Whether the single verifications bisection falls back to may run on rayon's threads.
    fn parallel(&self) -> bool;

    /// What bisection may spend exploring a range before it has saved anything, in single
    /// verifications per item (see [`EXPLORATION_PER_ITEM`]). A scheme whose first split costs
    /// more than that, relative to its items, raises it so that one bad item is still searched
    /// for rather than the whole range verified singly.
    fn exploration_per_item(&self) -> f64 {
        EXPLORATION_PER_ITEM
    }
}

/// Exploration bisection may spend on a range before it has saved anything, in single
/// verifications per item. An all-bad range costs its first sum, this, and every item singly:
/// for Ed25519 (a sum costs a quarter of a single per item) at most 1.45 times singles.
const EXPLORATION_PER_ITEM: f64 = 0.2;

/// Fills `verdicts[range]` given that `range`'s batch sum is `sum`.
///
/// A range whose equation holds is all valid. A failing range is split: the left half is summed,
/// the right half's sum is derived by one subtraction, and each failing half is searched again.
///
/// Splitting is a bet that a half turns out clean, which saves verifying its items singly. With
/// a few bad items the bet mostly wins; with many it always loses. So the search may spend up to
/// the scheme's [`SplittableCheck::exploration_per_item`] exploring, and past that only what
/// clean halves have already saved: sparse failures are isolated at a few sums' cost, and dense
/// failures fall back to single verification after a bounded probe. A split that costs more
/// than the larger half's singles is never made: it could not pay even if that half were clean.
pub(crate) fn bisect<C: SplittableCheck>(
    check: &C,
    range: Range<usize>,
    sum: C::Sum,
    verdicts: &mut [bool],
) {
    let mut ledger = Ledger {
        allowance: check.exploration_per_item() * range.len() as f64,
        spent: 0.0,
        saved: 0.0,
    };
    let mut singles = Vec::new();
    search(check, range, sum, verdicts, &mut ledger, &mut singles);
    let single_verdicts: Vec<bool> = if check.parallel() {
        use rayon::prelude::*;
        singles.par_iter().map(|&i| check.verify_one(i)).collect()
    } else {
        singles.iter().map(|&i| check.verify_one(i)).collect()
    };
    for (i, valid) in singles.into_iter().zip(single_verdicts) {
        verdicts[i] = valid;
    }
}

struct Ledger {
    allowance: f64,
    spent: f64,
    saved: f64,
}

/// Decides what it can by sums and leaves the rest's indices in `singles`.
fn search<C: SplittableCheck>(
    check: &C,
    range: Range<usize>,
    sum: C::Sum,
    verdicts: &mut [bool],
    ledger: &mut Ledger,
    singles: &mut Vec<usize>,
) {
    if check.holds(&sum) {
        ledger.saved += range.len() as f64;
        verdicts[range].fill(true);
        return;
    }
    let half = range.len() / 2;
    let split_cost = if half == 0 {
        f64::INFINITY
    } else {
        check.split_cost(range.clone())
    };
    // A split saves at most the larger half's singles (when the other half holds the bad
    // items), so one that costs more than that cannot pay, whatever the ledger allows.
    let cannot_pay = split_cost > (range.len() - half) as f64;
    if cannot_pay || ledger.spent + split_cost > ledger.saved + ledger.allowance {
        singles.extend(range);
        return;
    }
    ledger.spent += split_cost;
    let mid = range.start + half;
    let left = check.sum(range.start..mid);
    let right = check.difference(&sum, &left);
    search(check, range.start..mid, left, verdicts, ledger, singles);
    search(check, mid..range.end, right, verdicts, ledger, singles);
}

/// A per-process secret for deriving batch weights, from the OS, or `None` when the OS cannot
/// give one. Someone who does not know it cannot choose invalid items whose errors cancel in a
/// randomized batch equation; without it there is nothing unpredictable to weight with, so
/// callers verify item by item instead (fail closed).
pub(crate) fn process_secret() -> Option<&'static [u8; 32]> {
    static SECRET: std::sync::OnceLock<Option<[u8; 32]>> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| secret_from(getrandom::fill)).as_ref()
}

/// The secret `fill` draws, or `None` (logged once, as the caller initialises once) when it fails.
fn secret_from<E: core::fmt::Display>(
    fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
) -> Option<[u8; 32]> {
    let mut secret = [0u8; 32];
    match fill(&mut secret) {
        Ok(()) => Some(secret),
        Err(error) => {
            log::warn!("the OS random source failed ({error}): batches are verified item by item");
            None
        }
    }
}

/// The parallel slices of a signature batch must have one message (or, for schemes that sign
/// a hash, `message_field`) and one signature per public key.
pub(crate) fn check_counts(
    public_keys: usize,
    (message_field, messages): (crate::Field, usize),
    signatures: usize,
) -> Result<(), crate::Error> {
    for (field, actual) in [
        (message_field, messages),
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

/// The threads a batch may use: one when it is to run sequentially, else rayon's.
pub(crate) fn threads(sequential: bool) -> usize {
    if sequential {
        1
    } else {
        rayon::current_num_threads()
    }
}

/// The length of equal chunks covering `items`: at least one chunk per thread (while there are
/// items), none longer than `max_chunk`.
pub(crate) fn chunk_len(items: usize, threads: usize, max_chunk: usize) -> usize {
    let chunks = threads.max(items.div_ceil(max_chunk)).min(items).max(1);
    items.div_ceil(chunks).max(1)
}

/// `f` of every index below `len`, on rayon's threads unless `sequential`.
pub(crate) fn map_items<T: Send>(
    len: usize,
    sequential: bool,
    f: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    use rayon::prelude::*;
    if sequential {
        (0..len).map(f).collect()
    } else {
        (0..len).into_par_iter().map(f).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    /// An equation whose sum over a range is the set of bad items in it, and which counts what
    /// it spends in single verifications.
    struct CountingCheck {
        bad: BTreeSet<usize>,
        sum_cost_per_item: f64,
        spent: Mutex<f64>,
    }

    impl CountingCheck {
        fn new(bad: impl IntoIterator<Item = usize>, sum_cost_per_item: f64) -> Self {
            Self {
                bad: bad.into_iter().collect(),
                sum_cost_per_item,
                spent: Mutex::new(0.0),
            }
        }

        fn charge(&self, cost: f64) {
            *self.spent.lock().unwrap() += cost;
        }

        /// Verdicts and total cost of a batch of `n`, the first full sum included.
        fn run(&self, n: usize) -> (Vec<bool>, f64) {
            let mut verdicts = vec![false; n];
            let whole = self.sum(0..n);
            bisect(self, 0..n, whole, &mut verdicts);
            (verdicts, *self.spent.lock().unwrap())
        }
    }

    impl SplittableCheck for CountingCheck {
        type Sum = BTreeSet<usize>;

        fn sum(&self, range: Range<usize>) -> BTreeSet<usize> {
            self.charge(self.sum_cost_per_item * range.len() as f64);
            self.bad.range(range).copied().collect()
        }

        fn difference(&self, whole: &BTreeSet<usize>, part: &BTreeSet<usize>) -> BTreeSet<usize> {
            whole.difference(part).copied().collect()
        }

        fn holds(&self, sum: &BTreeSet<usize>) -> bool {
            sum.is_empty()
        }

        fn verify_one(&self, index: usize) -> bool {
            self.charge(1.0);
            !self.bad.contains(&index)
        }

        fn split_cost(&self, range: Range<usize>) -> f64 {
            self.sum_cost_per_item * (range.len() / 2) as f64
        }

        fn parallel(&self) -> bool {
            true
        }
    }

    #[test]
    fn bisection_finds_exactly_the_bad_items() {
        for n in [1, 2, 3, 7, 64, 100, 1000] {
            for bad in [
                vec![],
                vec![0],
                vec![n - 1],
                (0..n).step_by(3).collect(),
                (0..n).collect(),
            ] {
                let check = CountingCheck::new(bad.iter().copied(), 0.25);
                let (verdicts, _) = check.run(n);
                let found: Vec<usize> = (0..n).filter(|&i| !verdicts[i]).collect();
                assert_eq!(found, bad, "n = {n}");
            }
        }
    }

    #[test]
    fn an_all_bad_batch_costs_at_most_one_and_a_half_singles() {
        for n in [2, 3, 10, 100, 1000, 2048, 5000] {
            for sum_cost_per_item in [0.05, 0.25] {
                let (_, spent) = CountingCheck::new(0..n, sum_cost_per_item).run(n);
                assert!(
                    spent <= 1.5 * n as f64,
                    "n = {n}, sum cost {sum_cost_per_item}: {spent} singles"
                );
            }
        }
    }

    #[test]
    fn a_lone_bad_item_is_found_for_a_few_sums() {
        let n = 2048;
        let (verdicts, spent) = CountingCheck::new([1234], 0.25).run(n);
        assert_eq!(verdicts.iter().filter(|v| !**v).count(), 1);
        // The first sum (512 singles' worth) plus one halving chain (another 512) and a few
        // singles at the bottom: far below the 2048 of verifying singly.
        assert!(spent < 1100.0, "{spent}");
    }

    #[test]
    fn a_failing_random_source_gives_no_secret() {
        assert_eq!(secret_from(|_| Err("forced failure")), None);
        let drawn = secret_from(|bytes: &mut [u8]| {
            bytes.fill(7);
            Ok::<(), &str>(())
        });
        assert_eq!(drawn, Some([7; 32]));
    }
}
