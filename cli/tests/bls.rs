//! `batchverify verify bls`: verdicts per record in order, both variants, exit statuses.

mod common;

use batchverify::bls::{Scheme, SecretKey, Variant, Verifier};
use common::batchverify;

fn record(bls: &Verifier, seed: u8, message: &[u8]) -> String {
    let secret = SecretKey::key_gen(&[seed; 32]).unwrap();
    serde_json::json!({
        "public_key": hex::encode(bls.public_key(&secret)),
        "message": hex::encode(message),
        "signature": hex::encode(bls.sign(&secret, message)),
    })
    .to_string()
}

fn verdicts(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn both_variants_verify_records_in_order() {
    for (variant, name) in [(Variant::MinPk, "min_pk"), (Variant::MinSig, "min_sig")] {
        let bls = Verifier::new(variant, Scheme::ProofOfPossession);
        let good = [
            record(&bls, 1, b"a"),
            record(&bls, 2, b"a"),
            record(&bls, 3, b"b"),
        ];
        let input = format!("{}\n{}\n{}\n", good[0], good[1], good[2]);
        let out = batchverify(&["verify", "bls", "--variant", name], &input);
        assert_eq!(out.status.code(), Some(0), "{name}");
        assert_eq!(verdicts(&out.stdout).len(), 3);

        let forged = record(&bls, 4, b"c").replace(&hex::encode(b"c"), &hex::encode(b"d"));
        let short = record(&bls, 5, b"e").replace("\"public_key\":\"", "\"public_key\":\"00");
        let input = format!("{}\n{forged}\n{short}\n{}\n", good[0], good[2]);
        let out = batchverify(&["verify", "bls", "--variant", name], &input);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let lines = verdicts(&out.stdout);
        let valid: Vec<bool> = lines
            .iter()
            .map(|l| l["valid"].as_bool().unwrap())
            .collect();
        assert_eq!(valid, [true, false, false, true], "{name}");
        let error = lines[2]["error"].as_str().unwrap();
        assert!(error.starts_with("public_key: expected"), "{error}");
    }
}

#[test]
fn scheme_must_match_the_signatures() {
    let pop = Verifier::new(Variant::MinPk, Scheme::ProofOfPossession);
    let input = format!("{}\n", record(&pop, 1, b"a"));
    let basic = batchverify(&["verify", "bls", "--scheme", "basic"], &input);
    assert_eq!(
        basic.status.code(),
        Some(1),
        "a different tag, a different signature"
    );
    let unknown = batchverify(&["verify", "bls", "--variant", "min_both"], &input);
    assert_eq!(unknown.status.code(), Some(2));
}
