// SHA-256 compression (FIPS 180-4 section 6.2.2), prepended to every kernel in this folder for
// SHA-256 trees and batches (sm3.wgsl offers the same functions for SM3).

const K = array<u32, 64>(
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
);

// The message schedule plus round constants of the padding block that follows any 64-byte
// message: the same for every Merkle node without a prefix, so those nodes skip its schedule.
// A Rust test recomputes it from the portable SHA-256.
const PAD64_WK = array<u32, 64>(
    0xc28a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf374u,
    0x649b69c1u, 0xf0fe4786u, 0x0fe1edc6u, 0x240cf254u, 0x4fe9346fu, 0x6cc984beu, 0x61b9411eu, 0x16f988fau,
    0xf2c65152u, 0xa88e5a6du, 0xb019fc65u, 0xb9d99ec7u, 0x9a1231c3u, 0xe70eeaa0u, 0xfdb1232bu, 0xc7353eb0u,
    0x3069bad5u, 0xcb976d5fu, 0x5a0f118fu, 0xdc1eeefdu, 0x0a35b689u, 0xde0b7a04u, 0x58f4ca9du, 0xe15d5b16u,
    0x007f3e86u, 0x37088980u, 0xa507ea32u, 0x6fab9537u, 0x17406110u, 0x0d8cd6f1u, 0xcdaa3b6du, 0xc0bbbe37u,
    0x83613bdau, 0xdb48a363u, 0x0b02e931u, 0x6fd15ca7u, 0x521afacau, 0x31338431u, 0x6ed41a95u, 0x6d437890u,
    0xc39c91f2u, 0x9eccabbdu, 0xb5c9a0e6u, 0x532fb63cu, 0xd2c741c6u, 0x07237ea3u, 0xa4954b68u, 0x4c191d76u,
);

const IV = array<u32, 8>(
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
);

fn rotr(x: u32, n: u32) -> u32 {
    return (x >> n) | (x << (32u - n));
}

// Every round and schedule step is written out with constant indices: a loop would rely on the
// driver unrolling 64 iterations, and without that the schedule sits in an indexed array in
// memory instead of registers (lavapipe ran 2-3 times slower that way). The working variables
// rotate roles instead of moving: each step writes only `d` and `h`.
fn step(a: u32, b: u32, c: u32, d: ptr<function, u32>, e: u32, f: u32, g: u32, h: ptr<function, u32>, wk: u32) {
    let t1 = *h + (rotr(e, 6u) ^ rotr(e, 11u) ^ rotr(e, 25u)) + ((e & f) ^ (~e & g)) + wk;
    *d += t1;
    *h = t1 + (rotr(a, 2u) ^ rotr(a, 13u) ^ rotr(a, 22u)) + ((a & b) ^ (a & c) ^ (b & c));
}

// Schedule word t from words t-2, t-7, t-15 and t-16 (without constants).
fn expand(w2: u32, w7: u32, w15: u32, w16: u32) -> u32 {
    let s0 = rotr(w15, 7u) ^ rotr(w15, 18u) ^ (w15 >> 3u);
    let s1 = rotr(w2, 17u) ^ rotr(w2, 19u) ^ (w2 >> 10u);
    return s1 + w7 + s0 + w16;
}

