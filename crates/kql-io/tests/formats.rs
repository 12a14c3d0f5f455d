//! Every reader over a realistic sample of `DeviceProcessEvents` (in `tests/samples/`: the same
//! 14 events as NDJSON, a JSON array, the Defender and Graph hunting API responses, the Log
//! Analytics API response, Azure Data Explorer v1 and v2 responses, a portal "Export to CSV"
//! with day-first dates, a US-style export and a TSV), plain and gzip-compressed: the
//! Create-account hunting query gives the same result over each. Broken copies of each give an
//! error naming the file, the line (or record) and the column, and `--on-error skip` counts what
//! it skipped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use kql_eval::datetime::parse_datetime;
use kql_eval::{RunOptions, Table, Type, Value};
use kql_io::{DataCatalog, OnError, ReadOptions, known_schema, open_table};

const NOW: &str = "2026-03-28T12:00:00Z";

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples")
}

fn sample(name: &str) -> PathBuf {
    samples().join(format!("DeviceProcessEvents.{name}"))
}

const FORMATS: &[&str] = &[
    "ndjson",
    "json",
    "defender.json",
    "graph.json",
    "la.json",
    "adx-v1.json",
    "adx-v2.json",
    "portal-export.csv",
    "us-export.csv",
    "tsv",
];

/// A fresh scratch directory.
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("kql-io-formats-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn create_account() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries/create-account.kql"),
    )
    .unwrap()
}

fn run_over(path: &Path, on_error: OnError) -> Result<(Vec<Vec<String>>, DataCatalog), String> {
    let catalog = DataCatalog::new(scratch())
        .with_on_error(on_error)
        .with_table("DeviceProcessEvents", path);
    let options = RunOptions {
        now: parse_datetime(NOW),
        ..RunOptions::default()
    };
    let tables = kql_eval::run(&create_account(), &catalog, &options).map_err(|e| e.message)?;
    Ok((sorted_rows(&tables[0]), catalog))
}

/// The error of a run expected to fail.
fn error_over(path: &Path, on_error: OnError) -> String {
    match run_over(path, on_error) {
        Ok((rows, _)) => panic!("{}: expected an error, got {rows:?}", path.display()),
        Err(e) => e,
    }
}

fn sorted_rows(t: &Table) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = t
        .rows()
        .map(|r| r.iter().map(|v| format!("{v:?}")).collect())
        .collect();
    rows.sort();
    rows
}

#[test]
fn create_account_gives_the_same_result_over_every_format() {
    let (baseline, _) = run_over(&sample("ndjson"), OnError::Fail).unwrap();
    // the events hold 7 accounts created (alice.svc on two machines)
    assert_eq!(baseline.len(), 7, "{baseline:#?}");
    let users: Vec<&str> = baseline.iter().map(|r| r[0].as_str()).collect();
    for user in [
        "alice.svc",
        "Mallory",
        "frank.m",
        "sqlsvc",
        "edge.case",
        "dave.t",
    ] {
        assert!(
            users.contains(&format!("String({user:?})").as_str()),
            "{user} in {users:?}"
        );
    }
    assert!(
        baseline
            .iter()
            .any(|r| r[0] == "String(\"alice.svc\")" && r[6] == "Long(2)"),
        "{baseline:#?}"
    );
    let tmp = scratch();
    for format in FORMATS {
        let path = sample(format);
        let (rows, catalog) = run_over(&path, OnError::Fail).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows, baseline, "{format}");
        assert_eq!(catalog.report().skipped_total(), 0, "{format}");
        assert!(
            catalog.report().warnings().is_empty(),
            "{format}: {:?}",
            catalog.report().warnings()
        );
        // gzip-compressed, with and without the .gz suffix
        let bytes = std::fs::read(&path).unwrap();
        for name in [format!("s.{format}.gz"), format!("packed-{format}")] {
            let packed = tmp.join(name);
            std::fs::write(&packed, gzip(&bytes)).unwrap();
            let (rows, _) = run_over(&packed, OnError::Fail).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(rows, baseline, "{}", packed.display());
        }
    }
}

