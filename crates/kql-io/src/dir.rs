//! The catalog of tables a run can query: files in a data directory plus explicit
//! `NAME=PATH` overrides. A table is a file in any supported format (see [`crate::detect`]) or
//! a directory of such files ([`crate::concat`]).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use kql_eval::{BatchStream, Catalog, Error, Schema, SchemaRef, TableSource};

use crate::catalog::known_schema;
use crate::concat::table_file_stem;
use crate::detect::open_table;
use crate::external::{ExternalFile, is_remote, local_path, parse_external_spec};
use crate::geoip::MaxMindGeoIp;
use crate::json::{JsonTable, SampledTable};
use crate::report::{OnError, ReadOptions, ReadReport};

/// The data directory used when none is given.
pub const DEFAULT_DATA_DIR: &str = "testdata";

/// File extensions of table files in a data directory, in lookup order; each is also looked
/// up with `.gz` appended (after all of these), then a directory of the table's name.
pub const TABLE_EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson", "csv", "tsv"];

/// Described tables (and errors) by name.
type Cache = HashMap<String, Result<Arc<dyn TableSource>, Error>>;

/// Tables from a data directory (`DIR/Name.json`, `.jsonl`, `.ndjson`, `.csv`, `.tsv`, the
/// same with `.gz`, or a directory `DIR/Name/`; exact name) and explicit overrides
/// (`--table NAME=PATH`, which win). Each table is described once and cached. `externaldata`
/// reads local files, and web addresses from the local copies mapped to them
/// (`--external URL=PATH`); `geo_info_from_ip_address` reads the GeoIP database given
/// (`--geoip PATH`), opened on first use.
pub struct DataCatalog {
    dir: PathBuf,
    overrides: IndexMap<String, PathBuf>,
    /// Local copies of `externaldata` addresses, by the address exactly as a query writes it.
    externals: IndexMap<String, PathBuf>,
    /// The GeoIP database file, and the database once opened (or the error opening it).
    geoip_path: Option<PathBuf>,
    geoip: Mutex<Option<Result<Arc<MaxMindGeoIp>, Error>>>,
    known_schemas_as_empty: bool,
    options: ReadOptions,
    cache: Mutex<Cache>,
    /// Tables whose schema was learned from a sample of their file (`None`: the file cannot
    /// be sampled; see [`Catalog::table_for`]).
    sampled: Mutex<HashMap<String, Option<Arc<JsonTable>>>>,
    /// Every name asked for through [`Catalog::table`], in order (see
    /// [`DataCatalog::take_requested`]).
    requested: Mutex<indexmap::IndexSet<String>>,
}

impl Default for DataCatalog {
    fn default() -> DataCatalog {
        DataCatalog::new(DEFAULT_DATA_DIR)
    }
}

impl DataCatalog {
    /// A catalog of the tables in `dir` (a missing directory simply holds no tables).
    pub fn new(dir: impl Into<PathBuf>) -> DataCatalog {
        DataCatalog {
            dir: dir.into(),
            overrides: IndexMap::new(),
            externals: IndexMap::new(),
            geoip_path: None,
            geoip: Mutex::new(None),
            known_schemas_as_empty: false,
            options: ReadOptions::default(),
            cache: Mutex::new(HashMap::new()),
            sampled: Mutex::default(),
            requested: Mutex::default(),
        }
    }

