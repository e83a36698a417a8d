//! Outputs of millions of digests: zeroed without a pass on the calling thread, touched first
//! by the hashing threads, on transparent huge pages.
//!
//! `vec![[0u8; 32]; n]` fills its memory on the calling thread (the standard library asks the
//! allocator for zeroed memory only for arrays of at most 16 elements), so a fresh 32 MiB output
//! (a million digests) took its 8,192 page faults one after another before any hashing began:
//! 12 ms on the 2-core AMD machine, more than hashing a million 64-byte messages on both cores,
//! and the reason `hash_many` of 2^20 messages barely sped up from 2 to 16 threads. Allocated
//! zeroed, memory fresh from the kernel faults in on whichever thread writes it first (with
//! glibc, allocations above its mmap threshold; smaller ones reuse heap memory that is mapped
//! already, which `calloc` clears); advised onto 2 MiB pages before that, 16 faults instead
//! of 8,192.

use std::alloc::Layout;

use super::Digest;

/// Outputs from this size on take the zeroed allocation and the advice: below it the allocator
/// reuses memory that is already mapped, and a huge page would mostly hold other data.
const HUGE_OUTPUT_BYTES: usize = 4 << 20;

/// `len` zeroed digests.
pub(crate) fn zeroed_digests(len: usize) -> Vec<Digest> {
    let layout = match Layout::array::<Digest>(len) {
        Ok(layout) if layout.size() >= HUGE_OUTPUT_BYTES => layout,
        _ => return vec![[0u8; 32]; len],
    };
    // SAFETY: the layout has a non-zero size; a null result is handled below.
    let bytes = unsafe { std::alloc::alloc_zeroed(layout) };
    if bytes.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // SAFETY: the global allocator gave `bytes` for exactly `len` digests (alignment 1), and
    // zeroed bytes are valid digests.
    let digests = unsafe { Vec::from_raw_parts(bytes.cast::<Digest>(), len, len) };
    advise_huge_pages(digests.as_ptr() as usize, len * 32);
    digests
}

/// Room for `additional` more digests in `digests`, advised onto huge pages when large: for
/// vectors that threads then fill (a tree's levels).
pub(crate) fn reserve_digests(digests: &mut Vec<Digest>, additional: usize) {
    let capacity = digests.capacity();
    digests.reserve(additional);
    if digests.capacity() == capacity {
        // Memory a stream reuses level after level was advised when it was reserved.
        return;
    }
    let spare = digests.spare_capacity_mut();
    let bytes = std::mem::size_of_val(spare);
    if bytes >= HUGE_OUTPUT_BYTES {
        advise_huge_pages(spare.as_ptr() as usize, bytes);
    }
}

/// Advises the 2 MiB-aligned interior of `len` bytes at `start`, memory the caller owns, onto
/// huge pages. Only advice: the contents stay as they are, and where transparent huge pages
/// are off it changes nothing.
#[cfg(target_os = "linux")]
fn advise_huge_pages(start: usize, len: usize) {
    const HUGE_PAGE: usize = 2 << 20;
    let first = start.next_multiple_of(HUGE_PAGE);
    let end = (start + len) / HUGE_PAGE * HUGE_PAGE;
    if end > first {
        // SAFETY: the range lies inside memory the caller owns, and MADV_HUGEPAGE neither
        // frees nor changes memory; a failure (no THP) is harmless.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_start: usize, _len: usize) {}
