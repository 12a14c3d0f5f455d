//! Numeric functions: `abs`, `round`, `sqrt`, `log`, `pow`, trigonometry, `isnan`, `max_of`...

use super::{Bound, Call, coerce, common_type};
use crate::error::Error;
use crate::types::Type;
use crate::value::Value;

const NUMBER: [Type; 3] = [Type::Int, Type::Long, Type::Real];

fn real(x: f64) -> Value {
    Value::Real(x)
}

/// A function of one real argument (ints and longs widen); null in, null out.
fn unary(name: &'static str, f: fn(f64) -> Option<f64>) -> Bound {
    (
        name,
        Type::Real,
        Box::new(move |a: &[&Value]| a[0].as_f64().and_then(f).map_or(Value::Null, real)),
    )
}

/// Binds the numeric function `name`, or `None` if it is not one.
pub fn bind(name: &str, call: &Call) -> Option<Result<Bound, Error>> {
    let result = (|| -> Result<Option<Bound>, Error> {
        let one_number = || -> Result<(), Error> {
            call.arity(1, 1)?;
            call.expect_type(0, &NUMBER, "a number")
        };
        let bound: Bound = match name {
            "abs" | "sign" | "ceiling" => {
                one_number()?;
                let integral = matches!(call.args[0].ty, Type::Int | Type::Long);
                let fname = match name {
                    "abs" => "abs",
                    "sign" => "sign",
                    _ => "ceiling",
                };
                if integral {
                    (
                        fname,
                        Type::Long,
                        Box::new(move |a: &[&Value]| {
                            let Some(n) = a[0].as_i64() else {
                                return Value::Null;
                            };
                            match fname {
                                "abs" => n.checked_abs().map_or(Value::Null, Value::Long),
                                "sign" => Value::Long(n.signum()),
                                _ => Value::Long(n),
                            }
                        }),
                    )
                } else {
                    unary(
                        fname,
                        match fname {
                            "abs" => |x: f64| Some(x.abs()),
                            "sign" => |x: f64| Some(if x == 0.0 { 0.0 } else { x.signum() }),
                            _ => |x: f64| Some(x.ceil()),
                        },
                    )
                }
            }
            "round" => {
                call.arity(1, 2)?;
                call.expect_type(0, &NUMBER, "a number")?;
                if call.args.len() == 2 {
                    call.expect_type(1, &[Type::Int, Type::Long], "an integer precision")?;
                }
                let integral = matches!(call.args[0].ty, Type::Int | Type::Long);
                (
                    "round",
                    if integral { Type::Long } else { Type::Real },
                    Box::new(move |a: &[&Value]| {
                        let digits = match a.get(1) {
                            None => 0,
                            Some(d) => match d.as_i64() {
                                Some(d) => d.clamp(-20, 20) as i32,
                                None => return Value::Null,
                            },
                        };
                        if integral {
                            let Some(n) = a[0].as_i64() else {
                                return Value::Null;
                            };
                            if digits >= 0 {
                                return Value::Long(n);
                            }
                            let rounded = round_away(n as f64, digits);
                            return if rounded.abs() < 9.2e18 {
                                Value::Long(rounded as i64)
                            } else {
                                Value::Null
                            };
                        }
                        a[0].as_f64()
                            .map_or(Value::Null, |x| real(round_away(x, digits)))
                    }),
                )
            }
            "sqrt" => {
                one_number()?;
                // null for negative numbers (documented)
                unary("sqrt", |x| (x >= 0.0 || x.is_nan()).then(|| x.sqrt()))
            }
            "exp" => {
                one_number()?;
                unary("exp", |x| Some(x.exp()))
            }
            "exp2" => {
                one_number()?;
                unary("exp2", |x| Some(x.exp2()))
            }
            "exp10" => {
                one_number()?;
                unary("exp10", |x| Some(10f64.powf(x)))
            }
            // null for negative numbers (documented for `log`); log(0) is -Infinity
            "log" => {
                one_number()?;
                unary("log", |x| (x >= 0.0 || x.is_nan()).then(|| x.ln()))
            }
            "log2" => {
                one_number()?;
                unary("log2", |x| (x >= 0.0 || x.is_nan()).then(|| x.log2()))
            }
            "log10" => {
                one_number()?;
                unary("log10", |x| (x >= 0.0 || x.is_nan()).then(|| x.log10()))
            }
            "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "degrees" | "radians" => {
                one_number()?;
                match name {
                    "sin" => unary("sin", |x| Some(x.sin())),
                    "cos" => unary("cos", |x| Some(x.cos())),
                    "tan" => unary("tan", |x| Some(x.tan())),
                    "asin" => unary("asin", |x| Some(x.asin())),
                    "acos" => unary("acos", |x| Some(x.acos())),
                    "atan" => unary("atan", |x| Some(x.atan())),
                    "degrees" => unary("degrees", |x| Some(x.to_degrees())),
                    _ => unary("radians", |x| Some(x.to_radians())),
                }
            }
            "pi" => {
                call.arity(0, 0)?;
                (
                    "pi",
                    Type::Real,
                    Box::new(|_: &[&Value]| real(std::f64::consts::PI)),
                )
            }
            "pow" | "atan2" => {
                call.arity(2, 2)?;
                call.expect_type(0, &NUMBER, "a number")?;
                call.expect_type(1, &NUMBER, "a number")?;
                let is_pow = name == "pow";
                (
                    if is_pow { "pow" } else { "atan2" },
                    Type::Real,
                    Box::new(move |a: &[&Value]| match (a[0].as_f64(), a[1].as_f64()) {
                        (Some(x), Some(y)) if is_pow => real(x.powf(y)),
                        (Some(y), Some(x)) => real(y.atan2(x)),
                        _ => Value::Null,
                    }),
                )
            }
            "isnan" | "isinf" | "isfinite" => {
                one_number()?;
                let fname = match name {
                    "isnan" => "isnan",
                    "isinf" => "isinf",
                    _ => "isfinite",
                };
                (
                    fname,
                    Type::Bool,
                    Box::new(move |a: &[&Value]| {
                        // [INF] a null number gives a null bool
                        let Some(x) = a[0].as_f64() else {
                            return Value::Null;
                        };
                        Value::Bool(match fname {
                            "isnan" => x.is_nan(),
                            "isinf" => x.is_infinite(),
                            _ => x.is_finite(),
                        })
                    }),
                )
            }
            "max_of" | "min_of" => {
                call.arity(2, 64)?;
                // numbers of different kinds compare as numbers: a real among ints makes
                // the result real
                let numeric = call.args.iter().all(|a| NUMBER.contains(&a.ty));
                let ty = if numeric && call.args.iter().any(|a| a.ty == Type::Real) {
                    Type::Real
                } else {
                    common_type(call, &call.args)?
                };
                let want = if name == "max_of" {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                };
                (
                    if name == "max_of" { "max_of" } else { "min_of" },
                    ty,
                    Box::new(move |a: &[&Value]| {
                        // non-null values take precedence over nulls (documented)
                        let mut best: Option<&Value> = None;
                        for v in a.iter().filter(|v| !v.is_null()) {
                            if best.is_none_or(|b| v.total_cmp(b) == want) {
                                best = Some(v);
                            }
                        }
                        match (best, ty) {
                            (None, _) => Value::missing(ty),
                            (Some(v), Type::Real) => v.as_f64().map_or(Value::Null, real),
                            (Some(v), _) => coerce(v, ty),
                        }
                    }),
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(bound))
    })();
    result.transpose()
}

/// Rounds `x` to `digits` decimal digits (negative: to tens, hundreds...), halves away from
/// zero: `round(2.15, 1)` is 2.2, `round(-50.55, -2)` is -100, `round(21.5, -1)` is 20.
fn round_away(x: f64, digits: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits.abs());
    if digits >= 0 {
        let scaled = x * scale;
        if !scaled.is_finite() {
            return x;
        }
        scaled.round() / scale
    } else {
        (x / scale).round() * scale
    }
}
