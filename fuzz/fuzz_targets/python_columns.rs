//! The Python module's column layouts (`python/src/layout.rs`, included as it is): for any
//! shape, width and Arrow offsets, the layout is accepted exactly when it is sound, and the
//! items it gives are inside the buffer and cover what they should. The module reads buffers
//! through these functions, so a bug here would be an out-of-bounds read or a panic in Python.
#![no_main]

#[path = "../../python/src/layout.rs"]
mod layout;

use layout::LayoutError;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&[kind, a, b], rest)) = data.split_first_chunk::<3>() else {
        return;
    };
    let values = rest;
    let len = values.len();
    match kind % 3 {
        0 => {
            // A flat or two-dimensional buffer holding exactly `len` bytes.
            let width = (a % 4 != 0).then_some(usize::from(a % 100));
            let shape: Vec<usize> = match b % 4 {
                0 => vec![len],
                1 => {
                    let row = usize::from(b / 4);
                    if row == 0 || len % row != 0 {
                        return;
                    }
                    vec![len / row, row]
                }
                // Rows of nothing: any count is a consistent shape for an empty buffer.
                2 if len == 0 => vec![usize::from(b) << (usize::from(a) % 64), 0],
                _ => vec![1, 1, len],
            };
            match layout::rows(&shape, len, width, "field") {
                Ok((width, count)) => {
                    assert!(width * count <= len);
                    assert!(width > 0 || count <= layout::MAX_EMPTY_ROWS);
                    if count > 1 << 16 {
                        // Sound, and too many empty slices to make on every run.
                        return;
                    }
                    let items = layout::split_rows(values, width, count);
                    assert_eq!(items.len(), count);
                    assert!(items.iter().all(|item| item.len() == width));
                }
                Err(LayoutError::Malformed { message, .. }) | Err(LayoutError::Shape(message)) => {
                    assert!(message.starts_with("field: "), "{message}");
                }
            }
        }
        _ => {
            // Arrow offsets (int64 from the input, or int32 widened), maybe nonsense.
            let raw: Vec<i64> = if kind % 3 == 1 {
                rest.chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")) % 512)
                    .collect()
            } else {
                rest.chunks_exact(4)
                    .map(|c| i64::from(i32::from_le_bytes(c.try_into().expect("4 bytes"))) % 512)
                    .collect()
            };
            let values_len = usize::from(a) + usize::from(b);
            let buffer = vec![0u8; values_len];
            let sound = !raw.is_empty()
                && raw
                    .iter()
                    .all(|&o| o >= 0 && usize::try_from(o).is_ok_and(|o| o <= values_len))
                && raw.windows(2).all(|pair| pair[0] <= pair[1]);
            match layout::checked_offsets(&raw, values_len, "field") {
                Ok(offsets) => {
                    assert!(sound, "{raw:?} accepted for {values_len} bytes");
                    let items = layout::split_packed(&buffer, &offsets);
                    assert_eq!(items.len(), raw.len() - 1);
                    let covered: usize = items.iter().map(|item| item.len()).sum();
                    assert_eq!(covered as i64, raw[raw.len() - 1] - raw[0]);
                }
                Err(error) => {
                    assert!(!sound, "{raw:?} refused for {values_len} bytes: {error:?}");
                }
            }
        }
    }
});
