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
}

impl Field {
    /// The name used in error messages and in the CLI's JSON (`public_key`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Field::PublicKey => "public_key",
            Field::Message => "message",
            Field::Signature => "signature",
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
            Error::CountMismatch {
                field,
                expected,
                actual,
            } => write!(
                f,
                "{field}: expected {expected} items (one per public key), got {actual}"
            ),
            Error::InvalidSignature => f.write_str("signature verification failed"),
        }
    }
}

impl std::error::Error for Error {}
