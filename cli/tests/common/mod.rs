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

/// A vector file's text, or `None` when the run opted out of the vectors.
pub fn read_vector(relative: &str) -> Option<String> {
    let path = vectors_dir()?.join(relative);
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Standard output as the JSON lines the `verify`, `recover` and `merkle verify` commands
/// write.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect()
}

/// `verify` run with `args` on the records of `input` (one per line) exits 1 and gives the
/// `expected` verdicts in order; run with `valid_args` on the valid records alone, it exits 0.
pub fn assert_verdicts(args: &[&str], valid_args: &[&str], input: &str, expected: &[bool]) {
    let out = batchverify(args, input);
    assert_eq!(out.status.code(), Some(1));
    let verdicts: Vec<bool> = json_lines(&out)
        .iter()
        .map(|v| v["valid"].as_bool().expect("valid"))
        .collect();
    assert_eq!(verdicts, expected);
    let valid_only: String = input
        .lines()
        .zip(expected)
        .filter(|(_, &ok)| ok)
        .map(|(line, _)| format!("{line}\n"))
        .collect();
    assert_eq!(batchverify(valid_args, &valid_only).status.code(), Some(0));
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

/// `batchverify bench ARGS` with the shortest timing, which must succeed.
pub fn bench_run(args: &[&str]) -> Output {
    let all: Vec<&str> = [&["bench"][..], args, &["--min-time-ms", "1"]].concat();
    let out = batchverify(&all, "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// [`bench_run`] with `--json`: its output and the records it wrote.
pub fn bench(args: &[&str]) -> (Output, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let out = bench_run(&[args, &["--json", json.to_str().unwrap()]].concat());
    let report = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    (out, report)
}
