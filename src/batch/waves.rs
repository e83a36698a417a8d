//! Batches cut into waves and chunks by the failure rate recent batches met.

use core::ops::Range;

use super::threads::threads;

/// How a scheme cuts a batch into waves and chunks, so that bad items never cost much more
/// than verifying singly would.
///
/// The estimated failure rate decides each wave: chunks sized so that about a quarter of one
/// bad item is expected per chunk (a failing chunk then nearly always holds one, which
/// [`lone_failure`] finds), or single verification where failures are denser than `dense`.
/// The estimate starts from what recent batches met ([`FailureMemory`]) and follows what this
/// batch's waves find. A memory no batch has told anything yet has no estimate, so the first
/// wave is verified singly (its verdicts are needed anyway); without a memory, failures are
/// assumed rare until the batch shows otherwise. A memory that says failures are dense only
/// makes the first wave a probe, and the batch follows its own items after it: verifiers share
/// a memory, so one caller's bad batches must not send another's good ones to single
/// verification. The probe is `probe_per_thread` items per thread, one equation each, or
/// verified singly where that is below `min_chunk` (an equation that small costs more than
/// the singles it could save) or where the batch is under [`PROBE_SHARE`] probes (a failing
/// probe would then cost a noticeable share of it).
///
/// The worst case is a batch that turns out all bad while failures were remembered as rare:
/// its first wave costs its sums, a lone-failure sum and the bisection's exploration on top of
/// the singles, about 1.7 times single verification for Ed25519, and the rest goes singly.
/// After a run of bad batches the probe costs the same, on its items only, and only in
/// batches of [`PROBE_SHARE`] probes or more.
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
        // A remembered dense rate may be another caller's (the memory is shared): it buys one
        // probe wave, and this batch's own items decide the rest.
        let remembered_dense = prior.is_some_and(|rate| rate > self.dense);
        let probe = threads * self.probe_per_thread;
        let mut verdicts = Vec::with_capacity(len);
        let mut invalid = 0;
        let mut wave = match prior {
            Some(_) if !remembered_dense => threads * self.max_chunk,
            _ => probe,
        };
        while verdicts.len() < len {
            let start = verdicts.len();
            let end = (start + wave).min(len);
            // The probe is checked by one equation per thread where the batch is large enough
            // that, should the probe be all bad, its search costs a few percent of the batch.
            let chunk = if remembered_dense && start == 0 {
                (len >= PROBE_SHARE * probe)
                    .then(|| chunk_len(end - start, threads, self.max_chunk))
            } else {
                let rate = estimate(if remembered_dense { None } else { prior }, invalid, start);
                rate.filter(|&rate| rate <= self.dense)
                    .map(|rate| (FAILURES_PER_CHUNK / rate).min(self.max_chunk as f64) as usize)
                    .map(|cap| chunk_len(end - start, threads, cap))
            }
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

/// A remembered dense rate's probe is checked by equations only in batches at least this
/// many times its size: an all-bad probe costs about 0.7 singles per item on top of them, so
/// the batch stays within 5% of single verification.
const PROBE_SHARE: usize = 16;

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

/// The length of equal chunks covering `items`: at least one chunk per thread (while there are
/// items), none longer than `max_chunk`.
fn chunk_len(items: usize, threads: usize, max_chunk: usize) -> usize {
    let chunks = threads.max(items.div_ceil(max_chunk)).min(items).max(1);
    items.div_ceil(chunks).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    /// Small waves, so that tests see several of them.
    const SMALL_WAVES: Waves = Waves {
        probe_per_thread: 10,
        min_chunk: 4,
        max_chunk: 64,
        dense: 1.0 / 8.0,
    };

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
        let waves = SMALL_WAVES;
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
        // The next all-bad batch: one probe equation, then its own items say singly.
        let (_, chunked) = run_waves(&waves, &memory, 500, &all);
        assert_eq!(chunked, (0..10).collect());
        // Sparse failures again: after the probe the batch follows its own items.
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
        let waves = SMALL_WAVES;
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

    /// Failed before: a memory of bad batches (another caller's: the memory is shared) sent a
    /// clean batch to single verification, and the next few too.
    #[test]
    fn a_remembered_dense_rate_costs_a_clean_batch_one_probe_only() {
        let waves = SMALL_WAVES;
        let memory = FailureMemory::new();
        let all: BTreeSet<usize> = (0..1000).collect();
        for _ in 0..3 {
            run_waves(&waves, &memory, 1000, &all);
        }
        assert!(memory.rate().unwrap() > 0.9);
        let (verdicts, chunked) = run_waves(&waves, &memory, 1000, &BTreeSet::new());
        assert!(verdicts.iter().all(|&v| v));
        assert_eq!(chunked, (0..1000).collect(), "every item by equations");
        // A batch under PROBE_SHARE probes: the probe goes singly, so an all-bad one costs
        // singles and nothing more.
        for _ in 0..3 {
            run_waves(&waves, &memory, 1000, &all);
        }
        let small: BTreeSet<usize> = (0..100).collect();
        let (_, chunked) = run_waves(&waves, &memory, 100, &small);
        assert!(chunked.is_empty());
        let (_, chunked) = run_waves(&waves, &memory, 100, &BTreeSet::new());
        assert_eq!(
            chunked,
            (10..100).collect(),
            "after a single probe, equations"
        );
    }
}
