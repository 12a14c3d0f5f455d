//! Golden queries: every `queries/**/*.kql` runs against `testdata/` with now pinned, and its
//! result table (or rendered error) is snapshotted. Review new snapshots against
//! `kql-semantics.md` before accepting them. A file whose name starts with `_` is skipped.

use std::fmt::Write;

use kql_eval::{RunOptions, Table, datetime::parse_datetime, run};
use kql_io::DataCatalog;

const NOW: &str = "2026-11-25T12:00:00Z";

/// A stable text form: `name:type` headers, then one line per row, cells separated by ` | `;
/// null shows as `<null>` so it differs from an empty string; line breaks and tabs are escaped.
fn table_text(t: &Table) -> String {
    let mut out = String::new();
    let header: Vec<String> = t
        .schema
        .fields
        .iter()
        .map(|f| format!("{}:{}", f.name, f.ty))
        .collect();
    writeln!(out, "{}", header.join(" | ")).unwrap();
    for row in t.rows() {
        let cells: Vec<String> = row
            .iter()
            .map(|v| {
                if v.is_null() {
                    "<null>".to_string()
                } else {
                    v.to_kql_string()
                        .replace('\n', "\\n")
                        .replace('\r', "\\r")
                        .replace('\t', "\\t")
                }
            })
            .collect();
        writeln!(out, "{}", cells.join(" | ")).unwrap();
    }
    writeln!(out, "({} rows)", t.row_count()).unwrap();
    out
}

#[test]
fn queries() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .canonicalize()
        .unwrap();
    let options = RunOptions {
        now: parse_datetime(NOW),
        ..RunOptions::default()
    };
    insta::glob!("../../../queries", "**/*.kql", |path| {
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        {
            return;
        }
        let src = std::fs::read_to_string(path).unwrap();
        let catalog = DataCatalog::new(root.join("testdata"));
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let out = match run(&src, &catalog, &options) {
            Ok(tables) => tables.iter().map(table_text).collect::<Vec<_>>().join("\n"),
            Err(e) => kql_cli::render_error(&e, &name, &src, false),
        };
        insta::assert_snapshot!(out);
    });
}

/// `parse(display(ast))` prints the same canonical text, for every query in the repository.
#[test]
fn queries_round_trip_through_display() {
    insta::glob!("../../../queries", "**/*.kql", |path| {
        let src = std::fs::read_to_string(path).unwrap();
        let Ok(ast) = kql_parser::parse(&src) else {
            return; // syntax-error examples have nothing to print
        };
        let text = ast.to_string();
        let again = kql_parser::parse(&text).unwrap_or_else(|e| {
            panic!(
                "{}: canonical text does not parse: {e:?}\n{text}",
                path.display()
            )
        });
        assert_eq!(again.to_string(), text, "{}", path.display());
    });
}
