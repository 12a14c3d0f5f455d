//! Execution: a plan becomes a pull-based stream of batches.
//!
//! Streaming operators (`where`, `extend`, `project`, `parse`, `take`) transform one batch at
//! a time; `summarize` and `sort` are breakers that hold only their groups or rows.

mod expand;
mod join;
mod series;
mod summarize;
mod window;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indexmap::IndexMap;

use crate::aggregate::AggState;
use crate::batch::{BATCH_ROWS, Batch, Column, column};
use crate::error::Error;
use crate::expr::Datum;
use crate::plan::{Node, ParseOutput, Plan, SortKey};
use crate::source::BatchStream;
use crate::types::SchemaRef;
use crate::value::Value;

/// A flag another thread sets to stop a running query (Ctrl-C in the REPL).
pub type CancelFlag = Arc<AtomicBool>;

/// Starts executing `plan`. Sources check `cancel` before each batch, so every operator
/// above them stops soon after it is set.
pub fn execute(plan: &Plan, cancel: &Option<CancelFlag>) -> Result<BatchStream, Error> {
    let schema = plan.schema.clone();
    Ok(match &plan.node {
        Node::Scan {
            source,
            columns,
            prefilter,
        } => {
            let stream = if prefilter.is_empty() || prefilter_disabled() {
                source.scan(columns)?
            } else {
                source.scan_filtered(columns, prefilter)?
            };
            let stream =
                stream.map(move |b| b.map(|b| Batch::new(schema.clone(), b.columns, b.len)));
            cancellable(Box::new(stream), cancel)
        }
        Node::Values(batch) => Box::new(std::iter::once(Ok(batch.clone()))),
        Node::Range { from, to, step } => cancellable(
            range(schema, from.clone(), to.clone(), step.clone()),
            cancel,
        ),
        Node::Filter { input, predicate } => {
            // `a and b`: each conjunct runs only on the rows the ones before it kept
            let mut conjuncts = Vec::new();
            and_operands(predicate, &mut conjuncts);
            let stream = execute(input, cancel)?;
            Box::new(stream.filter_map(move |b| {
                let mut b = match b {
                    Ok(b) => b,
                    Err(e) => return Some(Err(e)),
                };
                for conjunct in &conjuncts {
                    let keep: Vec<bool> = match conjunct.eval(&b) {
                        Ok(Datum::Scalar(v)) => vec![v.as_bool() == Some(true); b.len],
                        Ok(Datum::Column(c)) => {
                            c.iter().map(|v| v.as_bool() == Some(true)).collect()
                        }
                        Err(e) => return Some(Err(e)),
                    };
                    b = b.filter(&keep);
                    if b.len == 0 {
                        return None;
                    }
                }
                Some(Ok(b))
            }))
        }
        Node::Project { input, exprs } => {
            let exprs = exprs.clone();
            let stream = execute(input, cancel)?;
            Box::new(stream.map(move |b| {
                let b = b?;
                let columns = exprs
                    .iter()
                    .map(|e| e.eval(&b).map(|d| d.into_column(b.len)))
                    .collect::<Result<_, _>>()?;
                Ok(Batch::new(schema.clone(), columns, b.len))
            }))
        }
        Node::Take { input, count } => {
            let mut left = *count;
            let stream = execute(input, cancel)?;
            Box::new(stream.map_while(move |b| {
                if left == 0 {
                    return None;
                }
                Some(b.map(|b| {
                    let out = b.head(left);
                    left -= out.len;
                    out
                }))
            }))
        }
        Node::Summarize {
            input,
            keys,
            aggregates,
        } => {
            let stream = execute(input, cancel)?;
            batches_of(schema, summarize::summarize(stream, keys, aggregates)?)
        }
        Node::Sort { input, keys, limit } => {
            let stream = execute(input, cancel)?;
            let mut rows: Vec<(Vec<Value>, Vec<Value>)> = Vec::new();
            for b in stream {
                let b = b?;
                let key_data: Vec<Datum> = keys
                    .iter()
                    .map(|k| k.expr.eval(&b))
                    .collect::<Result<_, _>>()?;
                for r in 0..b.len {
                    rows.push((
                        key_data.iter().map(|d| d.get(r).clone()).collect(),
                        b.row(r),
                    ));
                }
            }
            // stable: ties keep input order
            rows.sort_by(|(a, _), (b, _)| compare_keys(keys, a, b));
            if let Some(n) = limit {
                rows.truncate(*n);
            }
            batches_of(schema, rows.into_iter().map(|(_, row)| row).collect())
        }
        Node::Join {
            left,
            right,
            kind,
            left_keys,
            right_keys,
            outputs,
        } => join::join(
            execute(left, cancel)?,
            execute(right, cancel)?,
            *kind,
            left_keys.clone(),
            right_keys,
            outputs.clone(),
            schema,
            left.schema.clone(),
            right.schema.clone(),
        )?,
        Node::Union { inputs } => {
            let mut streams = Vec::new();
            for (plan, mapping, source) in inputs {
                let stream = execute(plan, cancel)?;
                let (schema, mapping, source) = (schema.clone(), mapping.clone(), source.clone());
                streams.push(stream.map(move |b| {
                    let b = b?;
                    let columns = mapping
                        .iter()
                        .enumerate()
                        .map(|(n, m)| match m {
                            Some(i) => b.columns[*i].clone(),
                            None if n == 0 && source.is_some() => {
                                column(vec![Value::str(source.as_deref().unwrap_or("")); b.len])
                            }
                            None => column(vec![Value::missing(schema.fields[n].ty); b.len]),
                        })
                        .collect();
                    Ok(Batch::new(schema.clone(), columns, b.len))
                }));
            }
            Box::new(streams.into_iter().flatten())
        }
        Node::MvExpand {
            input,
            columns,
            outputs,
            bags_as_arrays,
            limit,
        } => expand::mv_expand(
            execute(input, cancel)?,
            columns.clone(),
            outputs.clone(),
            *bags_as_arrays,
            *limit,
            schema,
        ),
        Node::Window { input, functions } => {
            window::window(execute(input, cancel)?, functions.clone(), schema)?
        }
        Node::Sample { input, count } => {
            let rows = sample(execute(input, cancel)?, *count)?;
            batches_of(schema, rows)
        }
        Node::Slot(slot) => {
            let batch = slot.lock().map(|mut b| b.take()).unwrap_or_default();
            Box::new(batch.into_iter().map(Ok))
        }
        Node::MvApply {
            input,
            expand,
            keep,
            subquery,
            slot,
        } => apply_each(
            execute(input, cancel)?,
            expand,
            keep,
            subquery,
            slot,
            cancel,
            schema,
        )?,
        Node::TopNested { input, levels } => {
            let rows = top_nested(execute(input, cancel)?, levels)?;
            batches_of(schema, rows)
        }
        Node::MakeSeries(plan) => series::make_series(plan, execute(&plan.input, cancel)?, schema)?,
        Node::Parse {
            input,
            source,
            parse,
            outputs,
            drop_unmatched,
        } => {
            let (source, parse, outputs, drop) = (
                source.clone(),
                parse.clone(),
                outputs.clone(),
                *drop_unmatched,
            );
            let stream = execute(input, cancel)?;
            Box::new(stream.filter_map(move |b| {
                let b = match b {
                    Ok(b) => b,
                    Err(e) => return Some(Err(e)),
                };
                let texts = match source.eval(&b) {
                    Ok(t) => t,
                    Err(e) => return Some(Err(e)),
                };
                let mut parsed: Vec<Vec<Value>> =
                    vec![Vec::with_capacity(b.len); parse.columns.len()];
                let mut keep = vec![true; b.len];
                for (r, kept) in keep.iter_mut().enumerate() {
                    let values = match parse.apply(texts.get(r).as_str().unwrap_or("")) {
                        Some(v) => v,
                        None => {
                            *kept = !drop;
                            parse.unmatched()
                        }
                    };
                    for (column, v) in parsed.iter_mut().zip(values) {
                        column.push(v);
                    }
                }
                let parsed: Vec<Column> = parsed.into_iter().map(column).collect();
                let columns = outputs
                    .iter()
                    .map(|o| match o {
                        ParseOutput::Input(i) => b.columns[*i].clone(),
                        ParseOutput::Parsed(n) => parsed[*n].clone(),
                    })
                    .collect();
                let out = Batch::new(schema.clone(), columns, b.len);
                let out = if drop { out.filter(&keep) } else { out };
                (out.len > 0).then_some(Ok(out))
            }))
        }
    })
}