// The 64 rounds over schedule `w` plus constants `k`.
fn rounds(state: ptr<function, array<u32, 8>>, w: ptr<function, array<u32, 64>>, k: ptr<function, array<u32, 64>>) {
    var a = (*state)[0];
    var b = (*state)[1];
    var c = (*state)[2];
    var d = (*state)[3];
    var e = (*state)[4];
    var f = (*state)[5];
    var g = (*state)[6];
    var h = (*state)[7];
    step(a, b, c, &d, e, f, g, &h, (*w)[0] + (*k)[0]);
    step(h, a, b, &c, d, e, f, &g, (*w)[1] + (*k)[1]);
    step(g, h, a, &b, c, d, e, &f, (*w)[2] + (*k)[2]);
    step(f, g, h, &a, b, c, d, &e, (*w)[3] + (*k)[3]);
    step(e, f, g, &h, a, b, c, &d, (*w)[4] + (*k)[4]);
    step(d, e, f, &g, h, a, b, &c, (*w)[5] + (*k)[5]);
    step(c, d, e, &f, g, h, a, &b, (*w)[6] + (*k)[6]);
    step(b, c, d, &e, f, g, h, &a, (*w)[7] + (*k)[7]);
    step(a, b, c, &d, e, f, g, &h, (*w)[8] + (*k)[8]);
    step(h, a, b, &c, d, e, f, &g, (*w)[9] + (*k)[9]);
    step(g, h, a, &b, c, d, e, &f, (*w)[10] + (*k)[10]);
    step(f, g, h, &a, b, c, d, &e, (*w)[11] + (*k)[11]);
    step(e, f, g, &h, a, b, c, &d, (*w)[12] + (*k)[12]);
    step(d, e, f, &g, h, a, b, &c, (*w)[13] + (*k)[13]);
    step(c, d, e, &f, g, h, a, &b, (*w)[14] + (*k)[14]);
    step(b, c, d, &e, f, g, h, &a, (*w)[15] + (*k)[15]);
    step(a, b, c, &d, e, f, g, &h, (*w)[16] + (*k)[16]);
    step(h, a, b, &c, d, e, f, &g, (*w)[17] + (*k)[17]);
    step(g, h, a, &b, c, d, e, &f, (*w)[18] + (*k)[18]);
    step(f, g, h, &a, b, c, d, &e, (*w)[19] + (*k)[19]);
    step(e, f, g, &h, a, b, c, &d, (*w)[20] + (*k)[20]);
    step(d, e, f, &g, h, a, b, &c, (*w)[21] + (*k)[21]);
    step(c, d, e, &f, g, h, a, &b, (*w)[22] + (*k)[22]);
    step(b, c, d, &e, f, g, h, &a, (*w)[23] + (*k)[23]);
    step(a, b, c, &d, e, f, g, &h, (*w)[24] + (*k)[24]);
    step(h, a, b, &c, d, e, f, &g, (*w)[25] + (*k)[25]);
    step(g, h, a, &b, c, d, e, &f, (*w)[26] + (*k)[26]);
    step(f, g, h, &a, b, c, d, &e, (*w)[27] + (*k)[27]);
    step(e, f, g, &h, a, b, c, &d, (*w)[28] + (*k)[28]);
    step(d, e, f, &g, h, a, b, &c, (*w)[29] + (*k)[29]);
    step(c, d, e, &f, g, h, a, &b, (*w)[30] + (*k)[30]);
    step(b, c, d, &e, f, g, h, &a, (*w)[31] + (*k)[31]);
    step(a, b, c, &d, e, f, g, &h, (*w)[32] + (*k)[32]);
    step(h, a, b, &c, d, e, f, &g, (*w)[33] + (*k)[33]);
    step(g, h, a, &b, c, d, e, &f, (*w)[34] + (*k)[34]);
    step(f, g, h, &a, b, c, d, &e, (*w)[35] + (*k)[35]);
    step(e, f, g, &h, a, b, c, &d, (*w)[36] + (*k)[36]);
    step(d, e, f, &g, h, a, b, &c, (*w)[37] + (*k)[37]);
    step(c, d, e, &f, g, h, a, &b, (*w)[38] + (*k)[38]);
    step(b, c, d, &e, f, g, h, &a, (*w)[39] + (*k)[39]);
    step(a, b, c, &d, e, f, g, &h, (*w)[40] + (*k)[40]);
    step(h, a, b, &c, d, e, f, &g, (*w)[41] + (*k)[41]);
    step(g, h, a, &b, c, d, e, &f, (*w)[42] + (*k)[42]);
    step(f, g, h, &a, b, c, d, &e, (*w)[43] + (*k)[43]);
    step(e, f, g, &h, a, b, c, &d, (*w)[44] + (*k)[44]);
    step(d, e, f, &g, h, a, b, &c, (*w)[45] + (*k)[45]);
    step(c, d, e, &f, g, h, a, &b, (*w)[46] + (*k)[46]);
    step(b, c, d, &e, f, g, h, &a, (*w)[47] + (*k)[47]);
    step(a, b, c, &d, e, f, g, &h, (*w)[48] + (*k)[48]);
    step(h, a, b, &c, d, e, f, &g, (*w)[49] + (*k)[49]);
    step(g, h, a, &b, c, d, e, &f, (*w)[50] + (*k)[50]);
    step(f, g, h, &a, b, c, d, &e, (*w)[51] + (*k)[51]);
    step(e, f, g, &h, a, b, c, &d, (*w)[52] + (*k)[52]);
    step(d, e, f, &g, h, a, b, &c, (*w)[53] + (*k)[53]);
    step(c, d, e, &f, g, h, a, &b, (*w)[54] + (*k)[54]);
    step(b, c, d, &e, f, g, h, &a, (*w)[55] + (*k)[55]);
    step(a, b, c, &d, e, f, g, &h, (*w)[56] + (*k)[56]);
    step(h, a, b, &c, d, e, f, &g, (*w)[57] + (*k)[57]);
    step(g, h, a, &b, c, d, e, &f, (*w)[58] + (*k)[58]);
    step(f, g, h, &a, b, c, d, &e, (*w)[59] + (*k)[59]);
    step(e, f, g, &h, a, b, c, &d, (*w)[60] + (*k)[60]);
    step(d, e, f, &g, h, a, b, &c, (*w)[61] + (*k)[61]);
    step(c, d, e, &f, g, h, a, &b, (*w)[62] + (*k)[62]);
    step(b, c, d, &e, f, g, h, &a, (*w)[63] + (*k)[63]);
    (*state)[0] += a;
    (*state)[1] += b;
    (*state)[2] += c;
    (*state)[3] += d;
    (*state)[4] += e;
    (*state)[5] += f;
    (*state)[6] += g;
    (*state)[7] += h;
}

