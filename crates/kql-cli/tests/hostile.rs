//! Hostile inputs: each gives a clean error (exit status 1, a stable code, no panic, no signal)
//! or a correct result, never a crash. The fixed list of issue 7: truncated JSON, a 1 GB line cut
//! off (`#[ignore]`d: run with `cargo test -p kql-cli --test hostile -- --ignored`; a 100 MB
//! line runs always), a table of 10,000 columns, 100 levels of nested parentheses, a
//! pathological regex and a CSV with a quote never closed; then the limits (`--timeout`,
//! `--max-memory`, `make_set`/`make_list` sizes), encodings and numbers, and what kql may
//! touch (`-o`, externaldata).

mod common;

use std::path::Path;
use std::process::Output;

use common::{kql_in, scratch};
use std::time::{Duration, Instant};

use kql_eval::{RunOptions, Value};

fn run_query(dir: &Path, query: &str) -> Output {
    if query.len() < 100_000 {
        return kql_in(dir, &["run", "-e", query]);
    }
    std::fs::write(dir.join("long-query.kql"), query).unwrap();
    kql_in(dir, &["run", "long-query.kql"])
}

/// `kql run --table T=FILE -e QUERY` in `dir`.
fn run_table(dir: &Path, file: &str, query: &str) -> Output {
    kql_in(dir, &["run", "--table", &format!("T={file}"), "-e", query])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit status 1 with `code` on stderr, and nothing a crash prints; returns stderr.
#[track_caller]
fn assert_clean_error(out: &Output, code: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{}\nstderr:\n{err}",
        text(&out.stdout)
    );
    assert!(err.contains(code), "expected {code}:\n{err}");
    for crash in [
        "panicked",
        "overflowed",
        "RUST_BACKTRACE",
        "fatal runtime error",
    ] {
        assert!(!err.contains(crash), "{err}");
    }
    err
}

/// Exit status 0; returns stdout.
#[track_caller]
fn assert_ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The only scalar of a one-row, one-column result.
fn scalar(query: &str) -> Value {
    let options = RunOptions {
        now: Some(0),
        ..RunOptions::default()
    };
    let tables = kql_eval::run(query, &kql_eval::source::EmptyCatalog, &options)
        .unwrap_or_else(|e| panic!("{query}: {e:?}"));
    tables[0].rows().next().unwrap()[0].clone()
}

// ---------------------------------------------------------------------------------------------
// The fixed list

#[test]
fn truncated_json_is_an_error_naming_the_file_and_line() {
    let dir = scratch("truncated");
    std::fs::write(dir.join("a.json"), "[{\"a\": 1},\n {\"a\": 2").unwrap();
    std::fs::write(dir.join("b.ndjson"), "{\"a\": 1}\n{\"a\": 2").unwrap();
    std::fs::write(
        dir.join("c.json"),
        "{\"tables\": [{\"name\": \"PrimaryResult\"",
    )
    .unwrap();
    let err = assert_clean_error(&run_table(&dir, "a.json", "T"), "kql::data");
    assert!(err.contains("a.json:2:"), "{err}");
    let err = assert_clean_error(&run_table(&dir, "b.ndjson", "T"), "kql::data");
    assert!(err.contains("b.ndjson:2:"), "{err}");
    let err = assert_clean_error(&run_table(&dir, "c.json", "T"), "kql::data");
    assert!(err.contains("c.json:1:"), "{err}");
}

#[test]
fn a_100_mb_line_reads_whole_or_cut_off() {
    let dir = scratch("long-line");
    let cell = "x".repeat(100 << 20);
    std::fs::write(dir.join("whole.ndjson"), format!("{{\"a\": \"{cell}\"}}\n")).unwrap();
    std::fs::write(dir.join("cut.ndjson"), format!("{{\"a\": \"{cell}")).unwrap();
    std::fs::write(dir.join("whole.csv"), format!("a,b\n1,{cell}\n")).unwrap();
    drop(cell);
    let out = assert_ok(&run_table(
        &dir,
        "whole.ndjson",
        "T | project n = strlen(a)",
    ));
    assert!(out.contains("104857600"), "{out}");
    let out = assert_ok(&run_table(&dir, "whole.csv", "T | project n = strlen(b)"));
    assert!(out.contains("104857600"), "{out}");
    let err = assert_clean_error(&run_table(&dir, "cut.ndjson", "T | count"), "kql::data");
    assert!(err.contains("cut.ndjson:1:"), "{err}");
}

