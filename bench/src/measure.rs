//! Timing one case: the seconds of every call, from which a row takes its median rate, its
//! latency percentiles and its spread.

use std::time::{Duration, Instant};

use crate::Case;

/// Fewest timed calls per case: a median and a spread need a few.
const MIN_SAMPLES: usize = 3;
/// Most timed calls per case: enough for a p99 of calls that take microseconds.
const MAX_SAMPLES: usize = 10_000;

/// The seconds each timed call of a case took, sorted.
#[derive(Clone, Debug)]
pub struct Timing {
    seconds: Vec<f64>,
}

impl Timing {
    /// The timing of these calls (at least one).
    pub fn new(mut seconds: Vec<f64>) -> Timing {
        assert!(!seconds.is_empty(), "a timing needs at least one call");
        seconds.sort_by(f64::total_cmp);
        Timing { seconds }
    }

    /// The `p`-th percentile (0 to 100) of the call times, by nearest rank.
    pub fn percentile(&self, p: f64) -> f64 {
        let rank = (p / 100.0 * self.seconds.len() as f64).ceil() as usize;
        self.seconds[rank.clamp(1, self.seconds.len()) - 1]
    }

    /// The median call time.
    pub fn median(&self) -> f64 {
        self.percentile(50.0)
    }

    pub fn min(&self) -> f64 {
        self.seconds[0]
    }

    pub fn max(&self) -> f64 {
        self.seconds[self.seconds.len() - 1]
    }

    pub fn samples(&self) -> usize {
        self.seconds.len()
    }

    /// The interquartile range of the call times relative to their median: how far one call of
    /// this row strays from the next, which `compare` weighs a change between runs against.
    pub fn spread(&self) -> f64 {
        (self.percentile(75.0) - self.percentile(25.0)) / self.median()
    }
}

/// Times `case`: one untimed call first, which must succeed (it also warms what the warm regime
/// keeps), then calls until `min_time` has passed and at least a few were made, each after its
/// untimed `prepare`. `None` when any call's result was wrong.
pub fn time(case: &mut Case, min_time: Duration) -> Option<Timing> {
    (case.prepare)();
    if !(case.run)() {
        return None;
    }
    let mut seconds = Vec::new();
    let started = Instant::now();
    while seconds.len() < MIN_SAMPLES
        || (started.elapsed() < min_time && seconds.len() < MAX_SAMPLES)
    {
        (case.prepare)();
        let call = Instant::now();
        let ok = (case.run)();
        seconds.push(call.elapsed().as_secs_f64());
        if !ok {
            return None;
        }
    }
    Some(Timing::new(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let timing = Timing::new((1..=100).rev().map(f64::from).collect());
        assert_eq!(timing.median(), 50.0);
        assert_eq!(timing.percentile(99.0), 99.0);
        assert_eq!(timing.percentile(0.0), 1.0);
        assert_eq!(timing.max(), 100.0);
        assert_eq!(timing.spread(), (75.0 - 25.0) / 50.0);
    }

    #[test]
    fn a_wrong_result_is_no_timing() {
        let mut calls = 0;
        let mut case = Case::new("test", "counts", move || {
            calls += 1;
            calls < 3
        });
        assert!(time(&mut case, Duration::ZERO).is_none());
        let mut case = Case::new("test", "always right", || true);
        let timing = time(&mut case, Duration::ZERO).unwrap();
        assert_eq!(timing.samples(), MIN_SAMPLES);
    }
}
