//! Tables stored as JSON: a file holding one JSON array of objects, or NDJSON (one object per
//! line). The format is detected from the content: after an optional UTF-8 BOM and whitespace,
//! `[` starts an array and `{` starts NDJSON.
//!
//! A table is used in two phases: [`describe`] reads the file once to learn its columns and
//! their types, then [`JsonTable::scan`] streams batches of only the columns a query reads
//! (the values of other keys are skipped without being built).
//!
//! An uncompressed NDJSON file is read in parallel (module `chunks`): cut into line-aligned chunks,
//! each walked by a fast scanner (`walk`) that extracts only the keys a query reads, with
//! lines that cannot hold a row the query keeps skipped before parsing (`prefilter`); the
//! results come back in file order, the same whatever the number of threads. JSON arrays and
//! gzip-compressed files are read sequentially with serde_json.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use kql_eval::batch::BATCH_ROWS;
use kql_eval::datetime::{parse_datetime, parse_timespan};
use kql_eval::value::parse_guid;
use kql_eval::{Batch, BatchStream, Error, Schema, SchemaRef, TableSource, Type, Value};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::convert::{
    Columns, FileColumn, convert_json, is_non_finite, json_bool, json_long, json_real, not_of_type,
    plan_columns, show_json,
};
use crate::report::ReadOptions;

mod chunks;
mod fast;
mod prefilter;
mod records;
mod walk;

use chunks::{Chunks, LinesFile, Work};
use fast::{ChunkKeys, ChunkRows, ScanPlan, describe_chunk, scan_chunk};
use prefilter::LineFilter;
use records::{Next, RECORD, Records};

use crate::progress::Progress;

/// Reads the whole file once and returns its schema.
///
/// Columns of `known` come first, in its order and with its types (also when the file lacks
/// them); the file's other keys follow in order of first appearance, with inferred types:
/// bool, long, real, datetime (strings that all look like and parse as ISO 8601), dynamic
/// (objects and arrays), string otherwise. Mixed kinds: dynamic if objects/arrays are among
/// them, else string if strings are, else real for long + real, else dynamic (bool + number).
/// `"NaN"`, `"Infinity"` and `"-Infinity"` among numbers are reals. A column only ever null
/// is a string.
pub fn describe(path: impl AsRef<Path>, known: Option<&Schema>) -> Result<Schema, Error> {
    Ok(
        describe_columns(path.as_ref(), known, &ReadOptions::default())?
            .0
            .schema,
    )
}

/// The columns of the file, the keys it holds, and the file as lines to read in parallel if
/// it is uncompressed NDJSON.
fn describe_columns(
    path: &Path,
    known: Option<&Schema>,
    options: &ReadOptions,
) -> Result<(Columns, Vec<String>, Option<LinesFile>), Error> {
    if let Some(lines) = ndjson_file(path)? {
        let (columns, keys) = describe_lines(&lines, known, options)?;
        return Ok((columns, keys, Some(lines)));
    }
    let (columns, keys) = describe_records(path, known, options)?;
    Ok((columns, keys, None))
}

/// The file as lines to read in parallel, if it is uncompressed NDJSON (its text starts with
/// `{`); JSON arrays, empty and compressed files are read sequentially.
fn ndjson_file(path: &Path) -> Result<Option<LinesFile>, Error> {
    let Some(lines) = LinesFile::open(path)? else {
        return Ok(None);
    };
    let head = crate::input::peek(path, 64 * 1024)?;
    Ok((head.iter().find(|b| !walk::is_ws(**b)) == Some(&b'{')).then_some(lines))
}

/// The threads a read uses.
fn threads(options: &ReadOptions) -> usize {
    options
        .threads
        .unwrap_or_else(chunks::default_threads)
        .max(1)
}

