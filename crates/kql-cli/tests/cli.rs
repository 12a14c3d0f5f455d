//! The `kql` binary end to end: exit statuses, rendered errors, output formats.
//!
//! Every run has `NO_COLOR=1` and `COLUMNS=100`, and stderr/stdout are pipes, so the text is
//! deterministic.

mod common;

use std::path::Path;
use std::process::Output;

use common::{assert_status, kql_command, kql_in, scratch, stderr, stdout, with_input};

use kql_cli::render_error;

fn kql(name: &str, args: &[&str]) -> Output {
    kql_in(&scratch(name), args)
}

/// What the CLI prints for the syntax error in `src` (the parser alone decides it).
fn rendered_syntax_error(src: &str, name: &str) -> String {
    let err = kql_parser::parse(src).expect_err("a syntax error");
    render_error(&kql_eval::Error::from(err), name, src, false)
}

// ---------------------------------------------------------------------------------------------
// Needs nothing of the evaluator
// ---------------------------------------------------------------------------------------------

#[test]
fn version_and_help() {
    let out = kql("version", &["--version"]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), format!("kql {}\n", env!("CARGO_PKG_VERSION")));
    let out = kql("help", &["--help"]);
    assert_status(&out, 0);
    assert!(stdout(&out).contains("run"), "{}", stdout(&out));
    let out = kql("run-help", &["run", "--help"]);
    assert_status(&out, 0);
    for option in ["--query", "--data", "--table", "--now", "--format"] {
        assert!(
            stdout(&out).contains(option),
            "{option} missing from\n{}",
            stdout(&out)
        );
    }
}

#[test]
fn no_subcommand_prints_help_and_is_a_usage_error() {
    let out = kql("bare", &[]);
    assert_status(&out, 2);
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("Usage: kql"), "{}", stderr(&out));
    assert!(!stderr(&out).contains('\x1b'), "no colour on a pipe");
}

