//! What the end-to-end tests of the `kql` binary share: a scratch directory per test and a run
//! of `kql` with a deterministic environment (`NO_COLOR=1`, `COLUMNS=100`, no stdin, pipes).

// each test file uses a part of it
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fresh directory for one test, under Cargo's temporary directory for integration tests,
/// named after the test binary too (test binaries run at the same time).
pub fn scratch(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let suite = exe
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("kql-tests");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{suite}-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `kql ARGS` in `dir`, whatever the environment of the test run (`KQL_GEOIP` unset).
pub fn kql_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kql"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("KQL_GEOIP");
    command
}

pub fn kql_in(dir: &Path, args: &[&str]) -> Output {
    kql_command(dir, args)
        .stdin(Stdio::null())
        .output()
        .expect("kql runs")
}

/// Runs `command` with `input` on its standard input.
pub fn with_input(mut command: Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kql starts");
    child
        .stdin
        .take()
        .expect("a pipe")
        .write_all(input.as_bytes())
        .expect("kql reads its input");
    child.wait_with_output().expect("kql runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[track_caller]
pub fn assert_status(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}
