//! `kql test`: snapshot tests for detection libraries.
//!
//! A rule `NAME.kql` (or `NAME.yaml`, `NAME.yml`) is tested when it has, beside it:
//!
//! ```text
//! NAME.fixtures/           the rule's input tables: a data directory (table T is T.json,
//!                          T.ndjson, T.csv, ... or a directory T/ of files)
//! NAME.expected.txt        the expected result as a text table (or NAME.expected.json, the
//!                          Log Analytics JSON shape that `kql run --format json` writes)
//! ```
//!
//! A rule reading web `externaldata` finds its local copies in `NAME.fixtures/externaldata.txt`:
//! one `URL=FILE` line per address (as `kql run --external` takes them; `#` starts a comment),
//! FILE relative to the fixtures folder.
//!
//! The expected text starts with a header pinning `now()` (`now: 2026-11-25T12:00:00Z`; lines
//! starting with `#` are comments), then each result: a `Name:type | ...` line, one line per
//! row (cells separated by ` | `, null as `<null>`, line breaks and tabs escaped), and a
//! `(N rows)` line. In JSON, `now` is a top-level member beside `tables`.
//!
//! Rows are compared as a multiset unless the query sorts (its result comes from `sort`,
//! `order by` or `top`, with only row-preserving operators after it), then in order. A
//! mismatch prints a diff (`-` expected, `+` actual). `--update` writes the actual results as
//! the new expectations and says which changed.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use kql_eval::datetime::format_datetime;
use kql_eval::{Error, RunOptions, Table};
use kql_io::DataCatalog;
use kql_parser::{ExprKind, OperatorKind, StatementKind};

use crate::check::query_files;
use crate::render::render_error;
use crate::run::load_query_file;
use crate::{EXIT_FAILURE, EXIT_OK};

pub const TEST_HELP: &str = "\
Layout: a rule NAME.kql (or NAME.yaml) is tested when NAME.fixtures/ (its input tables, one
file or directory per table) or NAME.expected.txt / NAME.expected.json (its expected result)
sits beside it. The expected file pins now(): a `now: DATETIME` header line in .txt, a \"now\"
member in .json. Rows are compared as a multiset unless the query sorts. Web externaldata reads
the local copies listed in NAME.fixtures/externaldata.txt, one URL=FILE line each (FILE relative
to the fixtures folder).

Examples:
  kql test queries/
  kql test queries/create-account.kql --update
  kql test rules/ --update --now 2026-11-25T12:00:00Z    (new expectations get this now)";

#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// Rule files, or directories searched for rules that have fixtures or an expected file
    #[arg(value_name = "FILE|DIR", required = true)]
    pub paths: Vec<PathBuf>,

    /// Write the current results as the new expected output (and say which changed)
    #[arg(long = "update")]
    pub update: bool,

    /// The now() of expectations created by --update (existing ones keep theirs)
    #[arg(long = "now", value_name = "DATETIME", value_parser = crate::cli::parse_now)]
    pub now: Option<i64>,

    /// The MaxMind City database geo_info_from_ip_address reads (GeoLite2-City.mmdb, from
    /// maxmind.com) [default: $KQL_GEOIP]
    #[arg(long = "geoip", value_name = "PATH")]
    pub geoip: Option<PathBuf>,
}

/// The file in a rule's fixtures folder that maps web `externaldata` addresses to local copies.
pub const EXTERNALDATA_MAP: &str = "externaldata.txt";

/// One test: a rule and its fixtures and expectation.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub rule: PathBuf,
    pub fixtures: PathBuf,
    /// The expected-output file (existing, or where `--update` creates it).
    pub expected: PathBuf,
}

