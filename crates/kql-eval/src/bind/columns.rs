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
    let mut names = Names {
        found: HashSet::new(),
        reads_table: true,
        defined: HashSet::new(),
        track_definitions: false,
    };
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
                // where no table column reaches the output, a column the query makes before
                // reading it is the query's own, whatever the table holds
                names.track_definitions = drops_table_columns(e);
                collect(e, &mut names)?;
                names.track_definitions = false;
                names.defined.clear();
            }
        }
    }
    Some(names.found)
}

/// The names found so far, and whether a name met now can be a table's column.
struct Names {
    found: HashSet<String>,
    reads_table: bool,
    /// Columns `extend` or `parse` made before any read of them.
    defined: HashSet<String>,
    track_definitions: bool,
}

impl Names {
    fn insert(&mut self, name: String) {
        if self.reads_table && !self.defined.contains(&name) {
            self.found.insert(name);
        }
    }

    fn define(&mut self, name: &str) {
        if self.track_definitions && self.reads_table && !self.found.contains(name) {
            self.defined.insert(name.to_string());
        }
    }
}

/// Whether the operator's output holds only columns it names (or makes).
fn keeps_only_named(op: &OperatorKind) -> bool {
    matches!(
        op,
        OperatorKind::Project(_)
            | OperatorKind::Summarize { .. }
            | OperatorKind::Count
            | OperatorKind::Distinct(_)
            | OperatorKind::ProjectKeep(_)
    )
}

/// Whether no table column is left in the output of `e` but those its operators named (after
/// `summarize`, `project`, `count`, `distinct`): later names are the query's own (`count_`).
fn drops_table_columns(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Pipe { input, op } => keeps_only_named(&op.kind) || drops_table_columns(input),
        _ => false,
    }
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
        ExprKind::Pipe { input, op } => {
            !keeps_only_named(&op.kind) && carries_all_columns(input, lets, depth + 1)
        }
        _ => false,
    }
}

/// Adds every name `e` mentions; `None` if it uses a `*` pattern.
fn collect(e: &Expr, names: &mut Names) -> Option<()> {
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
            let outer = names.reads_table;
            names.reads_table = true;
            collect(input, names)?;
            names.reads_table = !drops_table_columns(input);
            collect_operator(&op.kind, names)?;
            names.reads_table = outer;
        }
    }
    Some(())
}

fn collect_operator(op: &OperatorKind, names: &mut Names) -> Option<()> {
    let patterns = |ids: &[kql_parser::Ident], names: &mut Names| {
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
        OperatorKind::Extend(items) => items.iter().try_for_each(|a| {
            collect(&a.expr, names)?;
            for made in a.name.iter().chain(&a.more_names) {
                names.define(&made.name);
            }
            Some(())
        }),
        OperatorKind::Project(items) => items.iter().try_for_each(|a| collect(&a.expr, names)),
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
                    names.define(&name.name);
                }
            }
            Some(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needed(query: &str) -> Option<Vec<String>> {
        let script = kql_parser::parse(query).unwrap();
        let mut names: Vec<String> = needed_columns(&script)?.into_iter().collect();
        names.sort();
        Some(names)
    }

    #[test]
    fn names_after_a_summarize_are_the_querys_own() {
        assert_eq!(
            needed(
                "T | summarize count(), dcount(D) by F | top 20 by count_ | extend x = dcount_D"
            ),
            Some(vec!["D".into(), "F".into(), "T".into()])
        );
        assert_eq!(
            needed("T | project A = B | where A > 1 | extend C = A"),
            Some(vec!["B".into(), "T".into()])
        );
        // a query nested after the summarize reads its own table's columns
        assert_eq!(
            needed("T | summarize by F | where F in ((U | where G > 1 | project F))"),
            Some(vec!["F".into(), "G".into(), "T".into(), "U".into()])
        );
        // before any such operator, every name may be a column
        assert_eq!(
            needed("T | where A > 1 | extend B = 2 | where B > C | project B"),
            Some(vec!["A".into(), "C".into(), "T".into()])
        );
    }

    #[test]
    fn columns_made_before_they_are_read_are_the_querys_own() {
        // ... where no table column reaches the output
        assert_eq!(
            needed("T | parse A with * 'u ' U ' ' * | extend L = U != '' | summarize by U, L"),
            Some(vec!["A".into(), "T".into()])
        );
        // read first, it may be the table's
        assert_eq!(
            needed("T | where L | extend L = 1 | summarize by L"),
            Some(vec!["L".into(), "T".into()])
        );
        // the output keeps the table's columns: where a made column sits depends on them
        assert_eq!(needed("T | extend L = 1 | project-away A"), None);
        assert_eq!(
            needed("let x = 1; T | parse A with * 'u ' U | project-keep U"),
            Some(vec!["A".into(), "T".into()])
        );
    }
}
