// SM3 compression (GB/T 32905-2016 section 5.3), prepended instead of sha256.wgsl to every
// kernel in this folder for SM3 trees and batches: the same interface (IV, compress,
// compress_pad64, hash_digest), so the kernels hash either. Words are big-endian, as in SHA-256.

const IV = array<u32, 8>(
    0x7380166fu, 0x4914b2b9u, 0x172442d7u, 0xda8a0600u,
    0xa96f30bcu, 0x163138aau, 0xe38dee4du, 0xb0fb0e4eu,
);

// T_j <<< (j mod 32): the constant each round adds, rotated here once.
const T_ROTATED = array<u32, 64>(
    0x79cc4519u, 0xf3988a32u, 0xe7311465u, 0xce6228cbu, 0x9cc45197u, 0x3988a32fu, 0x7311465eu, 0xe6228cbcu,
    0xcc451979u, 0x988a32f3u, 0x311465e7u, 0x6228cbceu, 0xc451979cu, 0x88a32f39u, 0x11465e73u, 0x228cbce6u,
    0x9d8a7a87u, 0x3b14f50fu, 0x7629ea1eu, 0xec53d43cu, 0xd8a7a879u, 0xb14f50f3u, 0x629ea1e7u, 0xc53d43ceu,
    0x8a7a879du, 0x14f50f3bu, 0x29ea1e76u, 0x53d43cecu, 0xa7a879d8u, 0x4f50f3b1u, 0x9ea1e762u, 0x3d43cec5u,
    0x7a879d8au, 0xf50f3b14u, 0xea1e7629u, 0xd43cec53u, 0xa879d8a7u, 0x50f3b14fu, 0xa1e7629eu, 0x43cec53du,
    0x879d8a7au, 0x0f3b14f5u, 0x1e7629eau, 0x3cec53d4u, 0x79d8a7a8u, 0xf3b14f50u, 0xe7629ea1u, 0xcec53d43u,
    0x9d8a7a87u, 0x3b14f50fu, 0x7629ea1eu, 0xec53d43cu, 0xd8a7a879u, 0xb14f50f3u, 0x629ea1e7u, 0xc53d43ceu,
    0x8a7a879du, 0x14f50f3bu, 0x29ea1e76u, 0x53d43cecu, 0xa7a879d8u, 0x4f50f3b1u, 0x9ea1e762u, 0x3d43cec5u,
);

// The expanded padding block that follows any 64-byte message (W_0..W_67): the same for
// every Merkle node without a prefix. A Rust test recomputes it from the portable SM3.
const PAD64_W = array<u32, 68>(
    0x80000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u,
    0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000200u,
    0x80404000u, 0x00000000u, 0x01008080u, 0x10005000u, 0x00000000u, 0x002002a0u, 0xac545c04u, 0x00000000u,
    0x09582a39u, 0xa0003000u, 0x00000000u, 0x00200280u, 0xa4515804u, 0x20200040u, 0x51609838u, 0x30005701u,
    0xa0002000u, 0x008200aau, 0x6ad525d0u, 0x0a0e0216u, 0xb0f52042u, 0xfa7073b0u, 0x20000000u, 0x008200a8u,
    0x7a542590u, 0x22a20044u, 0xd5d6ebd2u, 0x82005771u, 0x8a202240u, 0xb42826aau, 0xeaf84e59u, 0x4898eaf9u,
    0x8207283du, 0xee6775fau, 0xa3e0e0a0u, 0x8828488au, 0x23b45a5du, 0x628a22c4u, 0x8d6d0615u, 0x38300a7eu,
    0xe96260e5u, 0x2b60c020u, 0x502ed531u, 0x9e878cb9u, 0x218c38f8u, 0xdcae3cb7u, 0x2a3e0e0au, 0xe9e0c461u,
    0x8c3e3831u, 0x44aaa228u, 0xdc60a38bu, 0x518300f7u,
);

fn rotl(x: u32, n: u32) -> u32 {
    return (x << n) | (x >> (32u - n));
}

fn p0(x: u32) -> u32 {
    return x ^ rotl(x, 9u) ^ rotl(x, 17u);
}

fn p1(x: u32) -> u32 {
    return x ^ rotl(x, 15u) ^ rotl(x, 23u);
}

// Rounds are written out with constant indices, as in sha256.wgsl, so the expanded message stays
// in registers. The working variables rotate roles instead of moving: a round writes B and F
// (rotated in place), D (which becomes the next A) and H (the next E).
fn round_low(a: u32, b: ptr<function, u32>, c: u32, d: ptr<function, u32>, e: u32, f: ptr<function, u32>, g: u32, h: ptr<function, u32>, t: u32, w: u32, w4: u32) {
    let a12 = rotl(a, 12u);
    let ss1 = rotl(a12 + e + t, 7u);
    let tt1 = (a ^ *b ^ c) + *d + (ss1 ^ a12) + (w ^ w4);
    let tt2 = (e ^ *f ^ g) + *h + ss1 + w;
    *b = rotl(*b, 9u);
    *f = rotl(*f, 19u);
    *d = tt1;
    *h = p0(tt2);
}

