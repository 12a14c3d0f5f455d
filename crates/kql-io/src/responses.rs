//! Tables saved from a query API: the response document is read whole and its primary result
//! becomes the table, with the column types the response declares.
//!
//! * Defender XDR advanced hunting API: `{"Stats": {...}, "Schema": [{"Name", "Type"}],
//!   "Results": [{...}]}` (.NET type names; a key may be absent for null);
//! * Microsoft Graph `runHuntingQuery`: `{"schema": [{"name", "type"}], "results": [{...}]}`;
//! * the Log Analytics / Sentinel query API: `{"tables": [{"name", "columns": [{"name", "type"}],
//!   "rows": [[...]]}]}`, the table called `PrimaryResult` (else the first); this is what
//!   `kql run --format json` writes, so kql's output reads back losslessly;
//! * Azure Data Explorer REST v1: `{"Tables": [{"TableName", "Columns": [{"ColumnName",
//!   "ColumnType", "DataType"}], "Rows"}]}`: the table the last (table of contents) table names
//!   as the `QueryResult`, else the first; the status tables are ignored;
//! * Azure Data Explorer REST v2: an array of frames; the `DataTable` whose `TableKind` is
//!   `PrimaryResult`, or the `TableHeader` and `TableFragment` frames of a progressive one.
//!
//! Dynamic cells that arrive as JSON-encoded strings become dynamic values. A row that is not
//! an array (an object) of the right size, or a cell that is not of its column's type, is a
//! malformed record named by its number (`row 12`) and its column.

use std::path::Path;
use std::sync::Arc;

use kql_eval::batch::BATCH_ROWS;
use kql_eval::{Batch, BatchStream, Error, Schema, SchemaRef, TableSource, Type, Value};
use serde_json::Value as J;

use crate::convert::{
    Columns, FileColumn, convert_json, declared_type, not_of_type, plan_columns, show_json,
};
use crate::input::{open_input, read_error};
use crate::report::ReadOptions;

/// Which API a response came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    Defender,
    Graph,
    LogAnalytics,
    AdxV1,
    AdxV2,
}

impl ResponseKind {
    pub fn describe(self) -> &'static str {
        match self {
            ResponseKind::Defender => "a Defender advanced hunting API response",
            ResponseKind::Graph => "a Microsoft Graph runHuntingQuery response",
            ResponseKind::LogAnalytics => "a Log Analytics query API response",
            ResponseKind::AdxV1 => "an Azure Data Explorer REST v1 response",
            ResponseKind::AdxV2 => "an Azure Data Explorer REST v2 response",
        }
    }
}

/// Rows as objects keyed by column name, or as arrays in column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowShape {
    Objects,
    Arrays,
}

/// The primary result of a response.
struct Extracted {
    kind: ResponseKind,
    columns: Vec<(String, Type)>,
    rows: Vec<J>,
    shape: RowShape,
}

/// A table read from a query API response, held in memory once read.
#[derive(Debug)]
pub struct ResponseTable {
    path: String,
    kind: ResponseKind,
    columns: Columns,
    /// Names of the file's columns (the keys of object rows).
    names: Vec<String>,
    shape: RowShape,
    rows: Arc<Vec<J>>,
    options: ReadOptions,
}

