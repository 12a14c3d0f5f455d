//! What every reader shares: the type names files declare, strict conversion of a JSON value
//! to a column's type, and the rule that decides a table's columns and their types:
//!
//! 1. a type the file declares (an API response's schema, a `[UTC]` header suffix) wins;
//! 2. else the built-in schema of a known table ([`crate::known_schema`]);
//! 3. else the type inferred from the values.
//!
//! Columns of the built-in schema come first, in its order (also those the file lacks, which
//! read as empty); the file's other columns follow in the file's order.

use std::sync::Arc;

use kql_eval::datetime::{parse_datetime, parse_timespan};
use kql_eval::value::parse_guid;
use kql_eval::{Field, Schema, Type, Value};

/// The type a file declares for a column: a Kusto name (`long`, `datetime`, `dynamic`, ...) or
/// a .NET one (`System.Int64`, `DateTime`, `Object`, `SByte` ...), any case.
pub fn declared_type(name: &str) -> Option<Type> {
    let lower = name.trim().to_ascii_lowercase();
    let bare = lower.strip_prefix("system.").unwrap_or(&lower);
    Some(match bare {
        "string" => Type::String,
        "bool" | "boolean" | "sbyte" => Type::Bool,
        "int" | "int32" | "int16" | "byte" | "uint16" => Type::Int,
        "long" | "int64" | "uint32" | "uint64" => Type::Long,
        "real" | "double" | "single" | "float" | "decimal" | "data.sqltypes.sqldecimal" => {
            Type::Real
        }
        "datetime" | "date" | "datetimeoffset" => Type::DateTime,
        "timespan" | "time" => Type::TimeSpan,
        "guid" | "uniqueid" => Type::Guid,
        "dynamic" | "object" => Type::Dynamic,
        _ => return None,
    })
}

/// Converts a JSON value to a cell of a column of type `ty`, or gives the value back when it
/// is not of that type.
///
/// Null, and `""` in a column that is not a string, are the column's missing value (`""` for
/// strings, null otherwise). string: strings as they are, other values as compact JSON text;
/// long/int: integers, integral reals and strings holding an integer (in range); real: numbers
/// and numeric strings, including `NaN`, `Infinity` and `-Infinity`; bool: `true`/`false`,
/// `0`/`1` and those as strings (any case); datetime, timespan, guid: their text forms;
/// dynamic: any value, and a string holding a JSON object or array is that object or array.
pub(crate) fn convert_json(v: serde_json::Value, ty: Type) -> Result<Value, serde_json::Value> {
    use serde_json::Value as J;
    match v {
        J::Null => Ok(Value::missing(ty)),
        J::String(s) => match ty {
            // no copy of the text
            Type::String if !s.is_empty() => Ok(Value::String(Arc::from(s))),
            _ => convert_str(&s, ty).ok_or(J::String(s)),
        },
        v => {
            let converted = match ty {
                Type::String => Some(Value::String(Arc::from(v.to_string()))),
                Type::Dynamic => return Ok(Value::Dynamic(Arc::new(v))),
                Type::Long => json_long(&v).map(Value::Long),
                Type::Int => json_long(&v)
                    .and_then(|l| i32::try_from(l).ok())
                    .map(Value::Int),
                Type::Real => json_real(&v).map(Value::Real),
                Type::Bool => json_bool(&v).map(Value::Bool),
                Type::DateTime | Type::TimeSpan | Type::Guid => None,
            };
            converted.ok_or(v)
        }
    }
}

/// [`convert_json`] of a JSON string `s`: the cell, or `None` when the text is not of type
/// `ty`. `""` is the column's missing value.
pub(crate) fn convert_str(s: &str, ty: Type) -> Option<Value> {
    if s.is_empty() {
        return Some(Value::missing(ty));
    }
    Some(match ty {
        Type::String => Value::String(Arc::from(s)),
        Type::Dynamic => Value::Dynamic(Arc::new(dynamic_of(serde_json::Value::String(
            s.to_string(),
        )))),
        Type::Long => Value::Long(text_long(s)?),
        Type::Int => Value::Int(i32::try_from(text_long(s)?).ok()?),
        Type::Real => Value::Real(text_real(s)?),
        Type::Bool => Value::Bool(text_bool(s)?),
        Type::DateTime => Value::DateTime(parse_datetime(s)?),
        Type::TimeSpan => Value::TimeSpan(parse_timespan(s)?),
        Type::Guid => Value::Guid(parse_guid(s)?),
    })
}

