//! Runs the built `batchverify` binary, as the CLI tests do.

use std::io::{ErrorKind, Write};
use std::process::{Command, Output, Stdio};

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
