//! Scalar operators: comparison, logic, arithmetic and the string predicates.
//!
//! Null rules (§A.3.5, §A.10): `==` with one null operand is false and `!=` true, both null
//! is null; ordering comparisons and arithmetic with a null are null; `and`/`or` are
//! three-valued; the positive string predicates are false on a null, the negated ones true.

use std::cmp::Ordering;
use std::sync::Arc;

use regex::Regex;

use kql_parser::{BinOp, Span, StrOp, StrOpKind};

use crate::conversion::from_dynamic;
use crate::error::Error;
use crate::expr::BExpr;
use crate::types::Type;
use crate::value::Value;

/// How many distinct per-row regexes one `matches regex` keeps compiled.
const ROW_REGEX_CACHE: usize = 64;

/// Binds `lhs op rhs`, checking the operand types.
pub fn bind_binary(op: BinOp, lhs: BExpr, rhs: BExpr, span: Span) -> Result<BExpr, Error> {
    match op {
        BinOp::And | BinOp::Or => {
            for side in [&lhs, &rhs] {
                if !matches!(side.ty, Type::Bool | Type::Dynamic) {
                    return Err(type_error(
                        side,
                        &format!("`{}` needs bool operands", op.symbol()),
                    ));
                }
            }
            let is_and = op == BinOp::And;
            let f = move |a: &[&Value]| logic(is_and, a[0].as_bool(), a[1].as_bool());
            Ok(apply(
                if is_and { "and" } else { "or" },
                f,
                vec![lhs, rhs],
                Type::Bool,
                span,
            ))
        }
        BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            check_comparable(op, &lhs, &rhs, span)?;
            let f = move |a: &[&Value]| compare(op, a[0], a[1]);
            Ok(apply("compare", f, vec![lhs, rhs], Type::Bool, span))
        }
        BinOp::EqCi | BinOp::NotEqCi => {
            check_stringish(&lhs)?;
            check_stringish(&rhs)?;
            let negated = op == BinOp::NotEqCi;
            let f = move |a: &[&Value]| {
                let equal = text(a[0]).eq_ignore_ascii_case(&text(a[1]));
                Value::Bool(equal != negated)
            };
            Ok(apply("=~", f, vec![lhs, rhs], Type::Bool, span))
        }
        BinOp::Str(s) => bind_str_op(s, lhs, rhs, span),
        BinOp::MatchesRegex => {
            if rhs.as_const().is_some() {
                let regex = constant_regex(&rhs)?;
                let f = move |a: &[&Value]| {
                    if is_non_string_null(a[0]) {
                        return Value::Bool(false);
                    }
                    Value::Bool(regex.is_match(&text(a[0])))
                };
                return Ok(apply("matches regex", f, vec![lhs], Type::Bool, span));
            }
            // a regex computed per row (`extend r = @"..." | where x matches regex r`):
            // compiled once per distinct pattern (the cache is emptied when it holds too many,
            // so distinct patterns on every row cannot fill memory); an invalid one matches
            // nothing
            let cache =
                std::sync::Mutex::new(std::collections::HashMap::<String, Option<Regex>>::new());
            let f = move |a: &[&Value]| {
                if is_non_string_null(a[0]) {
                    return Value::Bool(false);
                }
                let pattern = text(a[1]).into_owned();
                let Ok(mut cache) = cache.lock() else {
                    return Value::Null;
                };
                if cache.len() >= ROW_REGEX_CACHE && !cache.contains_key(&pattern) {
                    cache.clear();
                }
                let regex = cache
                    .entry(pattern)
                    .or_insert_with_key(|p| compile_regex(p).ok());
                Value::Bool(regex.as_ref().is_some_and(|r| r.is_match(&text(a[0]))))
            };
            Ok(apply("matches regex", f, vec![lhs, rhs], Type::Bool, span))
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
            bind_arithmetic(op, lhs, rhs, span)
        }
    }
}

pub fn apply(
    name: &'static str,
    f: impl Fn(&[&Value]) -> Value + Send + Sync + 'static,
    args: Vec<BExpr>,
    ty: Type,
    span: Span,
) -> BExpr {
    let e = BExpr::apply(name, Arc::new(f), args, ty, span);
    // fold constants once, so per-row work only touches columns
    if e.is_constant()
        && let Ok(v) = e.eval_const()
    {
        return BExpr::constant(v, ty, span);
    }
    e
}

