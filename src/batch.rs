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

/// How a scheme cuts a batch into waves and chunks, so that bad items never cost much more
/// than verifying singly would.
///
/// The estimated failure rate decides each wave: chunks sized so that about a quarter of one
/// bad item is expected per chunk (a failing chunk then nearly always holds one, which
/// [`lone_failure`] finds), or single verification where failures are denser than `dense`.
/// The estimate starts from what recent batches met ([`FailureMemory`]) and follows what this
/// batch's waves find. A memory no batch has told anything yet has no estimate, so the first
/// wave is verified singly (its verdicts are needed anyway); without a memory, failures are
/// assumed rare until the batch shows otherwise.
///
/// The worst case is a batch that turns out all bad while failures were remembered as rare:
/// its first wave costs its sums, a lone-failure sum and the bisection's exploration on top of
/// the singles, about 1.7 times single verification for Ed25519, and the rest goes singly.
pub(crate) struct Waves {
    pub(crate) probe_per_thread: usize,
    /// The smallest chunk worth an equation; a wave that would split thinner is verified
    /// singly.
    pub(crate) min_chunk: usize,
    pub(crate) max_chunk: usize,
    /// The failure rate above which equations stop paying.
    pub(crate) dense: f64,
}

/// Failures a chunk is sized to expect: fewer makes chunks too small for their equation to pay,
/// more makes more of them fail (half and one measured slower than a quarter for Ed25519 with
/// 0.1% and 1% bad items).
const FAILURES_PER_CHUNK: f64 = 0.25;

impl Waves {
    /// Verdicts for `0..len`: `chunked(range, chunk_len)` checks a wave by chunk equations,
    /// `singly(range)` verifies it item by item. `memory`, if any, is read first and told the
    /// outcome.
    pub(crate) fn run(
        &self,
        len: usize,
        sequential: bool,
        memory: Option<&FailureMemory>,
        mut chunked: impl FnMut(Range<usize>, usize) -> Vec<bool>,
        mut singly: impl FnMut(Range<usize>) -> Vec<bool>,
    ) -> Vec<bool> {
        let threads = threads(sequential);
        let prior = memory.map_or(Some(0.0), FailureMemory::rate);
        let mut verdicts = Vec::with_capacity(len);
        let mut invalid = 0;
        let mut wave = match prior {
            Some(_) => threads * self.max_chunk,
            None => threads * self.probe_per_thread,
        };
        while verdicts.len() < len {
            let start = verdicts.len();
            let end = (start + wave).min(len);
            let rate = estimate(prior, invalid, start);
            let chunk = rate
                .filter(|&rate| rate <= self.dense)
                .map(|rate| (FAILURES_PER_CHUNK / rate).min(self.max_chunk as f64) as usize)
                .map(|cap| chunk_len(end - start, threads, cap))
                .filter(|&chunk| chunk >= self.min_chunk);
            let checked = match chunk {
                Some(chunk) => chunked(start..end, chunk),
                None => singly(start..end),
            };
            invalid += checked.iter().filter(|&&valid| !valid).count();
            verdicts.extend(checked);
            wave = (2 * wave).max(threads * self.max_chunk);
        }
        if let (Some(memory), Some(rate)) = (memory, estimate(prior, invalid, len)) {
            memory.store(rate);
        }
        verdicts
    }
}

/// What recent batches remembered weighs as much as this many items of the current one: a
/// small batch barely moves the estimate, a large one mostly replaces it.
const REMEMBERED_ITEMS: f64 = 1024.0;

/// The failure rate after `invalid` of `seen` items failed, starting from `prior`; `None`
/// before anything is known.
fn estimate(prior: Option<f64>, invalid: usize, seen: usize) -> Option<f64> {
    match prior {
        Some(rate) => {
            Some((rate * REMEMBERED_ITEMS + invalid as f64) / (REMEMBERED_ITEMS + seen as f64))
        }
        None if seen == 0 => None,
        None => Some(invalid as f64 / seen as f64),
    }
}

/// The failure rate recent batches of one scheme met, kept across calls: a node whose batches
/// carry a few bad items each starts every batch with chunks sized for them, and one whose
/// batches are mostly bad skips equations that would fail. Verifiers share a process-wide one
/// per scheme unless given their own (`failure_memory` on each scheme's `Verifier`); it steers
/// only how batches are cut, never a verdict.
#[derive(Debug)]
pub struct FailureMemory(std::sync::atomic::AtomicU64);

/// The bits of a rate no batch has recorded yet.
const NO_RATE: u64 = u64::MAX;

impl Default for FailureMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl FailureMemory {
    /// A memory no batch has told anything yet.
    pub const fn new() -> Self {
        FailureMemory(std::sync::atomic::AtomicU64::new(NO_RATE))
    }

    /// The remembered share of invalid items, once a batch has run.
    pub fn rate(&self) -> Option<f64> {
        match self.0.load(std::sync::atomic::Ordering::Relaxed) {
            NO_RATE => None,
            bits => Some(f64::from_bits(bits)),
        }
    }