/// A dynamic value: a string holding a JSON object or array becomes that object or array
/// (API responses and exports carry dynamic columns as JSON-encoded strings).
pub(crate) fn dynamic_of(v: serde_json::Value) -> serde_json::Value {
    if let serde_json::Value::String(s) = &v {
        let t = s.trim_start();
        if (t.starts_with('{') || t.starts_with('['))
            && let Ok(parsed) = serde_json::from_str::<serde_json::Value>(s)
        {
            return parsed;
        }
    }
    v
}

pub(crate) fn json_long(v: &serde_json::Value) -> Option<i64> {
    use serde_json::Value as J;
    match v {
        J::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            let in_range = f >= i64::MIN as f64 && f < i64::MAX as f64;
            (f.fract() == 0.0 && in_range).then_some(f as i64)
        }),
        J::String(s) => text_long(s),
        _ => None,
    }
}

pub(crate) fn json_real(v: &serde_json::Value) -> Option<f64> {
    use serde_json::Value as J;
    match v {
        J::Number(n) => n.as_f64(),
        J::String(s) => text_real(s),
        _ => None,
    }
}

pub(crate) fn json_bool(v: &serde_json::Value) -> Option<bool> {
    use serde_json::Value as J;
    match v {
        J::Bool(b) => Some(*b),
        J::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        J::String(s) => text_bool(s),
        _ => None,
    }
}

pub(crate) fn text_long(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// A real written as text: a decimal number, or `NaN`, `Infinity`, `-Infinity` as Kusto
/// writes them (also `inf`, any case).
pub(crate) fn text_real(s: &str) -> Option<f64> {
    let t = s.trim();
    // `f64::from_str` takes "nan", "inf" and "infinity" in any case, with a sign
    let first = t.trim_start_matches(['+', '-']).bytes().next()?;
    if first.is_ascii_digit() || first == b'.' || matches!(first, b'n' | b'N' | b'i' | b'I') {
        t.parse().ok()
    } else {
        None
    }
}

/// `true`/`false` (any case) and `1`/`0`.
pub(crate) fn text_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") || s == "1" {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") || s == "0" {
        Some(false)
    } else {
        None
    }
}

/// Whether `s` is `NaN`, `Infinity` or `-Infinity` (as Kusto writes non-finite reals).
pub(crate) fn is_non_finite(s: &str) -> bool {
    matches!(s, "NaN" | "Infinity" | "-Infinity" | "+Infinity")
}

/// A value as shown in an error: its JSON text, shortened.
pub(crate) fn show_json(v: &serde_json::Value) -> String {
    show_text(&v.to_string())
}

/// Text as shown in an error: in backticks, at most 60 characters.
pub(crate) fn show_text(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        format!("`{s}`")
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("`{cut}...`")
    }
}

/// The message for a cell that is not of its column's type.
pub(crate) fn not_of_type(column: &str, ty: Type, shown: &str) -> String {
    format!("column {column} ({ty}): cannot read {shown} as {ty}")
}

// ---------------------------------------------------------------------------------------------
// Columns of a table

/// A column as a file has it.
#[derive(Debug, Clone)]
pub(crate) struct FileColumn {
    pub name: String,
    /// The type the file declares, if it declares one.
    pub declared: Option<Type>,
    /// The type inferred from the values (used when nothing better is known).
    pub inferred: Type,
    /// Whether the column holds any value that is not null (or `""`).
    pub has_values: bool,
}

/// The columns of a table read from one file.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    pub schema: Schema,
    /// For each schema column, the file column it is read from (`None`: always empty).
    pub sources: Vec<Option<usize>>,
    /// For each schema column, whether its type is backed by anything (a declaration, the
    /// built-in schema, or values): when tables are concatenated, a column that was only
    /// ever empty takes the type of the others without a warning.
    pub typed: Vec<bool>,
}

/// Columns that stand for each other: a known-schema column missing from a file is read from
/// its alias when the file has that (an LA export read as an AH table, or the reverse).
const ALIASES: &[(&str, &str)] = &[
    ("Timestamp", "TimeGenerated"),
    ("TimeGenerated", "Timestamp"),
];

/// Whether the built-in column `name` may be read from another key (see [`ALIASES`]).
pub(crate) fn has_alias(name: &str) -> bool {
    ALIASES.iter().any(|(col, _)| *col == name)
}

