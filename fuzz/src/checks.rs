//! What each fuzz target checks, one function per target taking the raw input, shared by the
//! targets (`fuzz_targets/`) and by the regression tests, which run every input kept in
//! `fuzz/regressions/TARGET/` through the same function on stable Rust
//! (`crates/kql-cli/tests/fuzz_regressions.rs` includes this file).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use kql_eval::{Batch, Catalog, Field, MemTable, RunOptions, Schema, TableSource, Type, Value};
use kql_io::{OnError, ReadOptions};

/// The AST's debug text without its spans (every `start..end`, `span: ` or not): two parses
/// of equivalent text compare equal.
pub fn without_spans(debug: &str) -> String {
    let bytes = debug.as_bytes();
    let digits = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut out = String::with_capacity(debug.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let starts_number =
            bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if starts_number {
            let a = digits(i);
            if debug[a..].starts_with("..") {
                let b = digits(a + 2);
                if b > a + 2 {
                    out.push_str(&debug[copied..i]);
                    out.push('_');
                    copied = b;
                    i = b;
                    continue;
                }
            }
            i = a;
            continue;
        }
        i += 1;
    }
    out.push_str(&debug[copied..]);
    out
}

/// This process's scratch directory (in /dev/shm when there is one).
pub fn scratch_dir() -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    base.join(format!("kql-fuzz-{}", std::process::id()))
}

/// Writes `data` to this process's scratch file named `name` and returns its path.
/// `name` may have a folder (`read_csv/table.csv`), one per target.
pub fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("scratch directory");
    }
    std::fs::write(&path, data).expect("scratch file");
    path
}

/// Read options from one byte: fail or skip on malformed records.
pub fn read_options(flags: u8) -> ReadOptions {
    ReadOptions::new(if flags & 1 == 0 {
        OnError::Fail
    } else {
        OnError::Skip
    })
}

/// A built-in schema from one byte: none, a Defender table or a Sentinel table.
pub fn known_schema(flags: u8) -> Option<Schema> {
    match (flags >> 1) % 4 {
        0 | 1 => None,
        2 => kql_io::known_schema("DeviceProcessEvents"),
        _ => kql_io::known_schema("SigninLogs"),
    }
}

/// Reads every row of `table` (all columns, then only the last one), turning each value to
/// text and JSON as the writers do.
pub fn drain(table: &dyn TableSource) {
    let schema = table.schema();
    let all: Vec<usize> = (0..schema.len()).collect();
    for columns in [
        all.clone(),
        all.last().map(|&c| vec![c]).unwrap_or_default(),
    ] {
        let Ok(stream) = table.scan(&columns) else {
            return;
        };
        for batch in stream {
            let Ok(batch) = batch else { break };
            for column in &batch.columns {
                for v in column.iter() {
                    let _ = v.to_kql_string();
                    let _ = v.to_json();
                }
            }
        }
    }
}

/// The engine target's tables: `T`, small and generated with a value of every kind (nulls,
/// NaN, extremes, text with separators and non-ASCII), and `DeviceProcessEvents` from
/// testdata/, which the seed queries read.
pub struct FuzzCatalog {
    tables: Vec<(String, Arc<dyn TableSource>)>,
}

impl FuzzCatalog {
    pub fn get() -> &'static FuzzCatalog {
        static CATALOG: OnceLock<FuzzCatalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let mut tables: Vec<(String, Arc<dyn TableSource>)> =
                vec![("T".to_string(), Arc::new(generated_table()))];
            let events = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../testdata/DeviceProcessEvents.json"
            );
            if let Ok(t) = kql_io::open_table(
                std::path::Path::new(events),
                kql_io::known_schema("DeviceProcessEvents").as_ref(),
                &ReadOptions::default(),
            ) && let Ok(m) = MemTable::load(t.as_ref())
            {
                tables.push(("DeviceProcessEvents".to_string(), Arc::new(m)));
            }
            FuzzCatalog { tables }
        })
    }
}