fn round_high(a: u32, b: ptr<function, u32>, c: u32, d: ptr<function, u32>, e: u32, f: ptr<function, u32>, g: u32, h: ptr<function, u32>, t: u32, w: u32, w4: u32) {
    let a12 = rotl(a, 12u);
    let ss1 = rotl(a12 + e + t, 7u);
    let tt1 = ((a & *b) | (a & c) | (*b & c)) + *d + (ss1 ^ a12) + (w ^ w4);
    let tt2 = ((e & *f) | (~e & g)) + *h + ss1 + w;
    *b = rotl(*b, 9u);
    *f = rotl(*f, 19u);
    *d = tt1;
    *h = p0(tt2);
}

// The 64 rounds over the expanded message `w`; the new state is the old one XOR the result.
fn rounds(state: ptr<function, array<u32, 8>>, w: ptr<function, array<u32, 68>>) {
    var a = (*state)[0];
    var b = (*state)[1];
    var c = (*state)[2];
    var d = (*state)[3];
    var e = (*state)[4];
    var f = (*state)[5];
    var g = (*state)[6];
    var h = (*state)[7];
    round_low(a, &b, c, &d, e, &f, g, &h, T_ROTATED[0], (*w)[0], (*w)[4]);
    round_low(d, &a, b, &c, h, &e, f, &g, T_ROTATED[1], (*w)[1], (*w)[5]);
    round_low(c, &d, a, &b, g, &h, e, &f, T_ROTATED[2], (*w)[2], (*w)[6]);
    round_low(b, &c, d, &a, f, &g, h, &e, T_ROTATED[3], (*w)[3], (*w)[7]);
    round_low(a, &b, c, &d, e, &f, g, &h, T_ROTATED[4], (*w)[4], (*w)[8]);
    round_low(d, &a, b, &c, h, &e, f, &g, T_ROTATED[5], (*w)[5], (*w)[9]);
    round_low(c, &d, a, &b, g, &h, e, &f, T_ROTATED[6], (*w)[6], (*w)[10]);
    round_low(b, &c, d, &a, f, &g, h, &e, T_ROTATED[7], (*w)[7], (*w)[11]);
    round_low(a, &b, c, &d, e, &f, g, &h, T_ROTATED[8], (*w)[8], (*w)[12]);
    round_low(d, &a, b, &c, h, &e, f, &g, T_ROTATED[9], (*w)[9], (*w)[13]);
    round_low(c, &d, a, &b, g, &h, e, &f, T_ROTATED[10], (*w)[10], (*w)[14]);
    round_low(b, &c, d, &a, f, &g, h, &e, T_ROTATED[11], (*w)[11], (*w)[15]);
    round_low(a, &b, c, &d, e, &f, g, &h, T_ROTATED[12], (*w)[12], (*w)[16]);
    round_low(d, &a, b, &c, h, &e, f, &g, T_ROTATED[13], (*w)[13], (*w)[17]);
    round_low(c, &d, a, &b, g, &h, e, &f, T_ROTATED[14], (*w)[14], (*w)[18]);
    round_low(b, &c, d, &a, f, &g, h, &e, T_ROTATED[15], (*w)[15], (*w)[19]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[16], (*w)[16], (*w)[20]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[17], (*w)[17], (*w)[21]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[18], (*w)[18], (*w)[22]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[19], (*w)[19], (*w)[23]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[20], (*w)[20], (*w)[24]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[21], (*w)[21], (*w)[25]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[22], (*w)[22], (*w)[26]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[23], (*w)[23], (*w)[27]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[24], (*w)[24], (*w)[28]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[25], (*w)[25], (*w)[29]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[26], (*w)[26], (*w)[30]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[27], (*w)[27], (*w)[31]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[28], (*w)[28], (*w)[32]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[29], (*w)[29], (*w)[33]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[30], (*w)[30], (*w)[34]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[31], (*w)[31], (*w)[35]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[32], (*w)[32], (*w)[36]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[33], (*w)[33], (*w)[37]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[34], (*w)[34], (*w)[38]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[35], (*w)[35], (*w)[39]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[36], (*w)[36], (*w)[40]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[37], (*w)[37], (*w)[41]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[38], (*w)[38], (*w)[42]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[39], (*w)[39], (*w)[43]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[40], (*w)[40], (*w)[44]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[41], (*w)[41], (*w)[45]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[42], (*w)[42], (*w)[46]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[43], (*w)[43], (*w)[47]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[44], (*w)[44], (*w)[48]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[45], (*w)[45], (*w)[49]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[46], (*w)[46], (*w)[50]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[47], (*w)[47], (*w)[51]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[48], (*w)[48], (*w)[52]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[49], (*w)[49], (*w)[53]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[50], (*w)[50], (*w)[54]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[51], (*w)[51], (*w)[55]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[52], (*w)[52], (*w)[56]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[53], (*w)[53], (*w)[57]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[54], (*w)[54], (*w)[58]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[55], (*w)[55], (*w)[59]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[56], (*w)[56], (*w)[60]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[57], (*w)[57], (*w)[61]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[58], (*w)[58], (*w)[62]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[59], (*w)[59], (*w)[63]);
    round_high(a, &b, c, &d, e, &f, g, &h, T_ROTATED[60], (*w)[60], (*w)[64]);
    round_high(d, &a, b, &c, h, &e, f, &g, T_ROTATED[61], (*w)[61], (*w)[65]);
    round_high(c, &d, a, &b, g, &h, e, &f, T_ROTATED[62], (*w)[62], (*w)[66]);
    round_high(b, &c, d, &a, f, &g, h, &e, T_ROTATED[63], (*w)[63], (*w)[67]);
    (*state)[0] ^= a;
    (*state)[1] ^= b;
    (*state)[2] ^= c;
    (*state)[3] ^= d;
    (*state)[4] ^= e;
    (*state)[5] ^= f;
    (*state)[6] ^= g;
    (*state)[7] ^= h;
}

