//! Runtime scalar values.
//!
//! A `Value` carries no type of its own beyond its variant: the column it lives in has a
//! [`Type`] known at bind time. `Null` is the typed null of that column's type;
//! string columns never hold `Null` (a missing string is `""`).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::datetime;
use crate::types::Type;

/// A KQL scalar. Clone is cheap: heap data is reference-counted.
#[derive(Debug, Clone, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Real(f64),
    /// 100-nanosecond ticks since 1970-01-01T00:00:00Z (negative before).
    DateTime(i64),
    /// 100-nanosecond ticks.
    TimeSpan(i64),
    Guid([u8; 16]),
    String(Arc<str>),
    Dynamic(Arc<serde_json::Value>),
}

const _: () = assert!(std::mem::size_of::<Value>() == 24);

impl Value {
    pub fn str(s: &str) -> Value {
        Value::String(Arc::from(s))
    }

    pub fn empty_string() -> Value {
        Value::String(Arc::from(""))
    }

    /// The value a missing cell of type `ty` holds: `""` for strings, null otherwise.
    pub fn missing(ty: Type) -> Value {
        match ty {
            Type::String => Value::empty_string(),
            _ => Value::Null,
        }
    }

    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Dynamic(d) => d.is_null(),
            _ => false,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Dynamic(d) => d.as_bool(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Integer view of an int or long (not of reals).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i as i64),
            Value::Long(l) => Some(*l),
            Value::Dynamic(d) => d.as_i64(),
            _ => None,
        }
    }

    /// Numeric view of an int, long or real.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Long(l) => Some(*l as f64),
            Value::Real(r) => Some(*r),
            Value::Dynamic(d) => d.as_f64(),
            _ => None,
        }
    }

    /// `tostring()`: the text form of a value; null becomes `""`.
    pub fn to_kql_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Long(l) => l.to_string(),
            Value::Real(r) => format_real(*r),
            Value::DateTime(t) => datetime::format_datetime(*t),
            Value::TimeSpan(t) => datetime::format_timespan(*t),
            Value::Guid(g) => format_guid(g),
            Value::String(s) => s.to_string(),
            Value::Dynamic(d) => match d.as_ref() {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        }
    }

    /// The value as JSON, as Kusto's REST API writes cells: datetimes and timespans as
    /// strings, dynamic values embedded, reals that are not finite as strings.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Long(l) => J::from(*l),
            Value::Real(r) => {
                if r.is_finite() {
                    serde_json::Number::from_f64(*r).map_or(J::Null, J::Number)
                } else {
                    J::String(format_real(*r))
                }
            }
            Value::DateTime(_) | Value::TimeSpan(_) | Value::Guid(_) | Value::String(_) => {
                J::String(self.to_kql_string())
            }
            Value::Dynamic(d) => d.as_ref().clone(),
        }
    }

    /// A total order used by `sort`, `top`, `min`/`max` and grouping: nulls first, then
    /// values of one kind compared naturally (reals with NaN below every number).
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Less,
            (_, Value::Null) => Ordering::Greater,
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::String(a), Value::String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Value::DateTime(a), Value::DateTime(b)) | (Value::TimeSpan(a), Value::TimeSpan(b)) => {
                a.cmp(b)
            }
            (Value::Guid(a), Value::Guid(b)) => a.cmp(b),
            (Value::Real(a), Value::Real(b)) => cmp_real(*a, *b),
            (a, b) if a.is_integer() && b.is_integer() => {
                a.as_i64().unwrap_or(0).cmp(&b.as_i64().unwrap_or(0))
            }
            // exactly: `i64::MAX as f64` rounds up to 2^63, which must stay above i64::MAX
            (a, Value::Real(b)) if a.is_integer() => cmp_int_real(a.as_i64().unwrap_or(0), *b),
            (Value::Real(a), b) if b.is_integer() => {
                cmp_int_real(b.as_i64().unwrap_or(0), *a).reverse()
            }
            (Value::Dynamic(a), Value::Dynamic(b)) => a.to_string().cmp(&b.to_string()),
            (a, b) => a.kind_rank().cmp(&b.kind_rank()),
        }
    }

    fn is_integer(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Long(_))
    }

    fn kind_rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::Long(_) | Value::Real(_) => 2,
            Value::DateTime(_) => 3,
            Value::TimeSpan(_) => 4,
            Value::Guid(_) => 5,
            Value::String(_) => 6,
            Value::Dynamic(_) => 7,
        }
    }
}