impl Catalog for FuzzCatalog {
    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, kql_eval::Error> {
        Ok(self
            .tables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone()))
    }

    fn table_names(&self) -> Vec<String> {
        self.tables.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// A table a value per row (no dictionary-encoded column), as a file source yields it.
struct PlainTable {
    schema: kql_eval::SchemaRef,
    batches: Vec<Batch>,
}

impl TableSource for PlainTable {
    fn schema(&self) -> kql_eval::SchemaRef {
        self.schema.clone()
    }

    fn scan(&self, columns: &[usize]) -> Result<kql_eval::BatchStream, kql_eval::Error> {
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|&i| self.schema.fields[i].clone())
                .collect(),
        ));
        let batches: Vec<Result<Batch, kql_eval::Error>> = self
            .batches
            .iter()
            .map(|b| {
                let picked = columns
                    .iter()
                    .map(|&i| kql_eval::column(b.columns[i].to_vec()))
                    .collect();
                Ok(Batch::new(schema.clone(), picked, b.len))
            })
            .collect();
        Ok(Box::new(batches.into_iter()))
    }
}

impl FuzzCatalog {
    /// The same tables, a value per row: a query must answer alike over both.
    pub fn plain() -> &'static FuzzCatalog {
        static CATALOG: OnceLock<FuzzCatalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let tables = FuzzCatalog::get()
                .tables
                .iter()
                .map(|(name, t)| {
                    let all: Vec<usize> = (0..t.schema().len()).collect();
                    let batches = t
                        .scan(&all)
                        .map(|s| s.filter_map(Result::ok).collect())
                        .unwrap_or_default();
                    let plain = PlainTable {
                        schema: t.schema(),
                        batches,
                    };
                    (name.clone(), Arc::new(plain) as Arc<dyn TableSource>)
                })
                .collect();
            FuzzCatalog { tables }
        })
    }
}

fn generated_table() -> MemTable {
    let schema = Arc::new(Schema::new(vec![
        Field::new("b", Type::Bool),
        Field::new("i", Type::Int),
        Field::new("l", Type::Long),
        Field::new("r", Type::Real),
        Field::new("s", Type::String),
        Field::new("d", Type::DateTime),
        Field::new("t", Type::TimeSpan),
        Field::new("g", Type::Guid),
        Field::new("j", Type::Dynamic),
    ]));
    let texts = [
        "",
        "a",
        "Hello World",
        "net user alice /add",
        "C:\\Windows\\System32\\cmd.exe",
        "ünïcödé ☃ 𝄞",
        "a,b;c|d e\tf\ng",
        "10.0.0.1",
        "2026-11-25T12:00:00Z",
        "{\"k\": [1, 2]}",
    ];
    let json = [
        "null",
        "1",
        "-2.5",
        "\"x\"",
        "[1, \"a\", null, [2]]",
        "{\"a\": {\"b\": [1, 2, 3]}, \"c\": \"d\"}",
        "true",
        "[]",
        "{}",
        "1e308",
    ];
    let rows: Vec<Vec<Value>> = (0..40i64)
        .map(|n| {
            let k = n as usize;
            let null = n % 7 == 6;
            let pick = |v: Value| if null { Value::Null } else { v };
            vec![
                pick(Value::Bool(n % 2 == 0)),
                pick(Value::Int([0, 1, -1, i32::MAX, i32::MIN][k % 5])),
                pick(Value::Long([0, 42, -7, i64::MAX, i64::MIN, 1 << 53][k % 6])),
                pick(Value::Real(
                    [
                        0.0,
                        -0.0,
                        1.5,
                        f64::NAN,
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                        1e-300,
                    ][k % 7],
                )),
                Value::str(texts[k % texts.len()]),
                pick(Value::DateTime(
                    [
                        0,
                        17_641_728_000_000_000,
                        -1,
                        i64::MAX / 2,
                        2_534_023_007_999_999_999,
                    ][k % 5],
                )),
                pick(Value::TimeSpan(
                    [0, 10_000_000, -36_000_000_000, i64::MIN / 2][k % 4],
                )),
                pick(Value::Guid([n as u8; 16])),
                Value::Dynamic(Arc::new(
                    serde_json_value(json[k % json.len()]).unwrap_or_default(),
                )),
            ]
        })
        .collect();
    let batch = Batch::from_rows(schema.clone(), rows);
    // two batches, so batch boundaries are exercised
    let (a, b) = (batch.head(25), tail(&batch, 25));
    MemTable::new(schema, vec![a, b])
}