/// [`describe_columns`] of an NDJSON file, its chunks described in parallel and merged in
/// order (keys in order of first appearance, kinds combined).
fn describe_lines(
    file: &LinesFile,
    known: Option<&Schema>,
    options: &ReadOptions,
) -> Result<(Columns, Vec<String>), Error> {
    let names: Arc<[String]> = known
        .map(|k| k.fields.iter().map(|f| f.name.clone()).collect())
        .unwrap_or_default();
    let work: Arc<Work<ChunkKeys>> = Arc::new(move |bytes: &[u8]| describe_chunk(&names, bytes));
    let chunks = Chunks::new(file, threads(options), work)?;
    let display = file.path.display().to_string();
    let mut progress = Progress::new(chunks.total_bytes(), "describing");
    let mut cols: IndexMap<String, Seen> = IndexMap::new();
    let mut line_base = 0;
    for chunk in chunks {
        let (keys, bytes) = chunk?;
        for bad in &keys.bad {
            let line = line_base + bad.line + 1;
            options.bad_record(&display, line, bad.message(&display, line))?;
        }
        for (key, seen) in keys.cols {
            cols.entry(key).or_default().merge(&seen);
        }
        line_base += keys.lines;
        progress.advance(bytes, 0);
    }
    progress.finish();
    Ok(file_columns(&cols, known))
}

/// The columns of a table whose file holds `cols`.
fn file_columns(cols: &IndexMap<String, Seen>, known: Option<&Schema>) -> (Columns, Vec<String>) {
    let file: Vec<FileColumn> = cols
        .iter()
        .map(|(name, seen)| FileColumn {
            name: name.clone(),
            declared: None,
            inferred: seen.infer(),
            has_values: seen.has_values(),
        })
        .collect();
    let keys = cols.keys().cloned().collect();
    (plan_columns(&file, known), keys)
}

/// [`describe_columns`] of a file read sequentially with serde_json.
fn describe_records(
    path: &Path,
    known: Option<&Schema>,
    options: &ReadOptions,
) -> Result<(Columns, Vec<String>), Error> {
    let mut records = Records::open(path)?;
    let mut cols: IndexMap<String, Seen> = IndexMap::new();
    let mut kinds: Vec<(usize, Kind)> = Vec::new();
    loop {
        let before = cols.len();
        kinds.clear();
        let seed = DescribeSeed {
            cols: &mut cols,
            kinds: &mut kinds,
        };
        match records.next_with(seed)? {
            Next::Record => {
                for &(i, kind) in &kinds {
                    cols[i].record(kind);
                }
            }
            Next::End => break,
            Next::Bad { record, message } => {
                // what a malformed record held counts for nothing
                cols.truncate(before);
                options.bad_record(records.path(), record, message)?;
            }
        }
    }
    Ok(file_columns(&cols, known))
}

/// A table read from a JSON array or NDJSON file (possibly gzip-compressed). Each scan reads
/// the file again.
#[derive(Debug)]
pub struct JsonTable {
    path: PathBuf,
    columns: Columns,
    /// The key each schema column is read from (its name, or the name of an alias).
    keys: Vec<Option<String>>,
    options: ReadOptions,
    /// Uncompressed NDJSON: read in parallel chunks.
    lines: Option<LinesFile>,
    /// For a schema learned from a sample of the file: the keys of the sample.
    sample_keys: Option<std::collections::HashSet<String>>,
    /// Set when a scan met a key the sample did not show (see [`JsonTable::open_sampled`]).
    stale: Arc<std::sync::atomic::AtomicBool>,
}

impl JsonTable {
    /// Describes the file at `path` (see [`describe`]) and returns a table ready to scan.
    ///
    /// A column of `known` absent from the file but whose alias is present (`Timestamp` /
    /// `TimeGenerated`) is read from the alias key.
    pub fn open(path: impl AsRef<Path>, known: Option<&Schema>) -> Result<JsonTable, Error> {
        JsonTable::open_with(path, known, &ReadOptions::default())
    }

