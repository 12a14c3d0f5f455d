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
    MakeSet {
        max: usize,
    },
    MakeList {
        max: usize,
    },
    MakeSetIf {
        max: usize,
    },
    MakeListIf {
        max: usize,
    },
    TakeAny,
    ArgMax,
    ArgMin,
    /// `percentile(x, p)` and `percentiles(x, p1, ...)`: one column per percentile.
    Percentiles,
    /// `percentiles_array(x, p1, ...)` or `(x, dynamic([p1, ...]))`: one dynamic array.
    PercentilesArray,
    /// `stdev`, `stdevif` (sample, n-1) and `stdevp` (population).
    Stdev {
        sample: bool,
        conditional: bool,
    },
    /// `variance`, `varianceif` (sample, n-1) and `variancep` (population).
    Variance {
        sample: bool,
        conditional: bool,
    },
    MakeBag {
        max: usize,
    },
    MakeBagIf {
        max: usize,
    },
    MakeListWithNulls,
    /// Kusto aggregates kql refuses to evaluate (binding fails with the reason).
    Unsupported,
}

/// Whether `percentiles(x, p1, p2, ...)` with several percentiles may bind. It produces
/// one column per percentile, which needs the binder to name each of them (see
/// [`result_names`]); until `bind_aggregate` uses `result_names`, it would name only the
/// first column, so such calls fail with a clear error instead.
pub const MULTI_COLUMN_PERCENTILES: bool = true;

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
    Distinct(HashSet<Value, foldhash::fast::FixedState>),
    SumLong(Option<i64>),
    SumReal(f64),
    SumTimeSpan(Option<i64>),
    Extreme(Option<Value>),
    Avg {
        sum: f64,
        count: i64,
    },
    Set(IndexSet<Value>, usize),
    List(Vec<serde_json::Value>, usize),
    Any(Option<Vec<Value>>),
    Arg(Option<(Value, Vec<Value>)>),
    /// Every non-null value, for exact percentiles.
    Values(Vec<Value>),
    /// Count, mean and sum of squared deviations (Welford), for `stdev` and `variance`.
    Moments {
        n: i64,
        mean: f64,
        m2: f64,
    },
    Bag(serde_json::Map<String, serde_json::Value>, usize),
}

