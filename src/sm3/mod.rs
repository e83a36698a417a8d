//! SM3 (GB/T 32905-2016, GM/T 0004-2012), the hash of China's commercial cryptography: one
//! message, many messages at once, and the 64-byte Merkle node.
//!
//! SM3 pads and chains like SHA-256, so it runs on the same engine ([`crate::hash`]: the lanes,
//! padding-block reuse, thread split and calibration); only the compression differs. The
//! AVX2 and AVX-512 paths hash 8 or 16 messages at once, one per 32-bit lane; the portable
//! compression is the oracle they are tested against. x86 CPUs with SM3 instructions are not
//! yet on the market this targets, so there is no dedicated-instruction path.
//!
//! ```
//! use batchverify::sm3;
//!
//! let digest = sm3::hash(b"abc");
//! assert_eq!(digest[..4], [0x66, 0xc7, 0xf0, 0xf4]); // GB/T 32905-2016 Appendix A.1
//! assert_eq!(sm3::hash_many(&[&b"abc"[..]])[0], digest);
//! ```

#![allow(unsafe_code)]

use std::sync::OnceLock;

pub use crate::backend::HashPath;
use crate::md32::{self, Algorithm, Blocks};
pub use crate::md32::{Calibration, Digest};

/// SM3 as an [`md32::Algorithm`]: the type parameter of [`Hasher`].
#[derive(Clone, Copy, Debug)]
pub struct Sm3;

/// An SM3 engine bound to one code path and threading mode.
pub type Hasher = md32::Hasher<Sm3>;

const IV: [u32; 8] = [
    0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
];

/// `T_j <<< (j mod 32)`, the constant each round adds, rotated once here instead of per round.
const ROTATED_T: [u32; 64] = {
    let mut t = [0u32; 64];
    let mut j = 0;
    while j < 64 {
        let base: u32 = if j < 16 { 0x79cc4519 } else { 0x7a879d8a };
        t[j] = base.rotate_left((j % 32) as u32);
        j += 1;
    }
    t
};

/// The words W_0..W_67 of the expanded message; the rounds take W'_j = W_j ⊕ W_(j+4) from them.
type Expanded = [u32; 68];

impl md32::Sealed for Sm3 {}

impl Algorithm for Sm3 {
    const IV: [u32; 8] = IV;
    const ID: md32::HashId = md32::HashId::Sm3;
    type Schedule = Expanded;
    type Native = md32::NoNative;
    type NativeOneLane = md32::NoNative;

    fn native_supported() -> bool {
        false
    }

    fn schedule(block: &[u8; 64]) -> Expanded {
        expand(block)
    }

    fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
        rounds(state, &expand(block));
    }

    fn compress_scheduled(state: &mut [u32; 8], w: &Expanded) {
        rounds(state, w);
    }

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[inline(always)]
    unsafe fn compress_lanes<V: md32::vector::Vector>(state: *mut u32, blocks: &Blocks<'_>) {
        multilane::rounds::<V>(state, md32::vector::MessageRing::new(blocks))
    }

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[inline(always)]
    unsafe fn compress_lanes_scheduled<V: md32::vector::Vector>(state: *mut u32, w: &Expanded) {
        multilane::rounds::<V>(state, multilane::Shared(w))
    }

    md32::algorithm_statics!(Expanded);
}

md32::module_functions!(Sm3, "SM3");

fn p0(x: u32) -> u32 {
    x ^ x.rotate_left(9) ^ x.rotate_left(17)
}

fn p1(x: u32) -> u32 {
    x ^ x.rotate_left(15) ^ x.rotate_left(23)
}

/// GB/T 32905 §5.3.2: the message expansion.
fn expand(block: &[u8; 64]) -> Expanded {
    let mut w = [0u32; 68];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    for j in 16..68 {
        w[j] = p1(w[j - 16] ^ w[j - 9] ^ w[j - 3].rotate_left(15))
            ^ w[j - 13].rotate_left(7)
            ^ w[j - 6];
    }
    w
}

