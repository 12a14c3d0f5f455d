//! Binding of the multi-table and reshaping operators: `join`, `lookup`, `union`,
//! `mv-expand`, `make-series`, `externaldata`, `getschema`, `search`, `sample`, `evaluate`.

use std::sync::Arc;

use kql_parser::{
    BinOp, ColumnDecl, Expr, ExprKind, Ident, Literal, MakeSeries, MvExpand, NamedArg, Span,
    StrOpKind,
};

use super::names::{Namer, default_name, matches_pattern};
use super::{Binder, type_named, unknown_column};
use crate::aggregate;
use crate::batch::Batch;
use crate::error::Error;
use crate::expr::BExpr;
use crate::operators::{apply, str_predicate, text};
use crate::plan::{ExpandColumn, ExpandOutput, JoinKind, JoinOutput, MakeSeriesPlan, Node, Plan};
use crate::types::{Field, Schema, Type};
use crate::value::Value;

/// The value of a `name=value` setting as text (`kind=inner` gives `inner`).
pub fn setting<'a>(params: &'a [NamedArg], name: &str) -> Option<(String, &'a NamedArg)> {
    let arg = params.iter().find(|p| p.name.name == name)?;
    let text = match &arg.value.kind {
        ExprKind::Name(id) => id.name.clone(),
        ExprKind::Literal(Literal::String(s)) => s.clone(),
        ExprKind::Literal(Literal::Bool(b)) => b.to_string(),
        ExprKind::Literal(Literal::Long(n)) => n.to_string(),
        _ => arg.value.to_string(),
    };
    Some((text, arg))
}

