//! SHA-256 (FIPS 180-4): one message, many messages at once, and the 64-byte Merkle node.
//!
//! Many independent messages are what make SHA-256 fast: the SHA extensions interleave several
//! messages to hide the latency of `sha256rnds2`, and the AVX2 and AVX-512 paths put one
//! message in each 32-bit lane (8 or 16 at a time). The path is picked at run time from the
//! CPU's features ([`best_path`]); [`Hasher::with_path`] forces one, so every path can be tested
//! against the portable oracle on any machine that supports it. Results never depend on the
//! path or on how work is split across threads. The engine around the compression function is
//! the one SM3 shares ([`crate::sm3`]).
//!
//! ```
//! use batchverify::sha256;
//!
//! let digests = sha256::hash_many(&[&b"abc"[..], b""]);
//! assert_eq!(digests[0], sha256::hash(b"abc"));
//! assert_eq!(
//!     digests[1][..4],
//!     [0xe3, 0xb0, 0xc4, 0x42] // SHA-256 of the empty string starts e3b0c442
//! );
//! ```

#![allow(unsafe_code)]

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod shani;

use std::sync::OnceLock;

pub use crate::backend::HashPath;
use crate::md32::{self, Algorithm, Blocks};
pub use crate::md32::{Calibration, Digest};

/// SHA-256 as an [`md32::Algorithm`]: the type parameter of [`Hasher`].
#[derive(Clone, Copy, Debug)]
pub struct Sha256;

/// A SHA-256 engine bound to one code path and threading mode.
pub type Hasher = md32::Hasher<Sha256>;

const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// How many messages the SHA extensions interleave: four keep `sha256rnds2` busy on current
/// Intel and AMD cores (BENCHMARKS.md has the comparison).
const SHA_NI_LANES: usize = 4;

impl md32::Sealed for Sha256 {}

impl Algorithm for Sha256 {
    const IV: [u32; 8] = IV;
    const ID: md32::HashId = md32::HashId::Sha256;
    /// The message schedule with the round constants added.
    type Schedule = [u32; 64];
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    type Native = shani::ShaNi<SHA_NI_LANES>;
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    type NativeOneLane = shani::ShaNi<1>;
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    type Native = md32::NoNative;
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    type NativeOneLane = md32::NoNative;

    fn native_supported() -> bool {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        {
            use std::arch::is_x86_feature_detected as has;
            has!("sha") && has!("ssse3") && has!("sse4.1")
        }
        #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
        false
    }

    fn schedule(block: &[u8; 64]) -> [u32; 64] {
        schedule_with_constants(block)
    }

    fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
        rounds(state, &schedule_with_constants(block));
    }

    fn compress_scheduled(state: &mut [u32; 8], wk: &[u32; 64]) {
        rounds(state, wk);
    }

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[inline(always)]
    unsafe fn compress_lanes<V: md32::vector::Vector>(state: *mut u32, blocks: &Blocks<'_>) {
        multilane::rounds::<V>(state, md32::vector::MessageRing::new(blocks))
    }

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[inline(always)]
    unsafe fn compress_lanes_scheduled<V: md32::vector::Vector>(state: *mut u32, wk: &[u32; 64]) {
        multilane::rounds::<V>(state, multilane::Shared(wk))
    }

    md32::algorithm_statics!([u32; 64]);
}

md32::module_functions!(Sha256, "SHA-256");

/// FIPS 180-4 §6.2.2: the 64 rounds, given the message schedule with the round constants added.
fn rounds(state: &mut [u32; 8], wk: &[u32; 64]) {
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for &wk_t in wk {
        let t1 = h
            .wrapping_add(e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25))
            .wrapping_add((e & f) ^ (!e & g))
            .wrapping_add(wk_t);
        let t2 = (a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22))
            .wrapping_add((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

/// The message schedule of one block with the round constants added. Kernels reuse it for
/// blocks that are the same in every message (the padding block after a message whose length
/// is a multiple of 64 bytes), so they skip the schedule there.
pub(crate) fn schedule_with_constants(block: &[u8; 64]) -> [u32; 64] {
    let mut w = [0u32; 64];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    for t in 16..64 {
        w[t] = small_sigma1(w[t - 2])
            .wrapping_add(w[t - 7])
            .wrapping_add(small_sigma0(w[t - 15]))
            .wrapping_add(w[t - 16]);
    }
    for (w_t, k_t) in w.iter_mut().zip(K) {
        *w_t = w_t.wrapping_add(k_t);
    }
    w
}

fn small_sigma0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}

fn small_sigma1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}