fn tail(batch: &Batch, from: usize) -> Batch {
    let keep: Vec<bool> = (0..batch.len).map(|r| r >= from).collect();
    batch.filter(&keep)
}

fn serde_json_value(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str(text).ok()
}

/// A deadline for the engine target: a watchdog thread sets the returned flag once
/// `budget` has passed since [`arm`](Deadline::arm), as `kql run --timeout` does.
pub struct Deadline {
    flag: Arc<AtomicBool>,
    /// Milliseconds since `epoch` when the flag is to be set; 0 when disarmed.
    due: Arc<AtomicU64>,
    epoch: Instant,
}

impl Deadline {
    pub fn get() -> &'static Deadline {
        static DEADLINE: OnceLock<Deadline> = OnceLock::new();
        DEADLINE.get_or_init(|| {
            let d = Deadline {
                flag: Arc::new(AtomicBool::new(false)),
                due: Arc::new(AtomicU64::new(0)),
                epoch: Instant::now(),
            };
            let (flag, due, epoch) = (d.flag.clone(), d.due.clone(), d.epoch);
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(20));
                    let at = due.load(Ordering::Relaxed);
                    if at != 0 && epoch.elapsed().as_millis() as u64 >= at {
                        flag.store(true, Ordering::Relaxed);
                    }
                }
            });
            d
        })
    }

    /// Clears the flag and starts the clock; returns the flag to pass as `cancel`.
    pub fn arm(&self, budget: Duration) -> Arc<AtomicBool> {
        self.flag.store(false, Ordering::Relaxed);
        let due = (self.epoch.elapsed() + budget).as_millis() as u64;
        self.due.store(due.max(1), Ordering::Relaxed);
        self.flag.clone()
    }

    pub fn disarm(&self) {
        self.due.store(0, Ordering::Relaxed);
    }
}

/// `parse` target: any bytes; `parse` returns a script or an error (never panics); an error's
/// span lies in the text, on character boundaries; a script's canonical text parses back to
/// the same script (spans aside) and is a fixed point.
pub fn parse_input(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match kql_parser::parse(src) {
        Ok(script) => {
            let text = script.to_string();
            let again = kql_parser::parse(&text).unwrap_or_else(|e| {
                panic!(
                    "the canonical text does not parse: {e:?}\n--- input\n{src}\n--- canonical\n{text}"
                )
            });
            let (a, b) = (
                without_spans(&format!("{script:?}")),
                without_spans(&format!("{again:?}")),
            );
            assert!(
                a == b,
                "the canonical text parses differently\n--- input\n{src}\n--- canonical\n{text}\n--- first\n{a}\n--- again\n{b}"
            );
            assert_eq!(
                again.to_string(),
                text,
                "the canonical text is not a fixed point"
            );
        }
        Err(e) => check_error(&e.into(), src),
    }
}

/// 2026-11-25T12:00:00Z in ticks.
const NOW: i64 = 17_640_720_000_000_000;

/// How long one query of the engine target may run before its cancel flag is set.
pub const QUERY_BUDGET: Duration = Duration::from_millis(500);

/// `engine` target: a query over [`FuzzCatalog`]; `run` and `check` return a result or an
/// error, never panic, and stop once cancelled; an error's span lies in the text; results can
/// be written in every format.
pub fn engine_input(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let catalog = FuzzCatalog::get();
    let deadline = Deadline::get();
    let mut options = RunOptions {
        now: Some(NOW),
        ..RunOptions::default()
    };
    options.cancel = Some(deadline.arm(QUERY_BUDGET));
    let result = kql_eval::run(src, catalog, &options);
    deadline.disarm();
    same_over_plain_tables(src, &result, &mut options);
    match result {
        Ok(tables) => {
            let rows: usize = tables.iter().map(|t| t.row_count()).sum();
            // writing is linear in the text: skip results too big to write quickly
            let text: usize = tables
                .iter()
                .flat_map(|t| t.rows())
                .flatten()
                .map(|v| v.as_str().map_or(16, str::len))
                .sum();
            if rows <= 2_000 && text <= 16 << 20 {
                for format in [
                    kql_cli::Format::Table,
                    kql_cli::Format::Json,
                    kql_cli::Format::Csv,
                    kql_cli::Format::Markdown,
                ] {
                    let _ = kql_cli::write_results(&tables, format, std::io::sink(), false);
                }
            }
        }
        Err(e) => check_error(&e, src),
    }
    let lenient = RunOptions {
        now: Some(NOW),
        unknown_tables_as_empty: true,
        ..RunOptions::default()
    };
    if let Err(e) = kql_eval::check(src, catalog, &lenient) {
        check_error(&e, src);
    }
}