#[test]
fn usage_errors_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "--bogus", "-e", "print 1"],
            "unexpected argument '--bogus'",
        ),
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (
            &["run", "--now", "yesterday-ish", "-e", "print 1"],
            "invalid value 'yesterday-ish' for '--now",
        ),
        (
            &["run", "--table", "novalue", "-e", "print 1"],
            "invalid value 'novalue' for '--table",
        ),
        (
            &["run", "--format", "xml", "-e", "print 1"],
            "invalid value 'xml' for '--format",
        ),
        (&["run", "-e", "print 1", "q.kql"], "cannot be used with"),
        (
            &["run"],
            "the following required arguments were not provided",
        ),
        (
            &["run", "--data", "no-such-dir", "-e", "print 1"],
            "invalid value 'no-such-dir' for '--data <DIR>': not a directory",
        ),
    ];
    for (args, expected) in cases {
        let out = kql("usage", args);
        assert_status(&out, 2);
        assert!(stdout(&out).is_empty(), "{args:?}");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn missing_query_file_exits_1_naming_it() {
    let out = kql("missing-file", &["run", "hunts/missing.kql"]);
    assert_status(&out, 1);
    let err = stderr(&out);
    let path = Path::new("hunts").join("missing.kql");
    let prefix = format!(
        "error[kql::io]: cannot read query file {}: ",
        path.display()
    );
    assert!(err.starts_with(&prefix), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn syntax_error_rendering() {
    // the text `kql run -e 'T | whereabouts x'` prints (see `syntax_error_exits_1_with_a_caret`)
    insta::assert_snapshot!(
        "syntax_error",
        rendered_syntax_error("T | whereabouts x", "<query>")
    );
    let src = "DeviceProcessEvents\n| where FileName =~ \"net.exe\n| take 10\n";
    insta::assert_snapshot!(
        "syntax_error_in_file",
        rendered_syntax_error(src, "hunts/net.kql")
    );
}

#[test]
fn rule_file_without_a_query_exits_1() {
    let dir = scratch("rule-without-query");
    std::fs::write(dir.join("rule.yaml"), "id: 1\nname: nothing to run\n").unwrap();
    let out = kql_in(&dir, &["run", "rule.yaml"]);
    assert_status(&out, 1);
    insta::assert_snapshot!(stderr(&out), @r"
    error[kql::rule]: rule.yaml: the rule file has no top-level `query:`
      help: kql runs the `query:` of a rule file; its other fields are ignored for now
    ");
}

// ---------------------------------------------------------------------------------------------
// Need the evaluator (`kql_eval::run`)
// ---------------------------------------------------------------------------------------------

#[test]
fn syntax_error_exits_1_with_a_caret() {
    let src = "T | whereabouts x";
    let out = kql("syntax", &["run", "-e", src]);
    assert_status(&out, 1);
    assert!(stdout(&out).is_empty());
    assert_eq!(stderr(&out), rendered_syntax_error(src, "<query>"));
    assert!(stderr(&out).contains("[<query>:1:5]"), "{}", stderr(&out));
}

#[test]
fn syntax_error_in_a_file_names_the_file_line_and_column() {
    let dir = scratch("syntax-file");
    std::fs::create_dir(dir.join("hunts")).unwrap();
    let src = "DeviceProcessEvents\n| where FileName =~ \"net.exe\n| take 10\n";
    std::fs::write(dir.join("hunts/net.kql"), src).unwrap();
    let out = kql_in(&dir, &["run", "hunts/net.kql"]);
    assert_status(&out, 1);
    assert_eq!(stderr(&out), rendered_syntax_error(src, "hunts/net.kql"));
}

#[test]
fn unknown_table_exits_1() {
    let out = kql(
        "unknown-table",
        &["run", "--data", ".", "-e", "NoSuchTable | take 1"],
    );
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("NoSuchTable"), "{err}");
    assert!(
        err.contains("[<query>:1:1]"),
        "the error points at the table name: {err}"
    );
}

#[test]
fn data_errors_exit_1_naming_the_file() {
    let dir = scratch("data-error");
    let out = kql_in(
        &dir,
        &["run", "--table", "T=missing.ndjson", "-e", "T | take 1"],
    );
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("cannot read table T from missing.ndjson: "),
        "{err}"
    );
    // an unreadable table file is reported at the table's name in the query
    assert!(err.contains("[<query>:1:1]"), "{err}");

    std::fs::write(dir.join("bad.ndjson"), "{\"a\": 1}\n{\"a\": \n").unwrap();
    let out = kql_in(
        &dir,
        &["run", "--table", "T=bad.ndjson", "-e", "T | take 5"],
    );
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("kql::data"), "{err}");
    assert!(err.contains("bad.ndjson:2:"), "{err}");
}

#[test]
fn json_output_has_the_log_analytics_shape() {
    let out = kql(
        "json",
        &["run", "--format", "json", "-e", "print x=1, s='a'"],
    );
    assert_status(&out, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    assert_eq!(
        v,
        serde_json::json!({"tables": [{
            "name": "PrimaryResult",
            "columns": [{"name": "x", "type": "long"}, {"name": "s", "type": "string"}],
            "rows": [[1, "a"]],
        }]})
    );
}

#[test]
fn several_results_are_printed_in_turn() {
    let q = "print a=1; print b='x'";
    let out = kql("several-json", &["run", "--format", "json", "-e", q]);
    assert_status(&out, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let names: Vec<&str> = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["PrimaryResult", "Table_1"]);
    let out = kql("several-csv", &["run", "--format", "csv", "-e", q]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "a\n1\n\nb\nx\n");
    let out = kql("several-ndjson", &["run", "--format", "ndjson", "-e", q]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "{\"a\":1}\n{\"b\":\"x\"}\n");
}

#[test]
fn table_override_reads_an_ndjson_file() {
    let dir = scratch("table-override");
    let events = dir.join("events.ndjson");
    std::fs::write(
        &events,
        "{\"User\": \"alice\", \"Port\": 443, \"Note\": null}\n{\"User\": \"bob\", \"Port\": 22}\n",
    )
    .unwrap();
    let spec = format!("Events={}", events.display());
    let q = "Events | project User, Port, Note | sort by Port asc";
    let out = kql_in(
        &dir,
        &[
            "run", "--data", ".", "--table", &spec, "--format", "csv", "-e", q,
        ],
    );
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "User,Port,Note\nbob,22,\nalice,443,\n");
    let out = kql_in(&dir, &["run", "--table", &spec, "-e", q]);
    assert_status(&out, 0);
    insta::assert_snapshot!(stdout(&out), @"
    ┌───────┬──────┬──────┐
    │ User  ┆ Port ┆ Note │
    ╞═══════╪══════╪══════╡
    │ bob   ┆   22 ┆      │
    │ alice ┆  443 ┆      │
    └───────┴──────┴──────┘
    ");
}

#[test]
fn query_from_a_file_a_rule_and_stdin() {
    let dir = scratch("sources");
    std::fs::write(dir.join("T.ndjson"), "{\"n\": 1}\n{\"n\": 2}\n").unwrap();
    std::fs::write(dir.join("q.kql"), "// the count\nT | count\n").unwrap();
    std::fs::write(
        dir.join("rule.yaml"),
        "id: 7\nname: Count\nquery: |\n  T\n  | count\ntactics:\n  - Discovery\n",
    )
    .unwrap();
    for file in ["q.kql", "rule.yaml"] {
        let out = kql_in(&dir, &["run", "--data", ".", "--format", "csv", file]);
        assert_status(&out, 0);
        assert_eq!(stdout(&out), "Count\n2\n", "{file}");
    }
    let out = with_input(
        kql_command(&dir, &["run", "--data", ".", "--format", "ndjson", "-"]),
        "T | count",
    );
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "{\"Count\":2}\n");
}

#[test]
fn errors_in_a_rule_point_into_the_rule_file() {
    let dir = scratch("rule-error");
    std::fs::write(
        dir.join("rule.yml"),
        "name: x\nquery: |\n  T\n  | whereabouts x\n",
    )
    .unwrap();
    let out = kql_in(&dir, &["run", "rule.yml"]);
    assert_status(&out, 1);
    assert!(stderr(&out).contains("[rule.yml:4:5]"), "{}", stderr(&out));
}

#[test]
fn now_pins_ago() {
    let q = "print t=ago(1d)";
    let out = kql(
        "now",
        &[
            "run",
            "--now",
            "2026-11-25T12:00:00Z",
            "--format",
            "csv",
            "-e",
            q,
        ],
    );
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "t\n2026-11-24T12:00:00Z\n");
}

#[test]
fn the_seed_query_runs_over_the_repository_testdata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let args = [
        "run",
        "queries/create-account.kql",
        "--now",
        "2026-11-25T12:00:00Z",
        "--format",
        "csv",
    ];
    let out = kql_in(&root, &args);
    assert_status(&out, 0);
    let text = stdout(&out);
    assert_eq!(
        text.lines().next(),
        Some(
            "CreatedUser,CreatedOnLocalMachine,InitiatingProcessFileName,FileName,\
             ProcessCommandLine,InitiatingProcessCommandLine,MachineCount"
        )
    );
}
