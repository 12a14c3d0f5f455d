//! `evaluate` plugins whose output columns come from the data: `pivot` and `ipv4_lookup`
//! run their inputs while binding (like `bag_unpack`).

use std::sync::Arc;

use kql_parser::{ColumnDecl, Expr, ExprKind, Ident};

use super::names::Namer;
use super::{Binder, type_named};
use crate::aggregate::{self, AggKind, BoundAggregate};
use crate::batch::Batch;
use crate::error::Error;
use crate::expr::{BExpr, BKind};
use crate::operators::text;
use crate::plan::{Node, Plan};
use crate::types::{Field, Schema};
use crate::value::Value;

impl Binder<'_> {
    /// All rows of `plan`, computed now.
    fn rows_of(&mut self, plan: &Plan) -> Result<Vec<Vec<Value>>, Error> {
        let mut rows = Vec::new();
        for b in crate::exec::execute(plan, &None)? {
            let b = b?;
            rows.extend((0..b.len).map(|r| b.row(r)));
        }
        Ok(rows)
    }

    /// `evaluate pivot(Column [, Aggregate [, GroupColumn, ...]])`: one row per group, one
    /// column per distinct value of `Column` (in text order), cells aggregated (`count()` by
    /// default; empty cells hold the aggregate's value over no rows).
    pub(super) fn bind_pivot(
        &mut self,
        input: Plan,
        args: &[Expr],
        declared: Option<&[ColumnDecl]>,
        span: kql_parser::Span,
    ) -> Result<Plan, Error> {
        let schema = input.schema.clone();
        let Some(pivot_arg) = args.first() else {
            return Err(Error::at(
                "kql::bind::arity",
                span,
                "`pivot` needs the column to pivot on",
            ));
        };
        let pivot = self.bind_scalar(pivot_arg, &schema)?;
        let BKind::Column(pivot_index) = pivot.kind else {
            return Err(Error::at(
                "kql::bind::evaluate",
                pivot_arg.span,
                "`pivot` needs a column name",
            ));
        };
        let count = Expr::new(
            ExprKind::Call {
                name: Ident {
                    name: "count".to_string(),
                    span,
                },
                args: Vec::new(),
            },
            span,
        );
        let agg_expr = args.get(1).unwrap_or(&count);
        let ExprKind::Call {
            name: fname,
            args: agg_args,
        } = &agg_expr.kind
        else {
            return Err(Error::at(
                "kql::bind::evaluate",
                agg_expr.span,
                "`pivot` needs an aggregation such as count()",
            ));
        };
        let Some((kind, _, _)) = aggregate::lookup(&fname.name) else {
            return Err(Error::at(
                "kql::bind::evaluate",
                agg_expr.span,
                format!("`{}` is not an aggregation function", fname.name),
            ));
        };
        let mut bound_args = Vec::new();
        for a in agg_args {
            bound_args.push(self.bind_scalar(a, &schema)?);
        }
        if kind == AggKind::Count {
            bound_args.clear();
        }
        let used: Vec<usize> = bound_args
            .iter()
            .filter_map(|b| match b.kind {
                BKind::Column(i) => Some(i),
                _ => None,
            })
            .collect();
        // group columns: given, or every column but the pivot and the aggregated ones
        let groups: Vec<usize> = if args.len() > 2 {
            let mut g = Vec::new();
            for a in &args[2..] {
                match self.bind_scalar(a, &schema)?.kind {
                    BKind::Column(i) => g.push(i),
                    _ => {
                        return Err(Error::at(
                            "kql::bind::evaluate",
                            a.span,
                            "`pivot` groups by column names",
                        ));
                    }
                }
            }
            g
        } else {
            (0..schema.len())
                .filter(|i| *i != pivot_index && !used.contains(i))
                .collect()
        };
        let output_types = aggregate::output_types(kind, &fname.name, &bound_args)?;
        let agg = BoundAggregate {
            kind,
            args: bound_args,
            output_types: output_types.clone(),
        };
        let mut keys: Vec<BExpr> = groups
            .iter()
            .map(|&i| BExpr::column(i, schema.fields[i].ty, span))
            .collect();
        keys.push(pivot);
        let mut summary_fields: Vec<Field> =
            groups.iter().map(|&i| schema.fields[i].clone()).collect();
        summary_fields.push(Field::new(" pivot", schema.fields[pivot_index].ty));
        summary_fields.push(Field::new(" value", output_types[0]));
        let summary = Plan {
            node: Node::Summarize {
                input: Box::new(input),
                keys,
                aggregates: vec![agg.clone()],
            },
            schema: Arc::new(Schema::new(summary_fields)),
        };
        let rows = self.rows_of(&summary)?;
        let g = groups.len();
        let mut values: Vec<String> = rows.iter().map(|r| text(&r[g]).into_owned()).collect();
        values.sort();
        values.dedup();
        if let Some(cols) = declared {
            values = cols.iter().skip(g).map(|c| c.name.name.clone()).collect();
        }
        let empty_cell = agg.finish(agg.new_state()).remove(0);
        let mut table: indexmap::IndexMap<Vec<Value>, Vec<Value>> = indexmap::IndexMap::new();
        for r in rows {
            let cells = table
                .entry(r[..g].to_vec())
                .or_insert_with(|| vec![empty_cell.clone(); values.len()]);
            if let Some(at) = values.iter().position(|v| *v == text(&r[g])) {
                cells[at] = r[g + 1].clone();
            }
        }
        let mut namer = Namer::default();
        let mut fields: Vec<Field> = groups
            .iter()
            .map(|&i| {
                let f = &schema.fields[i];
                Field::new(namer.unique(&f.name), f.ty)
            })
            .collect();
        for v in &values {
            fields.push(Field::new(
                namer.unique(if v.is_empty() { "na" } else { v }),
                output_types[0],
            ));
        }
        if let Some(cols) = declared {
            for (f, c) in fields.iter_mut().zip(cols) {
                f.ty = type_named(&c.ty)?;
            }
        }
        let out_rows: Vec<Vec<Value>> = table
            .into_iter()
            .map(|(mut k, cells)| {
                k.extend(cells);
                k
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        Ok(Plan {
            node: Node::Values(Batch::from_rows(schema.clone(), out_rows)),
            schema,
        })
    }

    /// `evaluate ipv4_lookup(Lookup, IPColumn, RangeColumn [, return_unmatched])`: each row
    /// joined with the first row of `Lookup` whose IPv4 range holds its address.
    pub(super) fn bind_ipv4_lookup(
        &mut self,
        input: Plan,
        args: &[Expr],
        span: kql_parser::Span,
    ) -> Result<Plan, Error> {
        if args.len() < 3 {
            return Err(Error::at(
                "kql::bind::arity",
                span,
                "`ipv4_lookup` takes a lookup table, an address column and a range column",
            ));
        }
        let lookup = self.bind_tabular(&args[0])?;
        let ip = self.bind_scalar(&args[1], &input.schema)?;
        let range = self.bind_scalar(&args[2], &lookup.schema)?;
        let BKind::Column(range_index) = range.kind else {
            return Err(Error::at(
                "kql::bind::evaluate",
                args[2].span,
                "the range must be a column of the lookup table",
            ));
        };
        let keep_unmatched = match args.get(3) {
            Some(e) => {
                let e = match &e.kind {
                    ExprKind::Named { value, .. } => value.as_ref(),
                    _ => e,
                };
                self.bind_scalar(e, &Schema::default())?
                    .as_const()
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            }
            None => false,
        };
        let ranges = self.rows_of(&lookup)?;
        let left = self.rows_of(&input)?;
        let mut namer = Namer::default();
        let mut fields: Vec<Field> = input
            .schema
            .fields
            .iter()
            .map(|f| Field::new(namer.unique(&f.name), f.ty))
            .collect();
        for f in &lookup.schema.fields {
            fields.push(Field::new(namer.unique(&f.name), f.ty));
        }
        let ip_data = {
            let batch = Batch::from_rows(input.schema.clone(), left.clone());
            ip.eval(&batch)?.into_column(batch.len)
        };
        let mut rows = Vec::new();
        for (row, address) in left.into_iter().zip(ip_data.iter()) {
            let address = text(address).into_owned();
            let found = ranges.iter().find(|r| {
                crate::functions::ip::in_range_v4(&address, &text(&r[range_index])) == Some(true)
            });
            match found {
                Some(r) => rows.push(row.into_iter().chain(r.iter().cloned()).collect()),
                None if keep_unmatched => rows.push(
                    row.into_iter()
                        .chain(lookup.schema.fields.iter().map(|f| Value::missing(f.ty)))
                        .collect(),
                ),
                None => {}
            }
        }
        let schema = Arc::new(Schema::new(fields));
        Ok(Plan {
            node: Node::Values(Batch::from_rows(schema.clone(), rows)),
            schema,
        })
    }
}
