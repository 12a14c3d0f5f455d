//! `make-series`: per group, each aggregate as an array over the bins of the axis.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::aggregate::AggState;
use crate::batch::Batch;
use crate::error::Error;
use crate::expr::Datum;
use crate::plan::MakeSeriesPlan;
use crate::source::BatchStream;
use crate::types::SchemaRef;
use crate::value::Value;

/// The axis as a number: ticks for datetimes and timespans.
fn axis_number(v: &Value) -> Option<f64> {
    match v {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        v => v.as_f64(),
    }
}

/// A bin start back in the axis's own type.
fn axis_value(n: f64, like: &Value) -> Value {
    match like {
        Value::DateTime(_) => Value::DateTime(n.round() as i64),
        Value::TimeSpan(_) => Value::TimeSpan(n.round() as i64),
        Value::Real(_) => Value::Real(n),
        _ => Value::Long(n.round() as i64),
    }
}

pub fn make_series(
    plan: &MakeSeriesPlan,
    input: BatchStream,
    schema: SchemaRef,
) -> Result<BatchStream, Error> {
    let step = axis_number(&plan.step)
        .filter(|s| *s > 0.0)
        .ok_or_else(|| {
            Error::at(
                "kql::make_series",
                plan.axis.span,
                "make-series needs a positive step",
            )
        })?;
    // (axis position, argument values) per group, in order of first appearance
    type Rows = Vec<(f64, Vec<Vec<Value>>)>;
    let mut groups: IndexMap<Vec<Value>, Rows> = IndexMap::new();
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut like = plan.from.clone().unwrap_or(Value::Null);
    for b in input {
        let b = b?;
        let keys: Vec<Datum> = plan
            .keys
            .iter()
            .map(|k| k.eval(&b))
            .collect::<Result<_, _>>()?;
        let axis = plan.axis.eval(&b)?;
        let args: Vec<Vec<Datum>> = plan
            .aggregates
            .iter()
            .map(|a| a.args.iter().map(|e| e.eval(&b)).collect::<Result<_, _>>())
            .collect::<Result<_, _>>()?;
        for r in 0..b.len {
            let Some(x) = axis_number(axis.get(r)) else {
                continue;
            };
            if like.is_null() {
                like = axis.get(r).clone();
            }
            low = low.min(x);
            high = high.max(x);
            let key = keys.iter().map(|d| d.get(r).clone()).collect();
            let values = args
                .iter()
                .map(|a| a.iter().map(|d| d.get(r).clone()).collect())
                .collect();
            groups.entry(key).or_default().push((x, values));
        }
    }
    let from = plan.from.as_ref().and_then(axis_number).unwrap_or(low);
    let bins = match plan.to.as_ref().and_then(axis_number) {
        // `as` saturates: a tiny step makes i64::MAX bins, refused below
        Some(to) if plan.inclusive => (((to - from) / step).floor() as i64).saturating_add(1),
        Some(to) => ((to - from) / step).ceil() as i64,
        None => (((high - from) / step).floor() as i64).saturating_add(1),
    };
    if !from.is_finite() || bins <= 0 {
        return Ok(Box::new(std::iter::empty()));
    }
    if bins > 10_000_000 {
        return Err(Error::at(
            "kql::make_series",
            plan.axis.span,
            "make-series would produce more than 10,000,000 bins",
        )
        .with_label("the axis of this make-series")
        .with_help("use a larger step, or a narrower range with `from ... to ...`"));
    }
    let bins = bins as usize;
    let axis_json: Vec<serde_json::Value> = (0..bins)
        .map(|n| axis_value(from + n as f64 * step, &like).to_json())
        .collect();
    let mut rows = Vec::new();
    for (key, members) in groups {
        let mut states: Vec<Vec<AggState>> = (0..bins)
            .map(|_| plan.aggregates.iter().map(|a| a.new_state()).collect())
            .collect();
        let mut filled = vec![false; bins];
        for (x, values) in &members {
            let bin = ((x - from) / step).floor();
            if bin < 0.0 || bin >= bins as f64 {
                continue;
            }
            let bin = bin as usize;
            filled[bin] = true;
            for ((agg, state), args) in plan
                .aggregates
                .iter()
                .zip(states[bin].iter_mut())
                .zip(values)
            {
                let refs: Vec<&Value> = args.iter().collect();
                agg.update(state, &refs);
            }
        }
        let mut row = key;
        let mut series: Vec<Vec<serde_json::Value>> =
            vec![Vec::with_capacity(bins); plan.aggregates.len()];
        for (bin, bin_states) in states.into_iter().enumerate() {
            for (n, (agg, state)) in plan.aggregates.iter().zip(bin_states).enumerate() {
                let v = if filled[bin] {
                    agg.finish(state).remove(0)
                } else {
                    plan.defaults[n].clone()
                };
                series[n].push(v.to_json());
            }
        }
        for s in series {
            row.push(Value::Dynamic(Arc::new(serde_json::Value::Array(s))));
        }
        row.push(Value::Dynamic(Arc::new(serde_json::Value::Array(
            axis_json.clone(),
        ))));
        rows.push(row);
    }
    Ok(Box::new(std::iter::once(Ok(Batch::from_rows(
        schema, rows,
    )))))
}