/// The file name of `rule` without its extension.
fn stem(rule: &Path) -> String {
    rule.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl TestCase {
    /// The test of `rule`, if it has fixtures or an expected file (or `always`).
    pub fn of(rule: &Path, always: bool) -> Option<TestCase> {
        let stem = stem(rule);
        let sibling = |suffix: &str| rule.with_file_name(format!("{stem}{suffix}"));
        let fixtures = sibling(".fixtures");
        let txt = sibling(".expected.txt");
        let json = sibling(".expected.json");
        let expected = if json.is_file() && !txt.is_file() {
            json
        } else {
            txt
        };
        (always || fixtures.is_dir() || expected.is_file()).then(|| TestCase {
            rule: rule.to_path_buf(),
            fixtures,
            expected,
        })
    }
}

/// The tests under `paths`: rules found in directories when they have fixtures or an
/// expectation, rules named directly always.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<TestCase>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let files = query_files(p).map_err(|e| {
                Error::new(
                    "kql::io",
                    format!("cannot read the directory {}: {e}", p.display()),
                )
            })?;
            out.extend(files.iter().filter_map(|f| TestCase::of(f, false)));
        } else if p.is_file() {
            out.extend(TestCase::of(p, true));
        } else {
            return Err(Error::new(
                "kql::io",
                format!("{}: no such file or directory", p.display()),
            ));
        }
    }
    // a rule named twice (directly and through its directory) runs once
    let mut seen = std::collections::HashSet::new();
    out.retain(|c: &TestCase| {
        seen.insert(c.rule.canonicalize().unwrap_or_else(|_| c.rule.clone()))
    });
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Expectations

/// The form of an expected-output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Text,
    Json,
}

/// One result as compared: a header line and row lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    header: String,
    rows: Vec<String>,
}

/// An expected-output file, read.
#[derive(Debug, Clone)]
struct Expectation {
    form: Form,
    /// The `now` it pins.
    now: Option<i64>,
    /// Comment lines of a text header, kept by `--update`.
    comments: Vec<String>,
    blocks: Vec<Block>,
}

fn form_of(path: &Path) -> Form {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        Form::Json
    } else {
        Form::Text
    }
}

fn parse_now_value(s: &str, path: &Path) -> Result<i64, String> {
    kql_eval::datetime::parse_datetime(s.trim()).ok_or_else(|| {
        format!(
            "{}: `now: {s}` is not a datetime (e.g. 2026-11-25T12:00:00Z)",
            path.display()
        )
    })
}

fn read_expectation(path: &Path) -> Result<Expectation, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match form_of(path) {
        Form::Text => parse_text(&text, path),
        Form::Json => parse_json(&text, path),
    }
}

fn parse_text(text: &str, path: &Path) -> Result<Expectation, String> {
    let mut lines = text.lines().peekable();
    let mut now = None;
    let mut comments = Vec::new();
    while let Some(line) = lines.peek() {
        if line.starts_with('#') {
            comments.push(line.to_string());
        } else if let Some(v) = line.strip_prefix("now:") {
            now = Some(parse_now_value(v, path)?);
        } else if !line.trim().is_empty() {
            break;
        }
        lines.next();
    }
    let mut blocks = Vec::new();
    while let Some(line) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        let mut block = Block {
            header: line.to_string(),
            rows: Vec::new(),
        };
        let mut closed = false;
        for row in lines.by_ref() {
            if is_count_line(row) {
                closed = true;
                break;
            }
            block.rows.push(row.to_string());
        }
        if !closed {
            return Err(format!(
                "{}: the result `{}` does not end with a `(N rows)` line",
                path.display(),
                block.header
            ));
        }
        blocks.push(block);
    }
    Ok(Expectation {
        form: Form::Text,
        now,
        comments,
        blocks,
    })
}

