//! The verdict of every item of a batch, and the shape every batch's inputs must have.

/// The verdict for every item of a batch, in input order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BatchOutcome {
    verdicts: Vec<bool>,
}

impl BatchOutcome {
    /// Wraps per-item verdicts (`true` = valid).
    pub fn from_verdicts(verdicts: Vec<bool>) -> Self {
        Self { verdicts }
    }

    /// Number of items in the batch.
    pub fn len(&self) -> usize {
        self.verdicts.len()
    }

    /// Whether the batch had no items (an empty batch is valid).
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }

    /// `true` when every item verified (and for an empty batch).
    pub fn all_valid(&self) -> bool {
        self.verdicts.iter().all(|&v| v)
    }

    /// Verdict of item `index`, or `None` past the end.
    pub fn is_valid(&self, index: usize) -> Option<bool> {
        self.verdicts.get(index).copied()
    }

    /// Positions of the items that did not verify, ascending.
    pub fn invalid_indices(&self) -> Vec<usize> {
        self.verdicts
            .iter()
            .enumerate()
            .filter_map(|(i, &v)| (!v).then_some(i))
            .collect()
    }

    /// Number of items that did not verify.
    pub fn invalid_count(&self) -> usize {
        self.verdicts.iter().filter(|&&v| !v).count()
    }

    /// The verdicts as a slice (`true` = valid).
    pub fn as_slice(&self) -> &[bool] {
        &self.verdicts
    }

    /// The verdicts as a vector (`true` = valid).
    pub fn into_vec(self) -> Vec<bool> {
        self.verdicts
    }
}

/// The parallel slices of a signature batch must have one message (or, for schemes that sign
/// a hash, `message_field`) and one signature per public key.
pub(crate) fn check_counts(
    public_keys: usize,
    (message_field, messages): (crate::Field, usize),
    signatures: usize,
) -> Result<(), crate::Error> {
    for (field, actual) in [
        (message_field, messages),
        (crate::Field::Signature, signatures),
    ] {
        if actual != public_keys {
            return Err(crate::Error::CountMismatch {
                field,
                expected: public_keys,
                actual,
            });
        }
    }
    Ok(())
}