fn compress(state: ptr<function, array<u32, 8>>, block: ptr<function, array<u32, 16>>) {
    var w: array<u32, 64>;
    w[0] = (*block)[0];
    w[1] = (*block)[1];
    w[2] = (*block)[2];
    w[3] = (*block)[3];
    w[4] = (*block)[4];
    w[5] = (*block)[5];
    w[6] = (*block)[6];
    w[7] = (*block)[7];
    w[8] = (*block)[8];
    w[9] = (*block)[9];
    w[10] = (*block)[10];
    w[11] = (*block)[11];
    w[12] = (*block)[12];
    w[13] = (*block)[13];
    w[14] = (*block)[14];
    w[15] = (*block)[15];
    w[16] = expand(w[14], w[9], w[1], w[0]);
    w[17] = expand(w[15], w[10], w[2], w[1]);
    w[18] = expand(w[16], w[11], w[3], w[2]);
    w[19] = expand(w[17], w[12], w[4], w[3]);
    w[20] = expand(w[18], w[13], w[5], w[4]);
    w[21] = expand(w[19], w[14], w[6], w[5]);
    w[22] = expand(w[20], w[15], w[7], w[6]);
    w[23] = expand(w[21], w[16], w[8], w[7]);
    w[24] = expand(w[22], w[17], w[9], w[8]);
    w[25] = expand(w[23], w[18], w[10], w[9]);
    w[26] = expand(w[24], w[19], w[11], w[10]);
    w[27] = expand(w[25], w[20], w[12], w[11]);
    w[28] = expand(w[26], w[21], w[13], w[12]);
    w[29] = expand(w[27], w[22], w[14], w[13]);
    w[30] = expand(w[28], w[23], w[15], w[14]);
    w[31] = expand(w[29], w[24], w[16], w[15]);
    w[32] = expand(w[30], w[25], w[17], w[16]);
    w[33] = expand(w[31], w[26], w[18], w[17]);
    w[34] = expand(w[32], w[27], w[19], w[18]);
    w[35] = expand(w[33], w[28], w[20], w[19]);
    w[36] = expand(w[34], w[29], w[21], w[20]);
    w[37] = expand(w[35], w[30], w[22], w[21]);
    w[38] = expand(w[36], w[31], w[23], w[22]);
    w[39] = expand(w[37], w[32], w[24], w[23]);
    w[40] = expand(w[38], w[33], w[25], w[24]);
    w[41] = expand(w[39], w[34], w[26], w[25]);
    w[42] = expand(w[40], w[35], w[27], w[26]);
    w[43] = expand(w[41], w[36], w[28], w[27]);
    w[44] = expand(w[42], w[37], w[29], w[28]);
    w[45] = expand(w[43], w[38], w[30], w[29]);
    w[46] = expand(w[44], w[39], w[31], w[30]);
    w[47] = expand(w[45], w[40], w[32], w[31]);
    w[48] = expand(w[46], w[41], w[33], w[32]);
    w[49] = expand(w[47], w[42], w[34], w[33]);
    w[50] = expand(w[48], w[43], w[35], w[34]);
    w[51] = expand(w[49], w[44], w[36], w[35]);
    w[52] = expand(w[50], w[45], w[37], w[36]);
    w[53] = expand(w[51], w[46], w[38], w[37]);
    w[54] = expand(w[52], w[47], w[39], w[38]);
    w[55] = expand(w[53], w[48], w[40], w[39]);
    w[56] = expand(w[54], w[49], w[41], w[40]);
    w[57] = expand(w[55], w[50], w[42], w[41]);
    w[58] = expand(w[56], w[51], w[43], w[42]);
    w[59] = expand(w[57], w[52], w[44], w[43]);
    w[60] = expand(w[58], w[53], w[45], w[44]);
    w[61] = expand(w[59], w[54], w[46], w[45]);
    w[62] = expand(w[60], w[55], w[47], w[46]);
    w[63] = expand(w[61], w[56], w[48], w[47]);
    var k = K;
    rounds(state, &w, &k);
}

// The second block of a 64-byte message: its schedule plus constants is PAD64_WK.
fn compress_pad64(state: ptr<function, array<u32, 8>>) {
    var wk = PAD64_WK;
    var no_constants: array<u32, 64>;
    rounds(state, &wk, &no_constants);
}

// SHA-256 of a 32-byte digest (the outer hash of SHA256d): one block.
fn hash_digest(digest: array<u32, 8>) -> array<u32, 8> {
    var block: array<u32, 16>;
    for (var i = 0u; i < 8u; i++) {
        block[i] = digest[i];
    }
    block[8] = 0x80000000u;
    block[15] = 256u;
    var state = IV;
    compress(&state, &block);
    return state;
}