fn type_error(e: &BExpr, message: &str) -> Error {
    Error::at("kql::bind::type", e.span, message.to_string())
        .with_label(format!("this is of type {}", e.ty))
}

/// Three-valued `and`/`or`.
fn logic(is_and: bool, a: Option<bool>, b: Option<bool>) -> Value {
    let r = match (is_and, a, b) {
        (true, Some(false), _) | (true, _, Some(false)) => Some(false),
        (true, Some(true), Some(true)) => Some(true),
        (false, Some(true), _) | (false, _, Some(true)) => Some(true),
        (false, Some(false), Some(false)) => Some(false),
        _ => None,
    };
    r.map_or(Value::Null, Value::Bool)
}

/// Type families that may be compared with each other.
fn family(t: Type) -> u8 {
    match t {
        Type::Int | Type::Long | Type::Real => 0,
        Type::Bool => 1,
        Type::String => 2,
        Type::DateTime => 3,
        Type::TimeSpan => 4,
        Type::Guid => 5,
        Type::Dynamic => 6,
    }
}

fn check_comparable(op: BinOp, lhs: &BExpr, rhs: &BExpr, span: Span) -> Result<(), Error> {
    let (a, b) = (family(lhs.ty), family(rhs.ty));
    // `==` and `!=` take any two scalars (the language service's signatures): `bool == 0`
    // in the seed query (§A.5), `ResultType == 50053` over a string column in many others
    let equality = matches!(op, BinOp::Eq | BinOp::NotEq);
    let ok = a == b || a == 6 || b == 6 || equality;
    if ok {
        return Ok(());
    }
    Err(Error::at(
        "kql::bind::type",
        span,
        format!(
            "cannot compare {} and {} with `{}`",
            lhs.ty,
            rhs.ty,
            op.symbol()
        ),
    )
    .with_label(format!("{} {} {}", lhs.ty, op.symbol(), rhs.ty))
    .with_help("convert one side, e.g. with tostring(), tolong() or todatetime()"))
}

/// The comparable form of a value: dynamic scalars unwrapped, bools as 1/0 next to numbers.
fn scalar(v: &Value) -> std::borrow::Cow<'_, Value> {
    match v {
        Value::Dynamic(d) if !d.is_array() && !d.is_object() => {
            std::borrow::Cow::Owned(from_dynamic(d))
        }
        v => std::borrow::Cow::Borrowed(v),
    }
}

/// Compares two non-null values; `None` when they are of incomparable kinds.
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    let (a, b) = (scalar(a), scalar(b));
    match (a.as_ref(), b.as_ref()) {
        (Value::Bool(x), n) | (n, Value::Bool(x)) if n.as_f64().is_some() => {
            let bool_as_number = Value::Long(i64::from(*x));
            let ord = bool_as_number.total_cmp(n);
            // keep the operand order
            Some(if matches!(a.as_ref(), Value::Bool(_)) {
                ord
            } else {
                ord.reverse()
            })
        }
        (Value::Real(x), y) | (y, Value::Real(x))
            if x.is_nan() || y.as_f64().is_some_and(f64::is_nan) =>
        {
            None
        }
        // a string meets another type as that type (`"50053" == 50053`, `"True" == true`);
        // text that does not convert equals nothing
        (Value::String(s), other) | (other, Value::String(s))
            if !matches!(other, Value::String(_)) =>
        {
            let converted = kind_of(other).and_then(|ty| crate::conversion::convert_text(s, ty))?;
            let ord = converted.total_cmp(other);
            let string_first = matches!(a.as_ref(), Value::String(_));
            (ord == Ordering::Equal).then_some(if string_first { ord } else { ord.reverse() })
        }
        (x, y) => {
            let same_kind = std::mem::discriminant(x) == std::mem::discriminant(y)
                || (x.as_f64().is_some() && y.as_f64().is_some());
            same_kind.then(|| x.total_cmp(y))
        }
    }
}