/// All columns, all rows: each reader gives the same values as NDJSON for the columns every
/// format carries the same way (dates to the millisecond, as the portal shows them).
#[test]
fn every_format_reads_the_same_values() {
    let known = known_schema("DeviceProcessEvents").unwrap();
    let read = |path: &Path| -> (Vec<(String, Type)>, Vec<Vec<Value>>) {
        let t = open_table(path, Some(&known), &ReadOptions::default()).unwrap();
        let schema = t.schema();
        let all: Vec<usize> = (0..schema.len()).collect();
        let mut rows = Vec::new();
        for b in t.scan(&all).unwrap() {
            let b = b.unwrap();
            for r in 0..b.len {
                rows.push(b.row(r));
            }
        }
        let types = schema
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.ty))
            .collect();
        (types, rows)
    };
    let (base_types, base_rows) = read(&sample("ndjson"));
    assert_eq!(base_rows.len(), 14);
    let col = |name: &str| base_types.iter().position(|(n, _)| n == name).unwrap();
    let remote = col("IsProcessRemoteSession");
    assert_eq!(base_types[remote].1, Type::Bool);
    assert_eq!(base_types[col("ProcessId")].1, Type::Long);
    assert_eq!(base_types[col("ReportId")].1, Type::Long);
    for format in FORMATS {
        let (types, rows) = read(&sample(format));
        assert_eq!(rows.len(), base_rows.len(), "{format}");
        for (name, ty) in &base_types {
            let Some(c) = types.iter().position(|(n, _)| n == name) else {
                panic!("{format}: no column {name}");
            };
            let b = col(name);
            // AdditionalFields: a string in the built-in schema; declared dynamic by the APIs
            if name == "AdditionalFields" {
                if types[c].1 == Type::Dynamic {
                    assert!(
                        matches!(rows[0][c], Value::Dynamic(ref d) if d.is_object()),
                        "{format}: {:?}",
                        rows[0][c]
                    );
                }
                continue;
            }
            assert_eq!(types[c].1, *ty, "{format}: {name}");
            for (i, (row, base)) in rows.iter().zip(&base_rows).enumerate() {
                assert_eq!(row[c], base[b], "{format}: row {i} column {name}");
            }
        }
    }
}

/// What `kql run --format json` writes reads back as the same table: types and values.
#[test]
fn log_analytics_json_output_reads_back_losslessly() {
    let tmp = scratch();
    let src = r#"print b = true, i = int(7), l = 9007199254740993, r = 1.0, n = real(nan),
        inf = real(-inf), s = "a \"q\"", e = "", d = datetime(2026-03-26T15:18:18.7901234Z),
        t = totimespan("1.02:03:04.5"), g = guid(6f9619ff-8b86-d011-b42d-00cf4fc964ff),
        dy = dynamic({"k": [1, "x", null]}), ds = dynamic("text"), nl = long(null),
        nd = datetime(null)"#;
    let catalog = DataCatalog::new(&tmp);
    let tables = kql_eval::run(src, &catalog, &RunOptions::default()).unwrap();
    let path = tmp.join("out.json");
    kql_io::write_json(&tables[0], std::fs::File::create(&path).unwrap()).unwrap();
    let t = open_table(&path, None, &ReadOptions::default()).unwrap();
    assert_eq!(*t.schema(), *tables[0].schema);
    let all: Vec<usize> = (0..t.schema().len()).collect();
    let back: Vec<Vec<Value>> = t
        .scan(&all)
        .unwrap()
        .flat_map(|b| {
            let b = b.unwrap();
            (0..b.len).map(move |r| b.row(r)).collect::<Vec<_>>()
        })
        .collect();
    let original: Vec<Vec<Value>> = tables[0].rows().collect();
    assert_eq!(back.len(), 1);
    for (c, (a, b)) in back[0].iter().zip(&original[0]).enumerate() {
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "column {c}");
    }
}