    /// The table names asked for since the last call (in order, each once), whether they
    /// exist or not: after binding a query, the tables it reads.
    pub fn take_requested(&self) -> Vec<String> {
        let mut requested = self.requested.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *requested).into_iter().collect()
    }

    /// Where table `name` comes from, for messages: its file (or directory), `built-in schema
    /// (no rows)` when only the built-in schema gives it, `None` if it is not available.
    pub fn source_of(&self, name: &str) -> Option<String> {
        match self.path_of(name) {
            Some(p) => Some(p.display().to_string()),
            None if self.known_schemas_as_empty && known_schema(name).is_some() => {
                Some("built-in schema, no rows".to_string())
            }
            None => None,
        }
    }

    /// What readers do with malformed records (default: fail).
    pub fn with_on_error(mut self, on_error: OnError) -> DataCatalog {
        self.set_on_error(on_error);
        self
    }

    /// What readers do with malformed records; forgets the tables read so far.
    pub fn set_on_error(&mut self, on_error: OnError) {
        self.options.on_error = on_error;
        self.cache_lock().clear();
        self.sampled_lock().clear();
    }

    /// Threads that read a file in parallel (default: `KQL_THREADS`, else one per core).
    pub fn with_threads(mut self, threads: usize) -> DataCatalog {
        self.options.threads = Some(threads.max(1));
        self
    }

    /// The warnings and skipped records of the tables read so far.
    pub fn report(&self) -> &Arc<ReadReport> {
        &self.options.report
    }

    /// Adds (or replaces) an override: table `name` is read from `path`.
    pub fn with_table(mut self, name: impl Into<String>, path: impl Into<PathBuf>) -> DataCatalog {
        self.add_table(name, path);
        self
    }

    /// Adds (or replaces) an override: table `name` is read from `path`.
    pub fn add_table(&mut self, name: impl Into<String>, path: impl Into<PathBuf>) {
        let name = name.into();
        self.cache_lock().remove(&name);
        self.sampled_lock().remove(&name);
        self.overrides.insert(name, path.into());
    }

    /// Adds an override written `NAME=PATH`, as given to `--table`.
    pub fn add_table_spec(&mut self, spec: &str) -> Result<(), Error> {
        let (name, path) = parse_table_spec(spec)?;
        self.add_table(name, path);
        Ok(())
    }

    /// Adds (or replaces) a local copy of an `externaldata` address: a query naming `address`
    /// (exactly so: case, spaces and query string included) reads `path` instead.
    pub fn with_external(
        mut self,
        address: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> DataCatalog {
        self.add_external(address, path);
        self
    }

    /// Adds (or replaces) a local copy of an `externaldata` address (see
    /// [`with_external`](Self::with_external)).
    pub fn add_external(&mut self, address: impl Into<String>, path: impl Into<PathBuf>) {
        self.externals.insert(address.into(), path.into());
    }

    /// Adds a local copy written `URL=PATH`, as given to `--external`.
    pub fn add_external_spec(&mut self, spec: &str) -> Result<(), Error> {
        let (address, path) = parse_external_spec(spec)?;
        self.add_external(address, path);
        Ok(())
    }

    /// The local copies of `externaldata` addresses, in the order given.
    pub fn externals(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.externals
            .iter()
            .map(|(a, p)| (a.as_str(), p.as_path()))
    }

    /// The MaxMind City database (`.mmdb`) `geo_info_from_ip_address` reads; opened when a
    /// query first uses the function, and kept.
    pub fn with_geoip(mut self, path: impl Into<PathBuf>) -> DataCatalog {
        self.set_geoip(Some(path.into()));
        self
    }

    /// Sets (or, with `None`, removes) the GeoIP database (see [`with_geoip`](Self::with_geoip)).
    pub fn set_geoip(&mut self, path: Option<PathBuf>) {
        self.geoip_path = path;
        *self.geoip.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The GeoIP database file, if one is given.
    pub fn geoip_path(&self) -> Option<&Path> {
        self.geoip_path.as_deref()
    }

    /// When set, a table with a built-in schema ([`known_schema`]) but no file resolves to an
    /// empty table of that schema instead of being unknown (for checking queries offline).
    pub fn with_known_schemas_as_empty(mut self, yes: bool) -> DataCatalog {
        self.known_schemas_as_empty = yes;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file (or directory) table `name` is read from: its override, else the first of
    /// `DIR/name.json`, `.jsonl`, `.ndjson`, `.csv`, `.tsv`, the same with `.gz`, and the
    /// directory `DIR/name` that exists.
    pub fn path_of(&self, name: &str) -> Option<PathBuf> {
        if let Some(p) = self.overrides.get(name) {
            return Some(p.clone());
        }
        if name.is_empty()
            || name.contains(['/', '\\'])
            || name.starts_with('.')
            || self.dir.as_os_str().is_empty()
        {
            return None;
        }
        let plain = TABLE_EXTENSIONS.iter().map(|ext| format!("{name}.{ext}"));
        let packed = TABLE_EXTENSIONS
            .iter()
            .map(|ext| format!("{name}.{ext}.gz"));
        plain
            .chain(packed)
            .map(|file| self.dir.join(file))
            .find(|p| p.is_file())
            .or_else(|| Some(self.dir.join(name)).filter(|d| d.is_dir()))
    }

    fn cache_lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // a panic while holding the lock cannot leave the map inconsistent
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sampled_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<Arc<JsonTable>>>> {
        self.sampled.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Table `name` learned from a sample of its file, for a script mentioning `needed`, if
    /// that gives the same results as reading the file whole (see
    /// [`JsonTable::open_sampled`]); `Ok(None)`: read it whole.
    fn sampled_table(
        &self,
        name: &str,
        needed: &std::collections::HashSet<String>,
    ) -> Result<Option<Arc<dyn TableSource>>, Error> {
        let Some(known) = known_schema(name) else {
            return Ok(None);
        };
        let cached = self.sampled_lock().get(name).cloned();
        let table = match cached {
            Some(Some(t)) if !t.is_stale() => t,
            // not sampleable, or a scan found the sample was not enough
            Some(_) => return Ok(None),
            None => {
                let Some(path) = self.path_of(name).filter(|p| p.is_file()) else {
                    return Ok(None);
                };
                let opened = JsonTable::open_sampled(&path, &known, &self.options)?.map(Arc::new);
                self.sampled_lock().insert(name.to_string(), opened.clone());
                match opened {
                    Some(t) => t,
                    None => return Ok(None),
                }
            }
        };
        let sample = table.sample_keys().cloned().unwrap_or_default();
        let mut watch: Vec<&str> = Vec::new();
        for n in needed {
            if known.index_of(n).is_some() {
                // an aliased column reads another key when the file lacks its own: the sample
                // cannot tell
                if crate::convert::has_alias(n) && !sample.contains(n) {
                    return Ok(None);
                }
            } else if sample.contains(n) {
                // a column outside the built-in schema: its type needs every value
                return Ok(None);
            } else if n != name {
                // (the table's own name is a table where the script says it; as a column it
                // would not bind here, and a script that does not bind is bound again against
                // the table read whole)
                watch.push(n);
            }
        }
        watch.sort_unstable();
        Ok(SampledTable::new(table, &watch).map(|t| Arc::new(t) as Arc<dyn TableSource>))
    }

    fn load(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error> {
        let known = known_schema(name);
        let Some(path) = self.path_of(name) else {
            return match known {
                Some(schema) if self.known_schemas_as_empty => {
                    Ok(Some(Arc::new(EmptyTable::new(schema))))
                }
                // a table kql knows, but whose data is not here
                Some(_) => Err(Error::new("kql::data::no_data", format!("no data for table {name}"))
                    .with_help(format!(
                        "put its rows in {dir}/{name}.json (or .jsonl, .ndjson, .csv, .tsv, each optionally .gz, or a folder {dir}/{name}/), pass --table {name}=PATH, or run with --empty-tables",
                        dir = self.dir.display()
                    ))),
                None => Ok(None),
            };
        };
        let cannot = |e: &dyn std::fmt::Display| {
            Error::data(format!(
                "cannot read table {name} from {}: {e}",
                path.display()
            ))
        };
        if let Err(e) = fs::metadata(&path) {
            return Err(cannot(&e));
        }
        Ok(Some(open_table(&path, known.as_ref(), &self.options)?))
    }
}

impl Catalog for DataCatalog {
    /// A big uncompressed NDJSON file of a table with a built-in schema is not read whole
    /// before a script that names only some columns runs: its columns come from the built-in
    /// schema and the file's first chunk (see `JsonTable::open_sampled`).
    fn table_for(
        &self,
        name: &str,
        needed: Option<&std::collections::HashSet<String>>,
    ) -> Result<Option<Arc<dyn TableSource>>, Error> {
        if let Some(needed) = needed
            && !self.cache_lock().contains_key(name)
            && let Some(table) = self.sampled_table(name, needed)?
        {
            self.requested
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(name.to_string());
            return Ok(Some(table));
        }
        self.table(name)
    }

    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error> {
        self.requested
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string());
        if let Some(cached) = self.cache_lock().get(name) {
            return cached.clone().map(Some);
        }
        // describe without holding the lock (describing reads the whole file)
        let loaded = match self.load(name) {
            Ok(None) => return Ok(None),
            Ok(Some(table)) => Ok(table),
            Err(e) => Err(e),
        };
        let mut cache = self.cache_lock();
        let entry = cache.entry(name.to_string()).or_insert(loaded);
        entry.clone().map(Some)
    }

    /// Each address is read from its local copy if one is mapped to it, else from the local
    /// file it names; an unmapped web address is an error (under `--empty-tables`, it gives no
    /// rows, with a warning).
    fn external_data(
        &self,
        uris: &[String],
        schema: kql_eval::SchemaRef,
        properties: &[(String, String)],
    ) -> Result<Arc<dyn TableSource>, Error> {
        let mut files = Vec::new();
        let mut unmapped = Vec::new();
        for address in uris {
            if let Some(path) = self.externals.get(address) {
                files.push(ExternalFile {
                    address: address.clone(),
                    path: path.clone(),
                    mapped: true,
                });
            } else if is_remote(address) {
                unmapped.push(address.as_str());
            } else {
                files.push(ExternalFile {
                    address: address.clone(),
                    path: PathBuf::from(local_path(address)),
                    mapped: false,
                });
            }
        }
        if !unmapped.is_empty() {
            if !self.known_schemas_as_empty {
                return Err(self.network_error(&unmapped));
            }
            let what = if files.is_empty() {
                "read as an empty table"
            } else {
                "adds no rows"
            };
            for remote in &unmapped {
                self.options.report.warn(format!(
                    "externaldata from {remote} {what}: kql does not fetch from the network"
                ));
            }
            if files.is_empty() {
                return Ok(Arc::new(EmptyTable::new((*schema).clone())));
            }
        }
        crate::external::read_external(&files, schema, properties)
    }

    fn geoip(&self) -> Result<Option<Arc<dyn kql_eval::GeoIp>>, Error> {
        let Some(path) = &self.geoip_path else {
            return Ok(None);
        };
        let mut slot = self.geoip.lock().unwrap_or_else(|e| e.into_inner());
        let opened = slot.get_or_insert_with(|| MaxMindGeoIp::open(path).map(Arc::new));
        match opened {
            Ok(db) => Ok(Some(db.clone() as Arc<dyn kql_eval::GeoIp>)),
            Err(e) => Err(e.clone()),
        }
    }

    fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.overrides.keys().cloned().collect();
        let mut from_dir = Vec::new();
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let Some(name) = path.file_name().and_then(|s| s.to_str()) else {
                    continue;
                };
                if name.starts_with('.') {
                    continue;
                }
                // a directory is a table; one named like a file (`x.json`) is not listed
                let stem = if path.is_dir() {
                    Some(name).filter(|n| !n.contains('.'))
                } else if path.is_file() {
                    table_file_stem(name)
                } else {
                    None
                };
                if let Some(stem) = stem
                    && !from_dir.iter().any(|n| n == stem)
                {
                    from_dir.push(stem.to_string());
                }
            }
        }
        from_dir.sort();
        for stem in from_dir {
            if !names.contains(&stem) {
                names.push(stem);
            }
        }
        if self.known_schemas_as_empty {
            for t in crate::catalog::known_tables() {
                if !names.iter().any(|n| n == t) {
                    names.push(t.to_string());
                }
            }
        }
        names
    }
}