impl ResponseTable {
    /// Reads the response at `path`; `Ok(None)` if the file is not one (NDJSON, a plain
    /// object), so another reader can try.
    pub fn open(
        path: &Path,
        known: Option<&Schema>,
        options: &ReadOptions,
    ) -> Result<Option<ResponseTable>, Error> {
        let display = path.display().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut open_input(path)?, &mut bytes)
            .map_err(|e| read_error(&display, &e))?;
        let doc: J = match serde_json::from_slice(&bytes) {
            Ok(doc) => doc,
            // more than one value: NDJSON
            Err(e) if e.to_string().starts_with("trailing characters") => return Ok(None),
            Err(e) => {
                let text = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                let msg = text.strip_suffix(&suffix).unwrap_or(&text);
                return Err(Error::data(format!(
                    "{display}:{}:{}: {msg}",
                    e.line(),
                    e.column()
                )));
            }
        };
        drop(bytes);
        let Some(found) = extract(doc, &display, options)? else {
            return Ok(None);
        };
        let names: Vec<String> = found.columns.iter().map(|(n, _)| n.clone()).collect();
        // check the shape of every row now, so a bad one is reported before any result
        let mut has_values = vec![false; names.len()];
        for (i, row) in found.rows.iter().enumerate() {
            match row_cells(row, found.shape, &names) {
                Ok(cells) => {
                    for (seen, cell) in has_values.iter_mut().zip(cells) {
                        *seen |= cell.is_some_and(|c| !c.is_null());
                    }
                }
                Err(msg) => {
                    options.bad_record(&display, i as u64 + 1, row_error(&display, i, &msg))?
                }
            }
        }
        if found.shape == RowShape::Objects {
            let mut extra: Vec<&str> = Vec::new();
            for row in &found.rows {
                if let J::Object(map) = row {
                    for key in map.keys() {
                        if !names.contains(key) && !extra.contains(&key.as_str()) {
                            extra.push(key);
                        }
                    }
                }
            }
            if !extra.is_empty() {
                options.report.warn(format!(
                    "{display}: {} not in the response's schema, ignored: {}",
                    if extra.len() == 1 {
                        "a key is"
                    } else {
                        "keys are"
                    },
                    extra.join(", ")
                ));
            }
        }
        let file: Vec<FileColumn> = found
            .columns
            .iter()
            .zip(&has_values)
            .map(|((name, ty), seen)| FileColumn {
                name: name.clone(),
                declared: Some(*ty),
                inferred: *ty,
                has_values: *seen,
            })
            .collect();
        Ok(Some(ResponseTable {
            path: display,
            kind: found.kind,
            columns: plan_columns(&file, known),
            names,
            shape: found.shape,
            rows: Arc::new(found.rows),
            options: options.clone(),
        }))
    }

    /// The API the response came from.
    pub fn kind(&self) -> ResponseKind {
        self.kind
    }

    pub(crate) fn typed(&self) -> &[bool] {
        &self.columns.typed
    }
}

fn row_error(path: &str, index: usize, msg: &str) -> String {
    format!("{path}: row {}: {msg}", index + 1)
}

/// The cells of a row in column order (`None`: absent), or why the row is malformed.
fn row_cells<'a>(
    row: &'a J,
    shape: RowShape,
    names: &[String],
) -> Result<Vec<Option<&'a J>>, String> {
    match (shape, row) {
        (RowShape::Arrays, J::Array(cells)) if cells.len() == names.len() => {
            Ok(cells.iter().map(Some).collect())
        }
        (RowShape::Arrays, J::Array(cells)) => Err(format!(
            "expected {} cells (one per column), found {}",
            names.len(),
            cells.len()
        )),
        (RowShape::Objects, J::Object(map)) => Ok(names.iter().map(|n| map.get(n)).collect()),
        (RowShape::Arrays, other) => Err(format!(
            "expected an array of cells, found {}",
            show_json(other)
        )),
        (RowShape::Objects, other) => Err(format!(
            "expected an object (one record), found {}",
            show_json(other)
        )),
    }
}

impl TableSource for ResponseTable {
    fn schema(&self) -> SchemaRef {
        Arc::new(self.columns.schema.clone())
    }

    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error> {
        let schema = &self.columns.schema;
        let mut fields = Vec::with_capacity(columns.len());
        let mut sources = Vec::with_capacity(columns.len());
        for &c in columns {
            let field = schema.fields.get(c).ok_or_else(|| {
                Error::new(
                    "kql::internal",
                    format!("column index {c} out of range for table {}", self.path),
                )
            })?;
            fields.push(field.clone());
            sources.push(self.columns.sources[c]);
        }
        let schema: SchemaRef = Arc::new(Schema::new(fields));
        let rows = self.rows.clone();
        let names = self.names.clone();
        let shape = self.shape;
        let path = self.path.clone();
        let options = self.options.clone();
        let mut next = 0usize;
        let mut failed = false;
        Ok(Box::new(std::iter::from_fn(move || {
            if failed || next >= rows.len() {
                return None;
            }
            let mut out: Vec<Vec<Value>> = sources.iter().map(|_| Vec::new()).collect();
            let mut len = 0;
            while len < BATCH_ROWS && next < rows.len() {
                let i = next;
                next += 1;
                let converted = convert_row(&rows[i], shape, &names, &sources, &schema);
                match converted {
                    Ok(values) => {
                        for (column, v) in out.iter_mut().zip(values) {
                            column.push(v);
                        }
                        len += 1;
                    }
                    Err(msg) => {
                        let message = row_error(&path, i, &msg);
                        if let Err(e) = options.bad_record(&path, i as u64 + 1, message) {
                            failed = true;
                            return Some(Err(e));
                        }
                    }
                }
            }
            if len == 0 {
                return None;
            }
            let columns = out.into_iter().map(kql_eval::column).collect();
            Some(Ok(Batch::new(schema.clone(), columns, len)))
        })))
    }
}