    /// [`JsonTable::open`], with what to do about malformed records and where to report them.
    pub fn open_with(
        path: impl AsRef<Path>,
        known: Option<&Schema>,
        options: &ReadOptions,
    ) -> Result<JsonTable, Error> {
        let path = path.as_ref();
        let (columns, file_keys, lines) = describe_columns(path, known, options)?;
        let keys = columns
            .sources
            .iter()
            .map(|s| s.map(|i| file_keys[i].clone()))
            .collect();
        Ok(JsonTable {
            path: path.to_path_buf(),
            columns,
            keys,
            options: options.clone(),
            lines,
            sample_keys: None,
            stale: Arc::default(),
        })
    }

    /// A table of an uncompressed NDJSON file with the built-in schema `known`, its other
    /// columns learned from the file's first chunk rather than from the whole file; `None` for
    /// other files, and small ones (read whole, they cost little more).
    ///
    /// What a script can see of a table is only the columns it names. Built-in columns are
    /// read from their own key (a file lacking it just gives empty values), so the sample
    /// matters only for columns the built-in schema lacks, and for `Timestamp` /
    /// `TimeGenerated` (each read from the other when a file lacks it). The catalog uses such
    /// a table only when the script names no column of the sample outside the built-in schema
    /// and the aliased columns it names are in the sample, and it watches the file, while
    /// scanning, for the other names the script mentions ([`SampledTable`]).
    pub(crate) fn open_sampled(
        path: &Path,
        known: &Schema,
        options: &ReadOptions,
    ) -> Result<Option<JsonTable>, Error> {
        let Some(lines) = ndjson_file(path)? else {
            return Ok(None);
        };
        if lines.len.saturating_sub(lines.start) <= 2 * lines.chunk {
            return Ok(None);
        }
        let display = path.display().to_string();
        let sample =
            chunks::first_lines(&lines).map_err(|e| crate::input::read_error(&display, &e))?;
        let names: Arc<[String]> = known.fields.iter().map(|f| f.name.clone()).collect();
        let keys = describe_chunk(&names, &sample);
        for bad in &keys.bad {
            let line = bad.line + 1;
            options.bad_record(&display, line, bad.message(&display, line))?;
        }
        let (columns, file_keys) = file_columns(&keys.cols, Some(known));
        let keys_of: Vec<Option<String>> = columns
            .sources
            .iter()
            .zip(&columns.schema.fields)
            .enumerate()
            .map(|(i, (source, field))| match source {
                Some(k) => Some(file_keys[*k].clone()),
                // a built-in column the sample lacks: its own key, wherever it is
                None if i < known.len() && !crate::convert::has_alias(&field.name) => {
                    Some(field.name.clone())
                }
                None => None,
            })
            .collect();
        Ok(Some(JsonTable {
            path: path.to_path_buf(),
            columns,
            keys: keys_of,
            options: options.clone(),
            lines: Some(lines),
            sample_keys: Some(file_keys.into_iter().collect()),
            stale: Arc::default(),
        }))
    }

    /// The keys of the sample the schema was learned from (`None`: the whole file was read).
    pub(crate) fn sample_keys(&self) -> Option<&std::collections::HashSet<String>> {
        self.sample_keys.as_ref()
    }

    /// Whether a scan found that the sample was not enough (the table must be read whole).
    pub(crate) fn is_stale(&self) -> bool {
        self.stale.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For each column, whether its type is backed by the built-in schema or by values.
    pub(crate) fn typed(&self) -> &[bool] {
        &self.columns.typed
    }
}

impl TableSource for JsonTable {
    fn schema(&self) -> SchemaRef {
        Arc::new(self.columns.schema.clone())
    }

    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error> {
        self.scan_with(columns, None, None)
    }