/// `KQL_NO_PREFILTER=1` turns row skipping off (to compare results with and without it).
/// The operands of `e` if it is `a and b and ...`, else `e` itself.
fn and_operands(e: &crate::expr::BExpr, out: &mut Vec<crate::expr::BExpr>) {
    match &e.kind {
        crate::expr::BKind::Apply {
            name: "and", args, ..
        } => {
            args.iter().for_each(|a| and_operands(a, out));
        }
        _ => out.push(e.clone()),
    }
}

fn prefilter_disabled() -> bool {
    std::env::var_os("KQL_NO_PREFILTER").is_some_and(|v| v != "0")
}

/// `stream`, ending with a `kql::cancelled` error once `cancel` is set.
fn cancellable(stream: BatchStream, cancel: &Option<CancelFlag>) -> BatchStream {
    let Some(flag) = cancel.clone() else {
        return stream;
    };
    let mut stream = stream;
    let mut stopped = false;
    Box::new(std::iter::from_fn(move || {
        if stopped {
            return None;
        }
        if flag.load(Ordering::Relaxed) {
            stopped = true;
            return Some(Err(Error::new("kql::cancelled", "query cancelled")));
        }
        stream.next()
    }))
}

/// Sort order of two key tuples: per key, nulls first or last, then ascending or descending.
fn compare_keys(keys: &[SortKey], a: &[Value], b: &[Value]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    // NaN sorts with null (§B.1.7), just inside it: null, NaN, numbers when nulls come first
    let nullish = |v: &Value| match v {
        Value::Null => Some(0),
        Value::Real(r) if r.is_nan() => Some(1),
        _ => None,
    };
    for (k, (x, y)) in keys.iter().zip(a.iter().zip(b)) {
        let ord = match (nullish(x), nullish(y)) {
            (Some(p), Some(q)) => {
                if k.nulls_first {
                    p.cmp(&q)
                } else {
                    q.cmp(&p)
                }
            }
            (Some(_), None) => {
                if k.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (None, Some(_)) => {
                if k.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (None, None) => {
                let o = x.total_cmp(y);
                if k.descending { o.reverse() } else { o }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// `mv-apply`: for each input row, expand it (`expand` reads the row from `slot`), run the
/// subquery over the expansion, and prefix each result row with the row's kept columns.
fn apply_each(
    input: BatchStream,
    expand: &Plan,
    keep: &[usize],
    subquery: &Plan,
    slot: &crate::plan::Slot,
    cancel: &Option<CancelFlag>,
    schema: SchemaRef,
) -> Result<BatchStream, Error> {
    let mut rows = Vec::new();
    for b in input {
        let b = b?;
        for r in 0..b.len {
            let row = b.row(r);
            let one = Batch::from_rows(b.schema.clone(), vec![row.clone()]);
            let set = |batch: Batch| {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(batch);
                }
            };
            set(one);
            let expanded: Vec<Batch> = execute(expand, cancel)?.collect::<Result<_, _>>()?;
            let sub_schema = expand.schema.clone();
            set(Batch::from_rows(
                sub_schema,
                expanded
                    .iter()
                    .flat_map(|e| (0..e.len).map(|i| e.row(i)))
                    .collect(),
            ));
            for out in execute(subquery, cancel)? {
                let out = out?;
                for i in 0..out.len {
                    let mut result: Vec<Value> = keep.iter().map(|&k| row[k].clone()).collect();
                    result.extend(out.row(i));
                    rows.push(result);
                }
            }
        }
    }
    Ok(batches_of(schema, rows))
}

/// `top-nested`: each output row is a path of groups, one per level, each with its aggregate.
fn top_nested(
    input: BatchStream,
    levels: &[crate::plan::TopNestedLevel],
) -> Result<Vec<Vec<Value>>, Error> {
    // per input row: each level's key and aggregate arguments
    let mut rows: Vec<(Vec<Value>, Vec<Vec<Value>>)> = Vec::new();
    for b in input {
        let b = b?;
        let keys: Vec<Datum> = levels
            .iter()
            .map(|l| l.of.eval(&b))
            .collect::<Result<_, _>>()?;
        let args: Vec<Vec<Datum>> = levels
            .iter()
            .map(|l| {
                l.aggregate
                    .args
                    .iter()
                    .map(|e| e.eval(&b))
                    .collect::<Result<_, _>>()
            })
            .collect::<Result<_, _>>()?;
        for r in 0..b.len {
            rows.push((
                keys.iter().map(|d| d.get(r).clone()).collect(),
                args.iter()
                    .map(|a| a.iter().map(|d| d.get(r).clone()).collect())
                    .collect(),
            ));
        }
    }
    let mut out = Vec::new();
    let all: Vec<usize> = (0..rows.len()).collect();
    nest(&rows, &all, levels, 0, &mut Vec::new(), &mut out);
    Ok(out)
}

fn nest(
    rows: &[(Vec<Value>, Vec<Vec<Value>>)],
    members: &[usize],
    levels: &[crate::plan::TopNestedLevel],
    depth: usize,
    prefix: &mut Vec<Value>,
    out: &mut Vec<Vec<Value>>,
) {
    let Some(level) = levels.get(depth) else {
        out.push(prefix.clone());
        return;
    };
    let mut groups: IndexMap<Value, (AggState, Vec<usize>)> = IndexMap::new();
    for &m in members {
        let (keys, args) = &rows[m];
        let entry = groups
            .entry(keys[depth].clone())
            .or_insert_with(|| (level.aggregate.new_state(), Vec::new()));
        let refs: Vec<&Value> = args[depth].iter().collect();
        level.aggregate.update(&mut entry.0, &refs);
        entry.1.push(m);
    }
    let mut ranked: Vec<(Value, Value, Vec<usize>)> = groups
        .into_iter()
        .map(|(k, (state, m))| {
            let v = level.aggregate.finish(state).remove(0);
            (k, v, m)
        })
        .collect();
    ranked.sort_by(|a, b| {
        let o = a.1.total_cmp(&b.1);
        if level.descending { o.reverse() } else { o }
    });
    if let Some(n) = level.count {
        ranked.truncate(n);
    }
    for (key, value, members) in ranked {
        prefix.push(key);
        prefix.push(value);
        nest(rows, &members, levels, depth + 1, prefix, out);
        prefix.truncate(prefix.len() - 2);
    }
}

/// A uniform random sample of `count` rows (reservoir sampling with a fixed seed, so a
/// query gives the same sample every run), in input order.
fn sample(input: BatchStream, count: usize) -> Result<Vec<Vec<Value>>, Error> {
    // `sample 9223372036854775807` holds every row, not that many slots
    let mut reservoir: Vec<(usize, Vec<Value>)> = Vec::with_capacity(count.min(BATCH_ROWS));
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut seen = 0usize;
    for b in input {
        let b = b?;
        for r in 0..b.len {
            if reservoir.len() < count {
                reservoir.push((seen, b.row(r)));
            } else {
                // xorshift64*: a small, fixed pseudo-random sequence
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                let pick = (state.wrapping_mul(0x2545_f491_4f6c_dd1d) % (seen as u64 + 1)) as usize;
                if pick < count {
                    reservoir[pick] = (seen, b.row(r));
                }
            }
            seen += 1;
        }
    }
    reservoir.sort_by_key(|(n, _)| *n);
    Ok(reservoir.into_iter().map(|(_, row)| row).collect())
}

/// Rows cut into batches.
fn batches_of(schema: SchemaRef, rows: Vec<Vec<Value>>) -> BatchStream {
    let mut batches = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(BATCH_ROWS).collect();
        batches.push(Ok(Batch::from_rows(schema.clone(), chunk)));
    }
    Box::new(batches.into_iter())
}

/// `range`: generated lazily, batch by batch.
fn range(schema: SchemaRef, from: Value, to: Value, step: Value) -> BatchStream {
    let mut next = Some(from);
    Box::new(std::iter::from_fn(move || {
        let mut column = Vec::new();
        while column.len() < BATCH_ROWS {
            let current = next.take()?;
            let past_end = match crate::operators::order(&current, &to) {
                Some(o) => {
                    let ascending = step.as_f64().map_or_else(
                        || matches!(step, Value::TimeSpan(t) if t >= 0),
                        |s| s >= 0.0,
                    );
                    if ascending { o.is_gt() } else { o.is_lt() }
                }
                None => true,
            };
            if past_end {
                break;
            }
            next = step_value(&current, &step);
            column.push(current);
            // a zero step would never end
            if step.as_f64() == Some(0.0) || matches!(step, Value::TimeSpan(0)) {
                next = None;
            }
        }
        if column.is_empty() {
            return None;
        }
        let len = column.len();
        Some(Ok(Batch::new(
            schema.clone(),
            vec![crate::batch::column(column)],
            len,
        )))
    }))
}

fn step_value(v: &Value, step: &Value) -> Option<Value> {
    Some(match (v, step) {
        (Value::DateTime(t), Value::TimeSpan(s)) => Value::DateTime(t.checked_add(*s)?),
        (Value::TimeSpan(t), Value::TimeSpan(s)) => Value::TimeSpan(t.checked_add(*s)?),
        (Value::Real(x), s) => Value::Real(x + s.as_f64()?),
        (x, Value::Real(s)) => Value::Real(x.as_f64()? + s),
        (x, s) => Value::Long(x.as_i64()?.checked_add(s.as_i64()?)?),
    })
}