/// A broken copy of each sample: the error names the file, the line (or record) and the
/// column; with skipping, the bad record is counted and the rest is read.
#[test]
fn broken_samples_report_where_and_skipping_counts() {
    let tmp = scratch();
    let text = |f: &str| std::fs::read_to_string(sample(f)).unwrap();
    let cases: Vec<(&str, String, String)> = vec![
        (
            "ndjson",
            text("ndjson").replacen(
                "\"Timestamp\": \"2026-03-27T09:45:00.500Z\"",
                "\"Timestamp\": \"eight\"",
                1,
            ),
            ":5: column Timestamp (datetime): cannot read `\"eight\"` as datetime".into(),
        ),
        (
            "ndjson",
            text("ndjson").replacen("\"ProcessId\": 880,", "\"ProcessId\" 880,", 1),
            ":5:".into(),
        ),
        (
            "json",
            text("json").replacen("\"ProcessId\": 880", "\"ProcessId\": 880x", 1),
            ":".into(),
        ),
        (
            "defender.json",
            text("defender.json").replacen(
                "\"Timestamp\": \"2026-03-27T09:45:00.500Z\"",
                "\"Timestamp\": \"yesterday\"",
                1,
            ),
            ": row 5: column Timestamp (datetime): cannot read `\"yesterday\"` as datetime".into(),
        ),
        (
            "graph.json",
            text("graph.json").replacen(
                "\"Timestamp\": \"2026-03-27T09:45:00.500Z\"",
                "\"Timestamp\": 8.5",
                1,
            ),
            ": row 5: column Timestamp (datetime): cannot read `8.5` as datetime".into(),
        ),
        (
            "la.json",
            text("la.json").replacen(", 880, ", ", ", 1),
            ": row 5: expected 19 cells (one per column), found 18".into(),
        ),
        (
            "adx-v1.json",
            text("adx-v1.json").replacen("[\"2026-03-27T09:45:00.500Z\"", "[\"x880\"", 1),
            ": row 5: column Timestamp (datetime): cannot read `\"x880\"` as datetime".into(),
        ),
        (
            "adx-v2.json",
            text("adx-v2.json").replacen(
                "[\"2026-03-27T09:45:00.500Z\"",
                "{\"OneApiErrors\": [{\"error\": {\"code\": \"LimitsExceeded\"}}]}, [\"2026-03-27T09:45:00.500Z\"",
                1,
            ),
            ": row 5: expected an array of cells, found `{\"OneApiErrors\"".into(),
        ),
        (
            "portal-export.csv",
            text("portal-export.csv").replacen("\"27/03/2026, 09:45:00.500\"", "\"27/03/2026, 9h45\"", 1),
            ":6: column Timestamp (datetime): cannot read `27/03/2026, 9h45` as datetime".into(),
        ),
        (
            "us-export.csv",
            text("us-export.csv").replacen(",880,", ",", 1),
            ":6: expected 19 cells (one per column of the header), found 18".into(),
        ),
        (
            "tsv",
            text("tsv").replacen("2026-03-27T09:45:00.500Z\t", "not-a-date\t", 1),
            ":6: column Timestamp (datetime): cannot read `not-a-date` as datetime".into(),
        ),
    ];
    let (baseline, _) = run_over(&sample("ndjson"), OnError::Fail).unwrap();
    for (i, (format, broken, expected)) in cases.iter().enumerate() {
        assert_ne!(*broken, text(format), "case {i} must change the sample");
        let path = tmp.join(format!("broken{i}.{format}"));
        std::fs::write(&path, broken).unwrap();
        let err = error_over(&path, OnError::Fail);
        let want = format!("{}{expected}", path.display());
        assert!(
            err.starts_with(&want),
            "case {i} {format}:\n{err}\nwanted {want}"
        );
        // the broken record is bob.admin's: dropped by the query anyway, so the result stays
        let (rows, catalog) =
            run_over(&path, OnError::Skip).unwrap_or_else(|e| panic!("case {i}: {e}"));
        assert_eq!(catalog.report().skipped_total(), 1, "case {i} {format}");
        assert_eq!(rows, baseline, "case {i} {format}");
        let gz = tmp.join(format!("broken{i}.{format}.gz"));
        std::fs::write(&gz, gzip(broken.as_bytes())).unwrap();
        let err = error_over(&gz, OnError::Fail);
        assert!(err.starts_with(&gz.display().to_string()), "{err}");
    }
    // a truncated gzip file is an error naming it
    let bytes = gzip(text("ndjson").as_bytes());
    let cut = tmp.join("cut.ndjson.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = error_over(&cut, OnError::Skip);
    assert!(err.contains("cut.ndjson.gz"), "{err}");
}

#[test]
fn ambiguous_dates_are_read_per_column_with_a_warning() {
    let tmp = scratch();
    let path = tmp.join("t.csv");
    std::fs::write(
        &path,
        "When [UTC],Other,Us\n\"03/04/2026, 10:00:00.000\",01/02/2026,2/3/2026 1:00:00 PM\n",
    )
    .unwrap();
    let options = ReadOptions::default();
    let t = open_table(&path, None, &options).unwrap();
    let b = t.scan(&[0, 1, 2]).unwrap().next().unwrap().unwrap();
    let dt = |s: &str| Value::DateTime(parse_datetime(s).unwrap());
    assert_eq!(
        b.row(0),
        vec![
            dt("2026-04-03T10:00:00Z"),
            dt("2026-02-01T00:00:00Z"),
            dt("2026-02-03T13:00:00Z"),
        ]
    );
    let warnings = options.report.warnings();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0].contains("column When") && warnings[0].contains("day-first"),
        "{warnings:?}"
    );
    assert!(
        warnings[2].contains("column Us") && warnings[2].contains("month-first"),
        "{warnings:?}"
    );
}

