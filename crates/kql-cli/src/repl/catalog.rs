//! The session's tables: those of `--data` and `--table` and those added with `.load`, each
//! read into memory (the engine's columnar [`MemTable`]) on first use and kept, so the next
//! query over it does not parse JSON again.
//!
//! * [`QueryCatalog`] is what a query runs against: it loads tables (with a progress bar) and
//!   stops loading when the query is cancelled;
//! * [`SchemaCatalog`] is what completion binds against: it never reads a large file, using
//!   the loaded table, the built-in schema of a known table or a quick look at a small file.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use kql_eval::exec::CancelFlag;
use kql_eval::{BatchStream, Catalog, Error, MemTable, MemTableBuilder, SchemaRef, TableSource};
use kql_io::{DataCatalog, known_schema};

use super::progress::{LoadProgress, estimate_rows};

/// Files up to this size are read for their columns when completion needs them.
const QUICK_DESCRIBE_BYTES: u64 = 16 << 20;

/// A table held in memory.
pub struct Loaded {
    pub table: Arc<MemTable>,
    pub rows: usize,
}

/// The tables of a session.
pub struct ReplCatalog {
    /// Files by name (`--data`, `--table`, `.load`); describes each file once.
    data: RwLock<DataCatalog>,
    loaded: Mutex<HashMap<String, Loaded>>,
    /// Columns learned for completion without loading.
    described: Mutex<HashMap<String, SchemaRef>>,
    dropped: Mutex<HashSet<String>>,
    /// Lines to show once the running command is done ("T: 1,000 rows loaded in 2 ms").
    events: Mutex<Vec<String>>,
    /// Draw progress bars (stderr is a terminal).
    progress: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // a panic elsewhere cannot leave these maps half-updated
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The error of a cancelled query, as the executor reports it.
pub fn cancelled() -> Error {
    Error::new("kql::cancelled", "query cancelled")
}

impl ReplCatalog {
    pub fn new(data: DataCatalog, progress: bool) -> ReplCatalog {
        ReplCatalog {
            data: RwLock::new(data),
            loaded: Mutex::new(HashMap::new()),
            described: Mutex::new(HashMap::new()),
            dropped: Mutex::new(HashSet::new()),
            events: Mutex::new(Vec::new()),
            progress,
        }
    }

    fn data(&self) -> std::sync::RwLockReadGuard<'_, DataCatalog> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    fn is_dropped(&self, name: &str) -> bool {
        lock(&self.dropped).contains(name)
    }