    /// Skips, before parsing them, NDJSON lines that cannot hold a row the filters keep
    /// (see the module `prefilter`).
    fn scan_filtered(
        &self,
        columns: &[usize],
        prefilter: &kql_eval::Prefilter,
    ) -> Result<BatchStream, Error> {
        self.scan_with(columns, LineFilter::new(prefilter), None)
    }
}

/// A table whose schema was learned from a sample ([`JsonTable::open_sampled`]), as one script
/// sees it: scans end with [`kql_eval::SCHEMA_CHANGED`] if a line holds a key among `watch`
/// (a name the script mentions that the sample did not show).
pub(crate) struct SampledTable {
    pub table: Arc<JsonTable>,
    pub watch: Option<Arc<prefilter::Watch>>,
}

impl SampledTable {
    /// `table` for a script that mentions `watch` outside the built-in schema; `None` if
    /// those names cannot be watched in raw text.
    pub(crate) fn new(table: Arc<JsonTable>, watch: &[&str]) -> Option<SampledTable> {
        let watch = if watch.is_empty() {
            None
        } else {
            Some(Arc::new(prefilter::Watch::new(watch)?))
        };
        Some(SampledTable { table, watch })
    }
}

impl TableSource for SampledTable {
    fn schema(&self) -> SchemaRef {
        self.table.schema()
    }

    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error> {
        self.table.scan_with(columns, None, self.watch.clone())
    }

    fn scan_filtered(
        &self,
        columns: &[usize],
        prefilter: &kql_eval::Prefilter,
    ) -> Result<BatchStream, Error> {
        self.table
            .scan_with(columns, LineFilter::new(prefilter), self.watch.clone())
    }
}

impl JsonTable {
    fn scan_with(
        &self,
        columns: &[usize],
        filter: Option<LineFilter>,
        watch: Option<Arc<prefilter::Watch>>,
    ) -> Result<BatchStream, Error> {
        let schema = &self.columns.schema;
        let mut fields = Vec::with_capacity(columns.len());
        let mut targets: HashMap<String, Vec<usize>> = HashMap::new();
        for (slot, &c) in columns.iter().enumerate() {
            let field = schema.fields.get(c).ok_or_else(|| {
                Error::new(
                    "kql::internal",
                    format!(
                        "column index {c} out of range for table {} ({} columns)",
                        self.path.display(),
                        schema.len()
                    ),
                )
            })?;
            fields.push(field.clone());
            if let Some(key) = &self.keys[c] {
                targets.entry(key.clone()).or_default().push(slot);
            }
        }
        let types: Vec<Type> = fields.iter().map(|f| f.ty).collect();
        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
        if let Some(lines) = &self.lines {
            // a sampled table always watches (if only for lines that do not look like objects)
            let watch = match (&self.sample_keys, watch) {
                (Some(_), None) => prefilter::Watch::new(&[]).map(Arc::new),
                (_, watch) => watch,
            };
            // with `--on-error fail`, a line is walked only up to the last key read (if none of
            // them comes again): the describe pass checked every line already, so long as the
            // file is as it was then; a table learned from a sample checks only what it reads
            let unchanged = std::fs::metadata(&self.path).is_ok_and(|m| m.len() == lines.len);
            let early = self.options.on_error == crate::OnError::Fail
                && (unchanged || self.sample_keys.is_some());
            let plan = Arc::new(ScanPlan::new(targets, types, names, filter, watch, early));
            let work: Arc<Work<ChunkRows>> = Arc::new(move |bytes: &[u8]| scan_chunk(&plan, bytes));
            let chunks = Chunks::new(lines, threads(&self.options), work)?;
            let progress = Progress::new(chunks.total_bytes(), "reading");
            return Ok(Box::new(LinesStream {
                chunks,
                pending: Vec::new().into_iter(),
                schema: Arc::new(Schema::new(fields)),
                path: self.path.display().to_string(),
                options: self.options.clone(),
                line_base: 0,
                progress,
                done: false,
                stale: self.stale.clone(),
            }));
        }
        let empties: Vec<Value> = types.iter().map(|t| Value::missing(*t)).collect();
        let records = Records::open(&self.path)?;
        Ok(Box::new(JsonStream {
            records,
            schema: Arc::new(Schema::new(fields)),
            targets,
            types,
            names,
            row: empties.clone(),
            empties,
            options: self.options.clone(),
            done: false,
        }))
    }
}

/// Rows of an NDJSON file read in parallel chunks, a batch per chunk, in file order.
struct LinesStream {
    chunks: Chunks<ChunkRows>,
    /// Batches of the last chunk not yet given out, with their length.
    pending: std::vec::IntoIter<(Vec<Vec<Value>>, usize)>,
    schema: SchemaRef,
    path: String,
    options: ReadOptions,
    /// The lines of the chunks before the next one.
    line_base: u64,
    progress: Progress,
    done: bool,
    /// The table's flag for a sample that was not enough.
    stale: Arc<std::sync::atomic::AtomicBool>,
}

impl Iterator for LinesStream {
    type Item = Result<Batch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            if let Some((columns, len)) = self.pending.next() {
                if len == 0 {
                    continue;
                }
                let columns = columns.into_iter().map(kql_eval::column).collect();
                return Some(Ok(Batch::new(self.schema.clone(), columns, len)));
            }
            let (rows, bytes) = match self.chunks.next() {
                None => {
                    self.done = true;
                    self.progress.finish();
                    return None;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Some(Ok(chunk)) => chunk,
            };
            if rows.schema_changed {
                self.done = true;
                self.progress.finish();
                self.stale.store(true, std::sync::atomic::Ordering::Relaxed);
                return Some(Err(Error::new(
                    kql_eval::SCHEMA_CHANGED,
                    format!(
                        "{}: the file holds a key the query mentions that its first lines did \
                         not: it must be read whole",
                        self.path
                    ),
                )));
            }
            for bad in &rows.bad {
                let line = self.line_base + bad.line + 1;
                let message = bad.message(&self.path, line);
                if let Err(e) = self.options.bad_record(&self.path, line, message) {
                    self.done = true;
                    self.progress.finish();
                    return Some(Err(e));
                }
            }
            self.line_base += rows.lines;
            self.progress.advance(bytes, rows.len as u64);
            self.pending = rows.batches.into_iter();
        }
        None
    }
}

