//! Randomized batch equations split and searched: a lone bad item located by one more sum,
//! else bisection within a ledger that keeps exploring cheaper than verifying singly.

use core::ops::Range;

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
/// for Ed25519 (a sum costs a quarter of a single per item) at most 1.45 times singles, 1.7 with
/// the lone-failure sum tried first ([`Waves`]).
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

/// A check whose sums can also weight each item by its position, which locates a lone bad item
/// for the price of one more sum instead of a bisection's chain of them.
pub(crate) trait LocatableCheck: SplittableCheck {
    /// The sum over `0..len` with every item's term also multiplied by its position plus one.
    fn position_weighted_sum(&self, len: usize) -> Self::Sum;

    /// `a + b`.
    fn add(&self, a: &Self::Sum, b: &Self::Sum) -> Self::Sum;

    /// The part of a sum the equation looks at (Ed25519's cofactored equation: the sum times
    /// the cofactor, without its small-order component).
    fn observed(&self, sum: &Self::Sum) -> Self::Sum;

    /// Whether two observed sums are equal.
    fn same(&self, a: &Self::Sum, b: &Self::Sum) -> bool;
}

/// The one invalid item of a failing run `0..len` whose sum is `whole`, when there is exactly
/// one.
///
/// Each item's term is `z_i E_i`, and the equation sees zero for a valid item (Ed25519's sees
/// `8 z_i E_i`: a valid item's term may keep a small-order part, which is why sums are compared
/// as [`LocatableCheck::observed`]). With one invalid item j, the observed sum is `S = z_j E_j`
/// and the observed position-weighted sum is `T = (j + 1) S`, so j + 1 is the k with `k S = T`.
/// The answer is then checked: item j fails singly, and the run without it holds (which, with
/// two or more invalid items, happens only with probability about 2^-128 over the weights, as
/// for the equation itself).
pub(crate) fn lone_failure<C: LocatableCheck>(
    check: &C,
    len: usize,
    whole: &C::Sum,
) -> Option<usize> {
    let weighted = check.observed(&check.position_weighted_sum(len));
    let step = check.observed(whole);
    let mut multiple = check.difference(&step, &step);
    let position = (0..len).find(|_| {
        multiple = check.add(&multiple, &step);
        check.same(&multiple, &weighted)
    })?;
    let rest = check.difference(whole, &check.sum(position..position + 1));
    (check.holds(&rest) && !check.verify_one(position)).then_some(position)
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

    /// An equation whose sum over a range is each bad item in it with its weight.
    struct WeightedCheck {
        bad: BTreeSet<usize>,
    }

    impl SplittableCheck for WeightedCheck {
        type Sum = std::collections::BTreeMap<usize, u64>;

        fn sum(&self, range: Range<usize>) -> Self::Sum {
            self.bad.range(range).map(|&i| (i, 1)).collect()
        }

        fn difference(&self, whole: &Self::Sum, part: &Self::Sum) -> Self::Sum {
            let mut rest = whole.clone();
            for (i, weight) in part {
                *rest.entry(*i).or_default() -= weight;
            }
            rest.retain(|_, weight| *weight != 0);
            rest
        }

        fn holds(&self, sum: &Self::Sum) -> bool {
            sum.is_empty()
        }

        fn verify_one(&self, index: usize) -> bool {
            !self.bad.contains(&index)
        }

        fn split_cost(&self, range: Range<usize>) -> f64 {
            0.25 * (range.len() / 2) as f64
        }

        fn parallel(&self) -> bool {
            false
        }
    }

    impl LocatableCheck for WeightedCheck {
        fn position_weighted_sum(&self, len: usize) -> Self::Sum {
            self.bad.range(0..len).map(|&i| (i, i as u64 + 1)).collect()
        }

        fn add(&self, a: &Self::Sum, b: &Self::Sum) -> Self::Sum {
            let mut sum = a.clone();
            for (i, weight) in b {
                *sum.entry(*i).or_default() += weight;
            }
            sum
        }

        fn observed(&self, sum: &Self::Sum) -> Self::Sum {
            sum.clone()
        }

        fn same(&self, a: &Self::Sum, b: &Self::Sum) -> bool {
            a == b
        }
    }

    #[test]
    fn a_lone_failure_is_found_at_every_position_and_two_are_not_taken_for_one() {
        for len in 1..40 {
            for bad in 0..len {
                let check = WeightedCheck {
                    bad: BTreeSet::from([bad]),
                };
                let whole = check.sum(0..len);
                assert_eq!(lone_failure(&check, len, &whole), Some(bad), "{len}");
            }
            for (first, second) in [(0, len - 1), (len / 3, len / 2)] {
                if first == second {
                    continue;
                }
                let check = WeightedCheck {
                    bad: BTreeSet::from([first, second]),
                };
                let whole = check.sum(0..len);
                assert_eq!(lone_failure(&check, len, &whole), None, "{len}");
            }
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
}
