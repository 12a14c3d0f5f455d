//! Literal text the first `where` clauses over a table require, handed to the table's source
//! so it can skip rows before parsing them (see [`Prefilter`]).
//!
//! Only plain forms are used: a column compared with string literals by `==`, `=~`, `in`,
//! `in~`, `has`, `contains`, `startswith`, `endswith` (and their `_cs` forms), combined with
//! `and`, or with `or` when each side gives one group. Anything else requires nothing.

use kql_parser::{BinOp, Expr, ExprKind, Literal};

use crate::plan::{Node, Plan};
use crate::source::PrefilterLiteral;
use crate::types::{Schema, Type};

/// Adds what `predicate` requires to the scan under `plan` (through other filters only).
pub fn push_down(plan: &mut Plan, predicate: &Expr) {
    let schema = plan.schema.clone();
    let groups = required(predicate, &schema);
    if groups.is_empty() {
        return;
    }
    let mut node = &mut plan.node;
    loop {
        match node {
            Node::Filter { input, .. } => node = &mut input.node,
            Node::Scan { prefilter, .. } => {
                prefilter.all_of.extend(groups);
                return;
            }
            _ => return,
        }
    }
}

/// The groups of literals `e` requires (each group: at least one of them).
fn required(e: &Expr, schema: &Schema) -> Vec<Vec<PrefilterLiteral>> {
    match &e.kind {
        ExprKind::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } => {
            let mut groups = required(lhs, schema);
            groups.extend(required(rhs, schema));
            groups
        }
        ExprKind::Binary {
            op: BinOp::Or,
            lhs,
            rhs,
        } => {
            let (mut l, r) = (required(lhs, schema), required(rhs, schema));
            match (l.len(), r.len()) {
                (1, 1) => {
                    l[0].extend(r.into_iter().flatten());
                    l
                }
                _ => Vec::new(),
            }
        }
        ExprKind::Binary { op, lhs, rhs } if is_string_column(lhs, schema) => {
            let Some(text) = string_literal(rhs) else {
                return Vec::new();
            };
            let case_insensitive = match op {
                BinOp::Eq => false,
                BinOp::EqCi => true,
                // each of these is true only if the literal occurs in the column's text
                BinOp::Str(s) if !s.negated => !s.case_sensitive,
                _ => return Vec::new(),
            };
            single(text, case_insensitive)
        }
        ExprKind::In {
            lhs,
            negated: false,
            case_insensitive,
            list,
        } if is_string_column(lhs, schema) => {
            let texts: Option<Vec<String>> = list.iter().map(string_literal).collect();
            match texts {
                Some(texts) if !texts.is_empty() && texts.iter().all(|t| !t.is_empty()) => {
                    vec![
                        texts
                            .into_iter()
                            .map(|text| PrefilterLiteral {
                                text,
                                case_insensitive: *case_insensitive,
                            })
                            .collect(),
                    ]
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

fn single(text: String, case_insensitive: bool) -> Vec<Vec<PrefilterLiteral>> {
    if text.is_empty() {
        return Vec::new();
    }
    vec![vec![PrefilterLiteral {
        text,
        case_insensitive,
    }]]
}

/// A plain column of type string (its text is what the row holds).
fn is_string_column(e: &Expr, schema: &Schema) -> bool {
    match &e.kind {
        ExprKind::Name(id) => schema
            .index_of(&id.name)
            .is_some_and(|i| schema.fields[i].ty == Type::String),
        _ => false,
    }
}

fn string_literal(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
        _ => None,
    }
}