fn is_count_line(line: &str) -> bool {
    line.strip_prefix('(')
        .and_then(|l| l.strip_suffix(" rows)"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_json(text: &str, path: &Path) -> Result<Expectation, String> {
    let bad = |what: &str| format!("{}: {what}", path.display());
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(&format!("not valid JSON: {e}")))?;
    let now = match doc.get("now") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(parse_now_value(s, path)?),
        Some(_) => return Err(bad("`now` is not a string")),
    };
    let tables = doc["tables"].as_array().ok_or_else(|| {
        bad("no `tables` array (expected the shape `kql run --format json` writes)")
    })?;
    let mut blocks = Vec::new();
    for table in tables {
        let columns = table["columns"]
            .as_array()
            .ok_or_else(|| bad("a table has no `columns` array"))?;
        let header: Vec<String> = columns
            .iter()
            .map(|c| {
                format!(
                    "{}:{}",
                    c["name"].as_str().unwrap_or_default(),
                    c["type"].as_str().unwrap_or_default()
                )
            })
            .collect();
        let rows = table["rows"]
            .as_array()
            .ok_or_else(|| bad("a table has no `rows` array"))?;
        blocks.push(Block {
            header: header.join(" | "),
            rows: rows.iter().map(|r| r.to_string()).collect(),
        });
    }
    Ok(Expectation {
        form: Form::Json,
        now,
        comments: Vec::new(),
        blocks,
    })
}

/// The text of a cell: null as `<null>`, line breaks and tabs escaped.
fn cell_text(v: &kql_eval::Value) -> String {
    if v.is_null() {
        "<null>".to_string()
    } else {
        v.to_kql_string()
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .replace('\t', "\\t")
    }
}

/// A result in the form of `form`.
fn block_of(table: &Table, form: Form) -> Block {
    let header: Vec<String> = table
        .schema
        .fields
        .iter()
        .map(|f| format!("{}:{}", f.name, f.ty))
        .collect();
    let rows = table
        .rows()
        .map(|row| match form {
            Form::Text => row.iter().map(cell_text).collect::<Vec<_>>().join(" | "),
            Form::Json => {
                serde_json::Value::Array(row.iter().map(|v| v.to_json()).collect()).to_string()
            }
        })
        .collect();
    Block {
        header: header.join(" | "),
        rows,
    }
}

/// The text of an expected-output file holding `tables`.
fn render_expectation(
    form: Form,
    now: Option<i64>,
    comments: &[String],
    tables: &[Table],
) -> String {
    match form {
        Form::Text => {
            let mut out = String::new();
            for c in comments {
                let _ = writeln!(out, "{c}");
            }
            if let Some(now) = now {
                let _ = writeln!(out, "now: {}", format_datetime(now));
            }
            for table in tables {
                let block = block_of(table, Form::Text);
                let _ = writeln!(out, "\n{}", block.header);
                for row in &block.rows {
                    let _ = writeln!(out, "{row}");
                }
                let _ = writeln!(out, "({} rows)", block.rows.len());
            }
            out
        }
        Form::Json => {
            let mut buf = Vec::new();
            // writing to memory cannot fail
            let _ = crate::output::write_json_tables(tables, &mut buf);
            let text = String::from_utf8_lossy(&buf).into_owned();
            match now {
                Some(now) => text.replacen(
                    "{\"tables\":",
                    &format!("{{\"now\":\"{}\",\"tables\":", format_datetime(now)),
                    1,
                ),
                None => text,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Whether a result is ordered

/// For each result of `src` (its query statements, in order), whether the query sorts it.
fn ordered_results(src: &str) -> Vec<bool> {
    let Ok(script) = kql_parser::parse(src) else {
        return Vec::new();
    };
    let mut lets: Vec<(String, bool)> = Vec::new();
    let mut out = Vec::new();
    for st in &script.statements {
        match &st.kind {
            StatementKind::Let { name, value } => {
                let ordered = is_ordered(value, &lets);
                lets.push((name.name.clone(), ordered));
            }
            StatementKind::Query(e) => out.push(is_ordered(e, &lets)),
            _ => {}
        }
    }
    out
}

fn is_ordered(e: &kql_parser::Expr, lets: &[(String, bool)]) -> bool {
    match &e.kind {
        ExprKind::Pipe { input, op } => match &op.kind {
            OperatorKind::Sort(_) | OperatorKind::Top { .. } => true,
            OperatorKind::Where(_)
            | OperatorKind::Extend(_)
            | OperatorKind::Project(_)
            | OperatorKind::ProjectAway(_)
            | OperatorKind::ProjectKeep(_)
            | OperatorKind::ProjectRename(_)
            | OperatorKind::ProjectReorder(_)
            | OperatorKind::Take(_)
            | OperatorKind::Parse(_)
            | OperatorKind::Render { .. }
            | OperatorKind::Serialize(_)
            | OperatorKind::As { .. } => is_ordered(input, lets),
            _ => false,
        },
        ExprKind::Name(id) => lets
            .iter()
            .rev()
            .find(|(n, _)| *n == id.name)
            .is_some_and(|(_, o)| *o),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing

/// The differences between expected and actual results, as readable lines; empty if equal.
fn compare(expected: &[Block], actual: &[Block], ordered: &[bool]) -> Vec<String> {
    let mut out = Vec::new();
    if expected.len() != actual.len() {
        out.push(format!(
            "expected {} result{}, the query gave {}",
            expected.len(),
            if expected.len() == 1 { "" } else { "s" },
            actual.len()
        ));
    }
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        let which = if expected.len() > 1 || actual.len() > 1 {
            format!("result {}: ", i + 1)
        } else {
            String::new()
        };
        if e.header != a.header {
            out.push(format!("{which}columns differ:"));
            out.push(format!("- {}", e.header));
            out.push(format!("+ {}", a.header));
        }
        let in_order = ordered.get(i).copied().unwrap_or(false);
        if in_order {
            if e.rows != a.rows {
                out.push(format!(
                    "{which}rows differ (compared in order: the query sorts); {} expected, {} \
                     actual:",
                    e.rows.len(),
                    a.rows.len()
                ));
                let old = lines_text(&e.rows);
                let new = lines_text(&a.rows);
                let diff = similar::TextDiff::from_lines(&old, &new);
                for change in diff.iter_all_changes() {
                    let sign = match change.tag() {
                        similar::ChangeTag::Delete => '-',
                        similar::ChangeTag::Insert => '+',
                        similar::ChangeTag::Equal => ' ',
                    };
                    out.push(format!("{sign} {}", change.value().trim_end_matches('\n')));
                }
            }
        } else {
            let (missing, extra) = multiset_diff(&e.rows, &a.rows);
            if !missing.is_empty() || !extra.is_empty() {
                out.push(format!(
                    "{which}rows differ (compared as a multiset: the query does not sort); {} \
                     expected, {} actual:",
                    e.rows.len(),
                    a.rows.len()
                ));
                out.extend(missing.iter().map(|r| format!("- {r}")));
                out.extend(extra.iter().map(|r| format!("+ {r}")));
            }
        }
    }
    for (i, e) in expected.iter().enumerate().skip(actual.len()) {
        out.push(format!("result {} missing: - {}", i + 1, e.header));
    }
    for (i, a) in actual.iter().enumerate().skip(expected.len()) {
        out.push(format!("result {} not expected: + {}", i + 1, a.header));
    }
    out
}

fn lines_text(rows: &[String]) -> String {
    let mut s = String::new();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// Rows of `expected` not matched in `actual`, and rows of `actual` not matched in
/// `expected` (each row matches at most one), each sorted.
fn multiset_diff(expected: &[String], actual: &[String]) -> (Vec<String>, Vec<String>) {
    let mut e: Vec<&String> = expected.iter().collect();
    let mut a: Vec<&String> = actual.iter().collect();
    e.sort();
    a.sort();
    let (mut i, mut j) = (0, 0);
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    while i < e.len() || j < a.len() {
        match (e.get(i), a.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                missing.push((*x).clone());
                i += 1;
            }
            (Some(_), Some(y)) => {
                extra.push((*y).clone());
                j += 1;
            }
            (Some(x), None) => {
                missing.push((*x).clone());
                i += 1;
            }
            (None, Some(y)) => {
                extra.push((*y).clone());
                j += 1;
            }
            (None, None) => break,
        }
    }
    (missing, extra)
}

// ---------------------------------------------------------------------------------------------
// Running

/// What one test gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// `--update`: the expectation was written (`created`: it did not exist).
    Updated {
        created: bool,
    },
    Unchanged,
    /// The lines that say why.
    Failed(Vec<String>),
}

/// Runs one test; with `update`, writes the new expectation instead of comparing. `geoip` is
/// the GeoIP database, if any.
pub fn run_test(
    case: &TestCase,
    update: bool,
    new_now: Option<i64>,
    geoip: Option<&Path>,
) -> Verdict {
    let query = match load_query_file(&case.rule) {
        Ok(q) => q,
        Err(e) => return Verdict::Failed(vec![render_error(&e, "", "", false)]),
    };
    let existing = if case.expected.is_file() {
        match read_expectation(&case.expected) {
            Ok(x) => Some(x),
            Err(msg) => return Verdict::Failed(vec![msg]),
        }
    } else {
        None
    };
    if existing.is_none() && !update {
        return Verdict::Failed(vec![format!(
            "no expected output: {} does not exist (create it with `kql test --update --now \
             DATETIME {}`)",
            case.expected.display(),
            case.rule.display()
        )]);
    }
    let now = existing.as_ref().map_or(new_now, |x| x.now);
    let mut catalog = DataCatalog::new(&case.fixtures);
    let map = case.fixtures.join(EXTERNALDATA_MAP);
    if map.is_file() {
        match kql_io::read_external_map(&map) {
            Ok(mappings) => {
                for (url, path) in mappings {
                    catalog.add_external(url, path);
                }
            }
            Err(e) => return Verdict::Failed(vec![render_error(&e, "", "", false)]),
        }
    }
    catalog.set_geoip(geoip.map(Path::to_path_buf));
    let options = RunOptions {
        now,
        ..RunOptions::default()
    };
    let tables = match kql_eval::run(&query.text, &catalog, &options) {
        Ok(t) => t,
        Err(mut e) => {
            if e.code == "kql::external_data::network" {
                // say where a test's local copies go (any near-miss hint follows)
                let hints: Vec<String> = e
                    .help
                    .as_deref()
                    .unwrap_or("")
                    .lines()
                    .skip(1)
                    .map(str::to_string)
                    .collect();
                let mut help = format!(
                    "put a local copy in {} and a line URL=FILE for it in {}",
                    case.fixtures.display(),
                    map.display()
                );
                for h in hints {
                    help.push('\n');
                    help.push_str(&h);
                }
                e.help = Some(help);
            }
            let mut lines = vec!["the query failed:".to_string()];
            lines.push(render_error(&e, &query.name, &query.source, false));
            return Verdict::Failed(lines);
        }
    };
    let skipped = catalog.report().skipped_total();
    let mut notes: Vec<String> = catalog
        .report()
        .warnings()
        .into_iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    if skipped > 0 {
        notes.push(format!("{skipped} malformed fixture records"));
    }
    if update {
        let form = form_of(&case.expected);
        let comments = existing
            .as_ref()
            .map(|x| x.comments.clone())
            .unwrap_or_else(|| {
                vec![format!(
                    "# kql test: the expected result of {}; rewrite with `kql test --update`",
                    case.rule
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                )]
            });
        let text = render_expectation(form, now, &comments, &tables);
        let old = std::fs::read_to_string(&case.expected).ok();
        if old.as_deref() == Some(text.as_str()) {
            return Verdict::Unchanged;
        }
        if let Err(e) = crate::run::write_file(&case.expected, |f| f.write_all(text.as_bytes())) {
            return Verdict::Failed(vec![format!(
                "cannot write {}: {e}",
                case.expected.display()
            )]);
        }
        return Verdict::Updated {
            created: old.is_none(),
        };
    }
    let Some(expected) = existing else {
        return Verdict::Failed(vec!["no expected output".to_string()]);
    };
    let actual: Vec<Block> = tables.iter().map(|t| block_of(t, expected.form)).collect();
    let ordered = ordered_results(&query.text);
    let diff = compare(&expected.blocks, &actual, &ordered);
    if diff.is_empty() {
        Verdict::Passed
    } else {
        let mut lines = notes;
        lines.extend(diff);
        Verdict::Failed(lines)
    }
}

/// Runs `kql test` and returns its exit status.
pub fn test_command(args: &TestArgs) -> ExitCode {
    let geoip = match crate::cli::geoip_path(args.geoip.as_deref()) {
        Ok(g) => g,
        Err(message) => return crate::run::usage_error_in("test", &message),
    };
    let mut out = io::stdout().lock();
    let cases = match discover(&args.paths) {
        Ok(c) => c,
        Err(e) => {
            let _ = io::stderr().write_all(render_error(&e, "", "", false).as_bytes());
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if cases.is_empty() {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        let _ = writeln!(
            out,
            "no tests in {}: a rule NAME.kql (or .yaml) is tested when NAME.fixtures/ or \
             NAME.expected.txt sits beside it",
            paths.join(", ")
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    let (mut passed, mut failed, mut updated) = (0usize, 0usize, 0usize);
    let mut failures: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for case in &cases {
        let verdict = run_test(case, args.update, args.now, geoip.as_deref());
        let status = match &verdict {
            Verdict::Passed => "ok".to_string(),
            Verdict::Unchanged => "ok (unchanged)".to_string(),
            Verdict::Updated { created: true } => {
                format!("created {}", case.expected.display())
            }
            Verdict::Updated { created: false } => {
                format!("updated {}", case.expected.display())
            }
            Verdict::Failed(_) => "FAILED".to_string(),
        };
        let _ = writeln!(out, "test {} ... {status}", case.rule.display());
        match verdict {
            Verdict::Failed(lines) => {
                failed += 1;
                failures.push((case.rule.clone(), lines));
            }
            Verdict::Updated { .. } => {
                passed += 1;
                updated += 1;
            }
            Verdict::Passed | Verdict::Unchanged => passed += 1,
        }
    }
    if !failures.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for (rule, lines) in &failures {
            let _ = writeln!(out, "\n--- {}", rule.display());
            for l in lines {
                let _ = writeln!(out, "{}", l.trim_end_matches('\n'));
            }
        }
    }
    if args.update {
        let _ = writeln!(
            out,
            "\n{updated} expectation{} written",
            if updated == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(out, "\n{passed} passed, {failed} failed");
    let _ = out.flush();
    ExitCode::from(if failed == 0 { EXIT_OK } else { EXIT_FAILURE })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_is_seen_through_row_preserving_operators() {
        assert_eq!(
            ordered_results("T | sort by x | project x | take 3"),
            [true]
        );
        assert_eq!(ordered_results("T | top 3 by x | extend y = 1"), [true]);
        assert_eq!(
            ordered_results("T | sort by x | summarize count() by x"),
            [false]
        );
        assert_eq!(ordered_results("T | where x > 1"), [false]);
        assert_eq!(
            ordered_results("let S = T | order by x; S | where x > 0; T"),
            [true, false]
        );
    }

    #[test]
    fn multiset_and_ordered_comparison() {
        let b = |rows: &[&str]| Block {
            header: "x:long".into(),
            rows: rows.iter().map(|r| r.to_string()).collect(),
        };
        assert!(compare(&[b(&["1", "2", "2"])], &[b(&["2", "1", "2"])], &[false]).is_empty());
        let diff = compare(&[b(&["1", "2", "2"])], &[b(&["2", "3", "1"])], &[false]);
        assert_eq!(&diff[1..], ["- 2", "+ 3"]);
        let diff = compare(&[b(&["1", "2"])], &[b(&["2", "1"])], &[true]);
        assert!(diff[0].contains("compared in order"), "{diff:?}");
        let mut other = b(&["1"]);
        other.header = "x:real".into();
        let diff = compare(&[b(&["1"])], &[other], &[false]);
        assert_eq!(diff, ["columns differ:", "- x:long", "+ x:real"]);
    }

    #[test]
    fn text_expectations_parse() {
        let text = "# comment\nnow: 2026-11-25T12:00:00Z\n\na:long | b:string\n1 | x\n\n(2 rows)\n\nc:bool\n(0 rows)\n";
        let x = parse_text(text, Path::new("e.txt")).unwrap();
        assert_eq!(x.comments, ["# comment"]);
        assert_eq!(
            x.now.map(format_datetime).as_deref(),
            Some("2026-11-25T12:00:00Z")
        );
        assert_eq!(x.blocks.len(), 2);
        assert_eq!(x.blocks[0].rows, ["1 | x", ""]);
        assert!(x.blocks[1].rows.is_empty());
        assert!(parse_text("a:long\n1\n", Path::new("e.txt")).is_err());
        assert!(parse_text("now: yesterday\n", Path::new("e.txt")).is_err());
    }
}
