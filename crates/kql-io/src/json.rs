//! Tables stored as JSON: a file holding one JSON array of objects, or NDJSON (one object per
//! line). The format is detected from the content: after an optional UTF-8 BOM and whitespace,
//! `[` starts an array and `{` starts NDJSON.
//!
//! A table is used in two phases: [`describe`] reads the file once to learn its columns and
//! their types, then [`JsonTable::scan`] streams batches of only the columns a query reads
//! (the values of other keys are skipped without being built).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use kql_eval::batch::BATCH_ROWS;
use kql_eval::datetime::{parse_datetime, parse_timespan};
use kql_eval::value::parse_guid;
use kql_eval::{Batch, BatchStream, Error, Field, Schema, SchemaRef, TableSource, Type, Value};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

mod records;

use records::{RECORD, Records};

/// Reads the whole file once and returns its schema.
///
/// Columns of `known` come first, in its order and with its types (also when the file lacks
/// them); the file's other keys follow in order of first appearance, with inferred types:
/// bool, long, real, datetime (strings that all look like and parse as ISO 8601), dynamic
/// (objects and arrays), string otherwise. Mixed kinds: dynamic if objects/arrays are among
/// them, else string if strings are, else real for long + real, else dynamic (bool + number).
/// A column only ever null is a string.
pub fn describe(path: impl AsRef<Path>, known: Option<&Schema>) -> Result<Schema, Error> {
    Ok(describe_keys(path.as_ref(), known)?.0)
}

/// The schema and the set of keys the file holds.
fn describe_keys(
    path: &Path,
    known: Option<&Schema>,
) -> Result<(Schema, IndexMap<String, Seen>), Error> {
    let mut records = Records::open(path)?;
    let mut cols: IndexMap<String, Seen> = IndexMap::new();
    while records.next_with(DescribeSeed { cols: &mut cols })? {}
    let mut fields: Vec<Field> = known.map(|k| k.fields.clone()).unwrap_or_default();
    for (name, seen) in &cols {
        if known.is_none_or(|k| k.index_of(name).is_none()) {
            fields.push(Field::new(name.clone(), seen.infer()));
        }
    }
    Ok((Schema::new(fields), cols))
}

/// A table read from a JSON array or NDJSON file. Each scan reads the file again.
#[derive(Debug)]
pub struct JsonTable {
    path: PathBuf,
    schema: SchemaRef,
    /// The key each schema column is read from (its name, or the name of an alias).
    keys: Vec<String>,
}

/// Columns that stand for each other: a known-schema column missing from a file is read from
/// its alias when the file has that (an LA export read as an AH table, or the reverse).
const ALIASES: &[(&str, &str)] = &[
    ("Timestamp", "TimeGenerated"),
    ("TimeGenerated", "Timestamp"),
];