/// Decides the columns of a table (see the module docs).
pub(crate) fn plan_columns(file: &[FileColumn], known: Option<&Schema>) -> Columns {
    let index = |name: &str| file.iter().position(|c| c.name == name);
    let mut fields = Vec::new();
    let mut sources = Vec::new();
    let mut typed = Vec::new();
    if let Some(known) = known {
        for f in &known.fields {
            let mut source = index(&f.name);
            if source.is_none() {
                for (col, alias) in ALIASES {
                    if f.name == *col && source.is_none() {
                        source = index(alias);
                    }
                }
            }
            let ty = source
                .and_then(|i| file[i].declared)
                .filter(|_| index(&f.name).is_some())
                .unwrap_or(f.ty);
            fields.push(Field::new(f.name.clone(), ty));
            sources.push(source);
            typed.push(true);
        }
    }
    for (i, c) in file.iter().enumerate() {
        if known.is_some_and(|k| k.index_of(&c.name).is_some()) {
            continue;
        }
        let ty = c.declared.unwrap_or(c.inferred);
        fields.push(Field::new(c.name.clone(), ty));
        sources.push(Some(i));
        typed.push(c.declared.is_some() || c.has_values);
    }
    Columns {
        schema: Schema::new(fields),
        sources,
        typed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn declared_type_names() {
        for (name, ty) in [
            ("System.String", Type::String),
            ("String", Type::String),
            ("Int64", Type::Long),
            ("System.Int32", Type::Int),
            ("DateTime", Type::DateTime),
            ("Boolean", Type::Bool),
            ("SByte", Type::Bool),
            ("Object", Type::Dynamic),
            ("Double", Type::Real),
            ("decimal", Type::Real),
            ("TimeSpan", Type::TimeSpan),
            ("Guid", Type::Guid),
            ("dynamic", Type::Dynamic),
            ("long", Type::Long),
        ] {
            assert_eq!(declared_type(name), Some(ty), "{name}");
        }
        assert_eq!(declared_type("Widget"), None);
    }

    #[test]
    fn strict_conversion() {
        let ok = |v: serde_json::Value, ty| convert_json(v, ty).unwrap();
        assert_eq!(ok(json!(""), Type::Long), Value::Null);
        assert_eq!(ok(json!(""), Type::String), Value::str(""));
        assert_eq!(ok(json!(null), Type::String), Value::str(""));
        assert!(matches!(ok(json!("NaN"), Type::Real), Value::Real(r) if r.is_nan()));
        assert_eq!(
            ok(json!("-Infinity"), Type::Real),
            Value::Real(f64::NEG_INFINITY)
        );
        assert_eq!(
            ok(json!("Infinity"), Type::Real),
            Value::Real(f64::INFINITY)
        );
        assert_eq!(
            ok(json!("{\"a\": [1]}"), Type::Dynamic),
            Value::Dynamic(Arc::new(json!({"a": [1]})))
        );
        assert_eq!(
            ok(json!("plain"), Type::Dynamic),
            Value::Dynamic(Arc::new(json!("plain")))
        );
        assert_eq!(ok(json!("TRUE"), Type::Bool), Value::Bool(true));
        assert_eq!(convert_json(json!("x"), Type::Long), Err(json!("x")));
        assert_eq!(convert_json(json!(1.5), Type::Long), Err(json!(1.5)));
        assert_eq!(convert_json(json!(3e9), Type::Int), Err(json!(3e9)));
        assert_eq!(
            convert_json(json!("garbage"), Type::DateTime),
            Err(json!("garbage"))
        );
        assert_eq!(convert_json(json!("name"), Type::Real), Err(json!("name")));
        assert_eq!(convert_json(json!(2), Type::Bool), Err(json!(2)));
    }

    #[test]
    fn declared_then_known_then_inferred() {
        let col = |name: &str, declared, inferred, has_values| FileColumn {
            name: name.into(),
            declared,
            inferred,
            has_values,
        };
        let file = [
            col("Extra", None, Type::Long, true),
            col("Port", Some(Type::Long), Type::String, true),
            col("TimeGenerated", None, Type::DateTime, true),
            col("Empty", None, Type::String, false),
        ];
        let known = Schema::new(vec![
            Field::new("Timestamp", Type::DateTime),
            Field::new("Port", Type::Int),
            Field::new("Name", Type::String),
        ]);
        let c = plan_columns(&file, Some(&known));
        let got: Vec<(&str, Type)> = c
            .schema
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.ty))
            .collect();
        assert_eq!(
            got,
            [
                ("Timestamp", Type::DateTime),
                ("Port", Type::Long),
                ("Name", Type::String),
                ("Extra", Type::Long),
                ("TimeGenerated", Type::DateTime),
                ("Empty", Type::String),
            ]
        );
        assert_eq!(
            c.sources,
            [Some(2), Some(1), None, Some(0), Some(2), Some(3)]
        );
        assert_eq!(c.typed, [true, true, true, true, true, false]);
    }
}
