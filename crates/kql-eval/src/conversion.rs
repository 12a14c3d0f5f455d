//! Conversions between types: the `to*()` functions and typed text (parse columns, data).
//!
//! A failed conversion is null, never an error (§B.2 "Conversions").

use std::sync::Arc;

use crate::datetime;
use crate::types::Type;
use crate::value::{Value, parse_guid};

/// Text to a value of `ty`; `None` when the text is not a valid `ty`.
pub fn convert_text(text: &str, ty: Type) -> Option<Value> {
    let t = text.trim();
    Some(match ty {
        Type::String => Value::str(text),
        Type::Long => Value::Long(parse_integer(t)?),
        Type::Int => Value::Int(i32::try_from(parse_integer(t)?).ok()?),
        Type::Real => Value::Real(parse_real(t)?),
        Type::Bool => Value::Bool(parse_bool(t)?),
        Type::DateTime => Value::DateTime(datetime::parse_datetime(t)?),
        Type::TimeSpan => Value::TimeSpan(datetime::parse_timespan(t)?),
        Type::Guid => Value::Guid(parse_guid(t)?),
        Type::Dynamic => Value::Dynamic(Arc::new(parse_json_text(text))),
    })
}

/// `123`, `+5`, `-3`, `012`; not `1.5` or `1e3`.
pub fn parse_integer(t: &str) -> Option<i64> {
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || digits.starts_with(['+']) {
        return None;
    }
    digits.parse().ok()
}

pub fn parse_real(t: &str) -> Option<f64> {
    match t {
        "NaN" | "nan" => Some(f64::NAN),
        "Infinity" | "+Infinity" | "inf" | "+inf" => Some(f64::INFINITY),
        "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ if t.is_empty() || t.contains(|c: char| c.is_alphabetic() && c != 'e' && c != 'E') => {
            None
        }
        _ => t.parse().ok(),
    }
}

/// `true`/`false` in any case, or an integer (non-zero is true).
pub fn parse_bool(t: &str) -> Option<bool> {
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        parse_integer(t).map(|n| n != 0)
    }
}

/// `parse_json`: invalid JSON becomes a dynamic string holding the text (documented); an
/// empty text is the dynamic null (`isnull(parse_json(""))` is true, §A.7).
pub fn parse_json_text(text: &str) -> serde_json::Value {
    if text.trim().is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
}

/// A dynamic JSON scalar as the plain value it holds (objects and arrays stay dynamic).
pub fn from_dynamic(d: &serde_json::Value) -> Value {
    match d {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Value::Long)
            .unwrap_or_else(|| Value::Real(n.as_f64().unwrap_or(f64::NAN))),
        serde_json::Value::String(s) => Value::str(s),
        other => Value::Dynamic(Arc::new(other.clone())),
    }
}

/// Converts `v` to `ty` as the `to<ty>()` functions do; null when it cannot.
pub fn convert(v: &Value, ty: Type) -> Value {
    let v = match v {
        Value::Dynamic(d) if !d.is_array() && !d.is_object() => &from_dynamic(d),
        v => v,
    };
    let converted = match (ty, v) {
        (Type::String, v) => Some(Value::str(&v.to_kql_string())),
        (Type::Dynamic, Value::String(s)) => Some(Value::Dynamic(Arc::new(parse_json_text(s)))),
        (Type::Dynamic, v) => Some(Value::Dynamic(Arc::new(v.to_json()))),
        (_, Value::Null) => None,
        (_, Value::String(s)) => convert_text(s, ty),
        (Type::Long, v) => to_i64(v).map(Value::Long),
        (Type::Int, v) => to_i64(v)
            .and_then(|n| i32::try_from(n).ok())
            .map(Value::Int),
        (Type::Real, v) => match v {
            Value::Bool(b) => Some(Value::Real(f64::from(u8::from(*b)))),
            Value::TimeSpan(t) | Value::DateTime(t) => Some(Value::Real(*t as f64)),
            v => v.as_f64().map(Value::Real),
        },
        (Type::Bool, v) => match v {
            Value::Bool(b) => Some(Value::Bool(*b)),
            v => v.as_f64().map(|n| Value::Bool(n != 0.0)),
        },
        (Type::DateTime, Value::DateTime(t)) => Some(Value::DateTime(*t)),
        (Type::TimeSpan, Value::TimeSpan(t)) => Some(Value::TimeSpan(*t)),
        (Type::TimeSpan, v) => v.as_i64().map(Value::TimeSpan),
        (Type::Guid, Value::Guid(g)) => Some(Value::Guid(*g)),
        _ => None,
    };
    converted.unwrap_or(Value::Null)
}

/// Integer value of a number (reals truncate toward zero, as documented for `toint(2.3)`).
fn to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Int(i) => Some(i64::from(*i)),
        Value::Long(l) => Some(*l),
        Value::Real(r) if r.is_finite() && r.abs() < 9.2e18 => Some(r.trunc() as i64),
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t),
        _ => None,
    }
}
