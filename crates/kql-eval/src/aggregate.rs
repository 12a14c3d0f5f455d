//! Aggregation functions of `summarize`: their states, updates and results.
//!
//! Nulls are ignored by every aggregate except `count()` (§A.8, §A.10 of the semantics).

use std::collections::HashSet;

use indexmap::IndexSet;

use crate::error::Error;
use crate::expr::BExpr;
use crate::types::Type;
use crate::value::Value;

/// Kusto's default cap on `make_set`/`make_list` sizes.
pub const MAKE_DEFAULT_MAX: usize = 1_048_576;
/// The cap of the deprecated `makeset`/`makelist` spellings.
pub const MAKE_LEGACY_MAX: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggKind {
    Count,
    CountIf,
    DCount,
    DCountIf,
    Sum,
    SumIf,
    Min,
    Max,
    MinIf,
    MaxIf,
    Avg,
    AvgIf,
    MakeSet { max: usize },
    MakeList { max: usize },
    MakeSetIf { max: usize },
    MakeListIf { max: usize },
    TakeAny,
    ArgMax,
    ArgMin,
}

/// An aggregate call after binding: its arguments and the columns it produces.
#[derive(Clone, Debug)]
pub struct BoundAggregate {
    pub kind: AggKind,
    pub args: Vec<BExpr>,
    /// Types of the output columns (several for `arg_max(x, a, b)` and `take_any(a, b)`).
    pub output_types: Vec<Type>,
}

/// The running state of one aggregate in one group.
pub enum AggState {
    Count(i64),
    Distinct(HashSet<Value>),
    SumLong(Option<i64>),
    SumReal(f64),
    SumTimeSpan(Option<i64>),
    Extreme(Option<Value>),
    Avg { sum: f64, count: i64 },
    Set(IndexSet<Value>, usize),
    List(Vec<serde_json::Value>, usize),
    Any(Option<Vec<Value>>),
    Arg(Option<(Value, Vec<Value>)>),
}

impl BoundAggregate {
    pub fn new_state(&self) -> AggState {
        match self.kind {
            AggKind::Count | AggKind::CountIf => AggState::Count(0),
            AggKind::DCount | AggKind::DCountIf => AggState::Distinct(HashSet::new()),
            AggKind::Sum | AggKind::SumIf => match self.output_types[0] {
                Type::Real => AggState::SumReal(0.0),
                Type::TimeSpan => AggState::SumTimeSpan(Some(0)),
                _ => AggState::SumLong(Some(0)),
            },
            AggKind::Min | AggKind::Max | AggKind::MinIf | AggKind::MaxIf => {
                AggState::Extreme(None)
            }
            AggKind::Avg | AggKind::AvgIf => AggState::Avg { sum: 0.0, count: 0 },
            AggKind::MakeSet { max } | AggKind::MakeSetIf { max } => {
                AggState::Set(IndexSet::new(), max)
            }
            AggKind::MakeList { max } | AggKind::MakeListIf { max } => {
                AggState::List(Vec::new(), max)
            }
            AggKind::TakeAny => AggState::Any(None),
            AggKind::ArgMax | AggKind::ArgMin => AggState::Arg(None),
        }
    }

