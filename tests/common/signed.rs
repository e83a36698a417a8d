//! A signed item with a 32-byte key and a 64-byte signature (Ed25519, BIP-340), and the random
//! corruptions the property tests apply to it.

use proptest::prelude::*;

#[derive(Clone, Debug)]
pub struct Item {
    pub public_key: [u8; 32],
    pub message: Vec<u8>,
    pub signature: [u8; 64],
}

/// Which byte of which field to flip, and with what mask.
#[derive(Clone, Copy, Debug)]
pub enum Corruption {
    Key(usize, u8),
    Message(usize, u8),
    Signature(usize, u8),
}

pub fn corruption() -> impl Strategy<Value = Corruption> {
    let mask = 1u8..=255;
    prop_oneof![
        (0usize..32, mask.clone()).prop_map(|(i, m)| Corruption::Key(i, m)),
        (0usize..4096, mask.clone()).prop_map(|(i, m)| Corruption::Message(i, m)),
        (0usize..64, mask).prop_map(|(i, m)| Corruption::Signature(i, m)),
    ]
}

/// Applies `how`; an empty message gains the mask as its one byte.
pub fn corrupt(item: &mut Item, how: Corruption) {
    match how {
        Corruption::Key(i, m) => item.public_key[i] ^= m,
        Corruption::Signature(i, m) => item.signature[i] ^= m,
        Corruption::Message(i, m) => {
            if item.message.is_empty() {
                item.message.push(m);
            } else {
                let at = i % item.message.len();
                item.message[at] ^= m;
            }
        }
    }
}
