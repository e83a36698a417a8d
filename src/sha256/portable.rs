//! The reference compression function: plain Rust, one message at a time. Every faster path is
//! tested against it.

use super::{Kernel, LaneBlock, K};

/// FIPS 180-4 §6.2.2, one 64-byte block.
pub(crate) fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    rounds(state, &schedule_with_constants(block));
}

/// The 64 rounds, given the message schedule with the round constants already added.
pub(crate) fn rounds(state: &mut [u32; 8], wk: &[u32; 64]) {
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

/// One lane, no SIMD.
pub(crate) struct Portable;

impl Kernel for Portable {
    const LANES: usize = 1;
    type State = [u32; 8];
    type Token = ();

    fn detect() -> Option<()> {
        Some(())
    }

    fn init() -> Self::State {
        super::IV
    }

    fn compress(_: (), state: &mut Self::State, blocks: &[LaneBlock; super::MAX_LANES]) {
        compress(state, &blocks[0].0);
    }

    fn compress_scheduled(_: (), state: &mut Self::State, wk: &[u32; 64]) {
        rounds(state, wk);
    }

    fn lane(state: &Self::State, _lane: usize) -> [u32; 8] {
        *state
    }
}