impl DataCatalog {
    /// The error of web addresses with no local copy, with a hint when a copy is mapped to an
    /// address that differs only in case, surrounding spaces or query string.
    fn network_error(&self, unmapped: &[&str]) -> Error {
        let mut help = String::from(
            "download it and pass --external URL=PATH to read the local copy, give its local path \
             in the query, or run with --empty-tables",
        );
        let loose = |a: &str| {
            let a = a.trim().to_ascii_lowercase();
            match a.split_once('?') {
                Some((base, _)) => base.to_string(),
                None => a,
            }
        };
        for remote in unmapped {
            if let Some(near) = self.externals.keys().find(|k| loose(k) == loose(remote)) {
                help.push_str(&format!(
                    "\n--external maps `{near}`, which is not `{remote}`: addresses are matched \
                     exactly as the query writes them"
                ));
            }
        }
        Error::new(
            "kql::external_data::network",
            format!(
                "externaldata from {}: kql does not fetch from the network",
                unmapped.join(", ")
            ),
        )
        .with_help(help)
    }
}

/// Splits a `--table` argument `NAME=PATH`.
pub fn parse_table_spec(spec: &str) -> Result<(String, PathBuf), Error> {
    match spec.split_once('=') {
        Some((name, path)) if !name.trim().is_empty() && !path.is_empty() => {
            Ok((name.trim().to_string(), PathBuf::from(path)))
        }
        _ => Err(Error::new(
            "kql::usage",
            format!("invalid table `{spec}`: expected NAME=PATH"),
        )),
    }
}

