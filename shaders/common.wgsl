// Prepended to every kernel, before the hash's compression. Digests travel through buffers as
// raw bytes; kernels keep them as big-endian message words between compressions, so byte order
// is swapped once on load and once on store.

fn swap_bytes(x: u32) -> u32 {
    return (x << 24u) | ((x << 8u) & 0x00ff0000u) | ((x >> 8u) & 0x0000ff00u) | (x >> 24u);
}