    /// The names of the tables, data directory files in name order after `--table`/`.load`.
    pub fn names(&self) -> Vec<String> {
        let dropped = lock(&self.dropped).clone();
        let mut names: Vec<String> = self
            .data()
            .table_names()
            .into_iter()
            .filter(|n| !dropped.contains(n))
            .collect();
        for name in lock(&self.loaded).keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// The file table `name` is read from.
    pub fn path_of(&self, name: &str) -> Option<PathBuf> {
        if self.is_dropped(name) {
            return None;
        }
        self.data().path_of(name)
    }

    /// The row count of `name` if it is in memory.
    pub fn rows_in_memory(&self, name: &str) -> Option<usize> {
        lock(&self.loaded).get(name).map(|l| l.rows)
    }

    /// The in-memory table `name`, if it has been loaded.
    pub fn in_memory(&self, name: &str) -> Option<Arc<MemTable>> {
        if self.is_dropped(name) {
            return None;
        }
        lock(&self.loaded).get(name).map(|l| l.table.clone())
    }

    /// Table `name`, read into memory now if it is not yet (watching `cancel`).
    pub fn load(&self, name: &str, cancel: &CancelFlag) -> Result<Option<Arc<MemTable>>, Error> {
        if let Some(table) = self.in_memory(name) {
            return Ok(Some(table));
        }
        let Some(pending) = self.describe(name, cancel)? else {
            return Ok(None);
        };
        self.read_rows(pending, cancel).map(Some)
    }

    /// First half of a load: the file's columns (the JSON reader reads the whole file once
    /// for them), with the progress bar started.
    fn describe(&self, name: &str, cancel: &CancelFlag) -> Result<Option<Pending>, Error> {
        if self.is_dropped(name) {
            return Ok(None);
        }
        let path = self.data().path_of(name);
        let started = Instant::now();
        let progress = LoadProgress::start(name, self.progress && path.is_some(), cancel.clone());
        let Some(source) = self.data().table(name)? else {
            return Ok(None);
        };
        lock(&self.described).insert(name.to_string(), source.schema());
        Ok(Some(Pending {
            name: name.to_string(),
            path,
            source,
            started,
            progress,
        }))
    }

    /// Second half of a load: every row into memory.
    fn read_rows(&self, pending: Pending, cancel: &CancelFlag) -> Result<Arc<MemTable>, Error> {
        let Pending {
            name,
            path,
            source,
            started,
            progress,
        } = pending;
        if let Some(table) = self.in_memory(&name) {
            return Ok(table);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(cancelled());
        }
        progress.reading_rows(path.as_deref().and_then(estimate_rows));
        let schema = source.schema();
        let all: Vec<usize> = (0..schema.len()).collect();
        let mut rows = MemTableBuilder::new(schema.clone());
        for batch in source.scan(&all)? {
            if cancel.load(Ordering::Relaxed) {
                // freeing millions of values takes a while: not on the way back to the prompt
                std::thread::spawn(move || drop(rows));
                return Err(cancelled());
            }
            let batch = batch?;
            progress.add_rows(batch.len);
            rows.push(batch);
        }
        progress.finish();
        let table = Arc::new(rows.finish());
        let rows = table.row_count();
        let took = started.elapsed();
        lock(&self.events).push(format!(
            "{name}: {} × {} column{} loaded in {} (kept in memory)",
            plural(rows, "row"),
            schema.len(),
            if schema.len() == 1 { "" } else { "s" },
            duration(took),
        ));
        lock(&self.loaded).insert(
            name,
            Loaded {
                table: table.clone(),
                rows,
            },
        );
        Ok(table)
    }

    /// The columns of `name`, describing its file if it has not been read yet.
    pub fn schema(&self, name: &str) -> Result<Option<SchemaRef>, Error> {
        if self.is_dropped(name) {
            return Ok(None);
        }
        if let Some(l) = lock(&self.loaded).get(name) {
            return Ok(Some(l.table.schema()));
        }
        let schema = self.data().table(name)?.map(|t| t.schema());
        if let Some(s) = &schema {
            lock(&self.described).insert(name.to_string(), s.clone());
        }
        Ok(schema)
    }

    /// The columns of `name` if they can be had quickly (see [`SchemaCatalog`]).
    pub fn quick_schema(&self, name: &str) -> Option<SchemaRef> {
        if self.is_dropped(name) {
            return None;
        }
        if let Some(l) = lock(&self.loaded).get(name) {
            return Some(l.table.schema());
        }
        if let Some(s) = lock(&self.described).get(name) {
            return Some(s.clone());
        }
        let path = self.data().path_of(name)?;
        let small = std::fs::metadata(&path).is_ok_and(|m| m.len() <= QUICK_DESCRIBE_BYTES);
        if small {
            return self.schema(name).ok().flatten();
        }
        known_schema(name).map(Arc::new)
    }

    /// Adds (or replaces) table `name`, read from `path` (`.load`).
    pub fn add(&self, name: &str, path: &Path) {
        lock(&self.dropped).remove(name);
        lock(&self.loaded).remove(name);
        lock(&self.described).remove(name);
        self.data
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .add_table(name, path);
    }

    /// Forgets table `name` and frees its memory; false if there is no such table.
    pub fn drop_table(&self, name: &str) -> bool {
        if !self.names().iter().any(|n| n == name) {
            return false;
        }
        lock(&self.loaded).remove(name);
        lock(&self.described).remove(name);
        lock(&self.dropped).insert(name.to_string());
        true
    }

    /// What happened since the last call (tables loaded, what the readers noticed), to show
    /// once.
    pub fn take_events(&self) -> Vec<String> {
        let mut events = std::mem::take(&mut *lock(&self.events));
        let data = self.data();
        let report = data.report();
        for w in report.warnings() {
            events.push(format!("warning: {w}"));
        }
        for s in report.skipped() {
            events.push(format!(
                "warning: skipped {} malformed record{} in {} (the first: {})",
                s.count,
                if s.count == 1 { "" } else { "s" },
                s.file,
                s.first
            ));
        }
        report.clear();
        events
    }
}

/// A load half done: the columns are known, the rows not read yet.
struct Pending {
    name: String,
    path: Option<PathBuf>,
    source: Arc<dyn TableSource>,
    started: Instant,
    progress: LoadProgress,
}

/// The catalog a query runs against. Binding sees a table's columns (its file read once for
/// them); its rows are read into memory when the query first scans it, so a query that does
/// not bind (a misspelt column) costs no load.
pub struct QueryCatalog {
    inner: Arc<ReplCatalog>,
    cancel: CancelFlag,
    /// Tables described for this query and not loaded yet.
    lazy: Mutex<HashMap<String, Arc<LazyTable>>>,
}

impl QueryCatalog {
    pub fn new(inner: Arc<ReplCatalog>, cancel: CancelFlag) -> QueryCatalog {
        QueryCatalog {
            inner,
            cancel,
            lazy: Mutex::new(HashMap::new()),
        }
    }
}

impl Catalog for QueryCatalog {
    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error> {
        if let Some(table) = self.inner.in_memory(name) {
            return Ok(Some(table));
        }
        if let Some(lazy) = lock(&self.lazy).get(name) {
            return Ok(Some(lazy.clone()));
        }
        let Some(pending) = self.inner.describe(name, &self.cancel)? else {
            return Ok(None);
        };
        let lazy = Arc::new(LazyTable {
            schema: pending.source.schema(),
            inner: self.inner.clone(),
            cancel: self.cancel.clone(),
            pending: Mutex::new(Some(pending)),
            name: name.to_string(),
        });
        lock(&self.lazy).insert(name.to_string(), lazy.clone());
        Ok(Some(lazy))
    }

