//! The scalar function registry: each name binds its arguments (checking count and types,
//! preparing constants such as regexes) into a row function.

mod datetime;
mod dynamic;
mod string;

use kql_parser::Span;

use crate::conversion::convert;
use crate::error::{Error, did_you_mean};
use crate::expr::BExpr;
use crate::operators::apply;
use crate::types::Type;
use crate::value::Value;

/// What a function binder gets: the call's name, arguments and context.
pub struct Call<'a> {
    pub name: &'a str,
    pub args: Vec<BExpr>,
    pub span: Span,
    /// The query's fixed `now()`, in ticks.
    pub now: i64,
}

impl Call<'_> {
    /// Checks the argument count.
    pub fn arity(&self, min: usize, max: usize) -> Result<(), Error> {
        let n = self.args.len();
        if n >= min && n <= max {
            return Ok(());
        }
        let expected = match (min, max) {
            (a, b) if a == b => format!("{a}"),
            (a, usize::MAX) => format!("at least {a}"),
            (a, b) => format!("{a} to {b}"),
        };
        Err(Error::at(
            "kql::bind::arity",
            self.span,
            format!(
                "`{}` takes {expected} argument{}, got {n}",
                self.name,
                if expected == "1" { "" } else { "s" }
            ),
        ))
    }

    /// Checks that argument `n` has one of the `allowed` types.
    pub fn expect_type(&self, n: usize, allowed: &[Type], what: &str) -> Result<(), Error> {
        let arg = &self.args[n];
        if arg.ty == Type::Dynamic || allowed.contains(&arg.ty) {
            return Ok(());
        }
        Err(Error::at(
            "kql::bind::type",
            arg.span,
            format!("argument {} of `{}` must be {what}", n + 1, self.name),
        )
        .with_label(format!("this is of type {}", arg.ty)))
    }

    /// A constant string argument (a regex, a format, a period name).
    pub fn const_str(&self, n: usize, what: &str) -> Result<String, Error> {
        match self.args[n].as_const() {
            Some(Value::String(s)) => Ok(s.to_string()),
            _ => Err(Error::at(
                "kql::bind::constant",
                self.args[n].span,
                format!(
                    "argument {} of `{}` must be a constant {what}",
                    n + 1,
                    self.name
                ),
            )),
        }
    }

    pub fn done(
        self,
        name: &'static str,
        ty: Type,
        f: impl Fn(&[&Value]) -> Value + Send + Sync + 'static,
    ) -> Result<BExpr, Error> {
        Ok(apply(name, f, self.args, ty, self.span))
    }
}

/// Functions that run only inside the Kusto service, or are not written yet: a query using
/// them is valid KQL, but kql cannot evaluate it.
const NOT_AVAILABLE: [&str; 6] = [
    "FileProfile",
    "DeviceFromIP",
    "AssignedIPAddresses",
    "geo_info_from_ip_address",
    "ingestion_time",
    "cursor_after",
];

