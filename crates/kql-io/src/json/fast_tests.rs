//! The parallel NDJSON path: the same results whatever the thread count and chunk size, with
//! the prefilter on and off, and with a schema learned from a sample.

use std::sync::Arc;

use kql_eval::{Catalog, Error, MemTable, Prefilter, PrefilterLiteral, RunOptions, TableSource};

use super::chunks::TEST_CHUNK;
use super::*;
use crate::dir::DataCatalog;
use crate::testutil::{Scratch, read, read_all};

/// Runs `query` over `catalog` and returns its first result as text rows.
fn run(query: &str, catalog: &dyn Catalog) -> Result<Vec<String>, Error> {
    let options = RunOptions {
        now: kql_eval::datetime::parse_datetime("2026-11-25T12:00:00Z"),
        ..RunOptions::default()
    };
    let tables = kql_eval::run(query, catalog, &options)?;
    Ok(tables[0]
        .rows()
        .map(|r| {
            r.iter()
                .map(Value::to_kql_string)
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect())
}

/// A catalog of one table held in memory: scans without any prefilter.
struct Mem(String, Arc<dyn TableSource>);

impl Catalog for Mem {
    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error> {
        Ok((name == self.0).then(|| self.1.clone()))
    }

    fn table_names(&self) -> Vec<String> {
        vec![self.0.clone()]
    }
}

/// The result of `query` over the NDJSON `file` as table `name`: read in parallel with the
/// prefilter, and the reference: the file read whole into memory (no prefilter).
fn both_ways(name: &str, file: &Path, query: &str, threads: usize) -> (Vec<String>, Vec<String>) {
    let catalog = DataCatalog::new("")
        .with_table(name, file)
        .with_threads(threads);
    let fast = run(query, &catalog).unwrap();
    let whole = catalog.table(name).unwrap().unwrap();
    let mem = Mem(
        name.to_string(),
        Arc::new(MemTable::load(whole.as_ref()).unwrap()),
    );
    (fast, run(query, &mem).unwrap())
}

const LINES: &[&str] = &[
    r#"{"FileName": "net.exe", "Cmd": "net user a b /add", "N": 1}"#,
    r#"{"FileName": "NET.EXE", "Cmd": "NET USER c d /ADD", "N": 2}"#,
    // the literal spelled with escapes: the line must not be skipped
    r#"{"FileName": "net\u002eexe", "Cmd": "x", "N": 3}"#,
    r#"{"FileName": "n\u0065t1.exe", "Cmd": "y", "N": 4}"#,
    // the literal only in a nested object: read, then dropped by the filter itself
    r#"{"FileName": "cmd.exe", "Other": {"FileName": "net.exe"}, "N": 5}"#,
    r#"{"FileName": "cmd.exe", "Cmd": "C:\\Windows\\net.exe\u00ae", "N": 6}"#,
    r#"{"FileName": "cmd.exe", "Cmd": "plain", "N": 7}"#,
    r#"{"FileName": "dotnet.exe", "Cmd": "build", "N": 8}"#,
    "",
    r#"{"N": 9, "FileName": "Net1.Exe"}"#,
];

#[test]
fn the_prefilter_skips_lines_but_not_results() {
    let tmp = Scratch::new();
    let path = tmp.file("t.ndjson", LINES.join("\n"));
    let table = JsonTable::open(&path, None).unwrap();
    let schema = table.schema();
    let all: Vec<usize> = (0..schema.len()).collect();
    let prefilter = Prefilter {
        all_of: vec![vec![
            PrefilterLiteral {
                text: "net.exe".into(),
                case_insensitive: true,
            },
            PrefilterLiteral {
                text: "net1.exe".into(),
                case_insensitive: true,
            },
        ]],
    };
    let n = schema.index_of("N").unwrap();
    let kept: Vec<Value> = table
        .scan_filtered(&all, &prefilter)
        .unwrap()
        .flat_map(|b| {
            let b = b.unwrap();
            b.columns[n].to_vec()
        })
        .collect();
    // skipped: 7 (no literal, no escape that could spell it); not 6 (`\u00ae` cannot spell
    // it, but the raw text holds net.exe)
    let longs = |v: &[i64]| v.iter().map(|i| Value::Long(*i)).collect::<Vec<_>>();
    assert_eq!(kept, longs(&[1, 2, 3, 4, 5, 6, 8, 9]));
    assert_eq!(read_all(&table).unwrap().len(), 9);
    // a scan of no column still counts the rows (`T | count`)
    let rows: usize = table.scan(&[]).unwrap().map(|b| b.unwrap().len).sum();
    assert_eq!(rows, 9);

    for query in [
        r#"T | where FileName in~ ("net.exe", "net1.exe") | project N, FileName"#,
        r#"T | where FileName =~ "net.exe" | project N"#,
        r#"T | where FileName == "net.exe" | project N"#,
        r#"T | where FileName has "NET" and Cmd contains "/add" | project N"#,
        r#"T | where Cmd startswith "net" or FileName endswith "1.exe" | project N"#,
        r#"T | where FileName contains_cs "Net" | project N"#,
    ] {
        for threads in [1, 2] {
            let (fast, whole) = both_ways("T", &path, query, threads);
            assert_eq!(fast, whole, "{query}");
        }
    }
    let (fast, _) = both_ways(
        "T",
        &path,
        r#"T | where FileName in~ ("net.exe", "net1.exe") | project N"#,
        2,
    );
    assert_eq!(fast, ["1", "2", "3", "4", "9"]);
}

/// Lines of a bigger file: net.exe now and then, escapes, nested objects, blank lines.
fn many_lines(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        let name = match i % 97 {
            0 => "net.exe",
            13 => "NET1.EXE",
            29 => r"net\u002Eexe",
            _ => ["svchost.exe", "chrome.exe", "dotnet.exe", "cmd.exe"][i % 4],
        };
        let extra = if i % 11 == 0 {
            r#", "AdditionalFields": {"FileName": "net.exe", "k": [1, 2.5, null]}"#
        } else {
            ""
        };
        text.push_str(&format!(
            "{{\"Timestamp\": \"2026-11-2{}T10:00:00Z\", \"DeviceId\": \"d{}\", \"FileName\": \"{name}\", \"ProcessCommandLine\": \"C:\\\\x\\\\{name} user u{} p /add\u{ae}\"{extra}}}\n",
            i % 5,
            i % 13,
            i % 7
        ));
        if i % 50 == 0 {
            text.push('\n');
        }
    }
    text
}

#[test]
fn results_do_not_depend_on_threads_chunks_or_the_prefilter() {
    let tmp = Scratch::new();
    let path = tmp.file("DeviceProcessEvents.ndjson", many_lines(3000));
    let queries = [
        r#"DeviceProcessEvents | where FileName in~ ("net.exe", "net1.exe") and Timestamp > ago(3d) | project FileName, DeviceId, ProcessCommandLine"#,
        "DeviceProcessEvents | summarize count(), dcount(DeviceId) by FileName | top 20 by count_",
        r#"DeviceProcessEvents | where ProcessCommandLine has "user" | summarize make_set(FileName) by DeviceId | order by DeviceId asc"#,
        "DeviceProcessEvents | take 5",
    ];
    for query in queries {
        let mut results = Vec::new();
        for chunk in [1 << 20, 4096, 777] {
            TEST_CHUNK.with(|c| c.set(chunk));
            for threads in [1, 2, 3] {
                let (fast, whole) = both_ways("DeviceProcessEvents", &path, query, threads);
                assert_eq!(fast, whole, "{query}: {threads} threads, chunks of {chunk}");
                results.push(fast);
            }
        }
        TEST_CHUNK.with(|c| c.set(chunks::CHUNK));
        assert!(results.windows(2).all(|w| w[0] == w[1]), "{query}");
        assert!(!results[0].is_empty(), "{query}");
    }
}

#[test]
fn a_schema_from_a_sample_reads_the_file_whole_when_the_query_needs_it() {
    let tmp = Scratch::new();
    // the sample (first chunk) has only built-in columns; a later line has `Extra`
    let mut text = many_lines(2000);
    text.push_str(
        r#"{"FileName": "net.exe", "DeviceId": "late", "Extra": 42, "ProcessCommandLine": "x"}"#,
    );
    text.push('\n');
    text.push_str(&many_lines(50));
    let path = tmp.file("DeviceProcessEvents.ndjson", &text);
    TEST_CHUNK.with(|c| c.set(8192));
    let name = "DeviceProcessEvents";
    let catalog = || DataCatalog::new("").with_table(name, &path).with_threads(2);
    let known = crate::known_schema(name).unwrap();

    // names only built-in columns: sampled, never read whole first
    let c = catalog();
    let q = r#"DeviceProcessEvents | where FileName =~ "net.exe" | summarize count() by DeviceId | order by DeviceId asc"#;
    let fast = run(q, &c).unwrap();
    let sampled = c
        .table_for(
            name,
            Some(&["FileName".to_string(), "DeviceId".to_string()].into()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(sampled.schema().len(), known.len(), "no Extra: sampled");
    assert!(fast.contains(&"late | 1".to_string()));

    // names `Extra`: the scan meets it, and the query runs again over the file read whole
    let c = catalog();
    let q = r#"DeviceProcessEvents | where FileName =~ "net.exe" and isnotnull(Extra) | project DeviceId, Extra"#;
    assert_eq!(run(q, &c).unwrap(), ["late | 42"]);
    // a name the query makes before reading it, with no table column in its output: the
    // query's own, so the sample serves, with the same result as the file read whole
    let c = catalog();
    let q = r#"DeviceProcessEvents | where DeviceId == "late" | extend Extra = 1 | project DeviceId, Extra"#;
    assert_eq!(run(q, &c).unwrap(), ["late | 1"]);
    let still = c
        .table_for(name, Some(&["DeviceId".to_string()].into()))
        .unwrap()
        .unwrap();
    assert_eq!(still.schema().len(), known.len(), "still sampled");
    // read before it is made, it is the table's: the scan meets `"Extra":`, fails with
    // SCHEMA_CHANGED, and the query runs again with the table read whole
    let c = catalog();
    let q = r#"DeviceProcessEvents | where DeviceId == "late" | extend Extra = Extra + 1 | project DeviceId, Extra"#;
    assert_eq!(run(q, &c).unwrap(), ["late | 43"]);
    let now = c
        .table_for(name, Some(&["Extra".to_string()].into()))
        .unwrap()
        .unwrap();
    assert_eq!(now.schema().len(), known.len() + 1);

    // all of them, with the file read whole: the reference
    let c = catalog();
    let full = c.table(name).unwrap().unwrap();
    assert_eq!(full.schema().len(), known.len() + 1);
    let (_, rows) = read(full.as_ref(), &[full.schema().index_of("Extra").unwrap()]).unwrap();
    assert_eq!(rows.iter().filter(|r| !r[0].is_null()).count(), 1);
    TEST_CHUNK.with(|c| c.set(chunks::CHUNK));
}

#[test]
fn errors_name_the_line_whatever_the_chunk() {
    let tmp = Scratch::new();
    let mut text = many_lines(500);
    text.push_str("{\"FileName\": \"x\", \"N\" 1}\n");
    text.push_str(&many_lines(10));
    let path = tmp.file("t.ndjson", &text);
    let line = many_lines(500).lines().count() + 1;
    for chunk in [512, 1 << 20] {
        TEST_CHUNK.with(|c| c.set(chunk));
        let e = JsonTable::open(&path, None).unwrap_err();
        assert_eq!(
            e.message,
            format!("{}:{line}:23: expected `:`", path.display()),
            "chunks of {chunk}"
        );
        let skip = ReadOptions::new(crate::OnError::Skip);
        let table = JsonTable::open_with(&path, None, &skip).unwrap();
        assert_eq!(read_all(&table).unwrap().len(), 510);
        assert_eq!(skip.report.skipped_total(), 1);
    }
    TEST_CHUNK.with(|c| c.set(chunks::CHUNK));
}

#[test]
fn a_key_read_twice_keeps_its_last_value() {
    let tmp = Scratch::new();
    let path = tmp.file(
        "t.ndjson",
        [
            r#"{"A": "x", "B": 1, "A": "y"}"#,
            r#"{"A": "x", "B": {"A": "nested"}}"#,
            r#"{"A": "x", "B": "\u0041", "C": 1}"#,
            r#"{"A": "x", "B": 2, "\u0041": "escaped"}"#,
            r#"{"A": "p", "B": 2}"#,
        ]
        .join("\n"),
    );
    let table = JsonTable::open(&path, None).unwrap();
    let a = table.schema().index_of("A").unwrap();
    let (_, rows) = read(&table, &[a]).unwrap();
    let got: Vec<String> = rows.iter().map(|r| r[0].to_kql_string()).collect();
    assert_eq!(got, ["y", "x", "x", "escaped", "p"]);
}
