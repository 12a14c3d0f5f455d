//! Window functions over rows in order: `row_number`, `prev`, `next`, `row_cumsum`.
//!
//! The input is read whole (`next` looks ahead), then each function becomes a column.

use crate::batch::{Batch, column};
use crate::error::Error;
use crate::plan::WindowFn;
use crate::source::BatchStream;
use crate::types::SchemaRef;
use crate::value::Value;

pub fn window(
    input: BatchStream,
    functions: Vec<WindowFn>,
    schema: SchemaRef,
) -> Result<BatchStream, Error> {
    let batches = input.collect::<Result<Vec<_>, _>>()?;
    let total: usize = batches.iter().map(|b| b.len).sum();
    // each function's value for every row, in row order
    let mut computed: Vec<Vec<Value>> = Vec::new();
    for f in &functions {
        let mut column = Vec::with_capacity(total);
        match f {
            WindowFn::RowNumber { start } => {
                // past the largest long there is no row number: null
                column.extend(
                    (0..total as i64)
                        .map(|n| start.checked_add(n).map_or(Value::Null, Value::Long)),
                );
            }
            WindowFn::Shift {
                expr,
                offset,
                default,
            } => {
                let mut values: Vec<Value> = Vec::with_capacity(total);
                for b in &batches {
                    let d = expr.eval(b)?;
                    values.extend((0..b.len).map(|r| d.get(r).clone()));
                }
                let fallback = default.eval_const()?;
                for n in 0..total as i64 {
                    // `prev(x, i64::MIN)`: no row is that far away
                    let from = n.checked_sub(*offset).unwrap_or(-1);
                    let v = if from >= 0 && from < total as i64 {
                        values[from as usize].clone()
                    } else {
                        fallback.clone()
                    };
                    column.push(v);
                }
            }
            WindowFn::CumSum(expr) => {
                let mut long_sum: i64 = 0;
                let mut real_sum: f64 = 0.0;
                for b in &batches {
                    let d = expr.eval(b)?;
                    for r in 0..b.len {
                        column.push(match d.get(r) {
                            Value::Real(x) => {
                                real_sum += x;
                                Value::Real(real_sum)
                            }
                            v if expr.ty == crate::types::Type::Real => {
                                real_sum += v.as_f64().unwrap_or(0.0);
                                Value::Real(real_sum)
                            }
                            v => {
                                long_sum = long_sum.saturating_add(v.as_i64().unwrap_or(0));
                                Value::Long(long_sum)
                            }
                        });
                    }
                }
            }
        }
        computed.push(column);
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for b in batches {
        let mut columns = b.columns.clone();
        for c in &computed {
            columns.push(column(c[offset..offset + b.len].to_vec()));
        }
        offset += b.len;
        out.push(Ok(Batch::new(schema.clone(), columns, b.len)));
    }
    Ok(Box::new(out.into_iter()))
}