impl BoundAggregate {
    pub fn new_state(&self) -> AggState {
        match self.kind {
            AggKind::Count | AggKind::CountIf => AggState::Count(0),
            AggKind::DCount | AggKind::DCountIf => AggState::Distinct(HashSet::default()),
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
            AggKind::Percentiles | AggKind::PercentilesArray | AggKind::Unsupported => {
                AggState::Values(Vec::new())
            }
            AggKind::Stdev { .. } | AggKind::Variance { .. } => AggState::Moments {
                n: 0,
                mean: 0.0,
                m2: 0.0,
            },
            AggKind::MakeBag { max } | AggKind::MakeBagIf { max } => {
                // `make_bag(x, maxSize)`: the binder leaves the size among the arguments
                let at = if matches!(self.kind, AggKind::MakeBag { .. }) {
                    1
                } else {
                    2
                };
                let limit = self.args.get(at).and_then(size_limit).unwrap_or(max);
                AggState::Bag(serde_json::Map::new(), limit)
            }
            AggKind::MakeListWithNulls => AggState::List(Vec::new(), MAKE_DEFAULT_MAX),
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
            // only a value not seen before is cloned into the set
            (AggKind::DCount, AggState::Distinct(set))
                if !args[0].is_null() && !set.contains(args[0]) =>
            {
                set.insert(args[0].clone());
            }
            (AggKind::DCountIf, AggState::Distinct(set))
                if !args[0].is_null() && predicate_holds(args[1]) && !set.contains(args[0]) =>
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
            (AggKind::Percentiles | AggKind::PercentilesArray, AggState::Values(values)) => {
                match args[0] {
                    v if v.is_null() => {}
                    // dynamic numbers are taken as reals; other dynamic values are skipped
                    Value::Dynamic(d) => {
                        if let Some(x) = d.as_f64() {
                            values.push(Value::Real(x));
                        }
                    }
                    Value::Real(x) if x.is_nan() => {}
                    v => values.push(v.clone()),
                }
            }
            (
                AggKind::Stdev { conditional, .. } | AggKind::Variance { conditional, .. },
                AggState::Moments { n, mean, m2 },
            ) => {
                if conditional && !predicate_holds(args[1]) {
                    return;
                }
                if let Some(x) = args[0].as_f64().filter(|x| !x.is_nan()) {
                    // Welford's online update
                    *n += 1;
                    let delta = x - *mean;
                    *mean += delta / *n as f64;
                    *m2 += delta * (x - *mean);
                }
            }
            (AggKind::MakeBag { .. } | AggKind::MakeBagIf { .. }, AggState::Bag(bag, max)) => {
                if matches!(self.kind, AggKind::MakeBagIf { .. }) && !predicate_holds(args[1]) {
                    return;
                }
                // property bags merge; other values are skipped (documented); a key seen
                // again keeps its first value (the docs allow any)
                if let Value::Dynamic(d) = args[0]
                    && let Some(items) = d.as_object()
                {
                    for (k, v) in items {
                        if bag.len() >= *max {
                            break;
                        }
                        if !bag.contains_key(k) {
                            bag.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            (AggKind::MakeListWithNulls, AggState::List(list, max)) if list.len() < *max => {
                list.push(args[0].to_json());
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
            AggState::Values(mut values) => {
                values.sort_by(Value::total_cmp);
                let picked = self
                    .percentile_values()
                    .into_iter()
                    .map(|p| nearest_rank(&values, p));
                if self.kind == AggKind::PercentilesArray {
                    if values.is_empty() {
                        return vec![Value::Null];
                    }
                    let items = picked.map(|v| v.map_or(serde_json::Value::Null, |v| v.to_json()));
                    return vec![Value::Dynamic(std::sync::Arc::new(
                        serde_json::Value::Array(items.collect()),
                    ))];
                }
                picked
                    .zip(&self.output_types)
                    .map(|(v, ty)| match (v, ty) {
                        (Some(Value::Int(i)), Type::Long) => Value::Long(i64::from(*i)),
                        (Some(v), _) => v.clone(),
                        (None, _) => Value::Null,
                    })
                    .collect()
            }
            AggState::Moments { n, m2, .. } => {
                let sample = matches!(
                    self.kind,
                    AggKind::Stdev { sample: true, .. } | AggKind::Variance { sample: true, .. }
                );
                // [INF] fewer than two values (one for the population forms) give 0, as
                // an empty input does (documented default)
                let variance = match (sample, n) {
                    (true, n) if n > 1 => m2 / (n - 1) as f64,
                    (false, n) if n > 0 => m2 / n as f64,
                    _ => 0.0,
                };
                let variance = variance.max(0.0);
                vec![Value::Real(match self.kind {
                    AggKind::Stdev { .. } => variance.sqrt(),
                    _ => variance,
                })]
            }
            AggState::Bag(bag, _) => vec![Value::Dynamic(std::sync::Arc::new(
                serde_json::Value::Object(bag),
            ))],
        }
    }

    /// The percentiles (0 to 100) asked of `percentile`, `percentiles` or
    /// `percentiles_array`, validated by [`output_types`].
    fn percentile_values(&self) -> Vec<f64> {
        percentile_arguments(&self.args).unwrap_or_default()
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
        AggKind::Percentiles | AggKind::PercentilesArray => {
            let ty = match input_ty {
                Some(Type::Int | Type::Long) => Type::Long,
                Some(Type::Real | Type::Dynamic) => Type::Real,
                Some(t @ (Type::DateTime | Type::TimeSpan)) => t,
                _ => return Err(wrong("a number, a datetime or a timespan")),
            };
            let ps = percentile_arguments(args)
                .map_err(|(n, message)| Error::at("kql::bind::argument", args[n].span, message))?;
            if kind == AggKind::PercentilesArray {
                vec![Type::Dynamic]
            } else {
                if ps.len() > 1 && !MULTI_COLUMN_PERCENTILES {
                    return Err(Error::at(
                        "kql::unsupported::argument",
                        args[2].span,
                        format!(
                            "`{fname}` with several percentiles is not supported yet: \
                             kql cannot name its several result columns"
                        ),
                    )
                    .with_help("call percentile() once per value, or use percentiles_array()"));
                }
                vec![ty; ps.len()]
            }
        }
        AggKind::Stdev { conditional, .. } | AggKind::Variance { conditional, .. } => {
            if conditional {
                check_predicate(fname, &args[1])?;
            }
            match input_ty {
                Some(Type::Int | Type::Long | Type::Real | Type::Dynamic) => vec![Type::Real],
                _ => return Err(wrong("a number")),
            }
        }
        AggKind::MakeBag { .. } | AggKind::MakeBagIf { .. } => {
            let size_at = if matches!(kind, AggKind::MakeBagIf { .. }) {
                check_predicate(fname, &args[1])?;
                2
            } else {
                1
            };
            if input_ty != Some(Type::Dynamic) {
                return Err(wrong("a dynamic property bag"));
            }
            if let Some(size) = args.get(size_at)
                && size_limit(size).is_none()
            {
                return Err(Error::at(
                    "kql::bind::argument",
                    size.span,
                    "the size limit must be a positive constant",
                ));
            }
            vec![Type::Dynamic]
        }
        AggKind::MakeListWithNulls => vec![Type::Dynamic],
        AggKind::Unsupported => {
            let why = match fname {
                "hll" | "hll_if" | "hll_merge" => {
                    "it returns Kusto's internal HyperLogLog sketch; use dcount() or count_distinct()"
                }
                "tdigest" | "tdigest_merge" | "merge_tdigest" => {
                    "it returns Kusto's internal t-digest sketch; use percentile() or percentiles()"
                }
                "percentilew" | "percentilesw" | "percentilesw_array" => {
                    "weighted percentiles are not implemented yet"
                }
                _ => "it is not implemented yet",
            };
            return Err(Error::at(
                "kql::unsupported::aggregate",
                args[0].span,
                format!("`{fname}()` is not supported by kql: {why}"),
            ));
        }
    })
}

fn check_predicate(fname: &str, predicate: &BExpr) -> Result<(), Error> {
    if matches!(predicate.ty, Type::Bool | Type::Dynamic) {
        return Ok(());
    }
    Err(Error::at(
        "kql::bind::type",
        predicate.span,
        format!("the predicate of `{fname}` must be a bool"),
    ))
}

/// A positive constant size limit (`make_bag(x, 100)`), at most [`MAKE_DEFAULT_MAX`] as in
/// Kusto.
fn size_limit(e: &BExpr) -> Option<usize> {
    e.as_const()
        .and_then(Value::as_i64)
        .filter(|n| *n > 0)
        .map(|n| usize::try_from(n).map_or(MAKE_DEFAULT_MAX, |n| n.min(MAKE_DEFAULT_MAX)))
}

/// The percentiles of a `percentile`-family call (arguments after the first): constant
/// numbers from 0 to 100, or for `percentiles_array` one constant dynamic array of them.
/// On error, the index of the bad argument and a message.
fn percentile_arguments(args: &[BExpr]) -> Result<Vec<f64>, (usize, String)> {
    let mut ps = Vec::new();
    for (n, arg) in args.iter().enumerate().skip(1) {
        let bad = |what: &str| (n, format!("a percentile must be {what}"));
        match arg.as_const() {
            Some(Value::Dynamic(d)) if d.is_array() && args.len() == 2 => {
                for item in d.as_array().into_iter().flatten() {
                    ps.push(item.as_f64().ok_or_else(|| bad("a number"))?);
                }
            }
            Some(v) => ps.push(v.as_f64().ok_or_else(|| bad("a number"))?),
            None => return Err(bad("a constant")),
        }
        if ps.iter().any(|p| !(0.0..=100.0).contains(p)) {
            return Err(bad("between 0 and 100"));
        }
    }
    if ps.is_empty() {
        return Err((0, "at least one percentile is needed".to_string()));
    }
    Ok(ps)
}

/// The nearest-rank percentile `p` of ascending `values`: the smallest value with at least
/// `p` percent of the values at or below it; `p = 0` is the minimum (documented).
fn nearest_rank(values: &[Value], p: f64) -> Option<&Value> {
    if values.is_empty() {
        return None;
    }
    let n = values.len();
    let rank = (p * n as f64 / 100.0).ceil() as usize;
    values.get(rank.clamp(1, n) - 1)
}

/// The default names of an aggregate's result columns when they depend on more than the
/// aggregate's name and first argument: `percentile(x, 95)` is `percentile_x_95`,
/// `percentiles(x, 5, 50)` gives `percentile_x_5` and `percentile_x_50`, `99.9` becomes
/// `99_9` (the language service's naming). `first` is the default name of the first
/// argument. `None` for other aggregates.
pub fn result_names(
    fname: &str,
    first: Option<&str>,
    args: &[kql_parser::Expr],
) -> Option<Vec<Option<String>>> {
    if !matches!(fname, "percentile" | "percentiles") {
        return None;
    }
    Some(
        args.iter()
            .skip(1)
            .map(|p| first.map(|f| format!("percentile_{f}_{}", name_fragment(p))))
            .collect(),
    )
}

/// A literal's text with every character but letters and digits made `_`; `""` for
/// anything but a literal.
fn name_fragment(e: &kql_parser::Expr) -> String {
    use kql_parser::{ExprKind, Literal};
    let text = match &e.kind {
        ExprKind::Literal(Literal::Int(i)) => i.to_string(),
        ExprKind::Literal(Literal::Long(l)) => l.to_string(),
        ExprKind::Literal(Literal::Real(r)) => r.to_string(),
        _ => String::new(),
    };
    text.chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect()
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
        "percentile" => (AggKind::Percentiles, 2, 2),
        "percentiles" => (AggKind::Percentiles, 2, usize::MAX),
        "percentiles_array" => (AggKind::PercentilesArray, 2, usize::MAX),
        "stdev" => (stdev(true, false), 1, 1),
        "stdevif" => (stdev(true, true), 2, 2),
        "stdevp" => (stdev(false, false), 1, 1),
        "variance" => (variance(true, false), 1, 1),
        "varianceif" => (variance(true, true), 2, 2),
        "variancep" => (variance(false, false), 1, 1),
        "make_bag" => (
            AggKind::MakeBag {
                max: MAKE_DEFAULT_MAX,
            },
            1,
            2,
        ),
        "make_dictionary" => (
            AggKind::MakeBag {
                max: MAKE_LEGACY_MAX,
            },
            1,
            2,
        ),
        "make_bag_if" => (
            AggKind::MakeBagIf {
                max: MAKE_DEFAULT_MAX,
            },
            2,
            3,
        ),
        "make_list_with_nulls" => (AggKind::MakeListWithNulls, 1, 1),
        "hll" | "hll_if" | "hll_merge" | "tdigest" | "tdigest_merge" | "merge_tdigest"
        | "percentilew" | "percentilesw" | "percentilesw_array" => {
            (AggKind::Unsupported, 1, usize::MAX)
        }
        _ => return None,
    })
}

fn stdev(sample: bool, conditional: bool) -> AggKind {
    AggKind::Stdev {
        sample,
        conditional,
    }
}

fn variance(sample: bool, conditional: bool) -> AggKind {
    AggKind::Variance {
        sample,
        conditional,
    }
}

/// The prefix of an aggregate's default column name (`dcount(x)` is `dcount_x`).
pub fn name_prefix(name: &str) -> &'static str {
    match name {
        "count" => "count",
        "countif" => "countif",
        "dcount" => "dcount",
        "dcountif" => "dcountif",
        // the language service names them apart from `dcount`
        "count_distinct" => "count_distinct",
        "count_distinctif" => "count_distinctif",
        "sum" => "sum",
        "sumif" => "sumif",
        "min" => "min",
        "max" => "max",
        "minif" => "minif",
        "maxif" => "maxif",
        "avg" => "avg",
        "avgif" => "avgif",
        "make_set" | "makeset" | "make_set_if" => "set",
        "make_list" | "makelist" | "make_list_if" | "make_list_with_nulls" => "list",
        "make_bag" | "make_bag_if" => "bag",
        "make_dictionary" => "dictionary",
        "any" => "any",
        // `percentile(x, 95)` is `percentile_x_95`: see `result_names` for the suffix
        "percentile" | "percentiles" => "percentile",
        "percentiles_array" => "percentiles",
        "stdev" => "stdev",
        "stdevif" => "stdevif",
        "stdevp" => "stdevp",
        "variance" => "variance",
        "varianceif" => "varianceif",
        "variancep" => "variancep",
        "hll" => "hll",
        "hll_if" => "hll_if",
        "hll_merge" => "hll_merge",
        "tdigest" => "tdigest",
        "tdigest_merge" | "merge_tdigest" => "merge_tdigests",
        _ => "",
    }
}

/// Every aggregation function `summarize` accepts (aliases included), with a one-line
/// signature, for the REPL's completion.
const AGGREGATES: &[(&str, &str)] = &[
    ("count", "count()"),
    ("countif", "countif(predicate)"),
    ("dcount", "dcount(x [, accuracy])"),
    ("dcountif", "dcountif(x, predicate [, accuracy])"),
    ("count_distinct", "count_distinct(x)"),
    ("count_distinctif", "count_distinctif(x, predicate)"),
    ("sum", "sum(x)"),
    ("sumif", "sumif(x, predicate)"),
    ("min", "min(x)"),
    ("max", "max(x)"),
    ("minif", "minif(x, predicate)"),
    ("maxif", "maxif(x, predicate)"),
    ("avg", "avg(x)"),
    ("avgif", "avgif(x, predicate)"),
    ("make_set", "make_set(x [, maxSize])"),
    ("makeset", "makeset(x [, maxSize])"),
    ("make_set_if", "make_set_if(x, predicate [, maxSize])"),
    ("make_list", "make_list(x [, maxSize])"),
    ("makelist", "makelist(x [, maxSize])"),
    ("make_list_if", "make_list_if(x, predicate [, maxSize])"),
    ("make_list_with_nulls", "make_list_with_nulls(x)"),
    ("make_bag", "make_bag(bag [, maxSize])"),
    ("make_bag_if", "make_bag_if(bag, predicate [, maxSize])"),
    ("make_dictionary", "make_dictionary(bag [, maxSize])"),
    ("take_any", "take_any(x1 [, x2, ...] | *)"),
    ("any", "any(x1 [, x2, ...] | *)"),
    ("arg_max", "arg_max(by, col1 [, col2, ...] | *)"),
    ("argmax", "argmax(by, col1 [, col2, ...] | *)"),
    ("arg_min", "arg_min(by, col1 [, col2, ...] | *)"),
    ("argmin", "argmin(by, col1 [, col2, ...] | *)"),
    ("percentile", "percentile(x, p)"),
    ("percentiles", "percentiles(x, p1 [, p2, ...])"),
    ("percentiles_array", "percentiles_array(x, p1 [, p2, ...])"),
    ("stdev", "stdev(x)"),
    ("stdevif", "stdevif(x, predicate)"),
    ("stdevp", "stdevp(x)"),
    ("variance", "variance(x)"),
    ("varianceif", "varianceif(x, predicate)"),
    ("variancep", "variancep(x)"),
];

/// The names of every aggregation function kql evaluates, aliases included.
pub fn aggregate_names() -> impl Iterator<Item = &'static str> {
    AGGREGATES.iter().map(|(n, _)| *n)
}

/// A one-line signature of the aggregation function `name`, e.g. `dcount(x [, accuracy])`.
pub fn aggregate_signature(name: &str) -> Option<&'static str> {
    AGGREGATES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}
