//! Shared helpers for integration tests: the external conformance vectors, the independent
//! oracles, the GPU context.
#![allow(dead_code)]

pub mod oracles;
pub mod signed;
mod vectors;

use std::path::PathBuf;

/// The vectors folder (see [`vectors::locate`]): `None` only when the run opted out of them.
pub fn vectors_dir() -> Option<PathBuf> {
    vectors::locate(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"))
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

/// A hex string field, with or without a `0x` prefix (the Ethereum vectors use one).
pub fn unhex(field: &serde_json::Value) -> Vec<u8> {
    let text = field.as_str().expect("hex string");
    hex::decode(text.strip_prefix("0x").unwrap_or(text)).expect("valid hex")
}

/// The RFC 6962 reference tree's JSON and its raw leaf inputs.
pub fn rfc6962_reference_tree() -> Option<(serde_json::Value, Vec<Vec<u8>>)> {
    let reference = read_json("ct-rfc6962/reference_tree_8_leaves.json")?;
    let data = reference["leaf_inputs_hex"]
        .as_array()
        .expect("leaf_inputs_hex")
        .iter()
        .map(unhex)
        .collect();
    Some((reference, data))
}

/// txids of a block, in internal byte order (the files list them as RPC shows them, reversed).
pub fn block_txids(file: &str) -> Option<Vec<[u8; 32]>> {
    let text = read_text(&format!("bitcoin-blocks/{file}"))?;
    Some(
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let mut txid: [u8; 32] = hex::decode(line.trim())
                    .expect("hex txid")
                    .try_into()
                    .expect("32-byte txid");
                txid.reverse();
                txid
            })
            .collect(),
    )
}

/// The shared GPU context, or `None` (skipping loudly) without an adapter, unless
/// `BATCHVERIFY_REQUIRE_GPU=1` (CI), where no adapter fails the test.
#[cfg(feature = "gpu")]
pub fn gpu_or_skip() -> Option<std::sync::Arc<batchverify::gpu::GpuContext>> {
    match batchverify::gpu::shared() {
        Ok(context) => {
            eprintln!("GPU tests run on {:?}", context.adapter());
            Some(context)
        }
        Err(error) => {
            if std::env::var("BATCHVERIFY_REQUIRE_GPU").is_ok_and(|v| v == "1") {
                panic!("BATCHVERIFY_REQUIRE_GPU=1 but no GPU: {error}");
            }
            eprintln!(
                "SKIPPED: no GPU adapter ({error}); install mesa-vulkan-drivers for lavapipe"
            );
            None
        }
    }
}
