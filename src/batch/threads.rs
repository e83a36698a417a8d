//! Where a batch's work runs: on the calling thread or rayon's.

/// The threads a batch may use: one when it is to run sequentially, else rayon's.
pub(super) fn threads(sequential: bool) -> usize {
    if sequential {
        1
    } else {
        rayon::current_num_threads()
    }
}

/// `f` on consecutive ranges of the items, results concatenated in order: for work that
/// shares a cost across neighbours (one inversion for many items). Ranges hold at most
/// `most` items, and are small enough that every thread gets several.
pub(crate) fn map_ranges<T: Send>(
    len: usize,
    most: usize,
    sequential: bool,
    f: impl Fn(std::ops::Range<usize>) -> Vec<T> + Sync + Send,
) -> Vec<T> {
    use rayon::prelude::*;
    let threads = threads(sequential);
    let size = len.div_ceil(4 * threads).clamp(1, most.max(1));
    let range = |k: usize| k * size..((k + 1) * size).min(len);
    let ranges = len.div_ceil(size);
    if sequential {
        (0..ranges).flat_map(|k| f(range(k))).collect()
    } else {
        (0..ranges)
            .into_par_iter()
            .flat_map_iter(|k| f(range(k)))
            .collect()
    }
}

/// `f` of every index below `len`, on rayon's threads unless `sequential`.
pub(crate) fn map_items<T: Send>(
    len: usize,
    sequential: bool,
    f: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    use rayon::prelude::*;
    if sequential {
        (0..len).map(f).collect()
    } else {
        (0..len).into_par_iter().map(f).collect()
    }
}
