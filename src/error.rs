use core::fmt;

/// Which part of an input item an [`Error::Malformed`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The signer's public key.
    PublicKey,
    /// The signed message.
    Message,
    /// The signature.
    Signature,
    /// A Merkle leaf (raw data or leaf hash).
    Leaf,
    /// A secret key (or the key material it is derived from).
    SecretKey,
    /// The 32-byte hash an ECDSA signature signs (the caller hashes the message).
    MessageHash,
    /// The recovery id (`v`) of a recoverable ECDSA signature.
    RecoveryId,
    /// The signer's identity that SM2 hashes into ZA (`id`).
    SignerId,
}

impl Field {
    /// The name used in error messages and in the CLI's JSON (`public_key`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Field::PublicKey => "public_key",
            Field::Message => "message",
            Field::Signature => "signature",
            Field::Leaf => "leaf",
            Field::SecretKey => "secret_key",
            Field::MessageHash => "message_hash",
            Field::RecoveryId => "recovery_id",
            Field::SignerId => "id",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The one error type of batchverify.
///
/// Malformed input says which item and which field is wrong; a signature that is well formed
/// but does not verify is [`Error::InvalidSignature`] and deliberately carries no detail.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A field of one input item has the wrong length.
    Malformed {
        /// Position of the item in the batch (0 for single verification).
        index: usize,
        /// The field that is wrong.
        field: Field,
        /// Length the field must have, in bytes.
        expected_len: usize,
        /// Length that was passed.
        actual_len: usize,
    },
    /// A field that comes in several lengths (a secp256k1 public key: compressed or
    /// uncompressed) has none of them.
    LengthNotAllowed {
        /// Position of the item in the batch (0 for single verification).
        index: usize,
        /// The field that is wrong.
        field: Field,
        /// The lengths the field may have, in bytes.
        allowed: &'static [usize],
        /// Length that was passed.
        actual_len: usize,
    },
    /// A field is longer than its format can encode (an SM2 signer ID beyond the 8,191 bytes
    /// ENTL counts).
    TooLong {
        /// Position of the item in the batch (0 for single verification).
        index: usize,
        /// The field that is wrong.
        field: Field,
        /// The most bytes the field may have.
        max_len: usize,
        /// Length that was passed.
        actual_len: usize,
    },
    /// A recoverable signature's `v` is none of the values the call reads: 0/1 or 27/28 in a
    /// 65-byte signature, and also EIP-155's `35 + 2 * chain_id + parity` as a transaction's v.
    InvalidRecoveryId {
        /// Position of the item (0 for single operations).
        index: usize,
        /// The value that was passed.
        v: u64,
    },
    /// A signature reads both as r‖s and as DER (an SM2 signature of 64 bytes that is also
    /// well-formed DER), so its verdict would depend on the reader: name the encoding. Single
    /// calls return it; in a batch such an item's verdict is `false`.
    AmbiguousEncoding {
        /// Position of the item (0 for single verification).
        index: usize,
        /// The field that is ambiguous.
        field: Field,
    },
    /// The parallel input slices of a batch have different lengths.
    CountMismatch {
        /// The field whose count differs from the public keys'.
        field: Field,
        /// Number of public keys.
        expected: usize,
        /// Number of items of `field`.
        actual: usize,
    },
    /// The signature does not verify under the chosen policy.
    InvalidSignature,
    /// A forced code path needs CPU features this machine lacks.
    UnsupportedPath {
        /// The path that was asked for.
        path: crate::HashPath,
    },
    /// A leaf index is not inside the tree.
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// Number of leaves in the tree.
        tree_size: u64,
    },
    /// The same leaf index was asked for twice in one multi-proof request.
    DuplicateIndex {
        /// The repeated leaf index.
        index: u64,
    },
    /// More leaves than a Merkle flavor's limit (SSZ lists) allows.
    TooManyLeaves {
        /// The flavor's limit.
        limit: u64,
        /// Number of leaves passed.
        actual: u64,
    },
    /// A field has the right length but is not a valid value: a BLS point off the curve, outside
    /// the subgroup or the identity where it is not allowed, or an out-of-range secret key.
    InvalidPoint {
        /// Position of the item (0 for single operations).
        index: usize,
        /// The field that is wrong.
        field: Field,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The basic BLS scheme's aggregate verification got the same message twice.
    DuplicateMessage {
        /// Position of the second occurrence.
        index: usize,
    },
    /// An aggregate of nothing was asked for.
    EmptyInput {
        /// What was empty.
        field: Field,
    },
    /// The operation is not defined for this BLS scheme.
    UnsupportedByScheme {
        /// What was asked for.
        operation: &'static str,
    },
    /// The operation is defined only for some Merkle flavors (consistency proofs need trees
    /// that promote odd nodes, as RFC 6962's do).
    UnsupportedByFlavor {
        /// What was asked for.
        operation: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed {
                index,
                field,
                expected_len,
                actual_len,
            } => write!(
                f,
                "{field} at index {index}: expected {expected_len} bytes, got {actual_len}"
            ),
            Error::LengthNotAllowed {
                index,
                field,
                allowed,
                actual_len,
            } => {
                let allowed: Vec<String> = allowed.iter().map(usize::to_string).collect();
                write!(
                    f,
                    "{field} at index {index}: expected {} bytes, got {actual_len}",
                    allowed.join(" or ")
                )
            }
            Error::TooLong {
                index,
                field,
                max_len,
                actual_len,
            } => write!(
                f,
                "{field} at index {index}: at most {max_len} bytes, got {actual_len}"
            ),
            Error::InvalidRecoveryId { index, v } => write!(
                f,
                "recovery_id at index {index}: v = {v} is not 0, 1, 27 or 28 (nor, for a transaction's v, 35 and above)"
            ),
            Error::AmbiguousEncoding { index, field } => write!(
                f,
                "{field} at index {index}: 64 bytes that read both as r‖s and as DER; name the encoding"
            ),
            Error::CountMismatch {
                field,
                expected,
                actual,
            } => write!(
                f,
                "{field}: expected {expected} items (one per public key), got {actual}"
            ),
            Error::InvalidSignature => f.write_str("signature verification failed"),
            Error::UnsupportedPath { path } => {
                write!(
                    f,
                    "the {path} hash path needs CPU features this machine lacks"
                )
            }
            Error::IndexOutOfRange { index, tree_size } => write!(
                f,
                "leaf index {index} is out of range for a tree of {tree_size} leaves"
            ),
            Error::DuplicateIndex { index } => write!(f, "leaf index {index} is asked for twice"),
            Error::TooManyLeaves { limit, actual } => {
                write!(f, "{actual} leaves exceed the flavor's limit of {limit}")
            }
            Error::InvalidPoint {
                index,
                field,
                reason,
            } => write!(f, "{field} at index {index} is invalid: {reason}"),
            Error::DuplicateMessage { index } => write!(
                f,
                "message at index {index} repeats an earlier one (not allowed in the basic scheme)"
            ),
            Error::EmptyInput { field } => write!(f, "no {field} given"),
            Error::UnsupportedByScheme { operation } => {
                write!(f, "{operation} is not defined for this BLS scheme")
            }
            Error::UnsupportedByFlavor { operation } => {
                write!(f, "{operation} is not defined for this Merkle flavor")
            }
        }
    }
}

impl std::error::Error for Error {}

/// `bytes` as a field of exactly `N` bytes, or the error naming the item and the field.
pub(crate) fn exact<const N: usize>(
    index: usize,
    field: crate::Field,
    bytes: &[u8],
) -> Result<&[u8; N], crate::Error> {
    bytes.try_into().map_err(|_| crate::Error::Malformed {
        index,
        field,
        expected_len: N,
        actual_len: bytes.len(),
    })
}