/// The type a non-null, non-string value has.
fn kind_of(v: &Value) -> Option<Type> {
    Some(match v {
        Value::Bool(_) => Type::Bool,
        Value::Int(_) => Type::Int,
        Value::Long(_) => Type::Long,
        Value::Real(_) => Type::Real,
        Value::DateTime(_) => Type::DateTime,
        Value::TimeSpan(_) => Type::TimeSpan,
        Value::Guid(_) => Type::Guid,
        _ => return None,
    })
}

/// `==`, `!=`, `<`, ... with Kusto's null rules.
fn compare(op: BinOp, a: &Value, b: &Value) -> Value {
    let (an, bn) = (a.is_null(), b.is_null());
    if an || bn {
        return match op {
            BinOp::Eq if an != bn => Value::Bool(false),
            BinOp::NotEq if an != bn => Value::Bool(true),
            _ => Value::Null,
        };
    }
    let ord = order(a, b);
    let r = match op {
        BinOp::Eq => ord == Some(Ordering::Equal),
        BinOp::NotEq => ord != Some(Ordering::Equal),
        BinOp::Lt => ord == Some(Ordering::Less),
        BinOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        BinOp::Gt => ord == Some(Ordering::Greater),
        BinOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        _ => return Value::Null,
    };
    Value::Bool(r)
}

fn check_stringish(e: &BExpr) -> Result<(), Error> {
    if matches!(e.ty, Type::String | Type::Dynamic | Type::Guid) {
        Ok(())
    } else {
        Err(type_error(e, "this operator compares strings")
            .with_help("convert the value with tostring()"))
    }
}

/// The text of a value for string operators (`""` for null).
pub fn text(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::String(s) => std::borrow::Cow::Borrowed(s),
        v => std::borrow::Cow::Owned(v.to_kql_string()),
    }
}

/// A null of a non-string type: string predicates treat it as "no match".
fn is_non_string_null(v: &Value) -> bool {
    v.is_null()
}

/// A constant string operand compiled as a regex, with errors at its span.
pub fn constant_regex(e: &BExpr) -> Result<Regex, Error> {
    let Some(Value::String(pattern)) = e.as_const() else {
        return Err(Error::at(
            "kql::bind::regex",
            e.span,
            "the regular expression must be a constant string",
        ));
    };
    compile_regex(pattern).map_err(|err| regex_error(&err, e.span, "invalid regex"))
}

/// The most a compiled regex may take (the regex crate's program size); a pattern past it, such
/// as `(a{1000}){1000}`, is an error at its literal rather than memory spent.
pub const REGEX_SIZE_LIMIT: usize = 10 << 20;
/// The most memory the lazy DFA of one regex caches (the regex crate's default).
pub const REGEX_DFA_SIZE_LIMIT: usize = 2 << 20;
/// How deeply groups and repetitions may nest in a pattern.
pub const REGEX_NEST_LIMIT: u32 = 100;

/// Compiles `pattern` with kql's limits: every regex of a query is built here. Matching with
/// the regex crate takes time linear in the text, so no pattern is catastrophic at run time.
pub fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
}

/// `kql::bind::regex` at `span`: `what: the regex crate's reason`, with help for the limits.
pub fn regex_error(err: &regex::Error, span: Span, what: &str) -> Error {
    match err {
        regex::Error::CompiledTooBig(limit) => Error::at(
            "kql::bind::regex",
            span,
            format!("{what}: it compiles to more than {} MiB", limit >> 20),
        )
        .with_label("this regex is too large")
        .with_help(
            "counted repetitions multiply a pattern's size (`(a{100}){100}` is 10,000 copies \
             of `a`): use smaller counts, or `+`/`*`",
        ),
        _ => {
            let reason = crate::parse_op::first_line(err);
            let error = Error::at("kql::bind::regex", span, format!("{what}: {reason}"));
            if reason.contains("nest limit") {
                error.with_help(format!(
                    "groups and repetitions may nest at most {REGEX_NEST_LIMIT} levels deep"
                ))
            } else {
                error
            }
        }
    }
}