/// The query gives the same answer over [`FuzzCatalog::plain`] as `result` over [`FuzzCatalog`]
/// (dictionary-encoded columns change nothing), unless it draws random numbers or either run
/// was cancelled.
fn same_over_plain_tables(
    src: &str,
    result: &Result<Vec<kql_eval::Table>, kql_eval::Error>,
    options: &mut RunOptions,
) {
    let random = ["rand", "new_guid", "sample"];
    if random.iter().any(|r| src.contains(r)) {
        return;
    }
    let cancelled = |r: &Result<Vec<kql_eval::Table>, kql_eval::Error>| {
        r.as_ref().is_err_and(|e| e.code == "kql::cancelled")
    };
    if cancelled(result) {
        return;
    }
    let deadline = Deadline::get();
    options.cancel = Some(deadline.arm(QUERY_BUDGET));
    let plain = kql_eval::run(src, FuzzCatalog::plain(), options);
    deadline.disarm();
    if cancelled(&plain) {
        return;
    }
    let rows = |r: &Result<Vec<kql_eval::Table>, kql_eval::Error>| match r {
        Ok(tables) => Ok(tables
            .iter()
            .map(|t| (t.schema.clone(), t.rows().collect::<Vec<_>>()))
            .collect::<Vec<_>>()),
        Err(e) => Err(e.code),
    };
    let (encoded, plain) = (rows(result), rows(&plain));
    assert!(
        encoded == plain,
        "dictionary-encoded tables answer differently\n--- query\n{src}\n--- encoded\n{encoded:?}\n--- plain\n{plain:?}"
    );
}

/// An error's span lies in the text, on character boundaries, and the error renders.
fn check_error(e: &kql_eval::Error, src: &str) {
    if let Some(span) = e.span {
        let (start, end) = (span.start as usize, span.end as usize);
        assert!(
            start <= end
                && end <= src.len()
                && src.is_char_boundary(start)
                && src.is_char_boundary(end),
            "error span {start}..{end} outside the text ({} bytes): {e:?}",
            src.len()
        );
    }
    let _ = kql_cli::render_error(e, "<fuzz>", src, false);
}

/// `read_json` and `read_ndjson` targets: the first byte picks fail or skip and a built-in
/// schema, the rest is the file; opening and reading every row ends in rows or an error.
pub fn json_input(data: &[u8], file_name: &str) {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let target = if file_name.ends_with(".ndjson") {
        "read_ndjson"
    } else {
        "read_json"
    };
    let path = scratch_file(&format!("{target}/{file_name}"), text);
    let known = known_schema(flags);
    if let Ok(table) = kql_io::JsonTable::open_with(&path, known.as_ref(), &read_options(flags)) {
        drain(&table);
    }
}

/// `read_csv` target: the first byte picks fail or skip, a built-in schema and the delimiter
/// (bit 4: tab), the rest is the file.
pub fn csv_input(data: &[u8]) {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let path = scratch_file("read_csv/table.csv", text);
    let delimiter = if flags & 0x10 == 0 { b',' } else { b'\t' };
    let known = known_schema(flags);
    if let Ok(table) =
        kql_io::CsvTable::open(&path, delimiter, known.as_ref(), &read_options(flags))
    {
        drain(&table);
    }
}

/// `read_response` target: a query API response (Defender, Graph, Log Analytics, ADX v1 and
/// v2), opened as a response and as any table (format detection).
pub fn response_input(data: &[u8]) {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let path = scratch_file("read_response/response.json", text);
    let known = known_schema(flags);
    let options = read_options(flags);
    if let Ok(Some(table)) = kql_io::ResponseTable::open(&path, known.as_ref(), &options) {
        drain(&table);
    }
    if let Ok(table) = kql_io::open_table(&path, known.as_ref(), &options) {
        drain(table.as_ref());
    }
}
