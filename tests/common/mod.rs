//! Shared helpers for integration tests: locating the external conformance vectors.
#![allow(dead_code)]

use std::path::PathBuf;

/// The vectors folder: `$BATCHVERIFY_VECTORS`, else `../shared/vectors` beside the repository.
///
/// `None` (with a loud message) when it is missing, so a developer without the vectors can still
/// run the rest; under `CI=true` a missing folder fails the test instead.
pub fn vectors_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("BATCHVERIFY_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"));
    if dir.is_dir() {
        return Some(dir);
    }
    let message = format!(
        "conformance vectors not found at {} (set BATCHVERIFY_VECTORS)",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}");
    }
    eprintln!("SKIPPED: {message}");
    None
}

pub fn read_json(relative: &str) -> Option<serde_json::Value> {
    let path = vectors_dir()?.join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

pub fn read_text(relative: &str) -> Option<String> {
    let path = vectors_dir()?.join(relative);
    Some(
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
    )
}

pub fn unhex(field: &serde_json::Value) -> Vec<u8> {
    hex::decode(field.as_str().expect("hex string")).expect("valid hex")
}
