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
//!
//! The describe pass and type inference are in `infer`; the batch streams a scan returns are
//! in `stream`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kql_eval::datetime::{parse_datetime, parse_timespan};
use kql_eval::value::parse_guid;
use kql_eval::{BatchStream, Error, Schema, SchemaRef, TableSource, Type, Value};

use crate::convert::{Columns, json_bool, json_long, json_real};
use crate::report::ReadOptions;

mod chunks;
mod fast;
mod infer;
mod prefilter;
mod records;
mod stream;
mod walk;

use chunks::{Chunks, LinesFile, Work};
use fast::{ChunkRows, ScanPlan, describe_chunk, scan_chunk};
use infer::{describe_columns, file_columns};
use prefilter::LineFilter;
use records::Records;
use stream::{JsonStream, LinesStream};

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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fast_tests;
