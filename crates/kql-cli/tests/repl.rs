//! The interactive session end to end: the real `kql` binary in a pseudo-terminal, driven
//! like a user would (typing, Tab, Up, Ctrl-C).
//!
//! Each session gets a clean environment (`TERM=xterm-256color`, a 160×50 window, `HOME`
//! and `KQL_HISTORY` in a scratch directory), so nothing depends on the user's setup. ANSI
//! codes are stripped from the output before matching. Every wait has a generous timeout
//! (a slow, loaded machine must not fail these tests), and typing waits for the prompt.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};

/// How long any one expectation may take.
const TIMEOUT_MS: u64 = 30_000;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("kql-repl-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Starts `kql ARGS` in a pseudo-terminal, in the repository, with its history in `dir`.
fn spawn(dir: &Path, args: &[&str]) -> PtySession {
    let mut command = Command::new("/bin/sh");
    // the window size is set from inside the terminal, before kql starts
    command
        .arg("-c")
        .arg("stty cols 160 rows 50 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(repo())
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", dir)
        .env("TERM", "xterm-256color")
        .env("LANG", "C.UTF-8")
        .env("KQL_HISTORY", dir.join("history"));
    let options = Options::new()
        .timeout_ms(Some(TIMEOUT_MS))
        .strip_ansi_escape_codes(true);
    let mut p = spawn_with_options(command, options).expect("kql starts in a pty");
    p.exp_string("Ctrl-D to quit").expect("the banner");
    prompt(&mut p);
    p
}

fn start(name: &str) -> (PtySession, PathBuf) {
    let dir = scratch(name);
    let p = spawn(
        &dir,
        &["--data", "testdata", "--now", "2026-11-25T12:00:00Z"],
    );
    (p, dir)
}

#[track_caller]
fn prompt(p: &mut PtySession) {
    p.exp_string("kql> ").expect("the prompt");
}

#[track_caller]
fn more(p: &mut PtySession) {
    p.exp_string("...> ").expect("the continuation prompt");
}

/// Types `line` and Enter.
#[track_caller]
fn enter(p: &mut PtySession, line: &str) {
    p.send(line).expect("typing");
    p.send("\r").expect("Enter");
    p.flush().expect("flush");
}

/// Waits for `text`; returns what came before it.
#[track_caller]
fn expect(p: &mut PtySession, text: &str) -> String {
    match p.exp_string(&as_read(text)) {
        Ok(before) => from_read(&before),
        Err(e) => panic!("waiting for {text:?}: {e}"),
    }
}

/// `text` as rexpect reads it: one char per byte of its UTF-8.
fn as_read(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// What rexpect read, decoded as UTF-8 (box drawing, `×`, `…`).
fn from_read(read: &str) -> String {
    let bytes: Vec<u8> = read.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn a_query_over_two_lines_with_a_completed_column() {
    let (mut p, _dir) = start("two-lines");
    enter(&mut p, "DeviceProcessEvents");
    more(&mut p);
    // Tab completes the column of the table flowing into `project`
    p.send("| where FileName =~ \"net.exe\" | project ProcessCo\t")
        .unwrap();
    p.flush().unwrap();
    expect(&mut p, "ProcessCommandLine");
    enter(&mut p, " | take 3");
    more(&mut p);
    // an empty line runs it
    enter(&mut p, "");
    let before = expect(&mut p, "3 rows");
    assert!(
        before.contains("DeviceProcessEvents: 44 rows × ")
            && before.contains(" columns loaded in "),
        "{before}"
    );
    assert!(before.contains("│ ProcessCommandLine"), "{before}");
    assert!(
        before.contains("net user alice.svc Summer2026! /ad"),
        "{before}"
    );
    prompt(&mut p);
    enter(&mut p, ".quit");
    p.exp_eof().expect("kql ends");
}

#[test]
fn the_create_account_query_typed_recalled_edited_and_run_again() {
    let (mut p, dir) = start("create-account");
    let lines = [
        "DeviceProcessEvents",
        "// the seed query, typed line by line",
        "| where FileName in~ (\"net.exe\", \"net1.exe\") and Timestamp > ago(3d)",
    ];
    for line in lines {
        enter(&mut p, line);
        more(&mut p);
    }
    p.send("| parse kind=regex flags=iU ProcessCo\t").unwrap();
    p.flush().unwrap();
    expect(&mut p, "ProcessCommandLine");
    enter(&mut p, " with * \"user \" CreatedUser \" \" * \"/ad\"");
    more(&mut p);
    let rest = [
        "| where isnotempty(CreatedUser)",
        "| where not (FileName =~ \"net1.exe\" and InitiatingProcessFileName =~ \"net.exe\" and replace(\"net\", \"net1\", InitiatingProcessCommandLine) =~ ProcessCommandLine)",
        "| extend CreatedOnLocalMachine=(ProcessCommandLine !contains \"/do\")",
        "| where ProcessCommandLine !contains \"/add\" or (CreatedOnLocalMachine == 0 and ProcessCommandLine !contains \"/domain\")",
        "| summarize MachineCount=dcount(DeviceName) by CreatedUser, CreatedOnLocalMachine, InitiatingProcessFileName, FileName, ProcessCommandLine, InitiatingProcessCommandLine",
    ];
    for line in rest {
        enter(&mut p, line);
        more(&mut p);
    }
    enter(&mut p, "");
    let result = expect(&mut p, "18 rows");
    for user in ["alice.svc", "frank.m", "Mallory", "svc_backup"] {
        assert!(
            result.contains(&format!("│ {user} ")),
            "{user} in\n{result}"
        );
    }
    prompt(&mut p);

    // Up brings the whole query back; an edit at its end, and Enter runs it at once
    p.send("\x1b[A").unwrap();
    p.flush().unwrap();
    expect(&mut p, "ProcessCommandLine, InitiatingProcessCommandLine");
    enter(&mut p, " | where CreatedUser startswith \"alice\"");
    let result = expect(&mut p, "2 rows");
    assert!(result.contains("│ alice.svc "), "{result}");
    assert!(!result.contains("│ frank.m "), "{result}");
    prompt(&mut p);
    enter(&mut p, ".quit");
    p.exp_eof().unwrap();

    // both queries are in the history file, each as one entry
    let history = std::fs::read_to_string(dir.join("history")).unwrap();
    let entries: Vec<&str> = history.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(entries.len(), 2, "{history}");
    assert!(
        entries[0].starts_with("DeviceProcessEvents\\n// the seed query"),
        "{history}"
    );
    assert!(
        entries[1].ends_with("| where CreatedUser startswith \"alice\""),
        "{history}"
    );
}

#[test]
fn a_let_is_kept_completed_and_used_by_the_next_query() {
    let (mut p, _dir) = start("lets");
    enter(
        &mut p,
        "let Suspicious = dynamic([\"net.exe\", \"net1.exe\"]);",
    );
    expect(&mut p, "defined Suspicious");
    prompt(&mut p);
    p.send("DeviceProcessEvents | where FileName in~ (Susp\t")
        .unwrap();
    p.flush().unwrap();
    expect(&mut p, "Suspicious");
    enter(&mut p, ") | count");
    let result = expect(&mut p, "1 row");
    assert!(result.contains("│    40 │"), "{result}");
    prompt(&mut p);
    enter(&mut p, ".quit");
    p.exp_eof().unwrap();
}

#[test]
fn history_survives_a_restart() {
    let dir = scratch("history");
    let mut p = spawn(&dir, &[]);
    enter(&mut p, "print answer = 41 + 1");
    expect(&mut p, "1 row");
    prompt(&mut p);
    p.send_control('d').unwrap();
    p.exp_eof().expect("Ctrl-D quits");

    let mut p = spawn(&dir, &[]);
    p.send("\x1b[A").unwrap();
    p.flush().unwrap();
    expect(&mut p, "print answer = 41 + 1");
    enter(&mut p, "");
    let result = expect(&mut p, "1 row");
    assert!(result.contains("│     42 │"), "{result}");
    prompt(&mut p);
    enter(&mut p, ".quit");
    p.exp_eof().unwrap();
}

#[test]
fn ctrl_c_cancels_a_long_query_and_the_session_goes_on() {
    let (mut p, _dir) = start("ctrl-c");
    // billions of rows: it runs until cancelled
    enter(
        &mut p,
        "range x from 1 to 100000000000 step 1 | summarize count()",
    );
    // give the query time to start, then Ctrl-C (again, should the first arrive before the
    // terminal left raw mode: at the prompt it only clears the line)
    let mut cancelled = false;
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(700));
        p.send_control('c').unwrap();
        if p.exp_string("cancelled").is_ok() {
            cancelled = true;
            break;
        }
    }
    assert!(cancelled, "Ctrl-C did not cancel the query");
    prompt(&mut p);
    enter(&mut p, "print x = 6 * 7");
    let result = expect(&mut p, "1 row");
    assert!(result.contains("│ 42 │"), "{result}");
    prompt(&mut p);
    // Ctrl-C at the prompt clears the line and keeps the session
    p.send("print 'never run'").unwrap();
    p.send_control('c').unwrap();
    prompt(&mut p);
    enter(&mut p, "print y = 1");
    let result = expect(&mut p, "1 row");
    assert!(!result.contains("never run │"), "{result}");
    enter(&mut p, ".quit");
    p.exp_eof().unwrap();
}

#[test]
fn errors_point_at_the_query_and_the_session_goes_on() {
    let (mut p, _dir) = start("errors");
    enter(&mut p, "DeviceProcessEvents | where FileNme =~ \"net.exe\"");
    let error = expect(&mut p, "did you mean `FileName`?");
    assert!(error.contains("unknown column `FileNme`"), "{error}");
    assert!(
        error.contains("1 │ DeviceProcessEvents | where FileNme"),
        "{error}"
    );
    prompt(&mut p);
    enter(&mut p, ".bogus");
    expect(&mut p, "unknown command `.bogus`");
    prompt(&mut p);
    // the query did not bind: the table was not read into memory
    enter(&mut p, ".tables");
    let tables = expect(&mut p, "not loaded yet");
    assert!(tables.contains("│ DeviceProcessEvents"), "{tables}");
    enter(&mut p, ".quit");
    p.exp_eof().unwrap();
}
