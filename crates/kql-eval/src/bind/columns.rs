//! Which columns of the scanned tables a script reads, so sources can skip the rest.
//!
//! Conservative: every name the script mentions is kept, and all columns are kept when a
//! pipeline's output still carries the table's columns, a `*` pattern appears, or the script
//! combines tables (`join`, `union`, functions), whose column flow this pass does not follow.

use std::collections::{HashMap, HashSet};

use kql_parser::{Expr, ExprKind, OperatorKind, ParsePart, Script, StatementKind};

/// The column names a script can read, or `None` when it may read every column.
pub fn needed_columns(script: &Script) -> Option<HashSet<String>> {
    let mut lets: HashMap<&str, &Expr> = HashMap::new();
    let mut names = HashSet::new();
    for statement in &script.statements {
        match &statement.kind {
            StatementKind::Let { name, value } => {
                lets.insert(&name.name, value);
                collect(value, &mut names)?;
            }
            StatementKind::Set { value, .. } => {
                if let Some(v) = value {
                    collect(v, &mut names)?;
                }
            }
            StatementKind::Query(e) => {
                if carries_all_columns(e, &lets, 0) {
                    return None;
                }
                collect(e, &mut names)?;
            }
        }
    }
    Some(names)
}

/// Whether the output of `e` still holds every column of a scanned table.
fn carries_all_columns(e: &Expr, lets: &HashMap<&str, &Expr>, depth: usize) -> bool {
    if depth > 64 {
        return true;
    }
    match &e.kind {
        ExprKind::Name(id) => match lets.get(id.name.as_str()) {
            Some(value) => carries_all_columns(value, lets, depth + 1),
            None => true,
        },
        ExprKind::Pipe { input, op } => match &op.kind {
            OperatorKind::Project(_)
            | OperatorKind::Summarize { .. }
            | OperatorKind::Count
            | OperatorKind::Distinct(_)
            | OperatorKind::ProjectKeep(_) => false,
            _ => carries_all_columns(input, lets, depth + 1),
        },
        _ => false,
    }
}

/// Adds every name `e` mentions; `None` if it uses a `*` pattern.
fn collect(e: &Expr, names: &mut HashSet<String>) -> Option<()> {
    match &e.kind {
        ExprKind::Name(id) => {
            names.insert(id.name.clone());
        }
        ExprKind::Star => return None,
        ExprKind::Literal(_) => {}
        // `table("T")` names a table the pass cannot see
        ExprKind::Call { name, .. } if name.name == "table" => return None,
        ExprKind::Call { args, .. } => args.iter().try_for_each(|a| collect(a, names))?,
        ExprKind::Binary { lhs, rhs, .. } => {
            collect(lhs, names)?;
            collect(rhs, names)?;
        }
        ExprKind::Unary { operand, .. } => collect(operand, names)?,
        ExprKind::In { lhs, list, .. } | ExprKind::HasList { lhs, list, .. } => {
            collect(lhs, names)?;
            list.iter().try_for_each(|a| collect(a, names))?;
        }
        ExprKind::Between { lhs, low, high, .. } => {
            collect(lhs, names)?;
            collect(low, names)?;
            collect(high, names)?;
        }
        // `$left.Key` names a column through the member
        ExprKind::Member { target, name } => {
            names.insert(name.name.clone());
            collect(target, names)?;
        }
        ExprKind::Named { value, .. } => collect(value, names)?,
        ExprKind::ExternalData { .. } => {}
        ExprKind::Lambda { .. } | ExprKind::Union { .. } | ExprKind::Search { .. } => return None,
        ExprKind::Index { target, index } => {
            collect(target, names)?;
            collect(index, names)?;
        }
        ExprKind::Datatable { values, .. } => values.iter().try_for_each(|a| collect(a, names))?,
        ExprKind::Print(items) => items.iter().try_for_each(|a| collect(&a.expr, names))?,
        ExprKind::Range { from, to, step, .. } => {
            collect(from, names)?;
            collect(to, names)?;
            collect(step, names)?;
        }
        ExprKind::Pipe { input, op } => {
            collect(input, names)?;
            collect_operator(&op.kind, names)?;
        }
    }
    Some(())
}

fn collect_operator(op: &OperatorKind, names: &mut HashSet<String>) -> Option<()> {
    let patterns = |ids: &[kql_parser::Ident], names: &mut HashSet<String>| {
        for id in ids {
            if id.name.contains('*') {
                return None;
            }
            names.insert(id.name.clone());
        }
        Some(())
    };
    match op {
        OperatorKind::Where(e) | OperatorKind::Take(e) => collect(e, names),
        OperatorKind::Extend(items) | OperatorKind::Project(items) => {
            items.iter().try_for_each(|a| collect(&a.expr, names))
        }
        OperatorKind::ProjectAway(ids) | OperatorKind::ProjectKeep(ids) => patterns(ids, names),
        OperatorKind::ProjectReorder(items) => {
            let ids: Vec<kql_parser::Ident> = items.iter().map(|(p, _)| p.clone()).collect();
            patterns(&ids, names)
        }
        OperatorKind::ProjectRename(pairs) => {
            for (_, old) in pairs {
                names.insert(old.name.clone());
            }
            Some(())
        }
        OperatorKind::Count => Some(()),
        OperatorKind::Summarize { aggregates, by } => aggregates
            .iter()
            .chain(by)
            .try_for_each(|a| collect(&a.expr, names)),
        OperatorKind::Sort(keys) | OperatorKind::Top { by: keys, .. } => {
            keys.iter().try_for_each(|k| collect(&k.expr, names))
        }
        OperatorKind::Distinct(items) => items.iter().try_for_each(|e| collect(e, names)),
        OperatorKind::Render { .. } => Some(()),
        OperatorKind::Sample(e) => collect(e, names),
        OperatorKind::MvExpand(m) => m.items.iter().try_for_each(|it| collect(&it.expr, names)),
        OperatorKind::Serialize(items) => items.iter().try_for_each(|a| collect(&a.expr, names)),
        // the rest may read columns in ways this pass does not follow: read them all
        OperatorKind::Join { .. }
        | OperatorKind::Lookup { .. }
        | OperatorKind::Union { .. }
        | OperatorKind::GetSchema
        | OperatorKind::As { .. }
        | OperatorKind::MvApply { .. }
        | OperatorKind::Invoke(_)
        | OperatorKind::Evaluate { .. }
        | OperatorKind::Search { .. }
        | OperatorKind::MakeSeries(_)
        | OperatorKind::TopNested(_)
        | OperatorKind::SampleDistinct { .. } => None,
        OperatorKind::Parse(p) => {
            collect(&p.source, names)?;
            for part in &p.pattern {
                if let ParsePart::Column { name, .. } = part {
                    names.insert(name.name.clone());
                }
            }
            Some(())
        }
    }
}
