//! A directory given as a table: every table file in it (any supported format, by name
//! order), concatenated.
//!
//! Columns are unified by name, in order of first appearance. Where files give a column
//! different types, the type is widened (int and long to long, numbers to real, to dynamic if
//! one is dynamic, else to string) and a warning names the files; a column a file only ever
//! leaves empty takes the type of the others silently. Files that are not table files (by their
//! extension: `.json`, `.jsonl`, `.ndjson`, `.csv`, `.tsv`, each optionally `.gz`) and
//! subdirectories are skipped with a warning.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kql_eval::{Batch, BatchStream, Error, Field, Schema, SchemaRef, TableSource, Type, Value};

use crate::detect::open_file;
use crate::report::ReadOptions;

/// Extensions of table files (each may be followed by `.gz`).
pub const TABLE_FILE_EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson", "csv", "tsv"];

/// Whether `name` ends with a table file extension (optionally followed by `.gz`), and the
/// name without it.
pub fn table_file_stem(name: &str) -> Option<&str> {
    // ASCII lower-casing keeps byte offsets
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix(".gz").map_or(name.len(), str::len);
    let (stem, ext) = name[..base].rsplit_once('.')?;
    (TABLE_FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) && !stem.is_empty())
        .then_some(stem)
}

/// One file of the directory.
struct Part {
    table: Arc<dyn TableSource>,
    /// For each column of the concatenation, the part's column (`None`: absent).
    map: Vec<Option<usize>>,
    /// For each column of the part, whether its type is backed by anything.
    typed: Vec<bool>,
}

/// The table files of a directory, concatenated (see the module docs).
pub struct ConcatTable {
    dir: String,
    schema: SchemaRef,
    parts: Vec<Part>,
}

impl std::fmt::Debug for ConcatTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConcatTable")
            .field("dir", &self.dir)
            .field("schema", &self.schema)
            .field("parts", &self.parts.len())
            .finish()
    }
}

impl ConcatTable {
    /// Opens every table file of `dir`.
    pub fn open(
        dir: &Path,
        known: Option<&Schema>,
        options: &ReadOptions,
    ) -> Result<ConcatTable, Error> {
        let display = dir.display().to_string();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Error::data(format!("cannot read the directory {display}: {e}")))?;
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in entries {
            let entry = entry
                .map_err(|e| Error::data(format!("cannot read the directory {display}: {e}")))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                options.report.warn(format!(
                    "{}: a directory inside a table directory is not read",
                    path.display()
                ));
            } else if table_file_stem(&name).is_some() {
                files.push(path);
            } else {
                options.report.warn(format!(
                    "{}: not read: a table file's name ends with .json, .jsonl, .ndjson, .csv or \
                     .tsv (optionally .gz)",
                    path.display()
                ));
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(Error::data(format!(
                "the directory {display} holds no table files (.json, .jsonl, .ndjson, .csv, \
                 .tsv, optionally .gz)"
            )));
        }
        let mut opened = Vec::with_capacity(files.len());
        for file in &files {
            opened.push(open_file(file, known, options)?);
        }
        // unify the columns by name
        let mut fields: Vec<Field> = Vec::new();
        // per column: (file, type) of each part that types it
        let mut types: Vec<Vec<(usize, Type)>> = Vec::new();
        for (p, part) in opened.iter().enumerate() {
            let schema = part.table.schema();
            for (c, f) in schema.fields.iter().enumerate() {
                let at = match fields.iter().position(|g| g.name == f.name) {
                    Some(at) => at,
                    None => {
                        fields.push(f.clone());
                        types.push(Vec::new());
                        fields.len() - 1
                    }
                };
                if part.typed[c] {
                    types[at].push((p, f.ty));
                }
            }
        }
        for (field, typed) in fields.iter_mut().zip(&types) {
            let Some(&(_, first)) = typed.first() else {
                continue;
            };
            let ty = typed.iter().fold(first, |acc, (_, t)| widen(acc, *t));
            if typed.iter().any(|(_, t)| *t != first) {
                let mut seen: Vec<String> = Vec::new();
                for (p, t) in typed {
                    let file = files[*p]
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let text = format!("{t} in {file}");
                    if !seen.iter().any(|s| s.starts_with(&format!("{t} in"))) {
                        seen.push(text);
                    }
                }
                options.report.warn(format!(
                    "{display}: column {} is {}: read as {ty}",
                    field.name,
                    seen.join(", ")
                ));
            }
            field.ty = ty;
        }
        let parts = opened
            .into_iter()
            .map(|o| {
                let schema = o.table.schema();
                let map = fields.iter().map(|f| schema.index_of(&f.name)).collect();
                Part {
                    table: o.table,
                    map,
                    typed: o.typed,
                }
            })
            .collect();
        Ok(ConcatTable {
            dir: display,
            schema: Arc::new(Schema::new(fields)),
            parts,
        })
    }
}

