//! Datetime and timespan functions, and `bin`.

use super::{Bound, Call};
use crate::datetime as dt;
use crate::error::Error;
use crate::operators::text;
use crate::types::Type;
use crate::value::Value;

/// `startofday`-style functions: a datetime and an offset in periods.
type PeriodFn = fn(i64, i64) -> Option<i64>;

fn opt(v: Option<i64>, ty: Type) -> Value {
    match (v, ty) {
        (Some(t), Type::TimeSpan) => Value::TimeSpan(t),
        (Some(t), Type::DateTime) => Value::DateTime(t),
        (Some(n), _) => Value::Long(n),
        (None, _) => Value::Null,
    }
}

/// Binds the datetime function `name`, or `None` if it is not one.
pub fn bind(name: &str, call: &Call) -> Option<Result<Bound, Error>> {
    let result = (|| -> Result<Option<Bound>, Error> {
        let now = call.now;
        let bound: Bound = match name {
            "now" => {
                call.arity(0, 1)?;
                if !call.args.is_empty() {
                    call.expect_type(0, &[Type::TimeSpan], "a timespan")?;
                }
                (
                    "now",
                    Type::DateTime,
                    Box::new(move |a: &[&Value]| match a.first() {
                        None => Value::DateTime(now),
                        Some(Value::TimeSpan(t)) => opt(now.checked_add(*t), Type::DateTime),
                        Some(_) => Value::Null,
                    }),
                )
            }
            "ago" => {
                call.arity(1, 1)?;
                call.expect_type(0, &[Type::TimeSpan], "a timespan")?;
                (
                    "ago",
                    Type::DateTime,
                    Box::new(move |a: &[&Value]| match a[0] {
                        Value::TimeSpan(t) => opt(now.checked_sub(*t), Type::DateTime),
                        _ => Value::Null,
                    }),
                )
            }
            "bin" | "floor" => {
                call.arity(2, 2)?;
                let ty = match (call.args[0].ty, call.args[1].ty) {
                    (Type::DateTime, Type::TimeSpan) => Type::DateTime,
                    // a dynamic value is binned as the datetime it holds
                    (Type::Dynamic, Type::TimeSpan) => Type::DateTime,
                    (Type::TimeSpan, Type::TimeSpan) => Type::TimeSpan,
                    (Type::Int | Type::Long, Type::Int | Type::Long) => Type::Long,
                    (Type::Int | Type::Long | Type::Real, Type::Int | Type::Long | Type::Real) => {
                        Type::Real
                    }
                    (a, b) => return Err(Error::at(
                        "kql::bind::type",
                        call.span,
                        format!("`{name}` cannot round {a} by {b}"),
                    )
                    .with_help(
                        "bin(datetime, timespan), bin(timespan, timespan) or bin(number, number)",
                    )),
                };
                let fname = if name == "bin" { "bin" } else { "floor" };
                (fname, ty, Box::new(move |a: &[&Value]| bin(a[0], a[1], ty)))
            }
            "bin_at" => {
                call.arity(3, 3)?;
                let ty = call.args[0].ty;
                if !matches!(ty, Type::DateTime | Type::TimeSpan) {
                    return Err(Error::at(
                        "kql::unsupported",
                        call.span,
                        "`bin_at` is supported for datetimes and timespans",
                    ));
                }
                (
                    "bin_at",
                    ty,
                    Box::new(move |a: &[&Value]| match (a[0], a[1], a[2]) {
                        (
                            Value::DateTime(v) | Value::TimeSpan(v),
                            Value::TimeSpan(size),
                            Value::DateTime(at) | Value::TimeSpan(at),
                        ) => opt(dt::bin_at(*v, *size, *at), ty),
                        _ => Value::Null,
                    }),
                )
            }
            "startofday" | "startofweek" | "startofmonth" | "startofyear" | "endofday"
            | "endofweek" | "endofmonth" | "endofyear" => {
                call.arity(1, 2)?;
                call.expect_type(0, &[Type::DateTime], "a datetime")?;
                let (fname, f): (&'static str, PeriodFn) = match name {
                    "startofday" => ("startofday", dt::start_of_day),
                    "startofweek" => ("startofweek", dt::start_of_week),
                    "startofmonth" => ("startofmonth", dt::start_of_month),
                    "startofyear" => ("startofyear", dt::start_of_year),
                    "endofday" => ("endofday", dt::end_of_day),
                    "endofweek" => ("endofweek", dt::end_of_week),
                    "endofmonth" => ("endofmonth", dt::end_of_month),
                    _ => ("endofyear", dt::end_of_year),
                };
                (
                    fname,
                    Type::DateTime,
                    Box::new(move |a: &[&Value]| {
                        let offset = a.get(1).map_or(Some(0), |o| o.as_i64());
                        match (a[0], offset) {
                            (Value::DateTime(t), Some(o)) => opt(f(*t, o), Type::DateTime),
                            _ => Value::Null,
                        }
                    }),
                )
            }
            "datetime_add" => {
                call.arity(3, 3)?;
                let part = call.const_str(0, "period name")?;
                check_period(call, &part, dt::datetime_add(&part, 0, 0))?;
                (
                    "datetime_add",
                    Type::DateTime,
                    Box::new(move |a: &[&Value]| match (a[1].as_i64(), a[2]) {
                        (Some(n), Value::DateTime(t)) => {
                            opt(dt::datetime_add(&part, n, *t), Type::DateTime)
                        }
                        _ => Value::Null,
                    }),
                )
            }
            "datetime_diff" => {
                call.arity(3, 3)?;
                let part = call.const_str(0, "period name")?;
                check_period(call, &part, dt::datetime_diff(&part, 0, 0))?;
                (
                    "datetime_diff",
                    Type::Long,
                    Box::new(move |a: &[&Value]| match (a[1], a[2]) {
                        (Value::DateTime(x), Value::DateTime(y)) => {
                            opt(dt::datetime_diff(&part, *x, *y), Type::Long)
                        }
                        _ => Value::Null,
                    }),
                )
            }
            "datetime_part" | "datepart" => {
                call.arity(2, 2)?;
                let part = call.const_str(0, "part name")?;
                check_period(call, &part, dt::datetime_part(&part, 0))?;
                (
                    "datetime_part",
                    Type::Long,
                    Box::new(move |a: &[&Value]| match a[1] {
                        Value::DateTime(t) => opt(dt::datetime_part(&part, *t), Type::Long),
                        _ => Value::Null,
                    }),
                )
            }
            "getyear" | "getmonth" | "monthofyear" | "dayofmonth" | "dayofyear" | "hourofday"
            | "week_of_year" | "weekofyear" => {
                call.arity(1, 1)?;
                call.expect_type(0, &[Type::DateTime], "a datetime")?;
                let (fname, part): (&'static str, &'static str) = match name {
                    "getyear" => ("getyear", "year"),
                    "getmonth" | "monthofyear" => ("monthofyear", "month"),
                    "dayofmonth" => ("dayofmonth", "day"),
                    "dayofyear" => ("dayofyear", "dayofyear"),
                    "hourofday" => ("hourofday", "hour"),
                    _ => ("week_of_year", "week_of_year"),
                };
                (
                    fname,
                    Type::Long,
                    Box::new(move |a: &[&Value]| match a[0] {
                        Value::DateTime(t) => opt(dt::datetime_part(part, *t), Type::Long),
                        _ => Value::Null,
                    }),
                )
            }
            "dayofweek" => {
                call.arity(1, 1)?;
                call.expect_type(0, &[Type::DateTime], "a datetime")?;
                (
                    "dayofweek",
                    Type::TimeSpan,
                    Box::new(|a: &[&Value]| match a[0] {
                        Value::DateTime(t) => {
                            Value::TimeSpan(dt::day_of_week(*t) * dt::TICKS_PER_DAY)
                        }
                        _ => Value::Null,
                    }),
                )
            }
            "format_datetime" => {
                call.arity(2, 2)?;
                call.expect_type(0, &[Type::DateTime], "a datetime")?;
                (
                    "format_datetime",
                    Type::String,
                    Box::new(|a: &[&Value]| match a[0] {
                        Value::DateTime(t) => {
                            Value::str(&dt::format_datetime_with(*t, &text(a[1])))
                        }
                        _ => Value::empty_string(),
                    }),
                )
            }
            "format_timespan" => {
                call.arity(2, 2)?;
                call.expect_type(0, &[Type::TimeSpan], "a timespan")?;
                (
                    "format_timespan",
                    Type::String,
                    Box::new(|a: &[&Value]| match a[0] {
                        Value::TimeSpan(t) => {
                            Value::str(&dt::format_timespan_with(*t, &text(a[1])))
                        }
                        _ => Value::empty_string(),
                    }),
                )
            }
            "unixtime_seconds_todatetime" | "unixtime_milliseconds_todatetime" => {
                call.arity(1, 1)?;
                let per = if name.contains("milli") {
                    dt::TICKS_PER_MILLISECOND
                } else {
                    dt::TICKS_PER_SECOND
                };
                let fname = if per == dt::TICKS_PER_SECOND {
                    "unixtime_seconds_todatetime"
                } else {
                    "unixtime_milliseconds_todatetime"
                };
                (
                    fname,
                    Type::DateTime,
                    Box::new(move |a: &[&Value]| {
                        let ticks = a[0]
                            .as_f64()
                            .map(|x| x * per as f64)
                            .filter(|t| t.abs() < 2.5e18);
                        opt(ticks.map(|t| t.round() as i64), Type::DateTime)
                    }),
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(bound))
    })();
    result.transpose()
}

fn check_period<T>(call: &Call, part: &str, probe: Option<T>) -> Result<(), Error> {
    if probe.is_some() {
        return Ok(());
    }
    Err(Error::at(
        "kql::bind::argument",
        call.args[0].span,
        format!("`{part}` is not a period `{}` knows", call.name),
    ))
}

/// `bin(value, size)`: down to a multiple of `size`; null for a null, zero or negative size.
fn bin(v: &Value, size: &Value, ty: Type) -> Value {
    if let (Value::Dynamic(_), Type::DateTime) = (v, ty) {
        return bin(&crate::conversion::convert(v, Type::DateTime), size, ty);
    }
    match (v, size, ty) {
        (Value::DateTime(t), Value::TimeSpan(s), _) => {
            opt(dt::bin_datetime(*t, *s), Type::DateTime)
        }
        // a bin below the smallest long does not exist: null
        (Value::TimeSpan(t), Value::TimeSpan(s), _) if *s > 0 => {
            opt(t.div_euclid(*s).checked_mul(*s), Type::TimeSpan)
        }
        (v, s, Type::Long) => match (v.as_i64(), s.as_i64()) {
            (Some(x), Some(s)) if s > 0 => opt(x.div_euclid(s).checked_mul(s), Type::Long),
            _ => Value::Null,
        },
        (v, s, _) => match (v.as_f64(), s.as_f64()) {
            (Some(x), Some(s)) if s > 0.0 => Value::Real((x / s).floor() * s),
            _ => Value::Null,
        },
    }
}