/// Pulls rows from the file a batch at a time.
struct JsonStream {
    records: Records,
    schema: SchemaRef,
    targets: HashMap<String, Vec<usize>>,
    types: Vec<Type>,
    names: Vec<String>,
    empties: Vec<Value>,
    row: Vec<Value>,
    options: ReadOptions,
    done: bool,
}

impl JsonStream {
    /// Reads the next good record into `self.row`; `Ok(false)` at the end.
    fn next_row(&mut self) -> Result<bool, Error> {
        loop {
            self.row.clone_from_slice(&self.empties);
            let mut bad = None;
            let seed = RowSeed {
                targets: &self.targets,
                types: &self.types,
                row: &mut self.row,
                bad: &mut bad,
            };
            match self.records.next_with(seed)? {
                Next::End => return Ok(false),
                Next::Bad { record, message } => {
                    self.options
                        .bad_record(self.records.path(), record, message)?;
                }
                Next::Record => {
                    let Some((slot, value)) = bad else {
                        return Ok(true);
                    };
                    let (record, place) = self.records.last_record();
                    let message = format!(
                        "{place}: {}",
                        not_of_type(&self.names[slot], self.types[slot], &show_json(&value))
                    );
                    self.options
                        .bad_record(self.records.path(), record, message)?;
                }
            }
        }
    }
}

