//! Which batch kernel is fastest on this CPU, measured once per process.
//!
//! A fixed order cannot be right everywhere: on Intel cores sixteen AVX-512 lanes hash about
//! 1.8x as many Merkle nodes as the SHA extensions, while on an AMD EPYC with both the SHA
//! extensions beat AVX-512 by 1.3x to 1.6x at every message length (BENCHMARKS.md). So the
//! first batch times every kernel the CPU has on a short and a long workload, about a
//! millisecond in all, and keeps the fastest for each. Each hash calibrates on its own: SM3 has
//! no SHA extensions, and its rounds weigh differently on each vector unit.

use std::time::{Duration, Instant};

use super::{supported_paths, uniform_tail_schedule, Algorithm, Digest, Job, KernelChoice};
use crate::backend::HashPath;

/// Messages of at most this many compressions count as short (a Merkle node is two).
pub(crate) const SHORT_BLOCKS: usize = 2;

/// A kernel that is not clearly faster than the one before it in [`supported_paths`] order
/// does not displace it: a choice that flips between runs on noise would make the speed
/// bimodal from one process to the next.
const CLEAR_MARGIN: f64 = 1.05;

/// Timed runs per kernel and workload; the fastest counts.
const ROUNDS: usize = 3;

/// What the calibration measured and chose.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The kernel for messages of up to two compressions (Merkle nodes, 64-byte messages).
    pub short: HashPath,
    /// The kernel for longer messages.
    pub long: HashPath,
    /// Every candidate's rate in bytes per second on one thread: 64-byte messages, then
    /// 1 KiB messages.
    pub rates: Vec<(HashPath, f64, f64)>,
}

/// The calibration of `A` in this process, measured on first use.
pub(crate) fn calibration<A: Algorithm>() -> &'static Calibration {
    A::calibration_cell().get_or_init(calibrate::<A>)
}

fn calibrate<A: Algorithm>() -> Calibration {
    let candidates: Vec<HashPath> = supported_paths::<A>()
        .into_iter()
        .filter(|&path| path != HashPath::Portable)
        .collect();
    if candidates.is_empty() {
        return Calibration {
            short: HashPath::Portable,
            long: HashPath::Portable,
            rates: Vec::new(),
        };
    }
    let mut short = Workload::<A>::new(64, 256);
    let mut long = Workload::<A>::new(1024, 32);
    let mut best = vec![(Duration::MAX, Duration::MAX); candidates.len()];
    // Rounds interleave the kernels, so a slow moment of the machine hits all of them alike.
    for _ in 0..ROUNDS {
        for (path, (short_best, long_best)) in candidates.iter().zip(&mut best) {
            *short_best = (*short_best).min(short.time(*path));
            *long_best = (*long_best).min(long.time(*path));
        }
    }
    let rates: Vec<(HashPath, f64, f64)> = candidates
        .iter()
        .zip(&best)
        .map(|(&path, &(short_time, long_time))| {
            (path, short.rate(short_time), long.rate(long_time))
        })
        .collect();
    Calibration {
        short: fastest(&rates, |&(_, short, _)| short),
        long: fastest(&rates, |&(_, _, long)| long),
        rates,
    }
}

/// The first path in `rates` (preference order) that no later one beats by [`CLEAR_MARGIN`].
fn fastest(
    rates: &[(HashPath, f64, f64)],
    rate: impl Fn(&(HashPath, f64, f64)) -> f64,
) -> HashPath {
    let mut chosen = &rates[0];
    for candidate in &rates[1..] {
        if rate(candidate) > CLEAR_MARGIN * rate(chosen) {
            chosen = candidate;
        }
    }
    chosen.0
}

/// Equal-length messages hashed on one thread, as batches of them are.
struct Workload<A: Algorithm> {
    messages: Vec<Vec<u8>>,
    tail: Option<A::Schedule>,
    digests: Vec<Digest>,
}

impl<A: Algorithm> Workload<A> {
    fn new(length: usize, count: usize) -> Self {
        Workload {
            messages: (0..count)
                .map(|i| (0..length).map(|j| (i * 31 + j) as u8).collect())
                .collect(),
            tail: uniform_tail_schedule::<A>(length),
            digests: vec![[0; 32]; count],
        }
    }

    fn time(&mut self, path: HashPath) -> Duration {
        let messages = &self.messages;
        let body = |i: usize| messages[i].as_slice();
        let started = Instant::now();
        KernelChoice::Path(path).run::<A, _>(
            &Job::PLAIN,
            &body,
            0..messages.len(),
            &mut self.digests,
            self.tail.as_ref(),
        );
        let took = started.elapsed();
        std::hint::black_box(&self.digests);
        took
    }

    fn rate(&self, took: Duration) -> f64 {
        let bytes = self.messages.iter().map(Vec::len).sum::<usize>() as f64;
        bytes / took.as_secs_f64().max(1e-9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_displaces_an_earlier_one_only_when_clearly_faster() {
        let rates = [
            (HashPath::Avx512, 100.0, 100.0),
            (HashPath::ShaNi, 104.0, 130.0),
            (HashPath::Avx2, 50.0, 50.0),
        ];
        assert_eq!(fastest(&rates, |r| r.1), HashPath::Avx512);
        assert_eq!(fastest(&rates, |r| r.2), HashPath::ShaNi);
    }

    fn assert_choice_is_among_the_kernels_this_cpu_has<A: Algorithm>() {
        let calibration = calibration::<A>();
        let paths = supported_paths::<A>();
        assert!(paths.contains(&calibration.short));
        assert!(paths.contains(&calibration.long));
        for (path, short, long) in &calibration.rates {
            assert!(paths.contains(path));
            assert!(*short > 0.0 && *long > 0.0);
        }
    }

    #[test]
    fn the_choice_is_among_the_kernels_this_cpu_has() {
        assert_choice_is_among_the_kernels_this_cpu_has::<crate::sha256::Sha256>();
        assert_choice_is_among_the_kernels_this_cpu_has::<crate::sm3::Sm3>();
    }
}