fn compress(state: ptr<function, array<u32, 8>>, block: ptr<function, array<u32, 16>>) {
    var w: array<u32, 68>;
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
    w[16] = p1(w[0] ^ w[7] ^ rotl(w[13], 15u)) ^ rotl(w[3], 7u) ^ w[10];
    w[17] = p1(w[1] ^ w[8] ^ rotl(w[14], 15u)) ^ rotl(w[4], 7u) ^ w[11];
    w[18] = p1(w[2] ^ w[9] ^ rotl(w[15], 15u)) ^ rotl(w[5], 7u) ^ w[12];
    w[19] = p1(w[3] ^ w[10] ^ rotl(w[16], 15u)) ^ rotl(w[6], 7u) ^ w[13];
    w[20] = p1(w[4] ^ w[11] ^ rotl(w[17], 15u)) ^ rotl(w[7], 7u) ^ w[14];
    w[21] = p1(w[5] ^ w[12] ^ rotl(w[18], 15u)) ^ rotl(w[8], 7u) ^ w[15];
    w[22] = p1(w[6] ^ w[13] ^ rotl(w[19], 15u)) ^ rotl(w[9], 7u) ^ w[16];
    w[23] = p1(w[7] ^ w[14] ^ rotl(w[20], 15u)) ^ rotl(w[10], 7u) ^ w[17];
    w[24] = p1(w[8] ^ w[15] ^ rotl(w[21], 15u)) ^ rotl(w[11], 7u) ^ w[18];
    w[25] = p1(w[9] ^ w[16] ^ rotl(w[22], 15u)) ^ rotl(w[12], 7u) ^ w[19];
    w[26] = p1(w[10] ^ w[17] ^ rotl(w[23], 15u)) ^ rotl(w[13], 7u) ^ w[20];
    w[27] = p1(w[11] ^ w[18] ^ rotl(w[24], 15u)) ^ rotl(w[14], 7u) ^ w[21];
    w[28] = p1(w[12] ^ w[19] ^ rotl(w[25], 15u)) ^ rotl(w[15], 7u) ^ w[22];
    w[29] = p1(w[13] ^ w[20] ^ rotl(w[26], 15u)) ^ rotl(w[16], 7u) ^ w[23];
    w[30] = p1(w[14] ^ w[21] ^ rotl(w[27], 15u)) ^ rotl(w[17], 7u) ^ w[24];
    w[31] = p1(w[15] ^ w[22] ^ rotl(w[28], 15u)) ^ rotl(w[18], 7u) ^ w[25];
    w[32] = p1(w[16] ^ w[23] ^ rotl(w[29], 15u)) ^ rotl(w[19], 7u) ^ w[26];
    w[33] = p1(w[17] ^ w[24] ^ rotl(w[30], 15u)) ^ rotl(w[20], 7u) ^ w[27];
    w[34] = p1(w[18] ^ w[25] ^ rotl(w[31], 15u)) ^ rotl(w[21], 7u) ^ w[28];
    w[35] = p1(w[19] ^ w[26] ^ rotl(w[32], 15u)) ^ rotl(w[22], 7u) ^ w[29];
    w[36] = p1(w[20] ^ w[27] ^ rotl(w[33], 15u)) ^ rotl(w[23], 7u) ^ w[30];
    w[37] = p1(w[21] ^ w[28] ^ rotl(w[34], 15u)) ^ rotl(w[24], 7u) ^ w[31];
    w[38] = p1(w[22] ^ w[29] ^ rotl(w[35], 15u)) ^ rotl(w[25], 7u) ^ w[32];
    w[39] = p1(w[23] ^ w[30] ^ rotl(w[36], 15u)) ^ rotl(w[26], 7u) ^ w[33];
    w[40] = p1(w[24] ^ w[31] ^ rotl(w[37], 15u)) ^ rotl(w[27], 7u) ^ w[34];
    w[41] = p1(w[25] ^ w[32] ^ rotl(w[38], 15u)) ^ rotl(w[28], 7u) ^ w[35];
    w[42] = p1(w[26] ^ w[33] ^ rotl(w[39], 15u)) ^ rotl(w[29], 7u) ^ w[36];
    w[43] = p1(w[27] ^ w[34] ^ rotl(w[40], 15u)) ^ rotl(w[30], 7u) ^ w[37];
    w[44] = p1(w[28] ^ w[35] ^ rotl(w[41], 15u)) ^ rotl(w[31], 7u) ^ w[38];
    w[45] = p1(w[29] ^ w[36] ^ rotl(w[42], 15u)) ^ rotl(w[32], 7u) ^ w[39];
    w[46] = p1(w[30] ^ w[37] ^ rotl(w[43], 15u)) ^ rotl(w[33], 7u) ^ w[40];
    w[47] = p1(w[31] ^ w[38] ^ rotl(w[44], 15u)) ^ rotl(w[34], 7u) ^ w[41];
    w[48] = p1(w[32] ^ w[39] ^ rotl(w[45], 15u)) ^ rotl(w[35], 7u) ^ w[42];
    w[49] = p1(w[33] ^ w[40] ^ rotl(w[46], 15u)) ^ rotl(w[36], 7u) ^ w[43];
    w[50] = p1(w[34] ^ w[41] ^ rotl(w[47], 15u)) ^ rotl(w[37], 7u) ^ w[44];
    w[51] = p1(w[35] ^ w[42] ^ rotl(w[48], 15u)) ^ rotl(w[38], 7u) ^ w[45];
    w[52] = p1(w[36] ^ w[43] ^ rotl(w[49], 15u)) ^ rotl(w[39], 7u) ^ w[46];
    w[53] = p1(w[37] ^ w[44] ^ rotl(w[50], 15u)) ^ rotl(w[40], 7u) ^ w[47];
    w[54] = p1(w[38] ^ w[45] ^ rotl(w[51], 15u)) ^ rotl(w[41], 7u) ^ w[48];
    w[55] = p1(w[39] ^ w[46] ^ rotl(w[52], 15u)) ^ rotl(w[42], 7u) ^ w[49];
    w[56] = p1(w[40] ^ w[47] ^ rotl(w[53], 15u)) ^ rotl(w[43], 7u) ^ w[50];
    w[57] = p1(w[41] ^ w[48] ^ rotl(w[54], 15u)) ^ rotl(w[44], 7u) ^ w[51];
    w[58] = p1(w[42] ^ w[49] ^ rotl(w[55], 15u)) ^ rotl(w[45], 7u) ^ w[52];
    w[59] = p1(w[43] ^ w[50] ^ rotl(w[56], 15u)) ^ rotl(w[46], 7u) ^ w[53];
    w[60] = p1(w[44] ^ w[51] ^ rotl(w[57], 15u)) ^ rotl(w[47], 7u) ^ w[54];
    w[61] = p1(w[45] ^ w[52] ^ rotl(w[58], 15u)) ^ rotl(w[48], 7u) ^ w[55];
    w[62] = p1(w[46] ^ w[53] ^ rotl(w[59], 15u)) ^ rotl(w[49], 7u) ^ w[56];
    w[63] = p1(w[47] ^ w[54] ^ rotl(w[60], 15u)) ^ rotl(w[50], 7u) ^ w[57];
    w[64] = p1(w[48] ^ w[55] ^ rotl(w[61], 15u)) ^ rotl(w[51], 7u) ^ w[58];
    w[65] = p1(w[49] ^ w[56] ^ rotl(w[62], 15u)) ^ rotl(w[52], 7u) ^ w[59];
    w[66] = p1(w[50] ^ w[57] ^ rotl(w[63], 15u)) ^ rotl(w[53], 7u) ^ w[60];
    w[67] = p1(w[51] ^ w[58] ^ rotl(w[64], 15u)) ^ rotl(w[54], 7u) ^ w[61];
    rounds(state, &w);
}

// The second block of a 64-byte message: its expansion is PAD64_W.
fn compress_pad64(state: ptr<function, array<u32, 8>>) {
    var w = PAD64_W;
    rounds(state, &w);
}

// SM3 of a 32-byte digest: one block.
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
