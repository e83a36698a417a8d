//! The two encodings of an (r, s) signature that ECDSA and SM2 share, and a strict parser for
//! each.

/// How a signature is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`, parsed strictly (the rules BIP-66 states
    /// for Bitcoin).
    Der,
    /// r‖s, 32 bytes each, big-endian (IEEE P1363).
    Compact,
}

impl core::str::FromStr for Encoding {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "der" => Ok(Encoding::Der),
            "compact" => Ok(Encoding::Compact),
            other => Err(format!(
                "unknown signature encoding {other:?} (expected der or compact)"
            )),
        }
    }
}

impl core::fmt::Display for Encoding {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Encoding::Der => "der",
            Encoding::Compact => "compact",
        })
    }
}

/// (r, s) as 32-byte big-endian integers, or `None` when the encoding is broken. DER values
/// wider than 32 bytes are at least 2^256, above n, and come back as `None` too.
pub(crate) fn parse_signature(
    encoding: Encoding,
    signature: &[u8],
) -> Option<([u8; 32], [u8; 32])> {
    match encoding {
        Encoding::Compact => {
            let signature: &[u8; 64] = signature.try_into().ok()?;
            Some((
                signature[..32].try_into().ok()?,
                signature[32..].try_into().ok()?,
            ))
        }
        Encoding::Der => parse_der(signature),
    }
}

/// BIP-66's `IsValidSignatureEncoding`, for a signature without Bitcoin's trailing sighash
/// byte: `30 len 02 lenR R 02 lenS S`, no trailing bytes, lengths in one byte, integers
/// positive and minimally encoded.
fn parse_der(signature: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let len = signature.len();
    if !(8..=72).contains(&len) || signature[0] != 0x30 || usize::from(signature[1]) != len - 2 {
        return None;
    }
    let r_len = usize::from(signature[3]);
    if signature[2] != 0x02 || r_len == 0 || 5 + r_len >= len {
        return None;
    }
    let s_len = usize::from(signature[5 + r_len]);
    if signature[4 + r_len] != 0x02 || s_len == 0 || r_len + s_len + 6 != len {
        return None;
    }
    let r = der_integer(&signature[4..4 + r_len])?;
    let s = der_integer(&signature[6 + r_len..])?;
    Some((r, s))
}

/// A positive, minimally encoded DER integer body that fits in 32 bytes.
fn der_integer(body: &[u8]) -> Option<[u8; 32]> {
    let negative = body[0] & 0x80 != 0;
    let padded = body.len() > 1 && body[0] == 0 && body[1] & 0x80 == 0;
    if negative || padded {
        return None;
    }
    let digits = if body[0] == 0 { &body[1..] } else { body };
    let mut value = [0u8; 32];
    value
        .get_mut(32usize.checked_sub(digits.len())?..)?
        .copy_from_slice(digits);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(r: &[u8], s: &[u8]) -> Vec<u8> {
        let mut out = vec![0x30, (4 + r.len() + s.len()) as u8, 0x02, r.len() as u8];
        out.extend_from_slice(r);
        out.extend_from_slice(&[0x02, s.len() as u8]);
        out.extend_from_slice(s);
        out
    }

    #[test]
    fn der_follows_bip66() {
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(parse_der(&der(&[1], &[1])), Some((one, one)));
        let mut high = [0u8; 32];
        high[31] = 0x80;
        assert_eq!(parse_der(&der(&[0, 0x80], &[1])), Some((high, one)));
        assert_eq!(parse_der(&der(&[0x80], &[1])), None, "negative r");
        assert_eq!(parse_der(&der(&[0, 1], &[1])), None, "padded r");
        assert_eq!(parse_der(&der(&[1], &[0, 0x7f])), None, "padded s");
        assert_eq!(parse_der(&der(&[], &[1])), None, "empty r");
        let mut trailing = der(&[1], &[1]);
        trailing.push(0);
        assert_eq!(parse_der(&trailing), None, "trailing byte");
        let mut wrong_total = der(&[1], &[1]);
        wrong_total[1] += 1;
        assert_eq!(parse_der(&wrong_total), None, "sequence length");
        let wide = [[0u8].as_slice(), &[0xff; 33]].concat();
        assert_eq!(parse_der(&der(&wide, &[1])), None, "wider than 32 bytes");
        assert_eq!(parse_der(&[]), None);
        assert_eq!(parse_der(&[0x30]), None);
        let long = der(&[[0u8].as_slice(), &[0x80; 32]].concat(), &[0x7f; 32]);
        assert_eq!(long.len(), 71);
        assert!(parse_der(&long).is_some());
    }

    #[test]
    fn every_prefix_of_a_signature_is_rejected_without_panic() {
        let full = der(&[[0u8].as_slice(), &[0x80; 32]].concat(), &[0x11; 32]);
        for cut in 0..full.len() {
            assert_eq!(parse_der(&full[..cut]), None, "prefix of {cut} bytes");
        }
    }
}
