// Merkle levels. Each workgroup reduces 2^levels consecutive nodes of one level to their common
// ancestor, keeping the levels in between in workgroup memory, so a tree of 2^24 leaves takes
// three dispatches. With STORE_LEVELS every level computed is also written out (a tree kept for
// proofs), still nine levels per dispatch. The last node of every level gets the flavor's odd-node rule, as on the CPU
// (`Merkle::reduce`), so a chunk of a larger tree reduces exactly like the CPU's subtrees.

// 0: pair an odd node with itself (Bitcoin); 1: promote it (RFC 6962); 2: pair it with the
// all-zero subtree of its height (SSZ); 3: hash it alone (FISCO BCOS).
override ODD_RULE: u32 = 0u;
// SHA256d nodes (Bitcoin).
override DOUBLE_HASH: bool = false;
// Bytes hashed before the two children (RFC 6962: 1); at most 32.
override PREFIX_LEN: u32 = 0u;
// Write every level into `output` at `level_offsets`, not just each workgroup's top node.
override STORE_LEVELS: bool = false;

struct Params {
    // Nodes in the input level of the whole tree (or chunk).
    count: u32,
    // Height of the input level; leaves are at 0.
    height: u32,
    // Levels this dispatch reduces, 1 to 9.
    levels: u32,
    // Workgroups that have nodes; the dispatch grid may have more.
    groups: u32,
    // The node prefix, little-endian bytes.
    prefix: array<vec4<u32>, 2>,
    // With STORE_LEVELS: where in `output` (in nodes) the level made by each step starts.
    level_offsets: array<vec4<u32>, 3>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;
// Roots of all-zero subtrees by height, as raw digests (only the zero-subtree rule reads it).
@group(0) @binding(3) var<storage, read> zero_roots: array<u32>;
// Set when two real siblings are equal (CVE-2012-2459; only the duplicate rule sets it).
@group(0) @binding(4) var<storage, read_write> mutated: atomic<u32>;

var<workgroup> level: array<array<u32, 8>, 256>;

fn prefix_byte(k: u32) -> u32 {
    let word = params.prefix[k >> 4u][(k >> 2u) & 3u];
    return (word >> (8u * (k & 3u))) & 0xffu;
}

// Byte k of prefix || body || 0x80 || zeros, for a body of `body_len` bytes.
fn message_byte(k: u32, body: ptr<function, array<u32, 16>>, body_len: u32) -> u32 {
    if k < PREFIX_LEN {
        return prefix_byte(k);
    }
    let j = k - PREFIX_LEN;
    if j < body_len {
        return ((*body)[j >> 2u] >> (24u - 8u * (j & 3u))) & 0xffu;
    }
    if j == body_len {
        return 0x80u;
    }
    return 0u;
}

fn hash_node(left: array<u32, 8>, right: array<u32, 8>) -> array<u32, 8> {
    var body: array<u32, 16>;
    for (var i = 0u; i < 8u; i++) {
        body[i] = left[i];
        body[i + 8u] = right[i];
    }
    return hash_body(&body, 64u);
}

// The parent of a node hashed alone (odd rule 3).
fn hash_lone(node: array<u32, 8>) -> array<u32, 8> {
    if PREFIX_LEN == 0u && !DOUBLE_HASH {
        return hash_digest(node);
    }
    var body: array<u32, 16>;
    for (var i = 0u; i < 8u; i++) {
        body[i] = node[i];
    }
    return hash_body(&body, 32u);
}

// prefix || body, hashed once or (DOUBLE_HASH) twice; `body_len` is 32 or 64 bytes.
fn hash_body(body: ptr<function, array<u32, 16>>, body_len: u32) -> array<u32, 8> {
    var state = IV;
    if PREFIX_LEN == 0u && body_len == 64u {
        compress(&state, body);
        compress_pad64(&state);
    } else {
        let len = PREFIX_LEN + body_len;
        let blocks = (len + 8u) / 64u + 1u;
        for (var b = 0u; b < blocks; b++) {
            var block: array<u32, 16>;
            for (var i = 0u; i < 16u; i++) {
                let k = 64u * b + 4u * i;
                block[i] = (message_byte(k, body, body_len) << 24u)
                    | (message_byte(k + 1u, body, body_len) << 16u)
                    | (message_byte(k + 2u, body, body_len) << 8u)
                    | message_byte(k + 3u, body, body_len);
            }
            if b + 1u == blocks {
                block[15] = len * 8u;
            }
            compress(&state, &block);
        }
    }
    if DOUBLE_HASH {
        return hash_digest(state);
    }
    return state;
}

fn load_node(index: u32) -> array<u32, 8> {
    var node: array<u32, 8>;
    for (var i = 0u; i < 8u; i++) {
        node[i] = swap_bytes(input[8u * index + i]);
    }
    return node;
}

fn zero_root(height: u32) -> array<u32, 8> {
    var node: array<u32, 8>;
    for (var i = 0u; i < 8u; i++) {
        node[i] = swap_bytes(zero_roots[8u * height + i]);
    }
    return node;
}

fn same(a: array<u32, 8>, b: array<u32, 8>) -> bool {
    var equal = true;
    for (var i = 0u; i < 8u; i++) {
        equal = equal && a[i] == b[i];
    }
    return equal;
}

fn store_level(step: u32, index: u32, node: array<u32, 8>) {
    let at = 8u * (params.level_offsets[step >> 2u][step & 3u] + index);
    for (var i = 0u; i < 8u; i++) {
        output[at + i] = swap_bytes(node[i]);
    }
}

fn parent(left: array<u32, 8>, right: array<u32, 8>, has_right: bool, height: u32) -> array<u32, 8> {
    if has_right {
        if ODD_RULE == 0u && same(left, right) {
            atomicOr(&mutated, 1u);
        }
        return hash_node(left, right);
    }
    if ODD_RULE == 0u {
        return hash_node(left, left);
    }
    if ODD_RULE == 1u {
        return left;
    }
    if ODD_RULE == 3u {
        return hash_lone(left);
    }
    return hash_node(left, zero_root(height));
}

@compute @workgroup_size(256)
fn reduce(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let group = workgroup.y * grid.x + workgroup.x;
    if group >= params.groups {
        return;
    }
    var count = params.count;
    var height = params.height;
    var width = (1u << params.levels) >> 1u;
    let first = group * width + lane;
    if lane < width && 2u * first < count {
        let has_right = 2u * first + 1u < count;
        var right: array<u32, 8>;
        if has_right {
            right = load_node(2u * first + 1u);
        }
        level[lane] = parent(load_node(2u * first), right, has_right, height);
        if STORE_LEVELS {
            store_level(0u, first, level[lane]);
        }
    }
    count = (count + 1u) / 2u;
    height += 1u;
    for (var step = 1u; step < params.levels; step++) {
        workgroupBarrier();
        width >>= 1u;
        let index = group * width + lane;
        let has_node = lane < width && 2u * index < count;
        var node: array<u32, 8>;
        if has_node {
            let has_right = 2u * index + 1u < count;
            node = parent(level[2u * lane], level[2u * lane + 1u], has_right, height);
        }
        workgroupBarrier();
        if has_node {
            level[lane] = node;
            if STORE_LEVELS {
                store_level(step, index, node);
            }
        }
        count = (count + 1u) / 2u;
        height += 1u;
    }
    workgroupBarrier();
    if !STORE_LEVELS && lane == 0u {
        for (var i = 0u; i < 8u; i++) {
            output[8u * group + i] = swap_bytes(level[0][i]);
        }
    }
}