fn convert_row(
    row: &J,
    shape: RowShape,
    names: &[String],
    sources: &[Option<usize>],
    schema: &Schema,
) -> Result<Vec<Value>, String> {
    let cells = row_cells(row, shape, names)?;
    sources
        .iter()
        .zip(&schema.fields)
        .map(|(source, field)| {
            let cell = source.and_then(|s| cells[s]).cloned().unwrap_or(J::Null);
            convert_json(cell, field.ty)
                .map_err(|bad| not_of_type(&field.name, field.ty, &show_json(&bad)))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Finding the primary result

/// The primary result of `doc`, `Ok(None)` if it is not a response of a known API.
fn extract(doc: J, path: &str, options: &ReadOptions) -> Result<Option<Extracted>, Error> {
    match doc {
        J::Object(mut map) => {
            if map.contains_key("Schema") && map.contains_key("Results") {
                let columns = columns_of(&map["Schema"], "Name", &["Type"], path)?;
                let rows = take_rows(map.remove("Results"), path, "Results")?;
                return Ok(Some(Extracted {
                    kind: ResponseKind::Defender,
                    columns,
                    rows,
                    shape: RowShape::Objects,
                }));
            }
            if map.contains_key("schema") && map.contains_key("results") {
                let columns = columns_of(&map["schema"], "name", &["type"], path)?;
                let rows = take_rows(map.remove("results"), path, "results")?;
                return Ok(Some(Extracted {
                    kind: ResponseKind::Graph,
                    columns,
                    rows,
                    shape: RowShape::Objects,
                }));
            }
            if let Some(J::Array(tables)) = map.remove("tables") {
                let at = tables
                    .iter()
                    .position(|t| t["name"] == "PrimaryResult")
                    .unwrap_or(0);
                let Some(mut table) = tables.into_iter().nth(at) else {
                    return Err(Error::data(format!(
                        "{path}: the response holds no table (`tables` is empty)"
                    )));
                };
                let columns = columns_of(&table["columns"], "name", &["type"], path)?;
                let rows = take_rows(table.get_mut("rows").map(J::take), path, "rows")?;
                return Ok(Some(Extracted {
                    kind: ResponseKind::LogAnalytics,
                    columns,
                    rows,
                    shape: RowShape::Arrays,
                }));
            }
            if let Some(J::Array(tables)) = map.remove("Tables") {
                let at = adx_v1_primary(&tables);
                let Some(mut table) = tables.into_iter().nth(at) else {
                    return Err(Error::data(format!(
                        "{path}: the response holds no table (`Tables` is empty)"
                    )));
                };
                let columns = columns_of(
                    &table["Columns"],
                    "ColumnName",
                    &["ColumnType", "DataType"],
                    path,
                )?;
                let rows = take_rows(table.get_mut("Rows").map(J::take), path, "Rows")?;
                return Ok(Some(Extracted {
                    kind: ResponseKind::AdxV1,
                    columns,
                    rows,
                    shape: RowShape::Arrays,
                }));
            }
            Ok(None)
        }
        J::Array(frames) if frames.first().is_some_and(|f| f.get("FrameType").is_some()) => {
            adx_v2(frames, path, options).map(Some)
        }
        _ => Ok(None),
    }
}

/// `[{"Name": .., "Type": ..}]` as names and types; the type is the first of `type_keys`
/// present.
fn columns_of(
    columns: &J,
    name_key: &str,
    type_keys: &[&str],
    path: &str,
) -> Result<Vec<(String, Type)>, Error> {
    let J::Array(columns) = columns else {
        return Err(Error::data(format!(
            "{path}: the response's columns are not an array"
        )));
    };
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let Some(name) = c.get(name_key).and_then(J::as_str) else {
                return Err(Error::data(format!(
                    "{path}: column {} has no `{name_key}`",
                    i + 1
                )));
            };
            let ty_name = type_keys
                .iter()
                .find_map(|k| c.get(*k).and_then(J::as_str).filter(|t| !t.is_empty()));
            let Some(ty_name) = ty_name else {
                return Err(Error::data(format!(
                    "{path}: column {name} has no `{}`",
                    type_keys[0]
                )));
            };
            let ty = declared_type(ty_name).ok_or_else(|| {
                Error::data(format!(
                    "{path}: column {name} has the unknown type `{ty_name}`"
                ))
            })?;
            Ok((name.to_string(), ty))
        })
        .collect()
}

fn take_rows(rows: Option<J>, path: &str, key: &str) -> Result<Vec<J>, Error> {
    match rows {
        Some(J::Array(rows)) => Ok(rows),
        Some(J::Null) | None => Ok(Vec::new()),
        Some(other) => Err(Error::data(format!(
            "{path}: `{key}` is not an array (found {})",
            show_json(&other)
        ))),
    }
}

/// The index of the primary result among ADX v1 tables: the last table, when it is the table
/// of contents (`Ordinal`, `Kind`, `Name`, ...), names it; else the first table.
fn adx_v1_primary(tables: &[J]) -> usize {
    let Some(toc) = tables.last().filter(|_| tables.len() > 1) else {
        return 0;
    };
    let names: Vec<&str> = toc["Columns"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["ColumnName"].as_str()).collect())
        .unwrap_or_default();
    let col = |n: &str| names.iter().position(|c| *c == n);
    let (Some(ordinal), Some(kind), Some(name)) = (col("Ordinal"), col("Kind"), col("Name")) else {
        return 0;
    };
    let rows = toc["Rows"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let result = |wanted: Option<&str>| {
        rows.iter().find_map(|r| {
            let is_result = r[kind] == "QueryResult";
            let named = wanted.is_none_or(|w| r[name] == w);
            (is_result && named).then(|| r[ordinal].as_u64()).flatten()
        })
    };
    result(Some("PrimaryResult"))
        .or_else(|| result(None))
        .and_then(|o| usize::try_from(o).ok())
        .filter(|&o| o < tables.len())
        .unwrap_or(0)
}

/// The primary result of ADX v2 frames.
fn adx_v2(frames: Vec<J>, path: &str, options: &ReadOptions) -> Result<Extracted, Error> {
    let mut columns: Option<Vec<(String, Type)>> = None;
    let mut rows: Vec<J> = Vec::new();
    let mut progressive_id: Option<J> = None;
    for mut frame in frames {
        let kind = frame["FrameType"].as_str().unwrap_or_default().to_string();
        let primary = frame["TableKind"] == "PrimaryResult";
        match kind.as_str() {
            "DataTable" if primary && columns.is_none() => {
                columns = Some(columns_of(
                    &frame["Columns"],
                    "ColumnName",
                    &["ColumnType", "DataType"],
                    path,
                )?);
                rows = take_rows(frame.get_mut("Rows").map(J::take), path, "Rows")?;
            }
            "TableHeader" if primary && columns.is_none() => {
                columns = Some(columns_of(
                    &frame["Columns"],
                    "ColumnName",
                    &["ColumnType", "DataType"],
                    path,
                )?);
                progressive_id = Some(frame["TableId"].clone());
            }
            "TableFragment" if progressive_id.as_ref() == Some(&frame["TableId"]) => {
                let more = take_rows(frame.get_mut("Rows").map(J::take), path, "Rows")?;
                if frame["TableFragmentType"] == "DataReplace" {
                    rows = more;
                } else {
                    rows.extend(more);
                }
            }
            "DataSetCompletion" if frame["HasErrors"] == true || frame["Cancelled"] == true => {
                options.report.warn(format!(
                    "{path}: the query that produced this response reported errors or was \
                     cancelled (DataSetCompletion): its result may be incomplete"
                ));
            }
            _ => {}
        }
    }
    let Some(columns) = columns else {
        return Err(Error::data(format!(
            "{path}: the Azure Data Explorer v2 response has no PrimaryResult table"
        )));
    };
    Ok(Extracted {
        kind: ResponseKind::AdxV2,
        columns,
        rows,
        shape: RowShape::Arrays,
    })
}
