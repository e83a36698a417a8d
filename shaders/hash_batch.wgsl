// SHA-256, SHA256d or SM3 (the compression prepended) of `count` messages of `length` bytes each, stored back to back, each
// preceded by the same prefix (RFC 6962's leaf byte). One invocation per message; long messages
// take several dispatches of `block_count` blocks each, the state kept in `states` between
// them, so no invocation runs long enough to trip a driver's watchdog or loop limit (lavapipe
// stops loops after 65535 iterations).

// SHA256d (Bitcoin).
override DOUBLE_HASH: bool = false;
// Bytes hashed before every message; at most 32.
override PREFIX_LEN: u32 = 0u;

const WORKGROUP_SIZE = 64u;

struct Params {
    count: u32,
    // Bytes per message (the prefix not included).
    length: u32,
    // The blocks of each message this dispatch compresses.
    first_block: u32,
    block_count: u32,
    prefix: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<u32>;
// Eight words per message: the running state between dispatches, then the digest's bytes.
@group(0) @binding(2) var<storage, read_write> states: array<u32>;

fn prefix_byte(k: u32) -> u32 {
    let word = params.prefix[k >> 4u][(k >> 2u) & 3u];
    return (word >> (8u * (k & 3u))) & 0xffu;
}

// Byte k of prefix || message || 0x80 || zeros, for the message starting at byte `start`.
fn message_byte(start: u32, k: u32) -> u32 {
    if k < PREFIX_LEN {
        return prefix_byte(k);
    }
    let j = k - PREFIX_LEN;
    if j < params.length {
        let at = start + j;
        return (input[at >> 2u] >> (8u * (at & 3u))) & 0xffu;
    }
    if j == params.length {
        return 0x80u;
    }
    return 0u;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn hash_batch(
    @builtin(global_invocation_id) id: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
) {
    let index = id.y * grid.x * WORKGROUP_SIZE + id.x;
    if index >= params.count {
        return;
    }
    let start = index * params.length;
    let len = PREFIX_LEN + params.length;
    let blocks = (len + 8u) / 64u + 1u;
    let aligned = PREFIX_LEN == 0u && (params.length & 3u) == 0u;
    var state = IV;
    if params.first_block > 0u {
        for (var i = 0u; i < 8u; i++) {
            state[i] = states[8u * index + i];
        }
    }
    let end = min(blocks, params.first_block + params.block_count);
    for (var b = params.first_block; b < end; b++) {
        var block: array<u32, 16>;
        for (var i = 0u; i < 16u; i++) {
            let k = 64u * b + 4u * i;
            if aligned && k + 4u <= params.length {
                block[i] = swap_bytes(input[(start + k) >> 2u]);
            } else {
                block[i] = (message_byte(start, k) << 24u) | (message_byte(start, k + 1u) << 16u)
                    | (message_byte(start, k + 2u) << 8u) | message_byte(start, k + 3u);
            }
        }
        if b + 1u == blocks {
            block[14] = len >> 29u;
            block[15] = len << 3u;
        }
        compress(&state, &block);
    }
    if end < blocks {
        for (var i = 0u; i < 8u; i++) {
            states[8u * index + i] = state[i];
        }
        return;
    }
    if DOUBLE_HASH {
        state = hash_digest(state);
    }
    for (var i = 0u; i < 8u; i++) {
        states[8u * index + i] = swap_bytes(state[i]);
    }
}