/// 1 GiB on one line, cut off: a sparse file (no disk written), so the reader gets NUL bytes
/// after the opening quote. Ignored by default: it reads and holds a gibibyte.
#[test]
#[ignore = "reads 1 GiB; run with --ignored"]
fn a_1_gb_line_cut_off_is_an_error() {
    let dir = scratch("gigabyte-line");
    for name in ["cut.ndjson", "cut.csv"] {
        let path = dir.join(name);
        let start: &[u8] = if name.ends_with("csv") {
            b"a,b\n1,\"x"
        } else {
            b"{\"a\": \"x"
        };
        std::fs::write(&path, start).unwrap();
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.set_len(1 << 30).unwrap();
        let out = run_table(&dir, name, "T | count");
        let err = assert_clean_error(&out, "kql::data");
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn a_table_of_10_000_columns() {
    let dir = scratch("wide");
    let names: Vec<String> = (0..10_000).map(|n| format!("c{n}")).collect();
    let mut csv = names.join(",");
    csv.push('\n');
    for row in 0..3 {
        let cells: Vec<String> = (0..10_000).map(|n| (n * 10 + row).to_string()).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    std::fs::write(dir.join("wide.csv"), &csv).unwrap();
    let object: Vec<String> = (0..10_000).map(|n| format!("\"c{n}\": {n}")).collect();
    let line = format!("{{{}}}\n", object.join(", "));
    std::fs::write(dir.join("wide.ndjson"), line.repeat(3)).unwrap();
    for file in ["wide.csv", "wide.ndjson"] {
        let started = Instant::now();
        let out = assert_ok(&run_table(&dir, file, "T | getschema | count"));
        assert!(out.contains("10000"), "{out}");
        let out = assert_ok(&run_table(&dir, file, "T | summarize sum(c9999)"));
        assert!(out.contains("29997") || out.contains("29999"), "{out}");
        // a typo among 10,000 columns still gets its suggestion
        let err = assert_clean_error(
            &run_table(&dir, file, "T | project c99999x"),
            "kql::bind::unknown_column",
        );
        assert!(err.contains("did you mean"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{file} is slow"
        );
    }
    // and a query that makes 10,000 columns
    let assignments: Vec<String> = (0..10_000).map(|n| format!("c{n} = {n}")).collect();
    let query = format!("print {} | project c9999", assignments.join(", "));
    let out = assert_ok(&run_query(&dir, &query));
    assert!(out.contains("9999"), "{out}");
}

#[test]
fn deep_nesting_in_queries_is_bounded() {
    let dir = scratch("nesting");
    let parens = format!("print x = {}1{}", "(".repeat(100), ")".repeat(100));
    assert_ok(&kql_in(&dir, &["run", "-e", &parens]));
    let calls = format!("print x = {}1{}", "abs(-(".repeat(100), "))".repeat(100));
    assert!(assert_ok(&kql_in(&dir, &["run", "-e", &calls])).contains('1'));
    let chain = format!("print x = {}", vec!["1"; 400].join(" + "));
    assert!(assert_ok(&kql_in(&dir, &["run", "-e", &chain])).contains("400"));
    // too deep: a syntax error at the place the limit is reached, not a stack overflow
    for query in [
        format!("print x = {}1{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("print x = {}", vec!["1"; 100_000].join("+")),
        format!("print x = {}", vec!["true"; 100_000].join(" and ")),
        format!(
            "print x = dynamic({}1{})",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!("print x = 1{}", " | extend y = 1".repeat(100_000)),
        format!("print x = {}1", "-".repeat(100_000)),
    ] {
        let err = assert_clean_error(&run_query(&dir, &query), "kql::syntax::too_deep");
        assert!(err.contains("help:"), "{err}");
    }
}

#[test]
fn deep_nesting_in_data_is_bounded() {
    let dir = scratch("deep-data");
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(dir.join("deep.ndjson"), format!("{{\"a\": {deep}}}\n")).unwrap();
    std::fs::write(dir.join("deep.json"), format!("[{{\"a\": {deep}}}]")).unwrap();
    std::fs::write(dir.join("deep.csv"), format!("a\n\"{deep}\"\n")).unwrap();
    for file in ["deep.ndjson", "deep.json"] {
        let err = assert_clean_error(&run_table(&dir, file, "T | take 1"), "kql::data");
        assert!(err.contains(file), "{err}");
    }
    // a CSV cell that is not JSON within the limits stays a string
    let out = assert_ok(&run_table(&dir, "deep.csv", "T | project n = strlen(a)"));
    assert!(out.contains("200001"), "{out}");
    // and at run time: parse_json of a deep text gives null, not a crash
    let query = format!(
        "print x = parse_json('{}1{}')",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    assert_ok(&run_query(&dir, &query));
}

#[test]
fn pathological_regexes_are_fast_or_errors_at_the_literal() {
    let dir = scratch("regex");
    // catastrophic backtracking elsewhere; linear time here
    let started = Instant::now();
    let out = assert_ok(&kql_in(
        &dir,
        &[
            "run",
            "-e",
            r#"print s = strcat(strrep("a", 1024), strrep("a", 1024), "b") | extend m = s matches regex "^(a+)+$", e = extract("(a|aa)+c", 0, s)"#,
        ],
    ));
    assert!(out.contains("false"), "{out}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // too big when compiled: an error under the literal
    let query = r#"print x = "a" matches regex "(a{1000}){1000}""#;
    let err = assert_clean_error(&kql_in(&dir, &["run", "-e", query]), "kql::bind::regex");
    assert!(err.contains("MiB"), "{err}");
    assert!(err.contains("[<query>:1:29]"), "at the literal: {err}");
    // nested too deep
    let query = format!(
        "print x = extract(\"{}a{}\", 0, \"a\")",
        "(".repeat(300),
        ")".repeat(300)
    );
    let err = assert_clean_error(&kql_in(&dir, &["run", "-e", &query]), "kql::bind::regex");
    assert!(err.contains("nest"), "{err}");
    assert!(err.contains("[<query>:1:19]"), "at the literal: {err}");
    // the same limits in parse kind=regex and trim
    for query in [
        r#"print s = "x" | parse kind=regex s with "(a{1000}){1000}" x"#,
        r#"print x = trim("(a{1000}){1000}", "x")"#,
    ] {
        assert_clean_error(&kql_in(&dir, &["run", "-e", query]), "kql::bind::regex");
    }
}

#[test]
fn a_quote_never_closed_in_csv() {
    let dir = scratch("csv-quote");
    std::fs::write(dir.join("q.csv"), "a,b\n1,\"never closed\n2,3\n4,5\n").unwrap();
    std::fs::write(dir.join("q.tsv"), "a\tb\n1\t2\n3\t\"x\"\"\n").unwrap();
    let err = assert_clean_error(&run_table(&dir, "q.csv", "T"), "kql::data");
    assert!(err.contains("q.csv:2:"), "{err}");
    assert!(err.contains("never closed"), "{err}");
    // whatever --on-error says: skipping would lose the rest of the file
    let out = kql_in(
        &dir,
        &["run", "--on-error", "skip", "--table", "T=q.tsv", "-e", "T"],
    );
    let err = assert_clean_error(&out, "kql::data");
    assert!(err.contains("q.tsv:3:"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Limits

#[test]
fn timeout_stops_a_runaway_query_with_a_message() {
    let dir = scratch("timeout");
    let started = Instant::now();
    let out = kql_in(
        &dir,
        &[
            "run",
            "--timeout",
            "1s",
            "-e",
            "range x from 1 to 100000000000 step 1 | summarize count() by x % 7",
        ],
    );
    let err = assert_clean_error(&out, "kql::limit::timeout");
    assert!(err.contains("longer than 1s"), "{err}");
    assert!(err.contains("--timeout"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(15));
    // a usage error for a bad value
    let out = kql_in(&dir, &["run", "--timeout", "soon", "-e", "print 1"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn max_memory_stops_a_runaway_query_with_a_message() {
    let dir = scratch("memory");
    let started = Instant::now();
    let out = kql_in(
        &dir,
        &[
            "run",
            "--max-memory",
            "200M",
            "-e",
            "range x from 1 to 1000000000 step 1 | extend s = strcat('row ', x) | order by x desc",
        ],
    );
    let err = assert_clean_error(&out, "kql::limit::memory");
    assert!(err.contains("200 MiB"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(60));
    // no limit at all is allowed, and a small query runs under a small limit
    assert_ok(&kql_in(
        &dir,
        &["run", "--max-memory", "none", "-e", "print 1"],
    ));
    assert_ok(&kql_in(
        &dir,
        &["run", "--max-memory", "100M", "-e", "print 1"],
    ));
    let out = kql_in(&dir, &["run", "--max-memory", "lots", "-e", "print 1"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn make_set_and_make_list_honour_their_sizes() {
    let v = scalar("range x from 1 to 10 step 1 | summarize make_set(x, 3)");
    assert_eq!(v.to_kql_string(), "[1,2,3]");
    let v = scalar("range x from 1 to 10 step 1 | summarize make_list(x % 2, 4)");
    assert_eq!(v.to_kql_string(), "[1,0,1,0]");
    // the deprecated spellings keep 128 by default
    let v = scalar(
        "range x from 1 to 1000 step 1 | summarize makelist(x) | project array_length(list_x)",
    );
    assert_eq!(v.as_i64(), Some(128));
    // a limit above Kusto's maximum (1,048,576) is that maximum
    let v = scalar(
        "range x from 1 to 1048600 step 1 | summarize s = make_list(x, 100000000000) | project array_length(s)",
    );
    assert_eq!(v.as_i64(), Some(1_048_576));
    let v = scalar(
        "range x from 1 to 1048600 step 1 | summarize s = make_set(x) | project array_length(s)",
    );
    assert_eq!(v.as_i64(), Some(1_048_576));
    // strrep is capped at 1,024 copies, as in Kusto
    assert_eq!(
        scalar("print strlen(strrep('ab', 100000))").as_i64(),
        Some(2048)
    );
    // and nested calls, which multiply, stop at 256 MiB before making the string
    let options = RunOptions::default();
    for q in [
        "print strlen(strrep(strrep(strrep(strrep('a', 1024), 1024), 1024), 1024))",
        "range i from 1 to 2 step 1 | project s = strrep(strrep(strrep(tostring(i), 1024), 1024), 1024)",
    ] {
        let e = kql_eval::run(q, &kql_eval::source::EmptyCatalog, &options).unwrap_err();
        assert_eq!(e.code, "kql::limit::value_size", "{q}");
        let span = e.span.expect("at the call");
        assert!(
            q[span.start as usize..].starts_with("strrep(strrep(strrep("),
            "{q}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Encodings and numbers

#[test]
fn boms_crlf_and_empty_files() {
    let dir = scratch("encodings");
    std::fs::write(dir.join("a.csv"), "\u{feff}a,b\r\n1,x\r\n2,y\r\n").unwrap();
    std::fs::write(
        dir.join("b.ndjson"),
        "\u{feff}{\"a\": 1, \"b\": \"x\"}\r\n{\"a\": 2, \"b\": \"y\"}\r\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("c.json"),
        "\u{feff}[{\"a\": 1, \"b\": \"x\"},\r\n{\"a\": 2, \"b\": \"y\"}]\r\n",
    )
    .unwrap();
    for file in ["a.csv", "b.ndjson", "c.json"] {
        let out = assert_ok(&kql_in(
            &dir,
            &[
                "run",
                "--format",
                "csv",
                "--table",
                &format!("T={file}"),
                "-e",
                "T | project a, b",
            ],
        ));
        assert_eq!(out, "a,b\n1,x\n2,y\n", "{file}");
    }
    for file in ["empty.csv", "empty.ndjson", "empty.json"] {
        std::fs::write(dir.join(file), "").unwrap();
        let out = assert_ok(&run_table(&dir, file, "T | count"));
        assert!(out.contains('0'), "{file}: {out}");
    }
}

#[test]
fn invalid_utf8_is_an_error_naming_the_line() {
    let dir = scratch("utf8");
    std::fs::write(dir.join("a.csv"), b"a,b\n1,x\n2,\xff\xfe\n").unwrap();
    std::fs::write(dir.join("b.ndjson"), b"{\"a\": \"x\"}\n{\"a\": \"\xff\"}\n").unwrap();
    let err = assert_clean_error(&run_table(&dir, "a.csv", "T"), "kql::data");
    assert!(err.contains("a.csv:3:") && err.contains("UTF-8"), "{err}");
    let err = assert_clean_error(&run_table(&dir, "b.ndjson", "T"), "kql::data");
    assert!(err.contains("b.ndjson:2:"), "{err}");
    // skipped and counted with --on-error skip
    let out = kql_in(
        &dir,
        &[
            "run",
            "--on-error",
            "skip",
            "--table",
            "T=a.csv",
            "-e",
            "T | count",
        ],
    );
    assert!(assert_ok(&out).contains('1'));
    assert!(text(&out.stderr).contains("skipped 1 malformed record"));
    // a query file that is not UTF-8
    std::fs::write(dir.join("q.kql"), b"print '\xff'").unwrap();
    let err = assert_clean_error(&kql_in(&dir, &["run", "q.kql"]), "kql::io");
    assert!(err.contains("q.kql"), "{err}");
}

#[test]
fn huge_numbers_nan_and_infinities() {
    let dir = scratch("numbers");
    // out of range in a query: a syntax error at the literal
    let err = assert_clean_error(
        &kql_in(&dir, &["run", "-e", "print 123456789012345678901234567890"]),
        "kql::syntax",
    );
    assert!(err.contains("out of range"), "{err}");
    // in data: integers past 64 bits are reals; NaN and infinities spelled as strings are reals
    std::fs::write(
        dir.join("n.ndjson"),
        "{\"a\": 123456789012345678901234567890, \"b\": \"NaN\"}\n{\"a\": 1, \"b\": 2.5}\n\
         {\"a\": 2, \"b\": \"-Infinity\"}\n",
    )
    .unwrap();
    let out = assert_ok(&kql_in(
        &dir,
        &[
            "run",
            "--format",
            "csv",
            "--table",
            "T=n.ndjson",
            "-e",
            "T | project a, nan = isnan(b), inf = isinf(b), b",
        ],
    ));
    assert_eq!(
        out,
        "a,nan,inf,b\n1.2345678901234568E+29,true,false,NaN\n1,false,false,2.5\n\
         2,false,true,-Infinity\n"
    );
    // beyond f64 in data: an error naming the place
    std::fs::write(dir.join("o.ndjson"), "{\"a\": 1e400}\n").unwrap();
    let err = assert_clean_error(&run_table(&dir, "o.ndjson", "T"), "kql::data");
    assert!(err.contains("o.ndjson:1:"), "{err}");
    // arithmetic at the edges is defined, not a panic
    for q in [
        "print 9223372036854775807 + 1",
        "print -9223372036854775807 - 2",
        "print 9223372036854775807 * 2",
        "print -9223372036854775807 / -1",
        "print (-9223372036854775807 - 1) / -1",
        "print (-9223372036854775807 - 1) % -1",
        "print 1 / 0, 1 % 0, 1.0 / 0, -1.0 / 0, 0.0 / 0",
        "print toint(1e30), tolong(1e300), tolong(real(nan)), toint('99999999999')",
        "print abs(-9223372036854775807 - 1)",
        "print datetime(9999-12-31) + 1d, datetime(0001-01-01) - 1d, 1d * 9223372036854775807, \
         datetime(2026-01-01) - datetime(0001-01-01)",
        "print bin(5, 0), bin(-9223372036854775807, 3), round(1e308, 5)",
    ] {
        assert_ok(&kql_in(&dir, &["run", "-e", q]));
    }
}

// ---------------------------------------------------------------------------------------------
// What kql touches

#[test]
fn output_is_written_whole_or_not_at_all() {
    let dir = scratch("output");
    let listing = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // a failing query: no file, no temporary left behind
    let out = kql_in(
        &dir,
        &[
            "run",
            "-o",
            "out.csv",
            "-f",
            "csv",
            "-e",
            "print x = 1 | where nosuchcolumn > 0",
        ],
    );
    assert_clean_error(&out, "kql::bind::unknown_column");
    assert!(listing(&dir).is_empty(), "{:?}", listing(&dir));
    // a runtime error (a timeout) midway: the same
    let out = kql_in(
        &dir,
        &[
            "run",
            "-o",
            "out.csv",
            "--timeout",
            "500ms",
            "-e",
            "range x from 1 to 100000000000 step 1",
        ],
    );
    assert_clean_error(&out, "kql::limit::timeout");
    assert!(listing(&dir).is_empty(), "{:?}", listing(&dir));
    // a good one: exactly the file asked for
    let out = kql_in(
        &dir,
        &["run", "-o", "out.csv", "-f", "csv", "-e", "print x = 1"],
    );
    assert_ok(&out);
    assert_eq!(listing(&dir), ["out.csv"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("out.csv")).unwrap(),
        "x\n1\n"
    );
    // an old file survives a failed run
    let out = kql_in(
        &dir,
        &["run", "-o", "out.csv", "-e", "print x = 1 | where y"],
    );
    assert_clean_error(&out, "kql::bind");
    assert_eq!(
        std::fs::read_to_string(dir.join("out.csv")).unwrap(),
        "x\n1\n"
    );
    // a directory that does not exist: an error, nothing created
    let out = kql_in(&dir, &["run", "-o", "missing/out.csv", "-e", "print x = 1"]);
    assert_clean_error(&out, "kql::io");
    assert_eq!(listing(&dir), ["out.csv"]);
}

#[test]
fn externaldata_never_reaches_the_network() {
    let dir = scratch("network");
    for address in [
        "https://example.com/x.csv",
        "http://127.0.0.1:9/x.csv",
        "file://server/share/x.csv",
        r"\\server\share\x.csv",
        "//server/share/x.csv",
    ] {
        let query = format!("externaldata (a: string) [@'{address}'] with (format='csv')");
        let err = assert_clean_error(
            &kql_in(&dir, &["run", "-e", &query]),
            "kql::external_data::network",
        );
        assert!(err.contains("does not fetch"), "{err}");
    }
}
