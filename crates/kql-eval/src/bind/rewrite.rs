//! Rewriting expressions before binding: calls that need a column of their own (window
//! functions, aggregates inside `summarize` expressions) become references to that column.

use kql_parser::{Expr, ExprKind};

/// `e` with every sub-expression for which `pick` returns a replacement replaced by it
/// (`pick` sees outer expressions first; a replaced expression is not entered).
pub fn replace(e: &Expr, pick: &mut impl FnMut(&Expr) -> Option<Expr>) -> Expr {
    if let Some(replacement) = pick(e) {
        return replacement;
    }
    let mut out = e.clone();
    match &mut out.kind {
        ExprKind::Call { args, .. } => {
            for a in args.iter_mut() {
                *a = replace(a, pick);
            }
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            **lhs = replace(lhs, pick);
            **rhs = replace(rhs, pick);
        }
        ExprKind::Unary { operand, .. } => **operand = replace(operand, pick),
        ExprKind::Member { target, .. } => **target = replace(target, pick),
        ExprKind::Index { target, index } => {
            **target = replace(target, pick);
            **index = replace(index, pick);
        }
        ExprKind::In { lhs, list, .. } | ExprKind::HasList { lhs, list, .. } => {
            **lhs = replace(lhs, pick);
            for a in list.iter_mut() {
                *a = replace(a, pick);
            }
        }
        ExprKind::Between { lhs, low, high, .. } => {
            **lhs = replace(lhs, pick);
            **low = replace(low, pick);
            **high = replace(high, pick);
        }
        ExprKind::Named { value, .. } => **value = replace(value, pick),
        _ => {}
    }
    out
}