    fn table_names(&self) -> Vec<String> {
        self.inner.names()
    }

    fn external_data(
        &self,
        uris: &[String],
        schema: SchemaRef,
        properties: &[(String, String)],
    ) -> Result<Arc<dyn TableSource>, Error> {
        // as `kql run` reads it: local files only
        self.inner.data().external_data(uris, schema, properties)
    }

    fn geoip(&self) -> Result<Option<Arc<dyn kql_eval::GeoIp>>, Error> {
        self.inner.data().geoip()
    }
}

/// A described table whose rows are read into memory on the first scan.
struct LazyTable {
    name: String,
    schema: SchemaRef,
    inner: Arc<ReplCatalog>,
    cancel: CancelFlag,
    pending: Mutex<Option<Pending>>,
}

impl TableSource for LazyTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error> {
        let pending = lock(&self.pending).take();
        let table = match pending {
            Some(p) => self.inner.read_rows(p, &self.cancel)?,
            // scanned before (a table used twice in one query)
            None => self
                .inner
                .load(&self.name, &self.cancel)?
                .ok_or_else(|| Error::data(format!("table {} is gone", self.name)))?,
        };
        table.scan(columns)
    }
}

/// The catalog completion binds against: schemas only, never a long read.
pub struct SchemaCatalog<'a>(pub &'a ReplCatalog);

impl Catalog for SchemaCatalog<'_> {
    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error> {
        Ok(self
            .0
            .quick_schema(name)
            .map(|s| Arc::new(MemTable::new(s, Vec::new())) as Arc<dyn TableSource>))
    }

    fn table_names(&self) -> Vec<String> {
        self.0.names()
    }
}

