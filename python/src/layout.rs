//! Where each item of a column lies in its buffer, worked out without Python so that the fuzz
//! crate can include this file and check it on any input (`fuzz/fuzz_targets/python_columns.rs`).

/// The most items a column of empty rows may claim: a (2^40, 0) array holds no bytes, but a
/// slice per item would not fit in memory (16 M empty items already take 256 MiB of slices).
pub const MAX_EMPTY_ROWS: usize = 1 << 24;

/// Why a column's layout was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The buffer's contents do not fit the field (a `MalformedInputError`, naming the item
    /// where there is one).
    Malformed {
        message: String,
        index: Option<usize>,
    },
    /// The buffer's shape is not one a column can have (a `TypeError`).
    Shape(String),
}

/// `(width, count)` of the items in a C-contiguous uint8 buffer of `len` bytes and `shape`:
/// a row per item when two-dimensional, items of the field's fixed `width` when flat. Messages
/// (`width` `None`) have no fixed width, so a flat buffer cannot hold them.
pub fn rows(
    shape: &[usize],
    len: usize,
    width: Option<usize>,
    field: &str,
) -> Result<(usize, usize), LayoutError> {
    let malformed = |message: String| LayoutError::Malformed {
        message,
        index: None,
    };
    match (shape, width) {
        ([_, row], Some(expected)) if *row != expected => Err(malformed(format!(
            "{field}: rows of {row} bytes, expected {expected}"
        ))),
        ([count, 0], _) if *count > MAX_EMPTY_ROWS => Err(malformed(format!(
            "{field}: {count} items of 0 bytes is more than a batch can hold"
        ))),
        ([count, row], _) => Ok((*row, *count)),
        ([_], Some(0)) => Err(malformed(format!(
            "{field}: items of 0 bytes cannot be counted in a flat buffer"
        ))),
        ([_], Some(expected)) if len.is_multiple_of(expected) => Ok((expected, len / expected)),
        ([_], Some(expected)) => Err(malformed(format!(
            "{field}: {len} bytes is not a whole number of {expected}-byte items"
        ))),
        ([_], None) => Err(LayoutError::Shape(format!(
            "{field}: one flat buffer cannot be split into messages; pass a sequence of bytes, \
             a two-dimensional uint8 array or an Arrow binary array"
        ))),
        (shape, _) => Err(LayoutError::Shape(format!(
            "{field}: expected a one- or two-dimensional uint8 buffer, got {} dimensions",
            shape.len()
        ))),
    }
}

/// The `count` items of `width` bytes at the start of `values` (which holds at least
/// `width * count` bytes, as [`rows`] found).
pub fn split_rows(values: &[u8], width: usize, count: usize) -> Vec<&[u8]> {
    if width == 0 {
        return vec![&[][..]; count];
    }
    values.chunks_exact(width).take(count).collect()
}

/// Offsets as indices into `values_len` bytes, after checking that they can be: non-negative,
/// never decreasing and inside the buffer. Arrow arrays built by pyarrow satisfy this; anything
/// passed by hand may not.
pub fn checked_offsets(
    raw: &[i64],
    values_len: usize,
    field: &str,
) -> Result<Vec<usize>, LayoutError> {
    if raw.is_empty() {
        return Err(LayoutError::Malformed {
            message: format!("{field}: offsets must have one more entry than there are items"),
            index: None,
        });
    }
    let mut previous = 0usize;
    raw.iter()
        .enumerate()
        .map(|(position, &offset)| {
            let offset = usize::try_from(offset)
                .ok()
                .filter(|&offset| offset <= values_len && (position == 0 || offset >= previous));
            let Some(offset) = offset else {
                return Err(LayoutError::Malformed {
                    message: format!(
                        "{field}: offset {position} ({}) is negative, decreasing or past the \
                         {values_len}-byte values buffer",
                        raw[position]
                    ),
                    index: Some(position.saturating_sub(1)),
                });
            };
            previous = offset;
            Ok(offset)
        })
        .collect()
}

/// Item `i` is `values[offsets[i]..offsets[i + 1]]`, for offsets [`checked_offsets`] accepted.
pub fn split_packed<'a>(values: &'a [u8], offsets: &[usize]) -> Vec<&'a [u8]> {
    offsets
        .windows(2)
        .map(|pair| &values[pair[0]..pair[1]])
        .collect()
}