    /// Folds one row's argument values into `state`.
    pub fn update(&self, state: &mut AggState, args: &[&Value]) {
        let predicate_holds = |v: &Value| v.as_bool() == Some(true);
        match (self.kind, state) {
            (AggKind::Count, AggState::Count(n)) => *n += 1,
            (AggKind::CountIf, AggState::Count(n)) if predicate_holds(args[0]) => {
                *n += 1;
            }
            (AggKind::DCount, AggState::Distinct(set)) if !args[0].is_null() => {
                set.insert(args[0].clone());
            }
            (AggKind::DCountIf, AggState::Distinct(set))
                if !args[0].is_null() && predicate_holds(args[1]) =>
            {
                set.insert(args[0].clone());
            }
            (AggKind::Sum | AggKind::SumIf, state) => {
                if self.kind == AggKind::SumIf && !predicate_holds(args[1]) {
                    return;
                }
                add_to_sum(state, args[0]);
            }
            (AggKind::Min | AggKind::MinIf, AggState::Extreme(best)) => {
                if self.kind == AggKind::MinIf && !predicate_holds(args[1]) {
                    return;
                }
                keep_extreme(best, args[0], std::cmp::Ordering::Less);
            }
            (AggKind::Max | AggKind::MaxIf, AggState::Extreme(best)) => {
                if self.kind == AggKind::MaxIf && !predicate_holds(args[1]) {
                    return;
                }
                keep_extreme(best, args[0], std::cmp::Ordering::Greater);
            }
            (AggKind::Avg | AggKind::AvgIf, AggState::Avg { sum, count }) => {
                if self.kind == AggKind::AvgIf && !predicate_holds(args[1]) {
                    return;
                }
                let v = match args[0] {
                    Value::TimeSpan(t) | Value::DateTime(t) => Some(*t as f64),
                    v => v.as_f64(),
                };
                if let Some(v) = v {
                    *sum += v;
                    *count += 1;
                }
            }
            (AggKind::MakeSet { .. } | AggKind::MakeSetIf { .. }, AggState::Set(set, max)) => {
                if matches!(self.kind, AggKind::MakeSetIf { .. }) && !predicate_holds(args[1]) {
                    return;
                }
                match args[0] {
                    // arrays are flattened into the set (documented example)
                    Value::Dynamic(d) if d.is_array() => {
                        for item in d.as_array().into_iter().flatten() {
                            if set.len() >= *max {
                                break;
                            }
                            set.insert(Value::Dynamic(std::sync::Arc::new(item.clone())));
                        }
                    }
                    v if v.is_null() => {}
                    v => {
                        if set.len() < *max {
                            set.insert(v.clone());
                        }
                    }
                }
            }
            (AggKind::MakeList { .. } | AggKind::MakeListIf { .. }, AggState::List(list, max)) => {
                if matches!(self.kind, AggKind::MakeListIf { .. }) && !predicate_holds(args[1]) {
                    return;
                }
                if !args[0].is_null() && list.len() < *max {
                    list.push(args[0].to_json());
                }
            }
            (AggKind::TakeAny, AggState::Any(taken)) => {
                // with one argument, prefer a non-empty value if there is one
                let empty = args.len() == 1 && (args[0].is_null() || args[0].as_str() == Some(""));
                if taken.is_none() || (!empty && taken_is_empty(taken)) {
                    *taken = Some(args.iter().map(|v| (*v).clone()).collect());
                }
            }
            (AggKind::ArgMax | AggKind::ArgMin, AggState::Arg(best)) => {
                let want = if self.kind == AggKind::ArgMax {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                };
                let key = args[0];
                let better = match best {
                    None => true,
                    Some((current, _)) if current.is_null() => !key.is_null(),
                    Some((current, _)) => !key.is_null() && key.total_cmp(current) == want,
                };
                if better {
                    *best = Some((
                        key.clone(),
                        args[1..].iter().map(|v| (*v).clone()).collect(),
                    ));
                }
            }
            _ => {}
        }
    }

    /// The output values of a finished group, one per output column.
    pub fn finish(&self, state: AggState) -> Vec<Value> {
        match state {
            AggState::Count(n) => vec![Value::Long(n)],
            AggState::Distinct(set) => vec![Value::Long(set.len() as i64)],
            AggState::SumLong(sum) => vec![sum.map_or(Value::Null, Value::Long)],
            AggState::SumReal(sum) => vec![Value::Real(sum)],
            AggState::SumTimeSpan(sum) => vec![sum.map_or(Value::Null, Value::TimeSpan)],
            AggState::Extreme(best) => vec![best.unwrap_or(Value::Null)],
            AggState::Avg { sum, count } => {
                let avg = sum / count as f64;
                vec![match self.output_types[0] {
                    Type::TimeSpan if count > 0 => Value::TimeSpan(avg.round() as i64),
                    Type::DateTime if count > 0 => Value::DateTime(avg.round() as i64),
                    Type::TimeSpan | Type::DateTime => Value::Null,
                    _ => Value::Real(avg),
                }]
            }
            AggState::Set(set, _) => {
                let items = set.into_iter().map(|v| v.to_json()).collect();
                vec![Value::Dynamic(std::sync::Arc::new(
                    serde_json::Value::Array(items),
                ))]
            }
            AggState::List(list, _) => vec![Value::Dynamic(std::sync::Arc::new(
                serde_json::Value::Array(list),
            ))],
            AggState::Any(taken) => taken.unwrap_or_else(|| {
                self.output_types
                    .iter()
                    .map(|t| Value::missing(*t))
                    .collect()
            }),
            AggState::Arg(best) => match best {
                Some((key, cols)) => std::iter::once(key).chain(cols).collect(),
                None => self
                    .output_types
                    .iter()
                    .map(|t| Value::missing(*t))
                    .collect(),
            },
        }
    }
}

fn taken_is_empty(taken: &Option<Vec<Value>>) -> bool {
    taken
        .as_ref()
        .is_some_and(|v| v.len() == 1 && (v[0].is_null() || v[0].as_str() == Some("")))
}

fn keep_extreme(best: &mut Option<Value>, v: &Value, want: std::cmp::Ordering) {
    if v.is_null() {
        return;
    }
    if best.as_ref().is_none_or(|b| v.total_cmp(b) == want) {
        *best = Some(v.clone());
    }
}

fn add_to_sum(state: &mut AggState, v: &Value) {
    if v.is_null() {
        return;
    }
    match state {
        AggState::SumLong(sum) => {
            if let Some(x) = v.as_i64() {
                *sum = sum.and_then(|s| s.checked_add(x));
            }
        }
        AggState::SumReal(sum) => {
            if let Some(x) = v.as_f64() {
                *sum += x;
            }
        }
        AggState::SumTimeSpan(sum) => {
            if let Value::TimeSpan(x) = v {
                *sum = sum.and_then(|s| s.checked_add(*x));
            }
        }
        _ => {}
    }
}