/// GB/T 32905 §5.3.3: the compression function CF on an expanded block.
fn rounds(state: &mut [u32; 8], w: &Expanded) {
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for j in 0..64 {
        let a12 = a.rotate_left(12);
        let ss1 = a12
            .wrapping_add(e)
            .wrapping_add(ROTATED_T[j])
            .rotate_left(7);
        let ss2 = ss1 ^ a12;
        let (ff, gg) = if j < 16 {
            (a ^ b ^ c, e ^ f ^ g)
        } else {
            ((a & b) | (a & c) | (b & c), (e & f) | (!e & g))
        };
        let tt1 = ff
            .wrapping_add(d)
            .wrapping_add(ss2)
            .wrapping_add(w[j] ^ w[j + 4]);
        let tt2 = gg.wrapping_add(h).wrapping_add(ss1).wrapping_add(w[j]);
        d = c;
        c = b.rotate_left(9);
        b = a;
        a = tt1;
        h = g;
        g = f.rotate_left(19);
        f = e;
        e = p0(tt2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s ^= v;
    }
}

/// The rounds written once for any vector of lanes, one message per lane.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod multilane {
    use super::{Expanded, ROTATED_T};
    use crate::md32::vector::{load_state, rotl, store_state, MessageRing, Vector};

    /// One round; the caller renames the registers instead of moving them (D takes TT1 and H
    /// takes P0(TT2), which become the new A and E), so four rounds bring the names back.
    macro_rules! round {
        ($ff:ident, $gg:ident, $a:ident, $b:ident, $c:ident, $d:ident,
         $e:ident, $f:ident, $g:ident, $h:ident, $w:expr, $wp:expr, $j:expr) => {
            let a12 = rotl!(V, $a, 12);
            let ss1 = rotl!(V, V::add(V::add(a12, $e), V::splat(ROTATED_T[$j])), 7);
            let ss2 = V::xor(ss1, a12);
            let tt1 = V::add(V::add(V::$ff($a, $b, $c), $d), V::add(ss2, $wp));
            let tt2 = V::add(V::add(V::$gg($e, $f, $g), $h), V::add(ss1, $w));
            $b = rotl!(V, $b, 9);
            $f = rotl!(V, $f, 19);
            $d = tt1;
            $h = V::xor3(tt2, rotl!(V, tt2, 9), rotl!(V, tt2, 17));
        };
    }

    /// Four rounds from round `$j`, with FF and GG as `$ff` and `$gg` and the message words
    /// from `$words`.
    macro_rules! four_rounds {
        ($ff:ident, $gg:ident, $words:ident, $j:expr,
         $a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident) => {
            let (w, wp) = $words.next($j);
            round!($ff, $gg, $a, $b, $c, $d, $e, $f, $g, $h, w, wp, $j);
            let (w, wp) = $words.next($j + 1);
            round!($ff, $gg, $d, $a, $b, $c, $h, $e, $f, $g, w, wp, $j + 1);
            let (w, wp) = $words.next($j + 2);
            round!($ff, $gg, $c, $d, $a, $b, $g, $h, $e, $f, w, wp, $j + 2);
            let (w, wp) = $words.next($j + 3);
            round!($ff, $gg, $b, $c, $d, $a, $f, $g, $h, $e, w, wp, $j + 3);
        };
    }

    /// Where each round's W_j and W'_j come from.
    pub(super) trait RoundWords<V: Vector> {
        unsafe fn next(&mut self, j: usize) -> (V, V);
    }

    /// Each lane's own block, expanded in the ring as the rounds reach it (round j needs
    /// W_{j+4}, whose inputs go back to W_{j-12}, the word its slot held): all 68 words at once
    /// would not fit in the registers beside the rounds' own.
    impl<V: Vector> RoundWords<V> for MessageRing<V> {
        #[inline(always)]
        unsafe fn next(&mut self, j: usize) -> (V, V) {
            let w = &mut self.0;
            let ahead = j + 4;
            if ahead >= 16 {
                let x = V::xor3(
                    w[(ahead - 16) % 16],
                    w[(ahead - 9) % 16],
                    rotl!(V, w[(ahead - 3) % 16], 15),
                );
                let p1 = V::xor3(x, rotl!(V, x, 15), rotl!(V, x, 23));
                w[ahead % 16] = V::xor3(p1, rotl!(V, w[(ahead - 13) % 16], 7), w[(ahead - 6) % 16]);
            }
            (w[j % 16], V::xor(w[j % 16], w[ahead % 16]))
        }
    }

    /// One block shared by every lane, given expanded.
    pub(super) struct Shared<'a>(pub(super) &'a Expanded);

    impl<V: Vector> RoundWords<V> for Shared<'_> {
        #[inline(always)]
        unsafe fn next(&mut self, j: usize) -> (V, V) {
            let w = self.0;
            (V::splat(w[j]), V::splat(w[j] ^ w[j + 4]))
        }
    }

    /// Runs the 64 rounds on the word-major state at `state`.
    #[inline(always)]
    pub(super) unsafe fn rounds<V: Vector>(state: *mut u32, mut words: impl RoundWords<V>) {
        let initial = load_state::<V>(state);
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = initial;
        // Unrolled by hand so that every j is a constant: the ring's indices then name
        // registers.
        macro_rules! rounds_from {
            ($ff:ident, $gg:ident, $($j:literal)*) => {$(
                four_rounds!($ff, $gg, words, $j, a, b, c, d, e, f, g, h);
            )*};
        }
        rounds_from!(xor3, xor3, 0 4 8 12);
        rounds_from!(majority, choose, 16 20 24 28 32 36 40 44 48 52 56 60);
        let mut last = [a, b, c, d, e, f, g, h];
        for (end, start) in last.iter_mut().zip(initial) {
            *end = V::xor(start, *end);
        }
        store_state(state, last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[test]
    fn kernel_tokens_exist_exactly_where_the_cpu_has_the_path() {
        md32::assert_tokens_match_paths::<Sm3>();
    }

    #[test]
    fn the_rotated_constants_follow_the_standard() {
        assert_eq!(ROTATED_T[0], 0x79cc4519);
        assert_eq!(ROTATED_T[1], 0x79cc4519u32.rotate_left(1));
        assert_eq!(ROTATED_T[16], 0x7a879d8au32.rotate_left(16));
        assert_eq!(ROTATED_T[33], 0x7a879d8au32.rotate_left(1));
    }
}