/// An integer against a real, without rounding the integer; NaN is below every number.
fn cmp_int_real(i: i64, r: f64) -> Ordering {
    // 2^63 as a real: every i64 is below it and at or above its negation
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if r.is_nan() {
        return Ordering::Greater;
    }
    if r >= TWO_63 {
        return Ordering::Less;
    }
    if r < -TWO_63 {
        return Ordering::Greater;
    }
    // |r| < 2^63: its integer part is an exact i64
    let whole = r.trunc();
    match i.cmp(&(whole as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(r - whole)).unwrap_or(Ordering::Equal),
        o => o,
    }
}

/// Reals compare numerically with NaN ordered below every number (Kusto groups NaN with null).
fn cmp_real(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// Grouping equality: the same relation as `total_cmp == Equal` (null equals null).
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            // the common case of grouping and `dcount`, without ordering the bytes
            (Value::String(a), Value::String(b)) => a.as_bytes() == b.as_bytes(),
            _ => self.total_cmp(other) == Ordering::Equal,
        }
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Value::Null => 0u8.hash(state),
            Value::Bool(b) => b.hash(state),
            // ints and longs that are equal must hash equally, and so must integral reals
            Value::Int(_) | Value::Long(_) => {
                (self.as_i64().unwrap_or(0) as f64).to_bits().hash(state)
            }
            Value::Real(r) => {
                if r.is_nan() {
                    f64::NAN.to_bits().hash(state)
                } else {
                    (r + 0.0).to_bits().hash(state)
                }
            }
            Value::DateTime(t) | Value::TimeSpan(t) => t.hash(state),
            Value::Guid(g) => g.hash(state),
            Value::String(s) => s.hash(state),
            Value::Dynamic(d) => d.to_string().hash(state),
        }
    }
}

/// Kusto prints reals as .NET does: the shortest form that reads back to the same real, whole
/// numbers without a fraction, and exponent notation (`1E+15`, `1.5E-07`: a sign and at least
/// two digits) from 1e15 up and below 1e-4, where plain digits would run long.
pub fn format_real(r: f64) -> String {
    if r.is_nan() {
        "NaN".to_string()
    } else if r.is_infinite() {
        if r > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else if r != 0.0 && (r.abs() >= 1e15 || r.abs() < 1e-4) {
        // Rust writes `1.5E-7`: add the sign and the second digit
        let s = format!("{r:E}");
        let (mantissa, exponent) = s.split_once('E').unwrap_or((&s, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exponent),
        };
        format!("{mantissa}E{sign}{digits:0>2}")
    } else {
        r.to_string()
    }
}

/// A GUID in its hyphenated lower-case form.
pub fn format_guid(g: &[u8; 16]) -> String {
    let hex: String = g.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Parses a GUID written hyphenated, bare (32 hex digits) or in braces.
pub fn parse_guid(s: &str) -> Option<[u8; 16]> {
    let s = s.trim();
    let s = s
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(s);
    let hex: String = if s.len() == 36 {
        let b = s.as_bytes();
        if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return None;
        }
        s.chars().filter(|c| *c != '-').collect()
    } else {
        s.to_string()
    };
    if hex.len() != 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_print_as_dotnet_does() {
        for (r, text) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (100000000000000.0, "100000000000000"),
            (1e15, "1E+15"),
            (-1.2345678901234568e29, "-1.2345678901234568E+29"),
            (1e308, "1E+308"),
            (0.0001, "0.0001"),
            (0.00001, "1E-05"),
            (1.5e-7, "1.5E-07"),
            (5e-324, "5E-324"),
        ] {
            assert_eq!(format_real(r), text);
            assert_eq!(text.parse::<f64>().ok(), Some(r));
        }
    }
}