#[test]
fn a_directory_is_its_files_concatenated() {
    let tmp = scratch();
    let dir = tmp.join("DeviceProcessEvents");
    std::fs::create_dir(&dir).unwrap();
    // the events split over three files of three formats
    let lines: Vec<String> = std::fs::read_to_string(sample("ndjson"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    std::fs::write(dir.join("a.ndjson"), lines[..5].join("\n")).unwrap();
    std::fs::write(
        dir.join("b.ndjson.gz"),
        gzip(lines[5..9].join("\n").as_bytes()),
    )
    .unwrap();
    let csv = std::fs::read_to_string(sample("portal-export.csv")).unwrap();
    let csv_lines: Vec<&str> = csv.split_inclusive("\r\n").collect();
    let mut part = csv_lines[0].to_string();
    part.push_str(&csv_lines[10..].concat());
    std::fs::write(dir.join("c.csv"), part).unwrap();
    std::fs::write(dir.join("README.txt"), "exported 2026-03-28").unwrap();
    let (baseline, _) = run_over(&sample("ndjson"), OnError::Fail).unwrap();
    let (rows, catalog) = run_over(&dir, OnError::Fail).unwrap();
    assert_eq!(rows, baseline);
    let warnings = catalog.report().warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("README.txt"), "{warnings:?}");
    // found in a data directory by name too
    let catalog = DataCatalog::new(&tmp);
    assert!(
        kql_eval::Catalog::table(&catalog, "DeviceProcessEvents")
            .unwrap()
            .is_some()
    );

    // types that differ are widened, with a warning
    let mixed = tmp.join("Mixed");
    std::fs::create_dir(&mixed).unwrap();
    std::fs::write(
        mixed.join("1.ndjson"),
        "{\"n\": 1, \"s\": 5, \"e\": null}\n",
    )
    .unwrap();
    std::fs::write(mixed.join("2.csv"), "n,s,e\n2.5,x,2026-01-01\n").unwrap();
    let options = ReadOptions::default();
    let t = open_table(&mixed, None, &options).unwrap();
    let types: Vec<Type> = t.schema().fields.iter().map(|f| f.ty).collect();
    assert_eq!(types, [Type::Real, Type::String, Type::DateTime]);
    let rows: Vec<Vec<Value>> = t
        .scan(&[0, 1, 2])
        .unwrap()
        .flat_map(|b| {
            let b = b.unwrap();
            (0..b.len).map(move |r| b.row(r)).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        rows[0],
        vec![Value::Real(1.0), Value::str("5"), Value::Null]
    );
    assert_eq!(rows[1][0], Value::Real(2.5));
    let warnings = options.report.warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("column n is long in 1.ndjson, real in 2.csv: read as real"),
        "{warnings:?}"
    );
}
