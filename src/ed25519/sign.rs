//! Ed25519 signing (RFC 8032), delegated to ed25519-dalek: batchverify verifies, and signs only
//! so that the Python module and tools can make keys and fixtures without a second library.

use crate::{Error, Field};

/// An Ed25519 signing key, held as its RFC 8032 32-byte seed. It is wiped when dropped (by
/// ed25519-dalek's own `Drop`), and has no `PartialEq` (a comparison that is not constant-time
/// leaks).
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

/// ed25519-dalek's key zeroizes itself on drop (its `zeroize` feature is on), and it is all this
/// holds.
impl zeroize::ZeroizeOnDrop for SigningKey {}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// The key whose RFC 8032 seed (the "secret key" of PyNaCl, `cryptography` and
    /// `sign.input`'s first half) is `seed`.
    pub fn from_seed(seed: &[u8]) -> Result<SigningKey, Error> {
        let seed: &[u8; 32] = seed.try_into().map_err(|_| Error::Malformed {
            index: 0,
            field: Field::SecretKey,
            expected_len: 32,
            actual_len: seed.len(),
        })?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(seed)))
    }

    /// The 32-byte seed.
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The 32-byte compressed public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// The deterministic 64-byte signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        ed25519_dalek::Signer::sign(&self.0, message).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc8032_test_2() {
        let key = SigningKey::from_seed(&unhex(
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        ))
        .unwrap();
        assert_eq!(
            key.public_key().to_vec(),
            unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
        );
        let signature = key.sign(&[0x72]);
        assert_eq!(
            signature.to_vec(),
            unhex(concat!(
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da",
                "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
            ))
        );
        assert_eq!(
            crate::ed25519::verify(
                crate::ed25519::Policy::Strict,
                &key.public_key(),
                &[0x72],
                &signature
            ),
            Ok(())
        );
    }

    #[test]
    fn a_seed_of_the_wrong_length_names_the_field() {
        assert_eq!(
            SigningKey::from_seed(&[1; 31]).unwrap_err(),
            Error::Malformed {
                index: 0,
                field: Field::SecretKey,
                expected_len: 32,
                actual_len: 31
            }
        );
    }
}