fn bind_str_op(s: StrOp, lhs: BExpr, rhs: BExpr, span: Span) -> Result<BExpr, Error> {
    if !matches!(rhs.ty, Type::String | Type::Dynamic) {
        return Err(type_error(
            &rhs,
            &format!("`{}` needs a string on its right", BinOp::Str(s).symbol()),
        ));
    }
    let f = move |a: &[&Value]| {
        if is_non_string_null(a[0]) {
            return Value::Bool(s.negated);
        }
        let found = str_predicate(s.kind, s.case_sensitive, &text(a[0]), &text(a[1]));
        Value::Bool(found != s.negated)
    };
    Ok(apply(
        "string operator",
        f,
        vec![lhs, rhs],
        Type::Bool,
        span,
    ))
}

/// Whether `needle` is found in `hay` in the sense of `kind` (§A.3).
pub fn str_predicate(kind: StrOpKind, case_sensitive: bool, hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let eq = |a: &[u8], b: &[u8]| {
        if case_sensitive {
            a == b
        } else {
            a.eq_ignore_ascii_case(b)
        }
    };
    match kind {
        StrOpKind::StartsWith => h.len() >= n.len() && eq(&h[..n.len()], n),
        StrOpKind::EndsWith => h.len() >= n.len() && eq(&h[h.len() - n.len()..], n),
        StrOpKind::Contains => find_all(h, n, case_sensitive).next().is_some(),
        StrOpKind::Has => has_term(hay, needle, case_sensitive, true, true),
        StrOpKind::HasPrefix => has_term(hay, needle, case_sensitive, true, false),
        StrOpKind::HasSuffix => has_term(hay, needle, case_sensitive, false, true),
    }
}

/// Start offsets of every occurrence of `n` in `h` (ASCII case folding unless `cs`).
fn find_all<'a>(h: &'a [u8], n: &'a [u8], cs: bool) -> impl Iterator<Item = usize> + 'a {
    let last = h.len().checked_sub(n.len());
    (0..=last.unwrap_or(0))
        .filter(move |_| last.is_some())
        .filter(move |&i| {
            let w = &h[i..i + n.len()];
            if cs {
                w == n
            } else {
                w.eq_ignore_ascii_case(n)
            }
        })
}

fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// `has` and friends: an occurrence whose edges are term boundaries where the needle has
/// term characters (§A.3.3).
fn has_term(hay: &str, needle: &str, cs: bool, check_start: bool, check_end: bool) -> bool {
    let starts_term = needle.chars().next().is_some_and(is_term_char);
    let ends_term = needle.chars().next_back().is_some_and(is_term_char);
    find_all(hay.as_bytes(), needle.as_bytes(), cs).any(|i| {
        let before = hay.get(..i).and_then(|s| s.chars().next_back());
        let after = hay.get(i + needle.len()..).and_then(|s| s.chars().next());
        let start_ok = !(check_start && starts_term && before.is_some_and(is_term_char));
        let end_ok = !(check_end && ends_term && after.is_some_and(is_term_char));
        start_ok && end_ok
    })
}

fn bind_arithmetic(op: BinOp, lhs: BExpr, rhs: BExpr, span: Span) -> Result<BExpr, Error> {
    use Type::*;
    let (a, b) = (lhs.ty, rhs.ty);
    let numeric = |t: Type| matches!(t, Int | Long | Real);
    let ty = match (op, a, b) {
        (_, Dynamic, _) | (_, _, Dynamic) => Dynamic,
        (_, x, y) if numeric(x) && numeric(y) => {
            if x == Real || y == Real {
                Real
            } else {
                Long
            }
        }
        (BinOp::Add, DateTime, TimeSpan) | (BinOp::Add, TimeSpan, DateTime) => DateTime,
        (BinOp::Sub, DateTime, TimeSpan) => DateTime,
        (BinOp::Sub, DateTime, DateTime) => TimeSpan,
        (BinOp::Add | BinOp::Sub | BinOp::Mod, TimeSpan, TimeSpan) => TimeSpan,
        (BinOp::Mul, TimeSpan, x) | (BinOp::Mul, x, TimeSpan) if numeric(x) => TimeSpan,
        (BinOp::Div, TimeSpan, x) if numeric(x) => TimeSpan,
        (BinOp::Div, TimeSpan, TimeSpan) => Real,
        _ => {
            return Err(Error::at(
                "kql::bind::type",
                span,
                format!("cannot apply `{}` to {a} and {b}", op.symbol()),
            )
            .with_label(format!("{a} {} {b}", op.symbol())));
        }
    };
    let f = move |v: &[&Value]| arithmetic(op, &scalar(v[0]), &scalar(v[1]), ty);
    Ok(apply("arithmetic", f, vec![lhs, rhs], ty, span))
}