/// `1,234,567 rows`, `1 row`.
pub fn plural(n: usize, what: &str) -> String {
    format!("{} {what}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `412 ms`, `14.2 s`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    fn testdata() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
    }

    fn no_cancel() -> CancelFlag {
        Arc::new(AtomicBool::new(false))
    }

    #[test]
    fn tables_load_once_and_stay_in_memory() {
        let catalog = ReplCatalog::new(DataCatalog::new(testdata()), false);
        assert_eq!(catalog.names(), ["DeviceProcessEvents"]);
        assert_eq!(catalog.rows_in_memory("DeviceProcessEvents"), None);
        let first = catalog
            .load("DeviceProcessEvents", &no_cancel())
            .unwrap()
            .unwrap();
        let events = catalog.take_events();
        assert_eq!(events.len(), 1);
        // (the built-in schema decides the column count)
        assert!(
            events[0].starts_with("DeviceProcessEvents: 44 rows × ")
                && events[0].contains(" columns loaded in "),
            "{events:?}"
        );
        let again = catalog
            .load("DeviceProcessEvents", &no_cancel())
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert!(catalog.take_events().is_empty(), "shown once");
        assert_eq!(catalog.rows_in_memory("DeviceProcessEvents"), Some(44));
        assert!(catalog.load("Nope", &no_cancel()).unwrap().is_none());
    }

    #[test]
    fn queries_load_tables_when_they_scan_them() {
        let catalog = Arc::new(ReplCatalog::new(DataCatalog::new(testdata()), false));
        let run = |q: &str| {
            let qc = QueryCatalog::new(catalog.clone(), no_cancel());
            kql_eval::run(q, &qc, &kql_eval::RunOptions::default())
        };
        let e = run("DeviceProcessEvents | where Nope == 1").err().unwrap();
        assert_eq!(e.code, "kql::bind::unknown_column");
        assert_eq!(
            catalog.rows_in_memory("DeviceProcessEvents"),
            None,
            "not loaded"
        );
        let t = run("DeviceProcessEvents | count").unwrap();
        assert_eq!(t[0].rows().next(), Some(vec![kql_eval::Value::Long(44)]));
        assert_eq!(catalog.rows_in_memory("DeviceProcessEvents"), Some(44));
        assert_eq!(catalog.take_events().len(), 1);
        // a table used twice in a query
        let t =
            run("let a = DeviceProcessEvents | take 1; let b = DeviceProcessEvents | take 2; b")
                .unwrap();
        assert_eq!(t[0].row_count(), 2);
        assert!(catalog.take_events().is_empty());
    }

    #[test]
    fn a_cancelled_load_keeps_nothing() {
        let catalog = ReplCatalog::new(DataCatalog::new(testdata()), false);
        let cancel = Arc::new(AtomicBool::new(true));
        let e = catalog.load("DeviceProcessEvents", &cancel).err().unwrap();
        assert_eq!(e.code, "kql::cancelled");
        assert_eq!(catalog.rows_in_memory("DeviceProcessEvents"), None);
    }

    #[test]
    fn load_and_drop() {
        let catalog = ReplCatalog::new(DataCatalog::new(testdata()), false);
        catalog.add("Procs", &testdata().join("DeviceProcessEvents.json"));
        assert_eq!(catalog.names(), ["Procs", "DeviceProcessEvents"]);
        let t = catalog.load("Procs", &no_cancel()).unwrap().unwrap();
        // not a known table: the file's own columns
        assert_eq!(t.schema().fields[0].name, "Timestamp");
        assert!(catalog.drop_table("Procs"));
        assert!(!catalog.drop_table("Procs"));
        assert_eq!(catalog.names(), ["DeviceProcessEvents"]);
        assert!(catalog.load("Procs", &no_cancel()).unwrap().is_none());
        assert!(catalog.quick_schema("Procs").is_none());
        catalog.add("Procs", &testdata().join("DeviceProcessEvents.json"));
        assert!(catalog.quick_schema("Procs").is_some());
    }

    #[test]
    fn completion_sees_schemas_without_loading() {
        let catalog = ReplCatalog::new(DataCatalog::new(testdata()), false);
        let schemas = kql_eval::check(
            "DeviceProcessEvents | project FileName",
            &SchemaCatalog(&catalog),
            &kql_eval::RunOptions::default(),
        )
        .unwrap()
        .schemas;
        assert_eq!(schemas[0].fields[0].name, "FileName");
        assert_eq!(catalog.rows_in_memory("DeviceProcessEvents"), None);
    }

    #[test]
    fn numbers_and_durations() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(plural(1, "row"), "1 row");
        assert_eq!(plural(1000, "row"), "1,000 rows");
        assert_eq!(duration(Duration::from_micros(2500)), "2.5 ms");
        assert_eq!(duration(Duration::from_millis(412)), "412 ms");
        assert_eq!(duration(Duration::from_millis(14_230)), "14.2 s");
    }
}