impl JsonTable {
    /// Describes the file at `path` (see [`describe`]) and returns a table ready to scan.
    ///
    /// A column of `known` absent from the file but whose alias is present (`Timestamp` /
    /// `TimeGenerated`) is read from the alias key.
    pub fn open(path: impl AsRef<Path>, known: Option<&Schema>) -> Result<JsonTable, Error> {
        let path = path.as_ref();
        let (schema, present) = describe_keys(path, known)?;
        let keys = schema
            .fields
            .iter()
            .map(|f| {
                if !present.contains_key(&f.name) {
                    for (col, alias) in ALIASES {
                        if f.name == *col && present.contains_key(*alias) {
                            return alias.to_string();
                        }
                    }
                }
                f.name.clone()
            })
            .collect();
        Ok(JsonTable {
            path: path.to_path_buf(),
            schema: Arc::new(schema),
            keys,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl TableSource for JsonTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error> {
        let mut fields = Vec::with_capacity(columns.len());
        let mut targets: HashMap<String, Vec<usize>> = HashMap::new();
        for (slot, &c) in columns.iter().enumerate() {
            let field = self.schema.fields.get(c).ok_or_else(|| {
                Error::new(
                    "kql::internal",
                    format!(
                        "column index {c} out of range for table {} ({} columns)",
                        self.path.display(),
                        self.schema.len()
                    ),
                )
            })?;
            fields.push(field.clone());
            targets.entry(self.keys[c].clone()).or_default().push(slot);
        }
        let types: Vec<Type> = fields.iter().map(|f| f.ty).collect();
        let empties: Vec<Value> = types.iter().map(|t| Value::missing(*t)).collect();
        let records = Records::open(&self.path)?;
        Ok(Box::new(JsonStream {
            records,
            schema: Arc::new(Schema::new(fields)),
            targets,
            types,
            row: empties.clone(),
            empties,
            done: false,
        }))
    }
}

/// Pulls rows from the file a batch at a time.
struct JsonStream {
    records: Records,
    schema: SchemaRef,
    targets: HashMap<String, Vec<usize>>,
    types: Vec<Type>,
    empties: Vec<Value>,
    row: Vec<Value>,
    done: bool,
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
            self.row.clone_from_slice(&self.empties);
            let seed = RowSeed {
                targets: &self.targets,
                types: &self.types,
                row: &mut self.row,
            };
            match self.records.next_with(seed) {
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
        let columns = columns.into_iter().map(Arc::new).collect();
        Some(Ok(Batch::new(self.schema.clone(), columns, len)))
    }
}

/// Converts a JSON value to a cell of a column of type `ty`. Null and values that cannot be
/// converted give the column's missing value (`""` for strings, null otherwise).
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

fn json_long(v: &serde_json::Value) -> Option<i64> {
    use serde_json::Value as J;
    match v {
        J::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            let in_range = f >= i64::MIN as f64 && f < i64::MAX as f64;
            (f.fract() == 0.0 && in_range).then_some(f as i64)
        }),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn json_real(v: &serde_json::Value) -> Option<f64> {
    use serde_json::Value as J;
    match v {
        J::Number(n) => n.as_f64(),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn json_bool(v: &serde_json::Value) -> Option<bool> {
    use serde_json::Value as J;
    match v {
        J::Bool(b) => Some(*b),
        J::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        J::String(s) => {
            let s = s.trim();
            if s.eq_ignore_ascii_case("true") || s == "1" {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") || s == "0" {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Type inference

/// The kinds of non-null values seen in one column.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    bool: bool,
    long: bool,
    real: bool,
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
            Kind::DateTime => self.datetime = true,
            Kind::EmptyString => self.empty_string = true,
            Kind::String => self.string = true,
            Kind::Nested => self.nested = true,
        }
    }

    fn infer(&self) -> Type {
        let scalar_kinds = self.bool || self.long || self.real;
        let strings = self.string || self.datetime || self.empty_string;
        if self.nested {
            Type::Dynamic
        } else if strings {
            if self.datetime && !self.string && !scalar_kinds {
                Type::DateTime
            } else {
                Type::String
            }
        } else if self.bool {
            if self.long || self.real {
                Type::Dynamic
            } else {
                Type::Bool
            }
        } else if self.real {
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
    } else if looks_like_datetime(s) {
        Kind::DateTime
    } else {
        Kind::String
    }
}

/// Records the kind of every value of one object.
struct DescribeSeed<'a> {
    cols: &'a mut IndexMap<String, Seen>,
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
            self.cols[i].record(kind);
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
/// types; other values are skipped.
struct RowSeed<'a> {
    targets: &'a HashMap<String, Vec<usize>>,
    types: &'a [Type],
    row: &'a mut [Value],
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
                    if let Some((&last, rest)) = slots.split_last() {
                        for &s in rest {
                            self.row[s] = json_to_value(v.clone(), self.types[s]);
                        }
                        self.row[last] = json_to_value(v, self.types[last]);
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