    /// Concurrent batches may overwrite each other's rate: it only steers chunk sizes.
    fn store(&self, rate: f64) {
        self.0
            .store(rate.to_bits(), std::sync::atomic::Ordering::Relaxed);
    }
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
fn threads(sequential: bool) -> usize {
    if sequential {
        1
    } else {
        rayon::current_num_threads()
    }
}

/// The length of equal chunks covering `items`: at least one chunk per thread (while there are
/// items), none longer than `max_chunk`.
fn chunk_len(items: usize, threads: usize, max_chunk: usize) -> usize {
    let chunks = threads.max(items.div_ceil(max_chunk)).min(items).max(1);
    items.div_ceil(chunks).max(1)
}

/// `f` on consecutive ranges of the items, results concatenated in order: for work that
/// shares a cost across neighbours (one inversion for many items). Ranges hold at most
/// `most` items, and are small enough that every thread gets several.
pub(crate) fn map_ranges<T: Send>(
    len: usize,
    most: usize,
    sequential: bool,
    f: impl Fn(std::ops::Range<usize>) -> Vec<T> + Sync + Send,
) -> Vec<T> {
    use rayon::prelude::*;
    let threads = threads(sequential);
    let size = len.div_ceil(4 * threads).clamp(1, most.max(1));
    let range = |k: usize| k * size..((k + 1) * size).min(len);
    let ranges = len.div_ceil(size);
    if sequential {
        (0..ranges).flat_map(|k| f(range(k))).collect()
    } else {
        (0..ranges)
            .into_par_iter()
            .flat_map_iter(|k| f(range(k)))
            .collect()
    }
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

    /// Runs `waves` over `len` items with `bad` invalid, and says which items went to chunks.
    fn run_waves(
        waves: &Waves,
        memory: &FailureMemory,
        len: usize,
        bad: &BTreeSet<usize>,
    ) -> (Vec<bool>, BTreeSet<usize>) {
        let chunked_items = Mutex::new(BTreeSet::new());
        let truth =
            |range: Range<usize>| -> Vec<bool> { range.map(|i| !bad.contains(&i)).collect() };
        let verdicts = waves.run(
            len,
            true,
            Some(memory),
            |range, chunk_len| {
                assert!((waves.min_chunk..=waves.max_chunk).contains(&chunk_len));
                chunked_items.lock().unwrap().extend(range.clone());
                truth(range)
            },
            truth,
        );
        (verdicts, chunked_items.into_inner().unwrap())
    }

    #[test]
    fn waves_probe_first_then_remember_the_failure_rate_across_batches() {
        let waves = Waves {
            probe_per_thread: 10,
            min_chunk: 4,
            max_chunk: 64,
            dense: 1.0 / 8.0,
        };
        let memory = FailureMemory::new();
        let clean = BTreeSet::new();
        // A fresh memory: the first wave is verified singly, the rest by chunks.
        let (verdicts, chunked) = run_waves(&waves, &memory, 500, &clean);
        assert!(verdicts.iter().all(|&v| v));
        assert_eq!(chunked, (10..500).collect());
        // Remembered clean batches skip the probe.
        let (_, chunked) = run_waves(&waves, &memory, 500, &clean);
        assert_eq!(chunked, (0..500).collect());
        // Every item bad: once the first waves outweigh the clean past, the rest goes singly,
        // and the next batch does not try an equation at all.
        let all: BTreeSet<usize> = (0..500).collect();
        let (verdicts, chunked) = run_waves(&waves, &memory, 500, &all);
        assert!(verdicts.iter().all(|&v| !v));
        assert!(chunked.len() < 250, "{}", chunked.len());
        let (_, chunked) = run_waves(&waves, &memory, 500, &all);
        assert!(chunked.is_empty());
        // Sparse failures again: the remembered rate falls batch by batch until equations pay.
        let sparse: BTreeSet<usize> = (0..500).step_by(100).collect();
        let mut rounds = 0;
        loop {
            let (verdicts, chunked) = run_waves(&waves, &memory, 500, &sparse);
            assert_eq!(
                verdicts,
                (0..500).map(|i| !sparse.contains(&i)).collect::<Vec<_>>()
            );
            rounds += 1;
            if chunked.len() == 500 {
                break;
            }
            assert!(rounds < 10, "equations never resumed");
        }
        // One bad item in a batch of one barely moves what 500-item batches taught.
        let before = memory.rate().unwrap();
        run_waves(&waves, &memory, 1, &BTreeSet::from([0]));
        assert!(memory.rate().unwrap() - before < 0.001);
        let (_, chunked) = run_waves(&waves, &memory, 500, &clean);
        assert_eq!(chunked.len(), 500);
    }

    #[test]
    fn without_a_memory_failures_are_assumed_rare_until_the_batch_shows_them() {
        let waves = Waves {
            probe_per_thread: 10,
            min_chunk: 4,
            max_chunk: 64,
            dense: 1.0 / 8.0,
        };
        let mut chunked = 0;
        let verdicts = waves.run(
            500,
            true,
            None,
            |range, _| {
                chunked += range.len();
                vec![false; range.len()]
            },
            |range| vec![false; range.len()],
        );
        assert_eq!(verdicts, vec![false; 500]);
        assert!((64..250).contains(&chunked), "{chunked}");
    }

    #[test]
    fn chunks_cover_the_items_and_respect_the_bound() {
        for items in [0, 1, 2, 3, 255, 256, 257, 511, 512, 4096, 5000, 100_000] {
            for threads in [1, 2, 16] {
                for max_chunk in [32, 512, 2048] {
                    let len = chunk_len(items, threads, max_chunk);
                    assert!((1..=max_chunk).contains(&len), "{items}: {len}");
                    assert!(items.div_ceil(len) * len >= items);
                }
            }
        }
        assert_eq!(chunk_len(100, 1, 2048), 100);
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