/// The rounds written once for any vector of lanes, one message per lane.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod multilane {
    use super::K;
    use crate::md32::vector::{load_state, rotr, store_state, MessageRing, Vector};

    macro_rules! round {
        ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $wk:expr) => {
            let big_sigma1 = V::xor3(rotr!(V, $e, 6), rotr!(V, $e, 11), rotr!(V, $e, 25));
            let t1 = V::add(V::add($h, big_sigma1), V::add(V::choose($e, $f, $g), $wk));
            let big_sigma0 = V::xor3(rotr!(V, $a, 2), rotr!(V, $a, 13), rotr!(V, $a, 22));
            let t2 = V::add(big_sigma0, V::majority($a, $b, $c));
            $d = V::add($d, t1);
            $h = V::add(t1, t2);
        };
    }

    /// Where each round's `W[t] + K[t]` comes from.
    pub(super) trait RoundWords<V: Vector> {
        unsafe fn next(&mut self, t: usize) -> V;
    }

    /// Each lane's own block, its schedule expanded in the ring as the rounds reach it: all
    /// 64 words at once would not fit in the registers beside the rounds' own.
    impl<V: Vector> RoundWords<V> for MessageRing<V> {
        #[inline(always)]
        unsafe fn next(&mut self, t: usize) -> V {
            let w = &mut self.0;
            if t >= 16 {
                let x = w[(t - 15) % 16];
                let small_sigma0 = V::xor3(rotr!(V, x, 7), rotr!(V, x, 18), V::shift_right::<3>(x));
                let x = w[(t - 2) % 16];
                let small_sigma1 =
                    V::xor3(rotr!(V, x, 17), rotr!(V, x, 19), V::shift_right::<10>(x));
                w[t % 16] = V::add(
                    V::add(small_sigma1, w[(t - 7) % 16]),
                    V::add(small_sigma0, w[t % 16]),
                );
            }
            V::add(w[t % 16], V::splat(K[t]))
        }
    }

    /// One block shared by every lane, given as its schedule with the constants added.
    pub(super) struct Shared<'a>(pub(super) &'a [u32; 64]);

    impl<V: Vector> RoundWords<V> for Shared<'_> {
        #[inline(always)]
        unsafe fn next(&mut self, t: usize) -> V {
            V::splat(self.0[t])
        }
    }

    /// Runs the 64 rounds on the word-major state at `state` (8 rows of `LANES` words).
    #[inline(always)]
    pub(super) unsafe fn rounds<V: Vector>(state: *mut u32, mut words: impl RoundWords<V>) {
        let initial = load_state::<V>(state);
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = initial;
        // Unrolled by hand so that every `t` is a constant: the schedule ring's indices then
        // name registers. Eight rounds rotate the roles of a..h back to where they started, so
        // the names can stay.
        macro_rules! eight_rounds {
            ($($t:literal)*) => {$(
                round!(a, b, c, d, e, f, g, h, words.next($t));
                round!(h, a, b, c, d, e, f, g, words.next($t + 1));
                round!(g, h, a, b, c, d, e, f, words.next($t + 2));
                round!(f, g, h, a, b, c, d, e, words.next($t + 3));
                round!(e, f, g, h, a, b, c, d, words.next($t + 4));
                round!(d, e, f, g, h, a, b, c, words.next($t + 5));
                round!(c, d, e, f, g, h, a, b, words.next($t + 6));
                round!(b, c, d, e, f, g, h, a, words.next($t + 7));
            )*};
        }
        eight_rounds!(0 8 16 24 32 40 48 56);
        let mut last = [a, b, c, d, e, f, g, h];
        for (end, start) in last.iter_mut().zip(initial) {
            *end = V::add(start, *end);
        }
        store_state(state, last);
    }
}

#[cfg(all(test, any(target_arch = "x86", target_arch = "x86_64")))]
mod tests {
    #[test]
    fn kernel_tokens_exist_exactly_where_the_cpu_has_the_path() {
        crate::md32::assert_tokens_match_paths::<super::Sha256>();
    }
}