/// Binds a call of the scalar function `name`.
pub fn bind_call(call: Call) -> Result<BExpr, Error> {
    let name = call.name;
    match name {
        "not" => {
            call.arity(1, 1)?;
            call.expect_type(0, &[Type::Bool], "a bool")?;
            call.done("not", Type::Bool, |a| match a[0].as_bool() {
                Some(b) => Value::Bool(!b),
                None => Value::Null,
            })
        }
        "isempty" | "isnotempty" | "notempty" => {
            call.arity(1, 1)?;
            let want_empty = name == "isempty";
            call.done("isempty", Type::Bool, move |a| {
                let empty = a[0].is_null() || a[0].as_str() == Some("");
                Value::Bool(empty == want_empty)
            })
        }
        "isnull" | "isnotnull" | "notnull" => {
            call.arity(1, 1)?;
            let want_null = name == "isnull";
            let is_string = call.args[0].ty == Type::String;
            call.done("isnull", Type::Bool, move |a| {
                // strings are never null (§A.7)
                let null = !is_string && a[0].is_null();
                Value::Bool(null == want_null)
            })
        }
        "iff" | "iif" => {
            call.arity(3, 3)?;
            call.expect_type(0, &[Type::Bool], "a bool")?;
            let ty = common_type(&call, &call.args[1..])?;
            call.done("iff", ty, move |a| {
                let v = if a[0].as_bool() == Some(true) {
                    a[1]
                } else {
                    a[2]
                };
                coerce(v, ty)
            })
        }
        "case" => {
            if call.args.len() < 3 || call.args.len().is_multiple_of(2) {
                return Err(Error::at(
                    "kql::bind::arity",
                    call.span,
                    "`case` takes predicate/value pairs and a final else value",
                ));
            }
            let values: Vec<BExpr> = call
                .args
                .iter()
                .enumerate()
                .filter(|(n, _)| n % 2 == 1 || *n == call.args.len() - 1)
                .map(|(_, a)| a.clone())
                .collect();
            for n in (0..call.args.len() - 1).step_by(2) {
                call.expect_type(n, &[Type::Bool], "a bool")?;
            }
            let ty = common_type(&call, &values)?;
            call.done("case", ty, move |a| {
                for pair in a[..a.len() - 1].chunks(2) {
                    if pair[0].as_bool() == Some(true) {
                        return coerce(pair[1], ty);
                    }
                }
                coerce(a[a.len() - 1], ty)
            })
        }
        "coalesce" => {
            call.arity(1, 64)?;
            let ty = common_type(&call, &call.args)?;
            call.done("coalesce", ty, move |a| {
                a.iter()
                    .find(|v| !v.is_null() && v.as_str() != Some(""))
                    .map_or_else(|| Value::missing(ty), |v| coerce(v, ty))
            })
        }
        "tostring" => conversion(call, Type::String),
        "tolong" | "toint64" => conversion(call, Type::Long),
        "toint" => conversion(call, Type::Int),
        "todouble" | "toreal" => conversion(call, Type::Real),
        "tobool" | "toboolean" => conversion(call, Type::Bool),
        "todatetime" => conversion(call, Type::DateTime),
        "totimespan" | "totime" => conversion(call, Type::TimeSpan),
        "toguid" => conversion(call, Type::Guid),
        "todynamic" | "parse_json" | "parsejson" | "toobject" => conversion(call, Type::Dynamic),
        "typeof" => Err(Error::at(
            "kql::unsupported",
            call.span,
            "`typeof()` is not supported here yet",
        )),
        "abs" | "sqrt" | "exp" | "log" | "log10" | "log2" | "round" | "ceiling" | "sign" => {
            math(call)
        }
        "pow" => {
            call.arity(2, 2)?;
            call.expect_type(0, &[Type::Int, Type::Long, Type::Real], "a number")?;
            call.expect_type(1, &[Type::Int, Type::Long, Type::Real], "a number")?;
            call.done("pow", Type::Real, |a| {
                match (a[0].as_f64(), a[1].as_f64()) {
                    (Some(x), Some(y)) => Value::Real(x.powf(y)),
                    _ => Value::Null,
                }
            })
        }
        _ => {
            if let Some(result) = string::bind(name, &call) {
                return result.and_then(|(n, ty, f)| call.done(n, ty, move |a| f(a)));
            }
            if let Some(result) = datetime::bind(name, &call) {
                return result.and_then(|(n, ty, f)| call.done(n, ty, move |a| f(a)));
            }
            if let Some(result) = dynamic::bind(name, &call) {
                return result.and_then(|(n, ty, f)| call.done(n, ty, move |a| f(a)));
            }
            Err(unknown_function(&call))
        }
    }
}