/// The narrowest type that holds values of both `a` and `b`.
pub(crate) fn widen(a: Type, b: Type) -> Type {
    use Type::*;
    match (a, b) {
        _ if a == b => a,
        (Int, Long) | (Long, Int) => Long,
        (Int | Long | Real, Int | Long | Real) => Real,
        (Dynamic, _) | (_, Dynamic) => Dynamic,
        _ => String,
    }
}

/// `v`, a value of a column of type `from`, in a column of type `to` (a widening of `from`).
fn widen_value(v: Value, to: Type) -> Value {
    match (to, v) {
        (_, Value::Null) => Value::missing(to),
        (Type::Long, Value::Int(i)) => Value::Long(i64::from(i)),
        (Type::Real, Value::Int(i)) => Value::Real(f64::from(i)),
        (Type::Real, Value::Long(l)) => Value::Real(l as f64),
        (Type::String, v @ Value::String(_)) => v,
        (Type::String, v) => Value::String(Arc::from(v.to_kql_string())),
        (Type::Dynamic, v @ Value::Dynamic(_)) => v,
        (Type::Dynamic, v) => Value::Dynamic(Arc::new(v.to_json())),
        (_, v) => v,
    }
}

impl TableSource for ConcatTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error> {
        let mut fields = Vec::with_capacity(columns.len());
        for &c in columns {
            fields.push(self.schema.fields.get(c).cloned().ok_or_else(|| {
                Error::new(
                    "kql::internal",
                    format!("column index {c} out of range for table {}", self.dir),
                )
            })?);
        }
        let out_schema: SchemaRef = Arc::new(Schema::new(fields));
        let mut streams: Vec<BatchStream> = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            // the part's columns to read, and for each output column its place among them
            let mut read: Vec<usize> = Vec::new();
            let mut plan: Vec<Option<(usize, bool)>> = Vec::with_capacity(columns.len());
            for &c in columns {
                plan.push(part.map[c].map(|pc| {
                    let at = read.iter().position(|r| *r == pc).unwrap_or_else(|| {
                        read.push(pc);
                        read.len() - 1
                    });
                    (at, part.typed[pc])
                }));
            }
            let schema = out_schema.clone();
            let stream = part.table.scan(&read)?;
            streams.push(Box::new(stream.map(move |batch| {
                let batch = batch?;
                let columns = plan
                    .iter()
                    .zip(&schema.fields)
                    .map(|(p, f)| match p {
                        Some((at, true)) if batch.schema.fields[*at].ty == f.ty => {
                            batch.columns[*at].clone()
                        }
                        Some((at, true)) => Arc::new(
                            batch.columns[*at]
                                .iter()
                                .map(|v| widen_value(v.clone(), f.ty))
                                .collect(),
                        ),
                        _ => kql_eval::column(vec![Value::missing(f.ty); batch.len]),
                    })
                    .collect();
                Ok(Batch::new(schema.clone(), columns, batch.len))
            })));
        }
        Ok(Box::new(streams.into_iter().flatten()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_file_names() {
        assert_eq!(table_file_stem("A.json"), Some("A"));
        assert_eq!(table_file_stem("A.b.NDJSON.gz"), Some("A.b"));
        assert_eq!(table_file_stem("x.tsv"), Some("x"));
        assert_eq!(table_file_stem("x.txt"), None);
        assert_eq!(table_file_stem(".csv"), None);
        assert_eq!(table_file_stem("csv"), None);
        assert_eq!(table_file_stem("x.gz"), None);
    }

    #[test]
    fn widening() {
        assert_eq!(widen(Type::Int, Type::Long), Type::Long);
        assert_eq!(widen(Type::Long, Type::Real), Type::Real);
        assert_eq!(widen(Type::DateTime, Type::String), Type::String);
        assert_eq!(widen(Type::Bool, Type::Dynamic), Type::Dynamic);
        assert_eq!(widen(Type::Guid, Type::Guid), Type::Guid);
        assert_eq!(widen_value(Value::Int(3), Type::Real), Value::Real(3.0));
        assert_eq!(widen_value(Value::Null, Type::String), Value::str(""));
        assert_eq!(
            widen_value(Value::Bool(true), Type::String),
            Value::str("true")
        );
    }
}
