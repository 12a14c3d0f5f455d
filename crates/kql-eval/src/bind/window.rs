//! Window functions (`row_number`, `prev`, `next`, `row_cumsum`) inside `extend`: each call
//! becomes a helper column computed in row order, and the expression reads that column.

use std::sync::Arc;

use kql_parser::{Expr, ExprKind, Ident};

use super::Binder;
use crate::error::Error;
use crate::expr::BExpr;
use crate::plan::{Node, Plan, WindowFn};
use crate::types::{Field, Schema, Type};
use crate::value::Value;

const WINDOW_FUNCTIONS: [&str; 4] = ["row_number", "prev", "next", "row_cumsum"];

/// Name of the helper column of the n-th window call (not a valid KQL name, so no clash).
fn helper_name(n: usize) -> String {
    format!(" window {n}")
}

impl Binder<'_> {
    /// If `e` calls window functions, adds their columns to `input` and returns `e` with
    /// each call replaced by a reference to its column, plus the helper columns' indices.
    pub(super) fn with_window_columns(
        &mut self,
        input: Plan,
        e: &Expr,
    ) -> Result<(Plan, Expr, Vec<usize>), Error> {
        let mut calls = Vec::new();
        let rewritten = rewrite(e, &mut calls);
        if calls.is_empty() {
            return Ok((input, e.clone(), Vec::new()));
        }
        let schema = input.schema.clone();
        let mut fields = schema.fields.clone();
        let mut functions = Vec::new();
        let mut hidden = Vec::new();
        for (n, call) in calls.iter().enumerate() {
            let ExprKind::Call { name, args } = &call.kind else {
                continue;
            };
            let mut bound = Vec::new();
            for a in args {
                bound.push(self.bind_scalar(a, &schema)?);
            }
            let (function, ty) = match (name.name.as_str(), bound.as_slice()) {
                ("row_number", []) => (WindowFn::RowNumber { start: 1 }, Type::Long),
                ("row_number", [start, ..]) => {
                    let start = start.as_const().and_then(Value::as_i64).ok_or_else(|| {
                        Error::at(
                            "kql::bind::argument",
                            start.span,
                            "row_number's start must be a constant number",
                        )
                    })?;
                    if bound.len() > 1 {
                        return Err(Error::at(
                            "kql::unsupported",
                            call.span,
                            "row_number with a restart condition is not supported yet",
                        ));
                    }
                    (WindowFn::RowNumber { start }, Type::Long)
                }
                ("prev" | "next", [expr, rest @ ..]) if rest.len() <= 2 => {
                    let offset = match rest.first() {
                        Some(o) => o.as_const().and_then(Value::as_i64).ok_or_else(|| {
                            Error::at(
                                "kql::bind::argument",
                                o.span,
                                "the offset must be a constant number",
                            )
                        })?,
                        None => 1,
                    };
                    let default = rest.get(1).cloned().unwrap_or_else(|| {
                        BExpr::constant(Value::missing(expr.ty), expr.ty, call.span)
                    });
                    // `next(x, i64::MIN)`: as far away as a long can say (no row is)
                    let offset = if name.name == "prev" {
                        offset
                    } else {
                        offset.checked_neg().unwrap_or(i64::MAX)
                    };
                    let ty = expr.ty;
                    (
                        WindowFn::Shift {
                            expr: expr.clone(),
                            offset,
                            default,
                        },
                        ty,
                    )
                }
                ("row_cumsum", [expr]) => {
                    let ty = if expr.ty == Type::Real {
                        Type::Real
                    } else {
                        Type::Long
                    };
                    (WindowFn::CumSum(expr.clone()), ty)
                }
                _ => {
                    return Err(Error::at(
                        "kql::bind::arity",
                        call.span,
                        format!("wrong arguments for `{}`", name.name),
                    ));
                }
            };
            hidden.push(fields.len());
            fields.push(Field::new(helper_name(n), ty));
            functions.push(function);
        }
        let plan = Plan {
            node: Node::Window {
                input: Box::new(input),
                functions,
            },
            schema: Arc::new(Schema::new(fields)),
        };
        Ok((plan, rewritten, hidden))
    }
}

/// `e` with every window call replaced by a name for its helper column; the calls in order.
fn rewrite(e: &Expr, calls: &mut Vec<Expr>) -> Expr {
    super::rewrite::replace(e, &mut |x: &Expr| match &x.kind {
        ExprKind::Call { name, .. } if WINDOW_FUNCTIONS.contains(&name.name.as_str()) => {
            let id = Ident {
                name: helper_name(calls.len()),
                span: x.span,
            };
            calls.push(x.clone());
            Some(Expr::new(ExprKind::Name(id), x.span))
        }
        _ => None,
    })
}