/// A table with a schema and no rows.
#[derive(Debug, Clone)]
pub struct EmptyTable {
    schema: SchemaRef,
}

impl EmptyTable {
    pub fn new(schema: Schema) -> EmptyTable {
        EmptyTable {
            schema: Arc::new(schema),
        }
    }
}

impl TableSource for EmptyTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn scan(&self, _columns: &[usize]) -> Result<BatchStream, Error> {
        Ok(Box::new(std::iter::empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Scratch, path_str, read_all};
    use kql_eval::{Type, Value};

    fn names(schema: &Schema) -> Vec<&str> {
        schema.names().collect()
    }

    #[test]
    fn resolves_data_dir_files_by_exact_stem() {
        let tmp = Scratch::new();
        tmp.file("Alpha.json", r#"[{"a": 1}]"#);
        tmp.file("Beta.jsonl", "{\"b\": \"x\"}\n");
        tmp.file("Gamma.ndjson", "{\"g\": true}\n");
        tmp.file("notes.txt", "not a table");
        std::fs::create_dir(tmp.dir.join("Sub.json")).unwrap();
        let catalog = DataCatalog::new(&tmp.dir);
        assert_eq!(catalog.table_names(), vec!["Alpha", "Beta", "Gamma"]);
        let alpha = catalog.table("Alpha").unwrap().unwrap();
        assert_eq!(
            read_all(alpha.as_ref()).unwrap(),
            vec![vec![Value::Long(1)]]
        );
        let beta = catalog.table("Beta").unwrap().unwrap();
        assert_eq!(names(&beta.schema()), vec!["b"]);
        assert!(catalog.table("Gamma").unwrap().is_some());
        assert!(
            catalog.table("alpha").unwrap().is_none(),
            "names are case-sensitive"
        );
        assert!(catalog.table("notes").unwrap().is_none());
        assert!(catalog.table("Sub").unwrap().is_none());
        assert!(catalog.table("../Alpha").unwrap().is_none());
    }

    #[test]
    fn json_wins_over_jsonl_and_ndjson() {
        let tmp = Scratch::new();
        tmp.file("T.ndjson", "{\"n\": 1}\n");
        tmp.file("T.json", "[{\"j\": 1}]");
        tmp.file("T.jsonl", "{\"l\": 1}\n");
        let catalog = DataCatalog::new(&tmp.dir);
        assert_eq!(
            names(&catalog.table("T").unwrap().unwrap().schema()),
            vec!["j"]
        );
        assert_eq!(catalog.table_names(), vec!["T"]);
    }

    #[test]
    fn overrides_win_and_are_listed_first() {
        let tmp = Scratch::new();
        tmp.file("A.json", r#"[{"from": "dir"}]"#);
        let other = tmp.file("elsewhere.txt", "{\"from\": \"override\"}\n");
        let mut catalog = DataCatalog::new(&tmp.dir).with_table("Z", &other);
        catalog
            .add_table_spec(&format!("A={}", path_str(&other)))
            .unwrap();
        assert_eq!(catalog.table_names(), vec!["Z", "A"]);
        let a = catalog.table("A").unwrap().unwrap();
        assert_eq!(
            read_all(a.as_ref()).unwrap(),
            vec![vec![Value::str("override")]]
        );
        assert!(catalog.add_table_spec("novalue").is_err());
        assert!(catalog.add_table_spec("=x").is_err());
        assert!(catalog.add_table_spec("X=").is_err());
        assert_eq!(
            parse_table_spec("T=a=b.json").unwrap(),
            ("T".to_string(), PathBuf::from("a=b.json"))
        );
    }

    #[test]
    fn missing_override_file_is_an_error() {
        let tmp = Scratch::new();
        let path = tmp.dir.join("missing.json");
        let catalog = DataCatalog::new(&tmp.dir).with_table("X", &path);
        let e = catalog.table("X").err().expect("an error");
        assert_eq!(e.code, "kql::data");
        let prefix = format!("cannot read table X from {}: ", path_str(&path));
        assert!(e.message.starts_with(&prefix), "{}", e.message);
        // the error is cached like a table
        assert!(catalog.table("X").is_err());
        let dir = DataCatalog::new(&tmp.dir).with_table("D", &tmp.dir);
        let e = dir.table("D").err().expect("an error");
        assert!(
            e.message.ends_with(
                "holds no table files (.json, .jsonl, .ndjson, .csv, .tsv, optionally .gz)"
            ),
            "{}",
            e.message
        );
    }

    #[test]
    fn missing_data_dir_has_no_tables() {
        let tmp = Scratch::new();
        let catalog = DataCatalog::new(tmp.dir.join("nope"));
        assert!(catalog.table_names().is_empty());
        // a built-in table without data is an error saying so; an unknown one is absent
        let e = catalog.table("DeviceProcessEvents").err().expect("no data");
        assert_eq!(e.code, "kql::data::no_data");
        assert!(catalog.table("NoSuchTable").unwrap().is_none());
        let catalog = DataCatalog::new(tmp.dir.join("nope")).with_known_schemas_as_empty(true);
        let t = catalog.table("DeviceProcessEvents").unwrap().unwrap();
        let known = known_schema("DeviceProcessEvents").unwrap();
        assert_eq!(*t.schema(), known);
        assert!(read_all(t.as_ref()).unwrap().is_empty());
        assert!(catalog.table_names().iter().any(|n| n == "SigninLogs"));
    }

    #[test]
    fn known_tables_get_their_schema_and_are_described_once() {
        let tmp = Scratch::new();
        let path = tmp.file(
            "DeviceNetworkEvents.json",
            r#"[{"RemotePort": 443, "Timestamp": "2026-11-25T10:03:12Z", "Custom": 1.5}]"#,
        );
        let catalog = DataCatalog::new(&tmp.dir);
        let t = catalog.table("DeviceNetworkEvents").unwrap().unwrap();
        let schema = t.schema();
        let n = known_schema("DeviceNetworkEvents").unwrap().len();
        assert_eq!(schema.len(), n + 1);
        assert_eq!(schema.fields[0].name, "Timestamp");
        let port = schema.index_of("RemotePort").unwrap();
        assert_eq!(schema.fields[port].ty, Type::Int);
        assert_eq!(schema.fields[n].name, "Custom");
        assert_eq!(schema.fields[n].ty, Type::Real);
        // cached: the same table, even after the file is gone
        std::fs::remove_file(&path).unwrap();
        let again = catalog.table("DeviceNetworkEvents").unwrap().unwrap();
        assert!(Arc::ptr_eq(&t, &again));
    }

    fn external(
        catalog: &DataCatalog,
        uris: &[&str],
        properties: &[(&str, &str)],
    ) -> Result<Vec<Vec<Value>>, Error> {
        let schema = Arc::new(Schema::new(vec![
            kql_eval::Field::new("Name", Type::String),
            kql_eval::Field::new("Count", Type::Long),
        ]));
        let uris: Vec<String> = uris.iter().map(|u| u.to_string()).collect();
        let props: Vec<(String, String)> = properties
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let table = catalog.external_data(&uris, schema, &props)?;
        read_all(table.as_ref())
    }

    #[test]
    fn web_externaldata_reads_the_local_copy_mapped_to_it() {
        let tmp = Scratch::new();
        let csv = tmp.file("names.csv", "Name,Count\nalice,1\n\"bob, jr\",2\n");
        let tsv = tmp.file("more.tsv", "carol\t3\n");
        let url = "https://example.com/names.csv";
        let sas = "https://acct.blob.core.windows.net/c/more.tsv?sv=2020-08-04&sig=a%2Bb%3D";
        let mut catalog = DataCatalog::new(&tmp.dir).with_external(url, &csv);
        catalog
            .add_external_spec(&format!("{sas}={}", path_str(&tsv)))
            .unwrap();
        assert_eq!(
            catalog.externals().collect::<Vec<_>>(),
            [(url, csv.as_path()), (sas, tsv.as_path())]
        );
        // the same reading as a local file: format and ignoreFirstRecord apply
        let rows = external(
            &catalog,
            &[url],
            &[("format", "csv"), ("ignoreFirstRecord", "true")],
        )
        .unwrap();
        assert_eq!(
            rows,
            [
                vec![Value::str("alice"), Value::Long(1)],
                vec![Value::str("bob, jr"), Value::Long(2)]
            ]
        );
        // several addresses: each is read, in order, in the one format (here the CSV file's
        // lines are single cells)
        let rows = external(&catalog, &[sas, url], &[("format", "tsv")]).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0], [Value::str("carol"), Value::Long(3)]);
        assert_eq!(rows[1], [Value::str("Name,Count"), Value::Null]);
        // a local address is still read as it is
        let local = path_str(&tsv);
        let rows = external(&catalog, &[&local], &[("format", "tsv")]).unwrap();
        assert_eq!(rows, [vec![Value::str("carol"), Value::Long(3)]]);
        // a bad cell in a local copy names the address and the file
        let bad = tmp.file("bad.csv", "dave,many\n");
        catalog.add_external("https://example.com/bad.csv", &bad);
        let e = external(&catalog, &["https://example.com/bad.csv"], &[]).unwrap_err();
        assert_eq!(e.code, "kql::data");
        assert!(
            e.message
                .starts_with("externaldata from https://example.com/bad.csv: ")
                && e.message.contains(&format!("{}:1: `many`", path_str(&bad))),
            "{}",
            e.message
        );
    }

    #[test]
    fn unmapped_web_addresses_are_refused_and_matched_exactly() {
        let tmp = Scratch::new();
        let csv = tmp.file("names.csv", "alice,1\n");
        let url = "https://example.com/names.csv";
        let catalog = DataCatalog::new(&tmp.dir).with_external(url, &csv);
        // every address must be mapped
        let other = "https://example.com/other.csv";
        let e = external(&catalog, &[url, other], &[]).unwrap_err();
        assert_eq!(e.code, "kql::external_data::network");
        assert_eq!(
            e.message,
            format!("externaldata from {other}: kql does not fetch from the network")
        );
        let help = e.help.unwrap();
        assert!(help.contains("--external URL=PATH"), "{help}");
        assert!(!help.contains("which is not"), "{help}");
        // case, surrounding spaces and the query string count; the help points at the near miss
        for near in [
            "https://example.com/names.csv?sv=1&sig=x",
            "HTTPS://example.com/names.csv",
            "https://example.com/names.csv ",
        ] {
            let e = external(&catalog, &[near], &[]).unwrap_err();
            assert_eq!(e.code, "kql::external_data::network", "{near}");
            let help = e.help.unwrap();
            assert!(
                help.contains(&format!("--external maps `{url}`, which is not `{near}`")),
                "{help}"
            );
        }
        // under --empty-tables an unmapped address adds no rows, with a warning
        let catalog = DataCatalog::new(&tmp.dir)
            .with_external(url, &csv)
            .with_known_schemas_as_empty(true);
        let rows = external(&catalog, &[url, other], &[]).unwrap();
        assert_eq!(rows, [vec![Value::str("alice"), Value::Long(1)]]);
        assert!(external(&catalog, &[other], &[]).unwrap().is_empty());
        let warnings = catalog.report().warnings();
        assert_eq!(
            warnings,
            [
                format!(
                    "externaldata from {other} adds no rows: kql does not fetch from the network"
                ),
                format!(
                    "externaldata from {other} read as an empty table: kql does not fetch from the network"
                ),
            ]
        );
        // a missing local copy is an error naming it
        let catalog = DataCatalog::new(&tmp.dir).with_external(url, tmp.dir.join("gone.csv"));
        let e = external(&catalog, &[url], &[]).unwrap_err();
        assert!(
            e.message.starts_with(&format!("externaldata from {url}: "))
                && e.message.contains("gone.csv"),
            "{}",
            e.message
        );
    }

    #[test]
    fn repository_sample_loads_with_its_known_schema() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
        let catalog = DataCatalog::new(&dir);
        let Some(table) = catalog.table("DeviceProcessEvents").unwrap() else {
            return;
        };
        assert_eq!(table.schema().fields[0].name, "Timestamp");
        let rows = read_all(table.as_ref()).unwrap();
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|r| matches!(r[0], Value::DateTime(_))));
    }
}
