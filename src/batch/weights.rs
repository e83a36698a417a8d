//! Batch weights: random, nonzero, and unpredictable to whoever wrote the items, derived from
//! a per-process secret and the items themselves. One derivation serves every scheme.

use sha2::{Digest, Sha256};

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

/// The weights of one batch equation: SHA-256 over the process secret, a label naming the
/// scheme, the item count and every item's bytes (each field length-prefixed, so no two
/// transcripts read alike), expanded in counter mode into `N`-byte weights. Someone who
/// does not know the secret cannot choose items whose errors cancel; the same items in the
/// same process get the same weights, so a run can be repeated.
pub(crate) struct WeightTranscript(Sha256);

impl WeightTranscript {
    pub(crate) fn new(label: &[u8], secret: &[u8; 32], items: usize) -> Self {
        let mut transcript = WeightTranscript(Sha256::new());
        transcript.absorb(label);
        transcript.absorb(secret);
        transcript.absorb(&(items as u64).to_le_bytes());
        transcript
    }

    /// Adds one field of one item.
    pub(crate) fn absorb(&mut self, field: &[u8]) {
        self.0.update((field.len() as u64).to_le_bytes());
        self.0.update(field);
    }

    /// `count` weights of `N` bytes, none of them zero (a zero weight would drop its item from
    /// the equation; drawing one has probability 2^-8N, and it becomes 1).
    pub(crate) fn weights<const N: usize>(self, count: usize) -> Vec<[u8; N]> {
        let seed: [u8; 32] = self.0.finalize().into();
        let mut stream = Vec::with_capacity(count * N + 32);
        let mut counter = 0u64;
        while stream.len() < count * N {
            let mut block = Sha256::new();
            block.update(seed);
            block.update(counter.to_le_bytes());
            stream.extend_from_slice(&block.finalize());
            counter += 1;
        }
        stream
            .chunks_exact(N)
            .take(count)
            .map(|chunk| {
                let mut weight: [u8; N] = chunk.try_into().expect("chunks of N");
                if weight.iter().all(|&byte| byte == 0) {
                    weight[0] = 1;
                }
                weight
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_random_source_gives_no_secret() {
        assert_eq!(secret_from(|_| Err("forced failure")), None);
        let drawn = secret_from(|bytes: &mut [u8]| {
            bytes.fill(7);
            Ok::<(), &str>(())
        });
        assert_eq!(drawn, Some([7; 32]));
    }

    #[test]
    fn weights_are_nonzero_repeatable_and_depend_on_every_field() {
        let draw = |label: &[u8], items: &[&[u8]]| {
            let mut transcript = WeightTranscript::new(label, &[9; 32], items.len());
            for item in items {
                transcript.absorb(item);
            }
            transcript.weights::<16>(5)
        };
        let base = draw(b"scheme", &[b"ab", b"c"]);
        assert_eq!(base.len(), 5);
        assert_eq!(base, draw(b"scheme", &[b"ab", b"c"]));
        assert_ne!(base, draw(b"other", &[b"ab", b"c"]));
        // Length prefixes: moving a byte between fields changes the transcript.
        assert_ne!(base, draw(b"scheme", &[b"a", b"bc"]));
        assert!(base.iter().all(|weight| weight.iter().any(|&b| b != 0)));
        let eight = WeightTranscript::new(b"scheme", &[9; 32], 0).weights::<8>(9);
        assert_eq!(eight.len(), 9);
    }
}
