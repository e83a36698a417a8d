//! Cutting a fuzz input into fields, shared by the targets.

/// The next `n` bytes of `data`, or `None` when fewer are left.
pub fn take<'a>(data: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if data.len() < n {
        return None;
    }
    let (head, tail) = data.split_at(n);
    *data = tail;
    Some(head)
}

/// `data` cut into items by `item`, until it returns `None`.
pub fn items<T>(mut data: &[u8], item: impl Fn(&mut &[u8]) -> Option<T>) -> Vec<T> {
    let mut items = Vec::new();
    while let Some(next) = item(&mut data) {
        items.push(next);
    }
    items
}