fn in_datetime_range(t: i64) -> Option<i64> {
    use crate::datetime::{MAX_DATETIME, MIN_DATETIME};
    (MIN_DATETIME..=MAX_DATETIME).contains(&t).then_some(t)
}

/// Arithmetic on non-dynamic values; null on null operands, overflow or division by zero.
fn arithmetic(op: BinOp, a: &Value, b: &Value, ty: Type) -> Value {
    use Value::*;
    if a.is_null() || b.is_null() {
        return Null;
    }
    let result = match (a, b) {
        // a datetime past 0001-01-01 .. 9999-12-31 does not exist: null
        (DateTime(x), TimeSpan(y)) => match op {
            BinOp::Add => x.checked_add(*y).and_then(in_datetime_range).map(DateTime),
            BinOp::Sub => x.checked_sub(*y).and_then(in_datetime_range).map(DateTime),
            _ => None,
        },
        (TimeSpan(x), DateTime(y)) if op == BinOp::Add => {
            x.checked_add(*y).and_then(in_datetime_range).map(DateTime)
        }
        (DateTime(x), DateTime(y)) if op == BinOp::Sub => x.checked_sub(*y).map(TimeSpan),
        (TimeSpan(x), TimeSpan(y)) => match op {
            BinOp::Add => x.checked_add(*y).map(TimeSpan),
            BinOp::Sub => x.checked_sub(*y).map(TimeSpan),
            BinOp::Div => (*y != 0).then(|| Real(*x as f64 / *y as f64)),
            BinOp::Mod => x.checked_rem_euclid(*y).map(TimeSpan),
            _ => None,
        },
        (TimeSpan(t), n) | (n, TimeSpan(t)) if n.as_f64().is_some() => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            let r = match op {
                BinOp::Mul => *t as f64 * n,
                BinOp::Div if matches!(a, TimeSpan(_)) && n != 0.0 => *t as f64 / n,
                _ => f64::NAN,
            };
            (r.is_finite() && r.abs() < 9.2e18).then(|| TimeSpan(r.round() as i64))
        }
        (x, y)
            if x.as_i64().is_some()
                && y.as_i64().is_some()
                && !matches!(x, Real(_))
                && !matches!(y, Real(_)) =>
        {
            let (x, y) = (x.as_i64().unwrap_or(0), y.as_i64().unwrap_or(0));
            match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::Div => x.checked_div(y),
                BinOp::Mod => x.checked_rem_euclid(y),
                _ => None,
            }
            .map(Long)
        }
        (x, y) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Some(Real(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                BinOp::Mod => x.rem_euclid(y),
                _ => f64::NAN,
            })),
            _ => None,
        },
    };
    match (result, ty) {
        (Some(v), Type::Dynamic) => Value::Dynamic(Arc::new(v.to_json())),
        (Some(v), _) => v,
        (None, _) => Null,
    }
}

/// Unary minus.
pub fn bind_negate(operand: BExpr, span: Span) -> Result<BExpr, Error> {
    if !matches!(
        operand.ty,
        Type::Int | Type::Long | Type::Real | Type::TimeSpan | Type::Dynamic
    ) {
        return Err(type_error(
            &operand,
            "unary `-` needs a number or a timespan",
        ));
    }
    let ty = if operand.ty == Type::Int {
        Type::Long
    } else {
        operand.ty
    };
    let f = |a: &[&Value]| match &*scalar(a[0]) {
        Value::Int(x) => Value::Long(-i64::from(*x)),
        Value::Long(x) => x.checked_neg().map_or(Value::Null, Value::Long),
        Value::Real(x) => Value::Real(-x),
        Value::TimeSpan(x) => x.checked_neg().map_or(Value::Null, Value::TimeSpan),
        _ => Value::Null,
    };
    Ok(apply("negate", f, vec![operand], ty, span))
}