impl Iterator for JsonStream {
    type Item = Result<Batch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut columns: Vec<Vec<Value>> = self
            .types
            .iter()
            .map(|_| Vec::with_capacity(BATCH_ROWS))
            .collect();
        let mut len = 0;
        while len < BATCH_ROWS {
            match self.next_row() {
                Ok(true) => {
                    for (column, value) in columns.iter_mut().zip(self.row.iter_mut()) {
                        column.push(std::mem::take(value));
                    }
                    len += 1;
                }
                Ok(false) => {
                    self.done = true;
                    break;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        if len == 0 {
            return None;
        }
        let columns = columns.into_iter().map(kql_eval::column).collect();
        Some(Ok(Batch::new(self.schema.clone(), columns, len)))
    }
}

/// Converts a JSON value to a cell of a column of type `ty`, leniently: null and values that
/// cannot be converted give the column's missing value (`""` for strings, null otherwise).
/// (Table readers are strict: a value that does not convert is a malformed record.)
///
/// string: strings as they are, other values as compact JSON text; long/int: integers,
/// integral reals and strings holding an integer; real: numbers and numeric strings;
/// bool: `true`/`false`, `0`/`1` and those words as strings; datetime, timespan, guid: strings
/// in their text forms; dynamic: any value.
pub fn json_to_value(v: serde_json::Value, ty: Type) -> Value {
    use serde_json::Value as J;
    if v.is_null() {
        return Value::missing(ty);
    }
    let converted = match ty {
        Type::String => Some(match v {
            J::String(s) => Value::String(Arc::from(s)),
            other => Value::String(Arc::from(other.to_string())),
        }),
        Type::Long => json_long(&v).map(Value::Long),
        Type::Int => json_long(&v)
            .and_then(|l| i32::try_from(l).ok())
            .map(Value::Int),
        Type::Real => json_real(&v).map(Value::Real),
        Type::Bool => json_bool(&v).map(Value::Bool),
        Type::DateTime => v.as_str().and_then(parse_datetime).map(Value::DateTime),
        Type::TimeSpan => v.as_str().and_then(parse_timespan).map(Value::TimeSpan),
        Type::Guid => v.as_str().and_then(parse_guid).map(Value::Guid),
        Type::Dynamic => Some(Value::Dynamic(Arc::new(v))),
    };
    converted.unwrap_or_else(|| Value::missing(ty))
}

// ---------------------------------------------------------------------------------------------
// Type inference

/// The kinds of non-null values seen in one column.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    bool: bool,
    long: bool,
    real: bool,
    /// `"NaN"`, `"Infinity"`, `"-Infinity"`: reals among numbers, strings otherwise.
    non_finite: bool,
    datetime: bool,
    empty_string: bool,
    string: bool,
    nested: bool,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Null,
    Bool,
    Long,
    Real,
    NonFinite,
    /// A string that looks like and parses as an ISO 8601 datetime.
    DateTime,
    /// `""`: a string, but no evidence against a datetime column.
    EmptyString,
    String,
    Nested,
}

impl Seen {
    fn record(&mut self, kind: Kind) {
        match kind {
            Kind::Null => {}
            Kind::Bool => self.bool = true,
            Kind::Long => self.long = true,
            Kind::Real => self.real = true,
            Kind::NonFinite => self.non_finite = true,
            Kind::DateTime => self.datetime = true,
            Kind::EmptyString => self.empty_string = true,
            Kind::String => self.string = true,
            Kind::Nested => self.nested = true,
        }
    }

    /// Adds what `other` saw.
    fn merge(&mut self, other: &Seen) {
        self.bool |= other.bool;
        self.long |= other.long;
        self.real |= other.real;
        self.non_finite |= other.non_finite;
        self.datetime |= other.datetime;
        self.empty_string |= other.empty_string;
        self.string |= other.string;
        self.nested |= other.nested;
    }

    fn has_values(&self) -> bool {
        self.bool
            || self.long
            || self.real
            || self.non_finite
            || self.datetime
            || self.string
            || self.nested
    }

    fn infer(&self) -> Type {
        let numbers = self.long || self.real;
        // `"NaN"` and `"Infinity"` are reals next to numbers alone, strings otherwise
        let non_finite_real = self.non_finite
            && numbers
            && !(self.bool || self.string || self.datetime || self.nested || self.empty_string);
        let string = self.string || (self.non_finite && !non_finite_real);
        let strings = string || self.datetime || self.empty_string;
        if self.nested {
            Type::Dynamic
        } else if strings {
            if self.datetime && !string && !self.bool && !numbers {
                Type::DateTime
            } else {
                Type::String
            }
        } else if self.bool {
            if numbers { Type::Dynamic } else { Type::Bool }
        } else if self.real || non_finite_real {
            Type::Real
        } else if self.long {
            Type::Long
        } else {
            Type::String
        }
    }
}

/// Strings that may be ISO 8601 datetimes: four digits and a dash, then whatever
/// `parse_datetime` accepts.
fn looks_like_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && parse_datetime(s).is_some()
}

