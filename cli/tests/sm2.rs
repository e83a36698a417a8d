//! `verify sm2` on OpenSSL's judged cases (with and without `id`, DER and r‖s), and `merkle`
//! over SM3: the fisco-bcos flavor and `--hash sm3`.

mod common;

use common::{assert_verdicts, batchverify, json_lines as lines, read_vector};

#[test]
fn sm2_verdicts_follow_openssl_with_ids_and_both_encodings() {
    let Some(text) = read_vector("sm2-sm3/sm2_openssl.jsonl") else {
        return;
    };
    let mut input = String::new();
    let mut expected = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let signature = if i % 2 == 0 {
            case["signature_der"].as_str().unwrap().to_string()
        } else {
            format!(
                "{}{}",
                case["r"].as_str().unwrap(),
                case["s"].as_str().unwrap()
            )
        };
        let mut record = serde_json::json!({
            "public_key": case["public_key"],
            "message": case["message"],
            "signature": signature,
        });
        // The default ID may be left out; every other case names its own.
        if case["id"] != "31323334353637383132333435363738" || i % 3 == 0 {
            record["id"] = case["id"].clone();
        }
        input.push_str(&format!("{record}\n"));
        expected.push(case["valid"].as_bool().unwrap());
    }
    assert_verdicts(
        &["verify", "sm2", "--summary"],
        &["verify", "sm2"],
        &input,
        &expected,
    );
    // The valid cases again, every signature r‖s: forced to DER they no longer parse (false
    // verdicts, not errors); forced to compact they verify; DER forced to compact is an error.
    let compact_only: String = text
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|case| case["valid"] == true)
        .map(|case| {
            let record = serde_json::json!({
                "public_key": case["public_key"],
                "id": case["id"],
                "message": case["message"],
                "signature": format!("{}{}", case["r"].as_str().unwrap(), case["s"].as_str().unwrap()),
            });
            format!("{record}\n")
        })
        .collect();
    let as_der = lines(&batchverify(
        &["verify", "sm2", "--encoding", "der"],
        &compact_only,
    ));
    assert_eq!(as_der.len(), 240);
    assert!(as_der
        .iter()
        .all(|v| v["valid"] == false && v.get("error").is_none()));
    let as_compact = batchverify(&["verify", "sm2", "--encoding", "compact"], &compact_only);
    assert_eq!(as_compact.status.code(), Some(0));
    let der_forced_compact = lines(&batchverify(
        &["verify", "sm2", "--encoding", "compact"],
        &input,
    ));
    assert!(der_forced_compact[0]["error"]
        .as_str()
        .unwrap()
        .starts_with("signature: expected 64 bytes, got 7"));
    assert_eq!(
        batchverify(&["verify", "sm2", "--encoding", "ber"], "")
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn sm2_malformed_records_name_their_field() {
    let key = format!("04{}", "11".repeat(64));
    let input = [
        format!(
            r#"{{"public_key": "{}", "message": "", "signature": "00"}}"#,
            "04".repeat(40)
        ),
        format!(
            r#"{{"public_key": "{key}", "message": "", "signature": "00", "id": "{}"}}"#,
            "61".repeat(8192)
        ),
        format!(r#"{{"public_key": "{key}", "message": "", "signature": "00", "id": 5}}"#),
        format!(r#"{{"public_key": "{key}", "message": "", "signature": "00"}}"#),
        // 64 bytes that are also DER: SEQUENCE { INTEGER (29 bytes), INTEGER (29 bytes) }.
        format!(
            r#"{{"public_key": "{key}", "message": "", "signature": "303e021d{}021d{}"}}"#,
            "11".repeat(29),
            "22".repeat(29)
        ),
    ]
    .join("\n");
    let out = batchverify(&["verify", "sm2"], &input);
    assert_eq!(out.status.code(), Some(1));
    let verdicts = lines(&out);
    assert_eq!(verdicts.len(), 5);
    assert_eq!(
        verdicts[4]["error"],
        "signature: 64 bytes that read both as r‖s and as DER; pass --encoding"
    );
    let named = batchverify(&["verify", "sm2", "--encoding", "der"], &input);
    assert!(
        lines(&named)[4].get("error").is_none(),
        "read as DER: a verdict"
    );
    assert_eq!(
        verdicts[0]["error"],
        "public_key: expected 33 or 65 bytes, got 40"
    );
    assert_eq!(verdicts[1]["error"], "id: at most 8191 bytes, got 8192");
    assert_eq!(verdicts[2]["error"], "id: expected a hex string");
    assert_eq!(verdicts[3]["valid"], false);
    assert!(verdicts[3].get("error").is_none(), "not a point: a verdict");
}

#[test]
fn merkle_over_sm3_fisco_bcos_and_rfc6962() {
    // The hand-worked FISCO BCOS root of tests/merkle.rs: leaves SM3("tx0"), SM3("tx1"),
    // SM3("tx2").
    let raw = "747830\n747831\n747832\n";
    let out = batchverify(
        &[
            "merkle",
            "root",
            "--flavor",
            "fisco-bcos",
            "--raw",
            "--backend",
            "cpu",
        ],
        raw,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "3fd4872aed8dccafbec9ae43267790f320b08a803c2d0ad79cf288acafc325ae"
    );
    let sha = batchverify(
        &[
            "merkle",
            "root",
            "--flavor",
            "rfc6962",
            "--raw",
            "--backend",
            "cpu",
        ],
        raw,
    );
    let sm3 = batchverify(
        &[
            "merkle",
            "root",
            "--flavor",
            "rfc6962",
            "--hash",
            "sm3",
            "--raw",
            "--backend",
            "cpu",
        ],
        raw,
    );
    assert_eq!(sm3.status.code(), Some(0));
    assert_ne!(sha.stdout, sm3.stdout);
    let proofs = batchverify(
        &[
            "merkle", "proof", "--flavor", "rfc6962", "--hash", "sm3", "--raw", "--index", "0,2",
        ],
        raw,
    );
    assert_eq!(proofs.status.code(), Some(0));
    let text = String::from_utf8_lossy(&proofs.stdout).to_string();
    assert!(text.contains(r#""flavor":"rfc6962 over sm3""#), "{text}");
    assert_eq!(
        String::from_utf8_lossy(&sm3.stdout).trim(),
        lines(&proofs)[0]["root"].as_str().unwrap()
    );
    let verified = batchverify(&["merkle", "verify"], &text);
    assert_eq!(verified.status.code(), Some(0));
    let mismatch = batchverify(&["merkle", "verify", "--flavor", "rfc6962"], &text);
    assert_eq!(mismatch.status.code(), Some(1));
    let fisco = batchverify(
        &[
            "merkle",
            "proof",
            "--flavor",
            "fisco-bcos",
            "--raw",
            "--index",
            "2",
        ],
        raw,
    );
    let checked = batchverify(
        &["merkle", "verify"],
        &String::from_utf8_lossy(&fisco.stdout),
    );
    assert_eq!(checked.status.code(), Some(0));
}