impl Binder<'_> {
    /// `join` (and `lookup`, which keeps the key columns once).
    pub(super) fn bind_join(
        &mut self,
        left: Plan,
        params: &[NamedArg],
        right: &Expr,
        on: &[Expr],
        lookup: bool,
    ) -> Result<Plan, Error> {
        let kind = match setting(params, "kind") {
            None if lookup => JoinKind::LeftOuter,
            None => JoinKind::InnerUnique,
            Some((k, arg)) => match (k.as_str(), lookup) {
                ("leftouter", _) => JoinKind::LeftOuter,
                ("inner", _) => JoinKind::Inner,
                ("innerunique", false) => JoinKind::InnerUnique,
                ("rightouter", false) => JoinKind::RightOuter,
                ("fullouter", false) => JoinKind::FullOuter,
                ("leftsemi", false) => JoinKind::LeftSemi,
                ("leftanti" | "anti" | "leftantisemi", false) => JoinKind::LeftAnti,
                ("rightsemi", false) => JoinKind::RightSemi,
                ("rightanti" | "rightantisemi", false) => JoinKind::RightAnti,
                _ => {
                    return Err(Error::at(
                        "kql::bind::join_kind",
                        arg.value.span,
                        format!("`{k}` is not a kind of {}", if lookup { "lookup" } else { "join" }),
                    )
                    .with_help(if lookup {
                        "lookup kinds: leftouter, inner"
                    } else {
                        "join kinds: innerunique, inner, leftouter, rightouter, fullouter, leftsemi, leftanti, rightsemi, rightanti"
                    }));
                }
            },
        };
        let right = self.bind_tabular(right)?;
        let (ls, rs) = (left.schema.clone(), right.schema.clone());
        let mut pairs: Vec<(usize, usize, Span)> = Vec::new();
        for condition in on {
            join_conditions(condition, &ls, &rs, &mut pairs)?;
        }
        for (l, r, span) in &pairs {
            let (lt, rt) = (ls.fields[*l].ty, rs.fields[*r].ty);
            // a dynamic key meets the other side's value (compared as that scalar)
            let same = lt == rt
                || lt == Type::Dynamic
                || rt == Type::Dynamic
                || (lt.is_numeric() && rt.is_numeric() && lt != Type::Real && rt != Type::Real);
            if !same {
                return Err(Error::at(
                    "kql::bind::join_key_type",
                    *span,
                    format!("join keys must have one type; this compares {lt} with {rt}"),
                ));
            }
        }
        let left_keys = pairs
            .iter()
            .map(|(l, _, s)| BExpr::column(*l, ls.fields[*l].ty, *s))
            .collect();
        let right_keys = pairs
            .iter()
            .map(|(_, r, s)| BExpr::column(*r, rs.fields[*r].ty, *s))
            .collect();
        let mut outputs = Vec::new();
        let mut fields = Vec::new();
        let mut namer = Namer::default();
        let left_side = !matches!(kind, JoinKind::RightSemi | JoinKind::RightAnti);
        let right_side = !matches!(kind, JoinKind::LeftSemi | JoinKind::LeftAnti);
        if left_side {
            for (i, f) in ls.fields.iter().enumerate() {
                outputs.push(JoinOutput::Left(i));
                fields.push(Field::new(namer.unique(&f.name), f.ty));
            }
        }
        if right_side {
            let right_keys_dropped: Vec<usize> = if lookup {
                pairs.iter().map(|(_, r, _)| *r).collect()
            } else {
                Vec::new()
            };
            for (i, f) in rs.fields.iter().enumerate() {
                if right_keys_dropped.contains(&i) {
                    continue;
                }
                outputs.push(JoinOutput::Right(i));
                fields.push(Field::new(namer.unique(&f.name), f.ty));
            }
        }
        // semi and anti joins return one side's rows unchanged
        let outputs = match kind {
            JoinKind::RightSemi | JoinKind::RightAnti => {
                (0..rs.len()).map(JoinOutput::Right).collect()
            }
            _ => outputs,
        };
        Ok(Plan {
            node: Node::Join {
                left: Box::new(left),
                right: Box::new(right),
                kind,
                left_keys,
                right_keys,
                outputs,
            },
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// `union` of `first` (the piped input, if any) and `tables`.
    pub(super) fn bind_union(
        &mut self,
        first: Option<Plan>,
        params: &[NamedArg],
        tables: &[Expr],
        span: Span,
    ) -> Result<Plan, Error> {
        let fuzzy = setting(params, "isfuzzy").is_some_and(|(v, _)| v == "true");
        let inner = match setting(params, "kind") {
            None => false,
            Some((k, _)) if k == "outer" => false,
            Some((k, _)) if k == "inner" => true,
            Some((k, arg)) => {
                return Err(Error::at(
                    "kql::bind::union_kind",
                    arg.value.span,
                    format!("`{k}` is not a kind of union (inner, outer)"),
                ));
            }
        };
        let mut legs: Vec<(Plan, String)> = Vec::new();
        if let Some(p) = first {
            legs.push((p, "union_arg0".to_string()));
        }
        for t in tables {
            match &t.kind {
                // every table of a workspace is unknowable offline: when checking, `*` is one
                // stand-in table with the columns the query names
                ExprKind::Name(id) if id.name == "*" && self.unknown_table_columns.is_some() => {
                    let stand_in = Ident {
                        name: " every table".to_string(),
                        span: id.span,
                    };
                    legs.push((self.bind_table_name(&stand_in)?, "*".to_string()));
                }
                ExprKind::Name(id) if id.name.contains('*') => {
                    let mut names: Vec<String> = self
                        .catalog
                        .table_names()
                        .into_iter()
                        .filter(|n| matches_pattern(&id.name, n))
                        .collect();
                    names.sort();
                    names.dedup();
                    for name in names {
                        let ident = Ident {
                            name: name.clone(),
                            span: id.span,
                        };
                        legs.push((self.bind_table_name(&ident)?, name));
                    }
                }
                ExprKind::Name(id) => match self.bind_table_name(id) {
                    Ok(p) => legs.push((p, id.name.clone())),
                    Err(_) if fuzzy => {}
                    Err(e) => return Err(e),
                },
                _ => {
                    let name = format!("union_arg{}", legs.len());
                    legs.push((self.bind_tabular(t)?, name));
                }
            }
        }
        if legs.is_empty() {
            return Err(Error::at(
                "kql::bind::union",
                span,
                "union has no tables to read",
            ));
        }
        let with_source = setting(params, "withsource").map(|(v, _)| v);
        // columns by name; one name with different types becomes `name_type` columns
        let mut columns: Vec<(String, Type)> = Vec::new();
        for (plan, _) in &legs {
            for f in &plan.schema.fields {
                if !columns.contains(&(f.name.clone(), f.ty)) {
                    columns.push((f.name.clone(), f.ty));
                }
            }
        }
        if inner {
            columns.retain(|c| {
                legs.iter()
                    .all(|(p, _)| p.schema.fields.iter().any(|f| f.name == c.0 && f.ty == c.1))
            });
        }
        let clashing = |name: &str| columns.iter().filter(|(n, _)| n == name).count() > 1;
        let mut fields = Vec::new();
        if let Some(col) = &with_source {
            fields.push(Field::new(col.clone(), Type::String));
        }
        for (name, ty) in &columns {
            let out = if clashing(name) {
                format!("{name}_{ty}")
            } else {
                name.clone()
            };
            fields.push(Field::new(out, *ty));
        }
        let offset = usize::from(with_source.is_some());
        let inputs = legs
            .into_iter()
            .map(|(plan, name)| {
                let mut mapping: Vec<Option<usize>> = vec![None; fields.len()];
                for (i, f) in plan.schema.fields.iter().enumerate() {
                    if let Some(c) = columns.iter().position(|c| c.0 == f.name && c.1 == f.ty) {
                        mapping[c + offset] = Some(i);
                    }
                }
                (plan, mapping, with_source.as_ref().map(|_| name))
            })
            .collect();
        Ok(Plan {
            node: Node::Union { inputs },
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// `mv-expand`: expanded columns replace same-named ones in place; new names are added.
    pub(super) fn bind_mv_expand(&mut self, input: Plan, m: &MvExpand) -> Result<Plan, Error> {
        let schema = input.schema.clone();
        let bags_as_arrays = matches!(setting(&m.params, "bagexpansion"), Some((v, _)) if v == "array")
            || matches!(setting(&m.params, "kind"), Some((v, _)) if v == "array");
        let index_name = setting(&m.params, "with_itemindex").map(|(v, _)| v);
        let mut fields = schema.fields.clone();
        let mut outputs: Vec<ExpandOutput> = (0..fields.len()).map(ExpandOutput::Input).collect();
        let mut columns = Vec::new();
        for item in &m.items {
            let expr = self.bind_scalar(&item.expr, &schema)?;
            let ty = match &item.to_type {
                Some(t) => type_named(t)?,
                None => Type::Dynamic,
            };
            let name = match (&item.name, default_name(&item.expr)) {
                (Some(n), _) => n.name.clone(),
                (None, Some(n)) => n,
                (None, None) => {
                    return Err(Error::at(
                        "kql::bind::mv_expand",
                        item.expr.span,
                        "name the expanded value: `Name = expression`",
                    ));
                }
            };
            let k = columns.len();
            columns.push(ExpandColumn { expr, ty });
            match fields.iter().position(|f| f.name == name) {
                Some(i) => {
                    fields[i] = Field::new(name, ty);
                    outputs[i] = ExpandOutput::Expanded(k);
                }
                None => {
                    fields.push(Field::new(name, ty));
                    outputs.push(ExpandOutput::Expanded(k));
                }
            }
        }
        if let Some(name) = index_name {
            fields.push(Field::new(name, Type::Long));
            outputs.push(ExpandOutput::Index);
        }
        let limit = match &m.limit {
            Some(e) => Some(self.constant_count(e)?),
            None => None,
        };
        Ok(Plan {
            node: Node::MvExpand {
                input: Box::new(input),
                columns,
                outputs,
                bags_as_arrays,
                limit,
            },
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// `externaldata(...)[uris] with (...)`: the catalog reads it (or refuses).
    pub(super) fn bind_external_data(
        &mut self,
        columns: &[ColumnDecl],
        uris: &[Expr],
        properties: &[NamedArg],
        span: Span,
    ) -> Result<Plan, Error> {
        let mut fields = Vec::new();
        for c in columns {
            fields.push(Field::new(c.name.name.clone(), type_named(&c.ty)?));
        }
        let schema = Arc::new(Schema::new(fields));
        let mut addresses = Vec::new();
        for u in uris {
            match self.bind_scalar(u, &Schema::default())?.as_const() {
                Some(Value::String(s)) => addresses.push(s.to_string()),
                _ => {
                    return Err(Error::at(
                        "kql::bind::externaldata",
                        u.span,
                        "the address must be a constant string",
                    ));
                }
            }
        }
        let props: Vec<(String, String)> = properties
            .iter()
            .filter_map(|p| {
                setting(properties, &p.name.name).map(|(v, _)| (p.name.name.clone(), v))
            })
            .collect();
        let source = self
            .catalog
            .external_data(&addresses, schema.clone(), &props)
            .map_err(|e| {
                if e.span.is_none() {
                    e.with_span(span)
                } else {
                    e
                }
            })?;
        let columns = (0..schema.len()).collect();
        Ok(Plan {
            node: Node::Scan {
                source,
                columns,
                prefilter: Default::default(),
            },
            schema,
        })
    }

    /// `getschema`: one row per input column.
    pub(super) fn bind_getschema(&mut self, input: &Plan) -> Plan {
        let schema = Arc::new(Schema::new(vec![
            Field::new("ColumnName", Type::String),
            Field::new("ColumnOrdinal", Type::Int),
            Field::new("DataType", Type::String),
            Field::new("ColumnType", Type::String),
        ]));
        let rows = input
            .schema
            .fields
            .iter()
            .enumerate()
            .map(|(n, f)| {
                vec![
                    Value::str(&f.name),
                    Value::Int(n as i32),
                    Value::str(f.ty.dotnet_name()),
                    Value::str(f.ty.name()),
                ]
            })
            .collect();
        Plan {
            node: Node::Values(Batch::from_rows(schema.clone(), rows)),
            schema,
        }
    }

    /// A `search` predicate: a bare string is a term looked for in every column (`*` has a
    /// `has`-style match, `"ab*"` a prefix, `"*ab"` a suffix, `"*ab*"` a substring).
    pub(super) fn bind_search_predicate(
        &mut self,
        e: &Expr,
        schema: &Schema,
        case_sensitive: bool,
    ) -> Result<BExpr, Error> {
        match &e.kind {
            ExprKind::Star => Ok(BExpr::constant(Value::Bool(true), Type::Bool, e.span)),
            ExprKind::Literal(Literal::String(term)) => {
                let (kind, needle) = match (term.strip_prefix('*'), term.strip_suffix('*')) {
                    (Some(t), _) if t.ends_with('*') => {
                        (StrOpKind::Contains, t.trim_end_matches('*').to_string())
                    }
                    (Some(t), _) => (StrOpKind::HasSuffix, t.to_string()),
                    (None, Some(t)) => (StrOpKind::HasPrefix, t.to_string()),
                    (None, None) => (StrOpKind::Has, term.clone()),
                };
                let args: Vec<BExpr> = schema
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| BExpr::column(i, f.ty, e.span))
                    .collect();
                let f = move |a: &[&Value]| {
                    let found = a.iter().any(|v| {
                        !v.is_null() && str_predicate(kind, case_sensitive, &text(v), &needle)
                    });
                    Value::Bool(found)
                };
                Ok(apply("search", f, args, Type::Bool, e.span))
            }
            ExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                lhs,
                rhs,
            } => {
                let l = self.bind_search_predicate(lhs, schema, case_sensitive)?;
                let r = self.bind_search_predicate(rhs, schema, case_sensitive)?;
                crate::operators::bind_binary(*op, l, r, e.span)
            }
            ExprKind::Call { name, args } if name.name == "not" && args.len() == 1 => {
                let inner = self.bind_search_predicate(&args[0], schema, case_sensitive)?;
                let f = |a: &[&Value]| a[0].as_bool().map_or(Value::Null, |b| Value::Bool(!b));
                Ok(apply("not", f, vec![inner], Type::Bool, e.span))
            }
            _ => self.bind_scalar(e, schema),
        }
    }

    /// `search` over every table in scope, or over `tables`, with a `$table` column.
    pub(super) fn bind_search_source(
        &mut self,
        params: &[NamedArg],
        tables: &[Expr],
        predicate: &Expr,
        span: Span,
    ) -> Result<Plan, Error> {
        let tables: Vec<Expr> = if tables.is_empty() {
            let star = Ident {
                name: "*".to_string(),
                span,
            };
            vec![Expr::new(ExprKind::Name(star), span)]
        } else {
            tables.to_vec()
        };
        let source = Ident {
            name: "withsource".to_string(),
            span,
        };
        let table = Ident {
            name: "$table".to_string(),
            span,
        };
        let union_params = vec![NamedArg {
            name: source,
            value: Expr::new(ExprKind::Name(table), span),
        }];
        let all = self.bind_union(None, &union_params, &tables, span)?;
        self.bind_search_filter(all, params, predicate)
    }

    pub(super) fn bind_search_filter(
        &mut self,
        input: Plan,
        params: &[NamedArg],
        predicate: &Expr,
    ) -> Result<Plan, Error> {
        let case_sensitive =
            matches!(setting(params, "kind"), Some((k, _)) if k == "case_sensitive");
        let schema = input.schema.clone();
        let predicate = self.bind_search_predicate(predicate, &schema, case_sensitive)?;
        Ok(Plan {
            node: Node::Filter {
                input: Box::new(input),
                predicate,
            },
            schema,
        })
    }

    /// `make-series`: by-keys, then each aggregate's array, then the axis array.
    pub(super) fn bind_make_series(&mut self, input: Plan, m: &MakeSeries) -> Result<Plan, Error> {
        let schema = input.schema.clone();
        let empty = Schema::default();
        let mut namer = Namer::default();
        let mut fields = Vec::new();
        let mut keys = Vec::new();
        for a in &m.by {
            let key = self.bind_scalar(&a.expr, &schema)?;
            let name = match (&a.name, default_name(&a.expr)) {
                (Some(id), _) => id.name.clone(),
                (None, Some(n)) => n,
                (None, None) => namer.next_column(),
            };
            fields.push(Field::new(namer.unique(&name), key.ty));
            keys.push(key);
        }
        let mut aggregates = Vec::new();
        let mut defaults = Vec::new();
        for (a, default) in &m.aggregates {
            let ExprKind::Call { name: fname, args } = &a.expr.kind else {
                return Err(Error::at(
                    "kql::bind::not_aggregate",
                    a.expr.span,
                    "`make-series` needs an aggregation function here",
                ));
            };
            let Some((kind, min, max)) = aggregate::lookup(&fname.name) else {
                return Err(Error::at(
                    "kql::bind::not_aggregate",
                    a.expr.span,
                    format!("`{}` is not an aggregation function", fname.name),
                ));
            };
            if args.len() < min || args.len() > max {
                return Err(Error::at(
                    "kql::bind::arity",
                    a.expr.span,
                    format!("`{}` takes {min} to {max} arguments", fname.name),
                ));
            }
            let mut bound = Vec::new();
            for arg in args {
                bound.push(self.bind_scalar(arg, &schema)?);
            }
            if kind == aggregate::AggKind::Count {
                bound.clear();
            }
            let output_types = aggregate::output_types(kind, &fname.name, &bound)?;
            let default_value = match default {
                Some(d) => self.bind_scalar(d, &empty)?.eval_const()?,
                None => match output_types[0] {
                    Type::Int | Type::Long => Value::Long(0),
                    Type::Real => Value::Real(0.0),
                    _ => Value::Null,
                },
            };
            let name = match (&a.name, default_name(&a.expr)) {
                (Some(id), _) => id.name.clone(),
                (None, Some(n)) => n,
                (None, None) => namer.next_column(),
            };
            fields.push(Field::new(namer.unique(&name), Type::Dynamic));
            aggregates.push(aggregate::BoundAggregate {
                kind,
                args: bound,
                output_types,
            });
            defaults.push(default_value);
        }
        let axis = self.bind_scalar(&m.axis, &schema)?;
        let axis_name = default_name(&m.axis).unwrap_or_else(|| namer.next_column());
        fields.push(Field::new(namer.unique(&axis_name), Type::Dynamic));
        let constant = |e: &Expr, this: &mut Self| -> Result<Value, Error> {
            let b = this.bind_scalar(e, &empty)?;
            b.as_const().cloned().ok_or_else(|| {
                Error::at(
                    "kql::bind::make_series",
                    e.span,
                    "make-series bounds must be constants",
                )
            })
        };
        let from = match &m.from {
            Some(e) => Some(constant(e, self)?),
            None => None,
        };
        let to = match &m.to {
            Some(e) => Some(constant(e, self)?),
            None => None,
        };
        let step = constant(&m.step, self)?;
        let plan = MakeSeriesPlan {
            input,
            keys,
            aggregates,
            defaults,
            axis,
            from,
            to,
            step,
            inclusive: m.range_form,
        };
        Ok(Plan {
            node: Node::MakeSeries(Box::new(plan)),
            schema: Arc::new(Schema::new(fields)),
        })
    }
}

impl Binder<'_> {
    /// `top-nested N of Expr by Aggregate, ...`: columns per level: the group value (named
    /// after the expression) and its aggregate (`aggregated_<name>` unless named).
    pub(super) fn bind_top_nested(
        &mut self,
        input: Plan,
        levels: &[kql_parser::TopNestedLevel],
    ) -> Result<Plan, Error> {
        let schema = input.schema.clone();
        let mut namer = Namer::default();
        let mut fields = Vec::new();
        let mut bound = Vec::new();
        for level in levels {
            if let Some(others) = &level.others {
                return Err(Error::at(
                    "kql::unsupported",
                    others.span,
                    "`with others` in top-nested is not supported yet",
                ));
            }
            let of = self.bind_scalar(&level.of.expr, &schema)?;
            let of_name = match (&level.of.name, default_name(&level.of.expr)) {
                (Some(id), _) => id.name.clone(),
                (None, Some(n)) => n,
                (None, None) => namer.next_column(),
            };
            let count = match &level.count {
                Some(c) => Some(self.constant_count(c)?),
                None => None,
            };
            let ExprKind::Call { name: fname, args } = &level.by.expr.kind else {
                return Err(Error::at(
                    "kql::bind::not_aggregate",
                    level.by.expr.span,
                    "`top-nested` needs an aggregation after `by`",
                ));
            };
            let Some((kind, _, _)) = aggregate::lookup(&fname.name) else {
                return Err(Error::at(
                    "kql::bind::not_aggregate",
                    level.by.expr.span,
                    format!("`{}` is not an aggregation function", fname.name),
                ));
            };
            let mut agg_args = Vec::new();
            for a in args {
                agg_args.push(self.bind_scalar(a, &schema)?);
            }
            if kind == aggregate::AggKind::Count {
                agg_args.clear();
            }
            let output_types = aggregate::output_types(kind, &fname.name, &agg_args)?;
            let agg_name = match &level.by.name {
                Some(id) => id.name.clone(),
                None => format!("aggregated_{of_name}"),
            };
            fields.push(Field::new(namer.unique(&of_name), of.ty));
            fields.push(Field::new(namer.unique(&agg_name), output_types[0]));
            bound.push(crate::plan::TopNestedLevel {
                of,
                count,
                aggregate: aggregate::BoundAggregate {
                    kind,
                    args: agg_args,
                    output_types,
                },
                descending: level.descending.unwrap_or(true),
            });
        }
        Ok(Plan {
            node: Node::TopNested {
                input: Box::new(input),
                levels: bound,
            },
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// `mv-apply`: each row's expansion (only the expanded columns) goes through `ops`; the
    /// row's other columns are added in front of every result row.
    pub(super) fn bind_mv_apply(
        &mut self,
        input: Plan,
        m: &MvExpand,
        ops: &[kql_parser::Operator],
    ) -> Result<Plan, Error> {
        let slot: crate::plan::Slot = Arc::new(std::sync::Mutex::new(None));
        let row = Plan {
            node: Node::Slot(slot.clone()),
            schema: input.schema.clone(),
        };
        let expanded = self.bind_mv_expand(row, m)?;
        let Node::MvExpand { outputs, .. } = &expanded.node else {
            return Err(Error::at(
                "kql::internal",
                m.items[0].expr.span,
                "mv-apply expected an expansion",
            ));
        };
        let sub_columns: Vec<usize> = outputs
            .iter()
            .enumerate()
            .filter(|(_, o)| !matches!(o, ExpandOutput::Input(_)))
            .map(|(i, _)| i)
            .collect();
        // a column expanded by name leaves the input, even when given a new name (docs)
        let expanded_columns: Vec<usize> = m
            .items
            .iter()
            .filter_map(|it| match &it.expr.kind {
                ExprKind::Name(id) => input.schema.index_of(&id.name),
                _ => None,
            })
            .collect();
        let keep: Vec<usize> = outputs
            .iter()
            .filter_map(|o| match o {
                ExpandOutput::Input(i) if !expanded_columns.contains(i) => Some(*i),
                _ => None,
            })
            .collect();
        let expand = super::select(expanded, &sub_columns);
        let mut sub = Plan {
            node: Node::Slot(slot.clone()),
            schema: expand.schema.clone(),
        };
        for op in ops {
            sub = self.bind_operator(sub, op)?;
        }
        let mut namer = Namer::default();
        let mut fields = Vec::new();
        for &k in &keep {
            let f = &input.schema.fields[k];
            fields.push(Field::new(namer.unique(&f.name), f.ty));
        }
        for f in &sub.schema.fields {
            fields.push(Field::new(namer.unique(&f.name), f.ty));
        }
        Ok(Plan {
            node: Node::MvApply {
                input: Box::new(input),
                expand: Box::new(expand),
                keep,
                subquery: Box::new(sub),
                slot,
            },
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// `evaluate plugin(...)`: `bag_unpack` runs its input now, since its columns come from
    /// the data; other plugins are not supported.
    pub(super) fn bind_evaluate(
        &mut self,
        input: Plan,
        plugin: &Expr,
        declared: Option<&[ColumnDecl]>,
    ) -> Result<Plan, Error> {
        let ExprKind::Call { name, args } = &plugin.kind else {
            return Err(Error::at(
                "kql::bind::evaluate",
                plugin.span,
                "`evaluate` needs a plugin call such as `bag_unpack(column)`",
            ));
        };
        match name.name.as_str() {
            "bag_unpack" => {}
            "pivot" => return self.bind_pivot(input, args, declared, plugin.span),
            "ipv4_lookup" => return self.bind_ipv4_lookup(input, args, plugin.span),
            _ => {
                return Err(Error::at(
                    "kql::unsupported",
                    name.span,
                    format!("the `{}` plugin is not supported yet", name.name),
                ));
            }
        }
        let schema = input.schema.clone();
        let Some(column) = args.first() else {
            return Err(Error::at(
                "kql::bind::arity",
                plugin.span,
                "`bag_unpack` needs the column to unpack",
            ));
        };
        let bag = self.bind_scalar(column, &schema)?;
        let crate::expr::BKind::Column(bag_index) = bag.kind else {
            return Err(Error::at(
                "kql::bind::evaluate",
                column.span,
                "`bag_unpack` needs a column name",
            ));
        };
        let prefix = match args.get(1) {
            Some(p) => match self.bind_scalar(p, &Schema::default())?.as_const() {
                Some(Value::String(s)) => s.to_string(),
                _ => {
                    return Err(Error::at(
                        "kql::bind::evaluate",
                        p.span,
                        "the prefix must be a constant string",
                    ));
                }
            },
            None => String::new(),
        };
        let rows: Vec<Vec<Value>> = {
            let mut rows = Vec::new();
            for b in crate::exec::execute(&input, &None)? {
                let b = b?;
                rows.extend((0..b.len).map(|r| b.row(r)));
            }
            rows
        };
        // the bag's keys become columns: declared, or every key found, in name order
        let keys: Vec<(String, Type)> = match declared {
            Some(cols) => {
                let mut out = Vec::new();
                for c in cols {
                    out.push((c.name.name.clone(), type_named(&c.ty)?));
                }
                out.retain(|(n, _)| schema.index_of(n).is_none());
                out
            }
            None => {
                let mut found: std::collections::BTreeMap<String, Option<Type>> =
                    Default::default();
                for row in &rows {
                    if let Value::Dynamic(d) = &row[bag_index]
                        && let Some(map) = d.as_object()
                    {
                        for (k, v) in map {
                            let ty = json_type(v);
                            let entry = found.entry(format!("{prefix}{k}")).or_insert(ty);
                            if *entry != ty {
                                *entry = Some(Type::Dynamic);
                            }
                        }
                    }
                }
                // checking without data: the bag's keys are unknown, so every name the query
                // uses that no column has stands for one (dynamic)
                if rows.is_empty()
                    && let Some(names) = &self.unknown_table_columns
                {
                    for n in names {
                        if schema.index_of(n).is_none() {
                            found.insert(n.clone(), None);
                        }
                    }
                }
                found
                    .into_iter()
                    .map(|(k, t)| (k, t.unwrap_or(Type::Dynamic)))
                    .collect()
            }
        };
        let mut fields: Vec<Field> = schema
            .fields
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != bag_index)
            .map(|(_, f)| f.clone())
            .collect();
        for (k, ty) in &keys {
            if fields.iter().any(|f| &f.name == k) {
                return Err(Error::at(
                    "kql::bind::evaluate",
                    plugin.span,
                    format!("bag_unpack: the key `{k}` clashes with an existing column"),
                ));
            }
            fields.push(Field::new(k.clone(), *ty));
        }
        let out_rows = rows
            .into_iter()
            .map(|row| {
                let bag = row[bag_index].clone();
                let mut out: Vec<Value> = row
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| *i != bag_index)
                    .map(|(_, v)| v)
                    .collect();
                for (k, ty) in &keys {
                    let key = k.strip_prefix(prefix.as_str()).unwrap_or(k);
                    let v = match &bag {
                        Value::Dynamic(d) => d.get(key).cloned(),
                        _ => None,
                    };
                    out.push(match v {
                        None | Some(serde_json::Value::Null) => Value::missing(*ty),
                        Some(j) => crate::conversion::convert(&Value::Dynamic(Arc::new(j)), *ty),
                    });
                }
                out
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        Ok(Plan {
            node: Node::Values(Batch::from_rows(schema.clone(), out_rows)),
            schema,
        })
    }
}

/// The column type a JSON value suggests (`None` for null, which fits any type).
fn json_type(v: &serde_json::Value) -> Option<Type> {
    Some(match v {
        serde_json::Value::Null => return None,
        serde_json::Value::Bool(_) => Type::Bool,
        serde_json::Value::Number(n) if n.is_i64() => Type::Long,
        serde_json::Value::Number(_) => Type::Real,
        serde_json::Value::String(_) => Type::String,
        _ => Type::Dynamic,
    })
}

/// Adds the column pairs of one `on` condition: `Key`, `$left.A == $right.B`, or several
/// joined by `and`.
fn join_conditions(
    e: &Expr,
    ls: &Schema,
    rs: &Schema,
    out: &mut Vec<(usize, usize, Span)>,
) -> Result<(), Error> {
    match &e.kind {
        ExprKind::Name(id) => {
            let l = ls.index_of(&id.name).ok_or_else(|| {
                unknown_column(ls, id).with_label("not a column of the left side")
            })?;
            let r = rs.index_of(&id.name).ok_or_else(|| {
                unknown_column(rs, id).with_label("not a column of the right side")
            })?;
            out.push((l, r, e.span));
            Ok(())
        }
        ExprKind::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } => {
            join_conditions(lhs, ls, rs, out)?;
            join_conditions(rhs, ls, rs, out)
        }
        ExprKind::Binary {
            op: BinOp::Eq,
            lhs,
            rhs,
        } => {
            let side = |x: &Expr| match &x.kind {
                ExprKind::Member { target, name } => match &target.kind {
                    ExprKind::Name(t) if t.name == "$left" => Some((true, name.clone())),
                    ExprKind::Name(t) if t.name == "$right" => Some((false, name.clone())),
                    _ => None,
                },
                _ => None,
            };
            match (side(lhs), side(rhs)) {
                (Some((true, l)), Some((false, r))) | (Some((false, r)), Some((true, l))) => {
                    let li = ls.index_of(&l.name).ok_or_else(|| {
                        unknown_column(ls, &l).with_label("not a column of the left side")
                    })?;
                    let ri = rs.index_of(&r.name).ok_or_else(|| {
                        unknown_column(rs, &r).with_label("not a column of the right side")
                    })?;
                    out.push((li, ri, e.span));
                    Ok(())
                }
                _ => Err(join_condition_error(e)),
            }
        }
        _ => Err(join_condition_error(e)),
    }
}

fn join_condition_error(e: &Expr) -> Error {
    Error::at(
        "kql::bind::join_condition",
        e.span,
        "a join condition is a column name or `$left.A == $right.B`",
    )
}
