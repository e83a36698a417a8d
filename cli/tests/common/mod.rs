//! Runs the built `batchverify` binary, as the CLI tests do.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// `batchverify args…` with `stdin` piped in; its exit status and both outputs.
pub fn batchverify(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchverify"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
