//! The batch streams a [`super::JsonTable`] scan returns: [`LinesStream`] gives the rows of an
//! uncompressed NDJSON file read in parallel chunks, [`JsonStream`] those of a JSON array or
//! compressed file read sequentially with serde_json, one record at a time through [`RowSeed`].
//!
//! [`RowSeed`] is also what the parallel path ([`super::fast`]) falls back on for lines its
//! walk leaves to serde_json, so both paths give the same values and errors.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use kql_eval::batch::BATCH_ROWS;
use kql_eval::{Batch, Error, SchemaRef, Type, Value};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::chunks::Chunks;
use super::fast::ChunkRows;
use super::records::{Next, RECORD, Records};
use crate::convert::{convert_json, not_of_type, show_json};
use crate::progress::Progress;
use crate::report::ReadOptions;

/// Rows of an NDJSON file read in parallel chunks, a batch per chunk, in file order.
pub(super) struct LinesStream {
    pub chunks: Chunks<ChunkRows>,
    /// Batches of the last chunk not yet given out, with their length.
    pub pending: std::vec::IntoIter<(Vec<Vec<Value>>, usize)>,
    pub schema: SchemaRef,
    pub path: String,
    pub options: ReadOptions,
    /// The lines of the chunks before the next one.
    pub line_base: u64,
    pub progress: Progress,
    pub done: bool,
    /// The table's flag for a sample that was not enough.
    pub stale: Arc<std::sync::atomic::AtomicBool>,
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
pub(super) struct JsonStream {
    pub records: Records,
    pub schema: SchemaRef,
    pub targets: HashMap<String, Vec<usize>>,
    pub types: Vec<Type>,
    pub names: Vec<String>,
    pub empties: Vec<Value>,
    pub row: Vec<Value>,
    pub options: ReadOptions,
    pub done: bool,
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

/// Reads one object into `row`: the values of keys in `targets` converted to their slots'
/// types; other values are skipped. The first value that does not convert is kept in `bad`
/// (the record is read to its end all the same).
pub(super) struct RowSeed<'a> {
    pub targets: &'a HashMap<String, Vec<usize>>,
    pub types: &'a [Type],
    pub row: &'a mut [Value],
    pub bad: &'a mut Option<(usize, serde_json::Value)>,
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
