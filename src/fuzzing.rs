//! What the `field_arithmetic` fuzz target reaches that the public API does not: the secp256k1
//! and SM2 field operations and secp256k1's GLV split, on byte strings, for checking against
//! big integers. Built only with `--cfg fuzzing` (`make fuzz`); not an API.

/// Every field operation on two elements, each result as its canonical big-endian encoding.
#[derive(Debug)]
pub struct FieldResults {
    /// a + b.
    pub sum: [u8; 32],
    /// a - b.
    pub difference: [u8; 32],
    /// a·b.
    pub product: [u8; 32],
    /// a².
    pub square: [u8; 32],
    /// -a.
    pub negation: [u8; 32],
    /// a^-1, zero for zero.
    pub inverse: [u8; 32],
    /// A square root of a, when there is one.
    pub square_root: Option<[u8; 32]>,
}

/// The secp256k1 field's operations on `a` and `b`, big-endian values below 2^256 (each
/// standing for its residue mod p).
pub fn secp256k1_field(a: &[u8; 32], b: &[u8; 32]) -> FieldResults {
    crate::secp256k1::fuzz_field_operations(a, b)
}

/// The SM2 field's operations on `a` and `b`, `None` unless both are below p.
pub fn sm2_field(a: &[u8; 32], b: &[u8; 32]) -> Option<FieldResults> {
    crate::sm2::fuzz_field_operations(a, b)
}

/// secp256k1's GLV split (k1, k2) of a scalar `k` below n, big-endian: k = k1 + k2·λ mod n.
pub fn secp256k1_glv_split(k: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    crate::secp256k1::fuzz_glv_split(k)
}