/// What a family binder returns: the function's name, result type and row function.
pub type Bound = (&'static str, Type, RowFn);
pub type RowFn = Box<dyn Fn(&[&Value]) -> Value + Send + Sync>;

fn unknown_function(call: &Call) -> Error {
    if NOT_AVAILABLE.contains(&call.name) {
        return Error::at(
            "kql::unsupported::function",
            call.span,
            format!(
                "`{}` is a Kusto service function that kql cannot evaluate offline",
                call.name
            ),
        );
    }
    if crate::aggregate::lookup(call.name).is_some() {
        return Error::at(
            "kql::bind::aggregate_context",
            call.span,
            format!("`{}` is an aggregation function", call.name),
        )
        .with_help("aggregation functions can only be used in `summarize`");
    }
    let mut e = Error::at(
        "kql::bind::unknown_function",
        call.span,
        format!("unknown function `{}`", call.name),
    );
    if let Some(s) = did_you_mean(call.name, KNOWN.iter().copied()) {
        e = e.with_help(format!("did you mean `{s}`?"));
    }
    e
}

/// Names offered in "did you mean" help.
const KNOWN: [&str; 60] = [
    "not",
    "isempty",
    "isnotempty",
    "isnull",
    "isnotnull",
    "iff",
    "iif",
    "case",
    "coalesce",
    "tostring",
    "tolong",
    "toint",
    "todouble",
    "toreal",
    "tobool",
    "todatetime",
    "totimespan",
    "toguid",
    "todynamic",
    "parse_json",
    "abs",
    "sqrt",
    "exp",
    "log",
    "log10",
    "round",
    "pow",
    "strlen",
    "strcat",
    "strcat_delim",
    "substring",
    "tolower",
    "toupper",
    "trim",
    "trim_start",
    "trim_end",
    "replace",
    "replace_regex",
    "replace_string",
    "extract",
    "split",
    "indexof",
    "countof",
    "reverse",
    "ago",
    "now",
    "bin",
    "floor",
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "datetime_diff",
    "datetime_add",
    "format_datetime",
    "dayofweek",
    "array_length",
    "bag_keys",
    "hourofday",
];

fn conversion(call: Call, ty: Type) -> Result<BExpr, Error> {
    call.arity(1, 1)?;
    let name = call.name;
    let static_name: &'static str = KNOWN
        .iter()
        .find(|k| **k == name)
        .copied()
        .unwrap_or("convert");
    call.done(static_name, ty, move |a| convert(a[0], ty))
}

fn math(call: Call) -> Result<BExpr, Error> {
    let name = call.name;
    call.arity(1, if name == "round" { 2 } else { 1 })?;
    call.expect_type(0, &[Type::Int, Type::Long, Type::Real], "a number")?;
    let input = call.args[0].ty;
    let (static_name, ty): (&'static str, Type) = match name {
        "abs" => (
            "abs",
            if input == Type::Real {
                Type::Real
            } else {
                Type::Long
            },
        ),
        "sign" => (
            "sign",
            if input == Type::Real {
                Type::Real
            } else {
                Type::Long
            },
        ),
        "round" => (
            "round",
            if input == Type::Real {
                Type::Real
            } else {
                Type::Long
            },
        ),
        "ceiling" => (
            "ceiling",
            if input == Type::Real {
                Type::Real
            } else {
                Type::Long
            },
        ),
        "sqrt" => ("sqrt", Type::Real),
        "exp" => ("exp", Type::Real),
        "log" => ("log", Type::Real),
        "log10" => ("log10", Type::Real),
        _ => ("log2", Type::Real),
    };
    call.done(static_name, ty, move |a| {
        if let (Some(n), Type::Long) = (a[0].as_i64(), ty)
            && matches!(static_name, "abs" | "sign" | "round" | "ceiling")
        {
            return match static_name {
                "abs" => n.checked_abs().map_or(Value::Null, Value::Long),
                "sign" => Value::Long(n.signum()),
                _ => Value::Long(n),
            };
        }
        let Some(x) = a[0].as_f64() else {
            return Value::Null;
        };
        Value::Real(match static_name {
            "abs" => x.abs(),
            "sign" => x.signum(),
            "round" => {
                let digits = a.get(1).and_then(|d| d.as_i64()).unwrap_or(0);
                let scale = 10f64.powi(digits as i32);
                (x * scale).round() / scale
            }
            "ceiling" => x.ceil(),
            "sqrt" => x.sqrt(),
            "exp" => x.exp(),
            "log" => x.ln(),
            "log10" => x.log10(),
            _ => x.log2(),
        })
    })
}

/// The one type all of `values` can take (int and long unify, dynamic goes with anything).
fn common_type(call: &Call, values: &[BExpr]) -> Result<Type, Error> {
    let mut ty = values[0].ty;
    for v in &values[1..] {
        ty = match (ty, v.ty) {
            (a, b) if a == b => a,
            (Type::Int, Type::Long) | (Type::Long, Type::Int) => Type::Long,
            (Type::Dynamic, _) | (_, Type::Dynamic) => Type::Dynamic,
            (a, b) => {
                return Err(Error::at(
                    "kql::bind::type",
                    v.span,
                    format!(
                        "all results of `{}` must have one type, found {a} and {b}",
                        call.name
                    ),
                )
                .with_label(format!("this is of type {b}")));
            }
        };
    }
    Ok(ty)
}

/// A value as the column type `ty` (ints widen to long, anything wraps into dynamic).
fn coerce(v: &Value, ty: Type) -> Value {
    match (ty, v) {
        (Type::Long, Value::Int(i)) => Value::Long(i64::from(*i)),
        (Type::Dynamic, Value::Dynamic(_)) => v.clone(),
        (Type::Dynamic, v) if v.is_null() => Value::Null,
        (Type::Dynamic, v) => Value::Dynamic(std::sync::Arc::new(v.to_json())),
        _ => v.clone(),
    }
}
