//! s·G + t·P with precomputed tables: the one multiplication that SM2 and ECDSA verification
//! need, each checking the x-coordinate of that sum. Variable time: every input is public.
//!
//! Both scalars are written in width-w NAF and their additions interleaved over one chain of
//! doublings. A table holds the odd multiples (2i+1)·2^(32j)·Q of a point for the eight 32-bit
//! parts j of a scalar, so with tables for both G and P the chain has 33 doublings instead of
//! 256. G's table is built once per process; a key earns its own by valid signatures, as each
//! scheme's [`TableBudget`] says (SM2: two, ECDSA: twelve), and it is built at the signature
//! after, the first that uses it. A key without
//! one gets a small Jacobian table of its odd multiples for the one verification (SM2's path;
//! ECDSA sends such keys to libsecp256k1). The windows are each curve's, measured there.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// How a scheme's keys earn their tables: after `after_uses` valid signatures a key's table is
/// built at its next signature (the one that uses it first, so a key that stops signing costs
/// no table), while the process holds fewer than `max` of the scheme's tables. Only valid
/// signatures count, so junk under keys nobody signed with cannot make the process build (and
/// hold) tables; a valid signature replayed counts again, since whoever holds one can send it
/// at will. The budget bounds the memory anyone can claim, first come, first served.
pub(crate) struct TableBudget {
    pub(crate) after_uses: u32,
    pub(crate) max: usize,
    held: AtomicUsize,
}

impl TableBudget {
    pub(crate) const fn new(after_uses: u32, max: usize) -> Self {
        TableBudget {
            after_uses,
            max,
            held: AtomicUsize::new(0),
        }
    }

    /// Tables alive now.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

/// One key's table slot: the valid signatures it made without a table, and the table once
/// earned (or built by a caller's `prepare_keys`). Dropping it returns its place in the budget.
pub(crate) struct EarnedTable<T: 'static> {
    budget: &'static TableBudget,
    valid_uses: AtomicU32,
    table: OnceLock<T>,
}

impl<T> EarnedTable<T> {
    pub(crate) fn new(budget: &'static TableBudget) -> Self {
        EarnedTable {
            budget,
            valid_uses: AtomicU32::new(0),
            table: OnceLock::new(),
        }
    }

    /// The table, built now if the key has earned it.
    pub(crate) fn get_or_build(&self, build: impl FnOnce() -> Option<T>) -> Option<&T> {
        if self.table.get().is_none()
            && self.valid_uses.load(Ordering::Relaxed) >= self.budget.after_uses
        {
            self.build(build);
        }
        self.table.get()
    }

    /// The table, if built.
    pub(crate) fn get(&self) -> Option<&T> {
        self.table.get()
    }

