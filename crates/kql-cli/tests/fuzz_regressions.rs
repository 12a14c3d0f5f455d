//! Every input the fuzzers found a crash with (`fuzz/regressions/TARGET/`), run through the
//! same checks as the fuzz target (`fuzz/src/checks.rs`), on stable Rust and without libFuzzer.
//! A new crash is added by copying its artifact into the target's folder.

#[allow(dead_code)]
#[path = "../../../fuzz/src/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                // `.keep` holds an empty folder in git
                .filter(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs `check` on every kept input of `target`, naming the one that fails. Each runs on a
/// thread with a big stack, as `kql run` runs queries (and as the fuzzer's main thread, in a
/// release build, has room for): a debug build's frames are larger.
fn replay(target: &str, check: impl Fn(&[u8]) + Sync) {
    for path in inputs(target) {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(kql_cli::limits::QUERY_STACK_BYTES)
                .spawn_scoped(s, || check(&data))
                .unwrap()
                .join()
        });
        assert!(outcome.is_ok(), "{} fails again", path.display());
    }
    // the readers' scratch files: this target's folder, then the process's if it is empty
    let _ = std::fs::remove_dir_all(checks::scratch_dir().join(target));
    let _ = std::fs::remove_dir(checks::scratch_dir());
}

#[test]
fn parse() {
    replay("parse", checks::parse_input);
}

#[test]
fn engine() {
    replay("engine", |data| {
        let started = std::time::Instant::now();
        checks::engine_input(data);
        // the fuzzer's own timeout is 10 s (release); a debug build is slower
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    });
}

#[test]
fn read_json() {
    replay("read_json", |data| checks::json_input(data, "table.json"));
}

#[test]
fn read_ndjson() {
    replay("read_ndjson", |data| {
        checks::json_input(data, "table.ndjson")
    });
}

#[test]
fn read_csv() {
    replay("read_csv", checks::csv_input);
}

#[test]
fn read_response() {
    replay("read_response", checks::response_input);
}
