//! Runs the built `batchverify` binary, as the CLI tests do.
#![allow(dead_code)]

use std::io::{ErrorKind, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

#[path = "../../../tests/common/vectors.rs"]
mod vectors;

/// The conformance vectors, where the library's tests find them; `None` only when the run
/// opted out of them.
pub fn vectors_dir() -> Option<PathBuf> {
    vectors::locate(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors"))
}

/// `batchverify args…` with `stdin` piped in; its exit status and both outputs.
pub fn batchverify(args: &[&str], stdin: &str) -> Output {
    batchverify_with_env(args, stdin, &[])
}

/// [`batchverify`] with extra environment variables.
pub fn batchverify_with_env(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchverify"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    // A command that rejects its arguments exits before reading its input.
    if let Err(error) = written {
        assert_eq!(error.kind(), ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().unwrap()
}