    /// Counts a valid signature verified without the table.
    pub(crate) fn count_valid_use(&self) {
        self.valid_uses.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a valid signature as enough to earn the table (the caller knows more of the
    /// key's signatures follow).
    pub(crate) fn earn(&self) {
        self.valid_uses
            .fetch_max(self.budget.after_uses, Ordering::Relaxed);
    }

    /// Builds the table unless the budget is spent (or `build` gives none); whether there is
    /// one now.
    pub(crate) fn build(&self, build: impl FnOnce() -> Option<T>) -> bool {
        if self.table.get().is_some() {
            return true;
        }
        // Once the budget is spent every signature of an earning key asks again: a read keeps
        // those asks from writing the shared counter.
        if self.budget.held.load(Ordering::Relaxed) >= self.budget.max {
            return false;
        }
        if self.budget.held.fetch_add(1, Ordering::Relaxed) >= self.budget.max {
            self.budget.held.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        let Some(table) = build() else {
            self.budget.held.fetch_sub(1, Ordering::Relaxed);
            return false;
        };
        // Another thread may have set it meanwhile: that one holds the place in the budget.
        if self.table.set(table).is_err() {
            self.budget.held.fetch_sub(1, Ordering::Relaxed);
        }
        true
    }
}

impl<T> Drop for EarnedTable<T> {
    fn drop(&mut self) {
        if self.table.get().is_some() {
            self.budget.held.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl<T> core::fmt::Debug for EarnedTable<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EarnedTable")
            .field("valid_uses", &self.valid_uses)
            .field("built", &self.table.get().is_some())
            .finish()
    }
}

/// A curve's points in Jacobian (or other projective) coordinates, as the tables use them.
pub(crate) trait Point: Copy {
    /// A point other than the identity, in affine coordinates.
    type Affine: Copy;
    type Field: FieldElement;

    const IDENTITY: Self;

    fn from_affine(point: &Self::Affine) -> Self;
    fn double(&self) -> Self;
    fn add(&self, other: &Self) -> Self;
    fn add_affine(&self, other: &Self::Affine) -> Self;
    fn neg(&self) -> Self;
    fn neg_affine(point: &Self::Affine) -> Self::Affine;
    fn is_identity(&self) -> bool;
    /// (X, Y, Z), for a point other than the identity.
    fn coordinates(&self) -> (Self::Field, Self::Field, Self::Field);
    /// The affine point (x, y), which the caller knows to be on the curve.
    fn affine(x: Self::Field, y: Self::Field) -> Self::Affine;
}

/// The affine forms of points none of which is the identity, with one inversion.
fn normalize_all<J: Point>(points: &[J]) -> Vec<J::Affine> {
    let mut z: Vec<J::Field> = points.iter().map(|point| point.coordinates().2).collect();
    invert_all(&mut z);
    points
        .iter()
        .zip(z)
        .map(|(point, z_inv)| {
            let (x, y, _) = point.coordinates();
            let zz = z_inv.mul(&z_inv);
            J::affine(x.mul(&zz), y.mul(&zz).mul(&z_inv))
        })
        .collect()
}

/// Whether the affine x of `point` is one of `candidates`: X = x·Z² needs no inversion.
pub(crate) fn x_is_one_of<J: Point>(point: &J, candidates: &[Option<J::Field>]) -> bool {
    if point.is_identity() {
        return false;
    }
    let (x, _, z) = point.coordinates();
    let zz = z.mul(&z);
    candidates
        .iter()
        .flatten()
        .any(|candidate| candidate.mul(&zz).same(&x))
}

/// What the tables need of a curve's field: products, inverses (many at once) and equality.
pub(crate) trait FieldElement: Copy {
    const ONE: Self;

    fn mul(&self, other: &Self) -> Self;
    /// The inverse of a non-zero element.
    fn invert(&self) -> Self;
    /// Whether both are the same element.
    fn same(&self, other: &Self) -> bool;
}

/// Inverts every element at the cost of one inversion and three multiplications each
/// (Montgomery's trick). No element may be zero.
pub(crate) fn invert_all<F: FieldElement>(elements: &mut [F]) {
    if elements.is_empty() {
        return;
    }
    let mut prefix = Vec::with_capacity(elements.len());
    let mut acc = F::ONE;
    for element in elements.iter() {
        prefix.push(acc);
        acc = acc.mul(element);
    }
    let mut inverse = acc.invert();
    for (element, before) in elements.iter_mut().zip(prefix).rev() {
        let next = inverse.mul(element);
        *element = inverse.mul(&before);
        inverse = next;
    }
}

/// Scalars split into this many parts when both points have tables: the chain of doublings is
/// one part long.
const PARTS: usize = 8;
const PART_BITS: usize = 256 / PARTS;

/// NAF window of the odd multiples made for a key seen once.
const ONCE_WINDOW: u32 = 5;

/// The odd multiples Q, 3Q, …, (2^(w−1) − 1)·Q of `base`.
fn odd_multiples<J: Point>(base: J, window: u32) -> Vec<J> {
    let count = 1usize << (window - 2);
    let twice = base.double();
    let mut multiples = Vec::with_capacity(count);
    multiples.push(base);
    for i in 1..count {
        multiples.push(multiples[i - 1].add(&twice));
    }
    multiples
}

/// Odd multiples of a point times 2^(32j) for each part j, in affine coordinates.
#[derive(Debug)]
pub(crate) struct Table<A> {
    window: u32,
    /// Part j's multiples start at `j << (window - 2)`.
    points: Vec<A>,
}

impl<A: Copy> Table<A> {
    /// The table of `point` for width-`window` NAF digits: 2^(window−2) points per part.
    pub(crate) fn new<J: Point<Affine = A>>(point: &A, window: u32) -> Table<A> {
        debug_assert!((3..=15).contains(&window), "digits are i16");
        let mut base = J::from_affine(point);
        let mut all = Vec::with_capacity(PARTS << (window - 2));
        for _ in 0..PARTS {
            all.extend(odd_multiples(base, window));
            for _ in 0..PART_BITS {
                base = base.double();
            }
        }
        Table {
            window,
            points: normalize_all(&all),
        }
    }

    fn part(&self, part: usize) -> &[A] {
        let size = 1 << (self.window - 2);
        &self.points[part * size..(part + 1) * size]
    }
}

/// Width-`window` NAF digits of the little-endian integer `scalar`, least significant first:
/// each nonzero digit odd and below 2^(window−1) in magnitude, any two nonzero digits at least
/// `window` positions apart. `N` is one more than the bits of the largest scalar it takes.
fn wnaf<const N: usize>(scalar: &[u64; 4], window: u32) -> [i16; N] {
    let bits = |from: usize, count: usize| -> u64 {
        let limb = from / 64;
        let shift = from % 64;
        let mut value = scalar.get(limb).map_or(0, |l| l >> shift);
        if shift + count > 64 {
            value |= scalar.get(limb + 1).map_or(0, |l| l << (64 - shift));
        }
        value & ((1u64 << count) - 1)
    };
    let mut digits = [0i16; N];
    let mut carry = 0u64;
    let mut i = 0usize;
    // Past the top set bit only a carry is left, and it is the last digit.
    let end = scalar
        .iter()
        .rposition(|&limb| limb != 0)
        .map_or(0, |limb| {
            64 * limb + 64 - scalar[limb].leading_zeros() as usize
        });
    while i < end {
        if bits(i, 1) == carry {
            i += 1;
            continue;
        }
        let width = (window as usize).min(256 - i);
        let mut word = bits(i, width) + carry;
        carry = (word >> (window - 1)) & 1;
        word = word.wrapping_sub(carry << window);
        digits[i] = word as i64 as i16;
        i += width;
    }
    // A carry comes from a window that held the top set bit, so it lands at most one place
    // past it; without one, i may run past the end with nothing left to write.
    if carry != 0 {
        digits[i] = 1;
    }
    digits
}

/// Bits `[part · PART_BITS, (part + 1) · PART_BITS)` of `scalar`, as an integer.
fn scalar_part(scalar: &[u64; 4], part: usize) -> [u64; 4] {
    let from = part * PART_BITS;
    let bits = (scalar[from / 64] >> (from % 64)) & (u64::MAX >> (64 - PART_BITS));
    [bits, 0, 0, 0]
}

/// The multiples of a key that the chain adds.
pub(crate) enum KeyMultiples<'a, A> {
    /// A key's table: a part's worth of doublings.
    Table(&'a Table<A>),
    /// A key seen once: its point, whose odd multiples are made in Jacobian coordinates for
    /// this one verification (257 doublings).
    Once(A),
}

/// `s·G + t·key`, with `s` and `t` as little-endian integers and `g` the generator's table.
pub(crate) fn double_mul<J: Point>(
    g: &Table<J::Affine>,
    s: &[u64; 4],
    t: &[u64; 4],
    key: &KeyMultiples<'_, J::Affine>,
) -> J {
    let g_digits: [[i16; PART_BITS + 1]; PARTS] =
        core::array::from_fn(|part| wnaf(&scalar_part(s, part), g.window));
    let mut acc = J::IDENTITY;
    match key {
        KeyMultiples::Table(table) => {
            let key_digits: [[i16; PART_BITS + 1]; PARTS] =
                core::array::from_fn(|part| wnaf(&scalar_part(t, part), table.window));
            prefetch_entries(g, &g_digits);
            prefetch_entries(table, &key_digits);
            for i in (0..=PART_BITS).rev() {
                acc = acc.double();
                for part in 0..PARTS {
                    acc = add_digit_affine(acc, g.part(part), g_digits[part][i]);
                    acc = add_digit_affine(acc, table.part(part), key_digits[part][i]);
                }
            }
        }
        KeyMultiples::Once(point) => {
            let multiples = odd_multiples(J::from_affine(point), ONCE_WINDOW);
            let key_digits: [i16; 257] = wnaf(t, ONCE_WINDOW);
            for i in (0..=256).rev() {
                acc = acc.double();
                if i <= PART_BITS {
                    for (part, digits) in g_digits.iter().enumerate() {
                        acc = add_digit_affine(acc, g.part(part), digits[i]);
                    }
                }
                let digit = key_digits[i];
                if digit > 0 {
                    acc = acc.add(&multiples[digit as usize / 2]);
                } else if digit < 0 {
                    acc = acc.add(&multiples[(-digit) as usize / 2].neg());
                }
            }
        }
    }
    acc
}

/// Asks for every entry of a table that the digits will add, all at once: a table read from
/// memory per addition would wait on each in turn (a node's busy signers' tables together
/// outgrow the caches, and a wide window makes G's large), while requests in flight together
/// overlap.
fn prefetch_entries<A: Copy>(table: &Table<A>, digits: &[[i16; PART_BITS + 1]; PARTS]) {
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (table, digits);
    #[cfg(target_arch = "x86_64")]
    for (part, digits) in digits.iter().enumerate() {
        let multiples = table.part(part);
        for &digit in digits {
            if digit != 0 {
                let entry = &multiples[usize::from(digit.unsigned_abs()) / 2];
                // SAFETY: SSE is part of x86-64, and a prefetch never faults, whatever the address.
                #[allow(unsafe_code)]
                unsafe {
                    core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                        (entry as *const A).cast(),
                    );
                }
            }
        }
    }
}

#[inline(always)]
fn add_digit_affine<J: Point>(acc: J, multiples: &[J::Affine], digit: i16) -> J {
    match digit {
        0 => acc,
        d if d > 0 => acc.add_affine(&multiples[d as usize / 2]),
        d => acc.add_affine(&J::neg_affine(&multiples[(-d) as usize / 2])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn naf_digits_rebuild_the_scalar() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for window in [ONCE_WINDOW, 6, 7, 8, 12] {
            for round in 0..200 {
                let scalar: [u64; 4] = match round {
                    0 => [u64::MAX; 4],
                    1 => [0; 4],
                    2 => [u64::from(u32::MAX), 0, 0, 0],
                    3..50 => scalar_part(&rng.random(), round % PARTS),
                    _ => rng.random(),
                };
                let digits: [i16; 257] = wnaf(&scalar, window);
                if scalar[1..] == [0; 3] && scalar[0] < 1 << PART_BITS {
                    let part: [i16; PART_BITS + 1] = wnaf(&scalar, window);
                    assert_eq!(part[..], digits[..=PART_BITS]);
                    assert!(digits[PART_BITS + 1..].iter().all(|&digit| digit == 0));
                }
                let mut value = num_bigint::BigInt::from(0);
                for &digit in digits.iter().rev() {
                    value = value * 2 + digit;
                    if digit != 0 {
                        assert!(digit % 2 != 0 && i32::from(digit).abs() < 1 << (window - 1));
                    }
                }
                let nonzero: Vec<usize> = (0..digits.len()).filter(|&i| digits[i] != 0).collect();
                assert!(nonzero
                    .windows(2)
                    .all(|pair| pair[1] - pair[0] >= window as usize));
                let want = num_bigint::BigInt::from_bytes_le(
                    num_bigint::Sign::Plus,
                    &scalar
                        .iter()
                        .flat_map(|l| l.to_le_bytes())
                        .collect::<Vec<_>>(),
                );
                assert_eq!(value, want);
            }
        }
    }
}
