//! Inferring a file's columns and their types: the describe pass that reads the whole file once
//! (in parallel chunks for uncompressed NDJSON, sequentially with serde_json otherwise), the
//! kinds of values seen in each column, and the type those kinds imply (see [`super::describe`]).
//!
//! The serde_json seeds here are also what the parallel path ([`super::fast`]) falls back on
//! for lines its walk leaves to serde_json, so both paths classify values the same way.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use kql_eval::datetime::parse_datetime;
use kql_eval::{Error, Schema, Type};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::chunks::{Chunks, LinesFile, Work};
use super::fast::{ChunkKeys, describe_chunk};
use super::records::{Next, RECORD, Records};
use crate::convert::{Columns, FileColumn, is_non_finite, plan_columns};
use crate::progress::Progress;
use crate::report::ReadOptions;

/// The columns of the file, the keys it holds, and the file as lines to read in parallel if
/// it is uncompressed NDJSON.
pub(super) fn describe_columns(
    path: &Path,
    known: Option<&Schema>,
    options: &ReadOptions,
) -> Result<(Columns, Vec<String>, Option<LinesFile>), Error> {
    if let Some(lines) = super::ndjson_file(path)? {
        let (columns, keys) = describe_lines(&lines, known, options)?;
        return Ok((columns, keys, Some(lines)));
    }
    let (columns, keys) = describe_records(path, known, options)?;
    Ok((columns, keys, None))
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
    let chunks = Chunks::new(file, super::threads(options), work)?;
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
pub(super) fn file_columns(
    cols: &IndexMap<String, Seen>,
    known: Option<&Schema>,
) -> (Columns, Vec<String>) {
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

// ---------------------------------------------------------------------------------------------
// Kinds and types

/// The kinds of non-null values seen in one column.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Seen {
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
pub(super) enum Kind {
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
    pub(super) fn record(&mut self, kind: Kind) {
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

pub(super) fn string_kind(s: &str) -> Kind {
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
pub(super) struct DescribeSeed<'a> {
    pub cols: &'a mut IndexMap<String, Seen>,
    pub kinds: &'a mut Vec<(usize, Kind)>,
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
