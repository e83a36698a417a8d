//! Where the external conformance vectors are, for the library's and the CLI's tests.

use std::path::PathBuf;

/// The variable that lets a run go on without the vectors: their tests then skip, loudly.
pub const SKIP_VARIABLE: &str = "BATCHVERIFY_SKIP_VECTORS";

/// `$BATCHVERIFY_VECTORS`, else `default` (`../shared/vectors` beside the repository).
///
/// A missing folder fails the test, so that a run without the ground truth cannot pass as if it
/// had checked it; only `BATCHVERIFY_SKIP_VECTORS=1` turns that into `None` (the test skips).
pub fn locate(default: PathBuf) -> Option<PathBuf> {
    let dir = std::env::var_os("BATCHVERIFY_VECTORS")
        .map(PathBuf::from)
        .unwrap_or(default);
    if dir.is_dir() {
        return Some(dir);
    }
    let message = format!(
        "conformance vectors not found at {} (set BATCHVERIFY_VECTORS, or {SKIP_VARIABLE}=1 to \
         run without them)",
        dir.display()
    );
    if std::env::var(SKIP_VARIABLE).is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED: {message}");
        return None;
    }
    panic!("{message}");
}