/// The types of the columns an aggregate produces, checking its argument types.
pub fn output_types(kind: AggKind, fname: &str, args: &[BExpr]) -> Result<Vec<Type>, Error> {
    let input_ty = args.first().map(|b| b.ty);
    let wrong = |what: &str| {
        Error::at(
            "kql::bind::type",
            args[0].span,
            format!("`{fname}` needs {what}"),
        )
    };
    Ok(match kind {
        AggKind::Count | AggKind::CountIf | AggKind::DCount | AggKind::DCountIf => vec![Type::Long],
        AggKind::Sum | AggKind::SumIf => match input_ty {
            Some(Type::Int | Type::Long | Type::Bool) => vec![Type::Long],
            Some(Type::Real | Type::Dynamic) => vec![Type::Real],
            Some(Type::TimeSpan) => vec![Type::TimeSpan],
            _ => return Err(wrong("a number or a timespan")),
        },
        AggKind::Avg | AggKind::AvgIf => match input_ty {
            Some(Type::TimeSpan) => vec![Type::TimeSpan],
            Some(Type::DateTime) => vec![Type::DateTime],
            Some(Type::Int | Type::Long | Type::Real | Type::Bool | Type::Dynamic) => {
                vec![Type::Real]
            }
            _ => return Err(wrong("a number")),
        },
        AggKind::Min | AggKind::Max | AggKind::MinIf | AggKind::MaxIf => {
            vec![input_ty.unwrap_or(Type::Dynamic)]
        }
        AggKind::MakeSet { .. }
        | AggKind::MakeList { .. }
        | AggKind::MakeSetIf { .. }
        | AggKind::MakeListIf { .. } => vec![Type::Dynamic],
        AggKind::TakeAny | AggKind::ArgMax | AggKind::ArgMin => args.iter().map(|b| b.ty).collect(),
    })
}

/// The aggregate called `name`, with the range of argument counts it takes.
pub fn lookup(name: &str) -> Option<(AggKind, usize, usize)> {
    Some(match name {
        "count" => (AggKind::Count, 0, 1),
        "countif" => (AggKind::CountIf, 1, 1),
        "dcount" => (AggKind::DCount, 1, 2),
        "dcountif" => (AggKind::DCountIf, 2, 3),
        "count_distinct" => (AggKind::DCount, 1, 1),
        "count_distinctif" => (AggKind::DCountIf, 2, 2),
        "sum" => (AggKind::Sum, 1, 1),
        "sumif" => (AggKind::SumIf, 2, 2),
        "min" => (AggKind::Min, 1, 1),
        "max" => (AggKind::Max, 1, 1),
        "minif" => (AggKind::MinIf, 2, 2),
        "maxif" => (AggKind::MaxIf, 2, 2),
        "avg" => (AggKind::Avg, 1, 1),
        "avgif" => (AggKind::AvgIf, 2, 2),
        "make_set" => (
            AggKind::MakeSet {
                max: MAKE_DEFAULT_MAX,
            },
            1,
            2,
        ),
        "makeset" => (
            AggKind::MakeSet {
                max: MAKE_LEGACY_MAX,
            },
            1,
            2,
        ),
        "make_list" => (
            AggKind::MakeList {
                max: MAKE_DEFAULT_MAX,
            },
            1,
            2,
        ),
        "makelist" => (
            AggKind::MakeList {
                max: MAKE_LEGACY_MAX,
            },
            1,
            2,
        ),
        "make_set_if" => (
            AggKind::MakeSetIf {
                max: MAKE_DEFAULT_MAX,
            },
            2,
            3,
        ),
        "make_list_if" => (
            AggKind::MakeListIf {
                max: MAKE_DEFAULT_MAX,
            },
            2,
            3,
        ),
        "take_any" | "any" => (AggKind::TakeAny, 1, usize::MAX),
        "arg_max" | "argmax" => (AggKind::ArgMax, 1, usize::MAX),
        "arg_min" | "argmin" => (AggKind::ArgMin, 1, usize::MAX),
        _ => return None,
    })
}

/// The prefix of an aggregate's default column name (`dcount(x)` is `dcount_x`).
pub fn name_prefix(name: &str) -> &'static str {
    match name {
        "count" => "count",
        "countif" => "countif",
        "dcount" | "count_distinct" => "dcount",
        "dcountif" | "count_distinctif" => "dcountif",
        "sum" => "sum",
        "sumif" => "sumif",
        "min" => "min",
        "max" => "max",
        "minif" => "minif",
        "maxif" => "maxif",
        "avg" => "avg",
        "avgif" => "avgif",
        "make_set" | "makeset" | "make_set_if" => "set",
        "make_list" | "makelist" | "make_list_if" => "list",
        "any" => "any",
        _ => "",
    }
}
