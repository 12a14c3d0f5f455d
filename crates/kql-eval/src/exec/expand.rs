//! `mv-expand`: one output row per element of the expanded dynamic values, zipped across
//! columns (shorter ones padded with null).

use std::sync::Arc;

use crate::batch::Batch;
use crate::conversion::convert;
use crate::error::Error;
use crate::expr::Datum;
use crate::plan::{ExpandColumn, ExpandOutput};
use crate::source::BatchStream;
use crate::types::{SchemaRef, Type};
use crate::value::Value;

/// The elements a value expands to: array items, property-bag entries (as one-key bags or
/// `[key, value]` pairs), nothing for an empty array or bag, or the value itself.
fn elements(v: &Value, bags_as_arrays: bool) -> Vec<serde_json::Value> {
    match v {
        Value::Dynamic(d) => match d.as_ref() {
            serde_json::Value::Array(items) => items.clone(),
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(k, v)| {
                    if bags_as_arrays {
                        serde_json::json!([k, v])
                    } else {
                        let mut one = serde_json::Map::new();
                        one.insert(k.clone(), v.clone());
                        serde_json::Value::Object(one)
                    }
                })
                .collect(),
            other => vec![other.clone()],
        },
        Value::Null => vec![serde_json::Value::Null],
        other => vec![other.to_json()],
    }
}

fn element_value(e: &serde_json::Value, ty: Type) -> Value {
    if e.is_null() {
        return Value::missing(ty);
    }
    let dynamic = Value::Dynamic(Arc::new(e.clone()));
    if ty == Type::Dynamic {
        dynamic
    } else {
        // `to typeof(T)`: elements that do not conform become null
        match convert(&dynamic, ty) {
            Value::Null => Value::missing(ty),
            v => v,
        }
    }
}

pub fn mv_expand(
    input: BatchStream,
    columns: Vec<ExpandColumn>,
    outputs: Vec<ExpandOutput>,
    bags_as_arrays: bool,
    limit: Option<usize>,
    schema: SchemaRef,
) -> BatchStream {
    Box::new(input.filter_map(move |b| {
        let b = match b {
            Ok(b) => b,
            Err(e) => return Some(Err::<Batch, Error>(e)),
        };
        let data: Vec<Datum> = match columns.iter().map(|c| c.expr.eval(&b)).collect() {
            Ok(d) => d,
            Err(e) => return Some(Err(e)),
        };
        let mut rows = Vec::new();
        for r in 0..b.len {
            let lists: Vec<Vec<serde_json::Value>> = data
                .iter()
                .map(|d| elements(d.get(r), bags_as_arrays))
                .collect();
            let mut n = lists.iter().map(Vec::len).max().unwrap_or(0);
            if let Some(limit) = limit {
                n = n.min(limit);
            }
            for item in 0..n {
                let row = outputs
                    .iter()
                    .map(|o| match *o {
                        ExpandOutput::Input(i) => b.columns[i][r].clone(),
                        ExpandOutput::Expanded(k) => match lists[k].get(item) {
                            Some(e) => element_value(e, columns[k].ty),
                            None => Value::missing(columns[k].ty),
                        },
                        ExpandOutput::Index => Value::Long(item as i64),
                    })
                    .collect();
                rows.push(row);
            }
        }
        (!rows.is_empty()).then(|| Ok(Batch::from_rows(schema.clone(), rows)))
    }))
}