fn string_kind(s: &str) -> Kind {
    if s.is_empty() {
        Kind::EmptyString
    } else if is_non_finite(s) {
        Kind::NonFinite
    } else if looks_like_datetime(s) {
        Kind::DateTime
    } else {
        Kind::String
    }
}

/// Collects the kind of every value of one object in `kinds` (applied once the whole object
/// has been read), adding new keys to `cols`.
struct DescribeSeed<'a> {
    cols: &'a mut IndexMap<String, Seen>,
    kinds: &'a mut Vec<(usize, Kind)>,
}

impl<'de> DeserializeSeed<'de> for DescribeSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DescribeSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(RECORD)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(i) = map.next_key_seed(DescribeKey { cols: self.cols })? {
            let kind = map.next_value_seed(KindSeed)?;
            self.kinds.push((i, kind));
        }
        Ok(())
    }
}

/// A key of an object being described: its index among the keys seen so far.
struct DescribeKey<'a> {
    cols: &'a mut IndexMap<String, Seen>,
}

impl<'de> DeserializeSeed<'de> for DescribeKey<'_> {
    type Value = usize;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for DescribeKey<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<usize, E> {
        Ok(match self.cols.get_index_of(key) {
            Some(i) => i,
            None => self.cols.insert_full(key.to_string(), Seen::default()).0,
        })
    }
}

/// The kind of one value, skipping the contents of objects and arrays.
struct KindSeed;

impl<'de> DeserializeSeed<'de> for KindSeed {
    type Value = Kind;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KindSeed {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }

    fn visit_none<E>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Kind, E> {
        Ok(Kind::Bool)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Kind, E> {
        Ok(Kind::Long)
    }

    fn visit_u64<E>(self, v: u64) -> Result<Kind, E> {
        Ok(if i64::try_from(v).is_ok() {
            Kind::Long
        } else {
            Kind::Real
        })
    }

    fn visit_f64<E>(self, _: f64) -> Result<Kind, E> {
        Ok(Kind::Real)
    }

    fn visit_str<E>(self, s: &str) -> Result<Kind, E> {
        Ok(string_kind(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Kind::Nested)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Kind::Nested)
    }
}

// ---------------------------------------------------------------------------------------------
// Scanning

/// Reads one object into `row`: the values of keys in `targets` converted to their slots'
/// types; other values are skipped. The first value that does not convert is kept in `bad`
/// (the record is read to its end all the same).
struct RowSeed<'a> {
    targets: &'a HashMap<String, Vec<usize>>,
    types: &'a [Type],
    row: &'a mut [Value],
    bad: &'a mut Option<(usize, serde_json::Value)>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(RECORD)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(slots) = map.next_key_seed(LookupKey {
            targets: self.targets,
        })? {
            match slots {
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
                Some(slots) => {
                    let v: serde_json::Value = map.next_value()?;
                    for &s in slots {
                        match convert_json(v.clone(), self.types[s]) {
                            Ok(value) => self.row[s] = value,
                            Err(v) => {
                                if self.bad.is_none() {
                                    *self.bad = Some((s, v));
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A key of an object being scanned: the output slots its value goes to, if any.
struct LookupKey<'a> {
    targets: &'a HashMap<String, Vec<usize>>,
}

impl<'de, 'a> DeserializeSeed<'de> for LookupKey<'a> {
    type Value = Option<&'a [usize]>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'a> Visitor<'de> for LookupKey<'a> {
    type Value = Option<&'a [usize]>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.targets.get(key).map(Vec::as_slice))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fast_tests;
