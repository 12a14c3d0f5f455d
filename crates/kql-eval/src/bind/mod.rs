//! The binder: AST + catalog → plan. Names become column indices, types are checked,
//! constants (regexes, `now()`, literal sets) are prepared once, and every error points at
//! the query text.

mod columns;
mod functions;
mod names;
mod plugins;
mod prefilter;
mod rewrite;
mod scalar;
mod service;
mod tabular;
mod window;

use std::collections::HashSet;
use std::sync::Arc;

use kql_parser::{
    Assignment, Expr, ExprKind, Ident, Operator, OperatorKind, ParsePart, Script, Span,
    StatementKind,
};

use crate::aggregate::{self, AggKind, BoundAggregate};
use crate::batch::Batch;
use crate::error::{Error, did_you_mean};
use crate::expr::BExpr;
use crate::parse_op::ParsePlan;
use crate::plan::{Node, ParseOutput, Plan, SortKey};
use crate::source::Catalog;
use crate::types::{Field, Schema, SchemaRef, Type};
use crate::value::Value;

pub use columns::needed_columns;
use functions::FunctionResult;
use names::{Namer, default_name, matches_pattern};

/// A `let` binding in scope.
#[derive(Clone)]
enum Binding {
    Scalar(BExpr),
    /// A tabular expression, bound again where it is used (lets bind calculations).
    Tabular {
        expr: Expr,
        scope: usize,
    },
    /// A bound table: a function's tabular parameter, or `as Name`.
    Plan(Plan),
    /// A user-defined function or view, bound at each call.
    Function {
        params: Vec<kql_parser::Param>,
        body: kql_parser::Body,
        scope: usize,
        view: bool,
    },
}

/// How deep user functions may call each other before binding gives up (recursion).
const MAX_CALL_DEPTH: usize = 64;

/// Binds the statements of one script, in order.
pub struct Binder<'a> {
    catalog: &'a dyn Catalog,
    /// `now()` for the statements bound from here on.
    pub now: i64,
    scope: Vec<(String, Binding)>,
    /// Columns to read from scanned tables; `None` reads every column.
    needed: Option<HashSet<String>>,
    /// User-function calls being bound, to stop runaway recursion.
    call_depth: usize,
    /// When set, a table no catalog knows is an empty table with these columns (dynamic),
    /// and a warning says so: for checking queries without their data.
    pub unknown_table_columns: Option<Vec<String>>,
    /// Notes for the user that do not stop the query.
    pub warnings: Vec<String>,
}

impl<'a> Binder<'a> {
    pub fn new(catalog: &'a dyn Catalog, now: i64, needed: Option<HashSet<String>>) -> Binder<'a> {
        Binder {
            catalog,
            now,
            scope: Vec::new(),
            needed,
            call_depth: 0,
            unknown_table_columns: None,
            warnings: Vec::new(),
        }
    }

    /// Binds a whole script, returning one plan per tabular statement.
    pub fn bind_script(&mut self, script: &Script) -> Result<Vec<Plan>, Error> {
        let mut plans = Vec::new();
        for statement in &script.statements {
            match &statement.kind {
                StatementKind::Let { name, value } => {
                    let binding = self.let_binding(value, &Schema::default())?;
                    self.scope.push((name.name.clone(), binding));
                }
                StatementKind::Set { name, value } => self.bind_set(name, value.as_ref())?,
                StatementKind::Query(e) => plans.push(self.bind_tabular(e)?),
            }
        }
        Ok(plans)
    }

    /// What `let Name = value` binds: a function, a tabular calculation (bound again where
    /// it is used), or a scalar over rows of `schema`.
    fn let_binding(&mut self, value: &Expr, schema: &Schema) -> Result<Binding, Error> {
        Ok(
            if let ExprKind::Lambda { params, body, view } = &value.kind {
                Binding::Function {
                    params: params.clone(),
                    body: (**body).clone(),
                    scope: self.scope.len(),
                    view: *view,
                }
            } else if self.is_tabular(value) {
                Binding::Tabular {
                    expr: value.clone(),
                    scope: self.scope.len(),
                }
            } else {
                Binding::Scalar(self.bind_scalar(value, schema)?)
            },
        )
    }

    fn bind_set(&mut self, name: &Ident, value: Option<&Expr>) -> Result<(), Error> {
        if name.name != "query_now" {
            // other options (notruncation, truncation limits, ...) change nothing offline
            return Ok(());
        }
        let Some(value) = value else {
            return Err(Error::at(
                "kql::bind::set",
                name.span,
                "`query_now` needs a datetime value",
            ));
        };
        match self.bind_scalar(value, &Schema::default())?.as_const() {
            Some(Value::DateTime(t)) => {
                self.now = *t;
                Ok(())
            }
            _ => Err(Error::at(
                "kql::bind::set",
                value.span,
                "`query_now` must be a constant datetime, e.g. `set query_now = datetime(2024-01-01);`",
            )),
        }
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
    }

    /// Whether `e` denotes a table rather than a scalar.
    fn is_tabular(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Pipe { .. }
            | ExprKind::Datatable { .. }
            | ExprKind::Print(_)
            | ExprKind::Range { .. } => true,
            ExprKind::ExternalData { .. } | ExprKind::Union { .. } | ExprKind::Search { .. } => {
                true
            }
            ExprKind::Name(id) => match self.lookup(&id.name) {
                Some(Binding::Tabular { .. } | Binding::Plan(_)) => true,
                Some(Binding::Function { view, params, .. }) => *view || params.is_empty(),
                Some(Binding::Scalar(_)) => false,
                None => matches!(self.catalog.table(&id.name), Ok(Some(_))),
            },
            ExprKind::Call { name, args } if name.name == "materialize" => {
                args.first().is_some_and(|a| self.is_tabular(a))
            }
            ExprKind::Call { name, .. } if name.name == "table" => true,
            ExprKind::Call { name, .. } => match self.lookup(&name.name) {
                Some(Binding::Function { body, .. }) => {
                    // a function is tabular when its value is
                    let body = body.clone();
                    self.is_tabular(&body.value)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Binds a tabular expression.
    pub fn bind_tabular(&mut self, e: &Expr) -> Result<Plan, Error> {
        match &e.kind {
            ExprKind::Name(id) => self.bind_table_name(id),
            ExprKind::Pipe { input, op } => {
                let input = self.bind_tabular(input)?;
                self.bind_operator(input, op)
            }
            ExprKind::Datatable { columns, values } => self.bind_datatable(columns, values, e.span),
            ExprKind::Print(items) => self.bind_print(items),
            ExprKind::Range {
                column,
                from,
                to,
                step,
            } => self.bind_range(column, from, to, step),
            ExprKind::Call { name, args } if name.name == "materialize" && args.len() == 1 => {
                self.bind_tabular(&args[0])
            }
            // `table("Name")`: a table named by a constant string
            ExprKind::Call { name, args } if name.name == "table" && !args.is_empty() => {
                match self.bind_scalar(&args[0], &Schema::default())?.as_const() {
                    Some(Value::String(table)) => self.bind_table_name(&Ident {
                        name: table.to_string(),
                        span: args[0].span,
                    }),
                    _ => Err(Error::at(
                        "kql::bind::argument",
                        args[0].span,
                        "`table()` needs a constant table name",
                    )),
                }
            }
            ExprKind::Call { name, args } => match self.lookup(&name.name).cloned() {
                Some(Binding::Function { .. }) => self
                    .call_function(name, args, None, &Schema::default(), true)
                    .and_then(|r| match r {
                        FunctionResult::Table(p) => Ok(p),
                        FunctionResult::Scalar(_) => Err(Error::at(
                            "kql::bind::not_tabular",
                            e.span,
                            format!("`{}` returns a scalar, not a table", name.name),
                        )),
                    }),
                _ => Err(Error::at(
                    "kql::bind::not_tabular",
                    e.span,
                    format!("`{}` is not a tabular function", name.name),
                )),
            },
            ExprKind::ExternalData {
                columns,
                uris,
                properties,
            } => self.bind_external_data(columns, uris, properties, e.span),
            ExprKind::Union { params, tables } => self.bind_union(None, params, tables, e.span),
            ExprKind::Search {
                params,
                tables,
                predicate,
            } => self.bind_search_source(params, tables, predicate, e.span),
            _ => Err(Error::at(
                "kql::bind::not_tabular",
                e.span,
                "expected a tabular expression (a table, or a pipeline of operators)",
            )),
        }
    }

    fn bind_table_name(&mut self, id: &Ident) -> Result<Plan, Error> {
        match self.lookup(&id.name).cloned() {
            Some(Binding::Plan(plan)) => return Ok(plan),
            Some(Binding::Function { .. }) => {
                return match self.call_function(id, &[], None, &Schema::default(), true)? {
                    FunctionResult::Table(p) => Ok(p),
                    FunctionResult::Scalar(_) => Err(Error::at(
                        "kql::bind::not_tabular",
                        id.span,
                        format!("`{}` returns a scalar, not a table", id.name),
                    )),
                };
            }
            Some(Binding::Tabular { expr, scope }) => {
                // bind in the scope the let was defined in
                let later = self.scope.split_off(scope);
                let result = self.bind_tabular(&expr);
                self.scope.extend(later);
                return result;
            }
            Some(Binding::Scalar(_)) => {
                return Err(Error::at(
                    "kql::bind::not_tabular",
                    id.span,
                    format!("`{}` is a scalar, not a table", id.name),
                ));
            }
            None => {}
        }
        let found = self
            .catalog
            .table_for(&id.name, self.needed.as_ref())
            .map_err(|e| e.with_span(id.span))?;
        let found = match (found, &self.unknown_table_columns) {
            (None, Some(columns)) => {
                self.warnings.push(if id.name == " every table" {
                    "`union *` is checked as one empty table whose columns are the names the query uses".to_string()
                } else {
                    format!(
                        "table `{}` is unknown: checked as an empty table whose columns are the names the query uses",
                        id.name
                    )
                });
                let fields = columns
                    .iter()
                    .map(|c| Field::new(c.clone(), Type::Dynamic))
                    .collect();
                let table = crate::source::MemTable::new(Arc::new(Schema::new(fields)), Vec::new());
                Some(Arc::new(table) as Arc<dyn crate::TableSource>)
            }
            (found, _) => found,
        };
        let Some(source) = found else {
            let mut candidates = self.catalog.table_names();
            candidates.extend(self.scope.iter().map(|(n, _)| n.clone()));
            let mut err = Error::at(
                "kql::bind::unknown_table",
                id.span,
                format!("unknown table `{}`", id.name),
            )
            .with_label("no table or let binding of this name");
            err = match did_you_mean(&id.name, candidates.iter().map(String::as_str)) {
                Some(s) => err.with_help(format!("did you mean `{s}`?")),
                None => err.with_help(format!(
                    "put the data in {}.json (or .jsonl, .ndjson) in the data directory, or pass --table {}=PATH",
                    id.name, id.name
                )),
            };
            return Err(err);
        };
        let full = source.schema();
        let columns: Vec<usize> = (0..full.len())
            .filter(|&i| {
                self.needed
                    .as_ref()
                    .is_none_or(|n| n.contains(&full.fields[i].name))
            })
            .collect();
        let schema = Arc::new(Schema::new(
            columns.iter().map(|&i| full.fields[i].clone()).collect(),
        ));
        Ok(Plan {
            node: Node::Scan {
                source,
                columns,
                prefilter: Default::default(),
            },
            schema,
        })
    }

    fn bind_datatable(
        &mut self,
        columns: &[kql_parser::ColumnDecl],
        values: &[Expr],
        span: Span,
    ) -> Result<Plan, Error> {
        let mut fields = Vec::new();
        for c in columns {
            fields.push(Field::new(c.name.name.clone(), type_named(&c.ty)?));
        }
        if !values.len().is_multiple_of(fields.len()) {
            return Err(Error::at(
                "kql::bind::datatable",
                span,
                format!(
                    "{} values do not fill rows of {} columns",
                    values.len(),
                    fields.len()
                ),
            ));
        }
        let mut rows = Vec::new();
        for chunk in values.chunks(fields.len()) {
            let mut row = Vec::new();
            for (v, field) in chunk.iter().zip(&fields) {
                let bound = self.bind_scalar(v, &Schema::default())?;
                let value = bound.as_const().cloned().ok_or_else(|| {
                    Error::at(
                        "kql::bind::datatable",
                        v.span,
                        "datatable values must be constants",
                    )
                })?;
                row.push(fit_to_column(value, bound.ty, field.ty).ok_or_else(|| {
                    Error::at(
                        "kql::bind::type",
                        v.span,
                        format!(
                            "a {} value cannot go in column `{}` of type {}",
                            bound.ty, field.name, field.ty
                        ),
                    )
                })?);
            }
            rows.push(row);
        }
        let schema = Arc::new(Schema::new(fields));
        Ok(Plan {
            node: Node::Values(Batch::from_rows(schema.clone(), rows)),
            schema,
        })
    }

    fn bind_print(&mut self, items: &[Assignment]) -> Result<Plan, Error> {
        let mut fields = Vec::new();
        let mut row = Vec::new();
        let mut namer = Namer::default();
        for (n, a) in items.iter().enumerate() {
            let bound = self.bind_scalar(&a.expr, &Schema::default())?;
            let name = match &a.name {
                Some(id) => id.name.clone(),
                None => format!("print_{n}"),
            };
            if namer.is_taken(&name) {
                return Err(duplicate_column(
                    &name,
                    a.name.as_ref().map_or(a.expr.span, |i| i.span),
                ));
            }
            namer.take(&name);
            row.push(bound.eval_const().map_err(|e| match e.span {
                // an error from inside the expression keeps its place
                Some(_) => e,
                None => e.with_span(a.expr.span),
            })?);
            fields.push(Field::new(name, bound.ty));
        }
        let schema = Arc::new(Schema::new(fields));
        Ok(Plan {
            node: Node::Values(Batch::from_rows(schema.clone(), vec![row])),
            schema,
        })
    }

    fn bind_range(
        &mut self,
        column: &Ident,
        from: &Expr,
        to: &Expr,
        step: &Expr,
    ) -> Result<Plan, Error> {
        let empty = Schema::default();
        let mut bound = Vec::new();
        for e in [from, to, step] {
            let b = self.bind_scalar(e, &empty)?;
            let v = b.as_const().cloned().ok_or_else(|| {
                Error::at("kql::bind::range", e.span, "range bounds must be constants")
            })?;
            bound.push((b.ty, v, e.span));
        }
        let ty = match bound[0].0 {
            Type::Int => Type::Long,
            t => t,
        };
        let step_ok = match ty {
            Type::Long | Type::Real => bound[2].0.is_numeric(),
            Type::DateTime | Type::TimeSpan => bound[2].0 == Type::TimeSpan,
            _ => false,
        };
        if !step_ok
            || !(bound[1].0 == bound[0].0 || (bound[1].0.is_numeric() && bound[0].0.is_numeric()))
        {
            return Err(Error::at(
                "kql::bind::range",
                bound[2].2,
                "range needs numbers, datetimes or timespans, with a matching step",
            ));
        }
        let [from, to, step] = [0, 1, 2].map(|n| bound[n].1.clone());
        Ok(Plan {
            node: Node::Range { from, to, step },
            schema: Arc::new(Schema::new(vec![Field::new(column.name.clone(), ty)])),
        })
    }

    pub(super) fn bind_operator(&mut self, input: Plan, op: &Operator) -> Result<Plan, Error> {
        let schema = input.schema.clone();
        match &op.kind {
            OperatorKind::Where(e) => {
                let predicate = self.bind_scalar(e, &schema)?;
                if !matches!(predicate.ty, Type::Bool | Type::Dynamic) {
                    return Err(Error::at(
                        "kql::bind::type",
                        e.span,
                        format!("the `where` predicate must be a bool, not {}", predicate.ty),
                    ));
                }
                let mut input = input;
                prefilter::push_down(&mut input, e);
                Ok(Plan {
                    node: Node::Filter {
                        input: Box::new(input),
                        predicate,
                    },
                    schema,
                })
            }
            OperatorKind::Extend(items) => self.bind_extend(input, items),
            OperatorKind::Project(items) => self.bind_project(input, items),
            OperatorKind::ProjectAway(patterns) => {
                let removed = resolve_patterns(&schema, patterns)?;
                let keep: Vec<usize> = (0..schema.len()).filter(|i| !removed.contains(i)).collect();
                Ok(select(input, &keep))
            }
            OperatorKind::ProjectKeep(patterns) => {
                let kept = resolve_patterns(&schema, patterns)?;
                let keep: Vec<usize> = (0..schema.len()).filter(|i| kept.contains(i)).collect();
                Ok(select(input, &keep))
            }
            OperatorKind::ProjectReorder(items) => {
                let mut order: Vec<usize> = Vec::new();
                for (pattern, sort) in items {
                    let mut matched: Vec<usize> =
                        resolve_patterns(&schema, std::slice::from_ref(pattern))?
                            .into_iter()
                            .filter(|i| !order.contains(i))
                            .collect();
                    if let Some(sort) = sort {
                        sort_names(&mut matched, &schema, &sort.name);
                    }
                    order.extend(matched);
                }
                order.extend(
                    (0..schema.len())
                        .filter(|i| !order.contains(i))
                        .collect::<Vec<_>>(),
                );
                Ok(select(input, &order))
            }
            OperatorKind::ProjectRename(pairs) => {
                let mut fields = schema.fields.clone();
                for (new, old) in pairs {
                    let i = column_index(&schema, old)?;
                    fields[i].name = new.name.clone();
                }
                let mut seen = HashSet::new();
                for (f, (new, _)) in fields.iter().zip(pairs.iter().cycle()) {
                    if !seen.insert(f.name.clone()) {
                        return Err(duplicate_column(&f.name, new.span));
                    }
                }
                let exprs = (0..schema.len())
                    .map(|i| BExpr::column(i, schema.fields[i].ty, op.span))
                    .collect();
                Ok(Plan {
                    node: Node::Project {
                        input: Box::new(input),
                        exprs,
                    },
                    schema: Arc::new(Schema::new(fields)),
                })
            }
            OperatorKind::Take(e) => {
                let count = self.constant_count(e)?;
                Ok(Plan {
                    node: Node::Take {
                        input: Box::new(input),
                        count,
                    },
                    schema,
                })
            }
            OperatorKind::Count => Ok(Plan {
                node: Node::Summarize {
                    input: Box::new(input),
                    keys: Vec::new(),
                    aggregates: vec![BoundAggregate {
                        kind: AggKind::Count,
                        args: Vec::new(),
                        output_types: vec![Type::Long],
                    }],
                },
                schema: Arc::new(Schema::new(vec![Field::new("Count", Type::Long)])),
            }),
            OperatorKind::Summarize { aggregates, by } => {
                self.bind_summarize(input, aggregates, by)
            }
            OperatorKind::Distinct(items) => {
                let mut keys = Vec::new();
                let mut fields = Vec::new();
                let mut namer = Namer::default();
                for item in items {
                    if matches!(item.kind, ExprKind::Star) {
                        for (i, f) in schema.fields.iter().enumerate() {
                            keys.push(BExpr::column(i, f.ty, item.span));
                            fields.push(Field::new(namer.unique(&f.name), f.ty));
                        }
                        continue;
                    }
                    let key = self.bind_scalar(item, &schema)?;
                    self.check_groupable(&key)?;
                    let name = default_name(item).unwrap_or_else(|| namer.next_column());
                    fields.push(Field::new(namer.unique(&name), key.ty));
                    keys.push(key);
                }
                Ok(Plan {
                    node: Node::Summarize {
                        input: Box::new(input),
                        keys,
                        aggregates: Vec::new(),
                    },
                    schema: Arc::new(Schema::new(fields)),
                })
            }
            OperatorKind::Sort(keys) => {
                let keys = self.bind_sort_keys(keys, &schema)?;
                Ok(Plan {
                    node: Node::Sort {
                        input: Box::new(input),
                        keys,
                        limit: None,
                    },
                    schema,
                })
            }
            OperatorKind::Top { count, by } => {
                let limit = self.constant_count(count)?;
                let keys = self.bind_sort_keys(by, &schema)?;
                Ok(Plan {
                    node: Node::Sort {
                        input: Box::new(input),
                        keys,
                        limit: Some(limit),
                    },
                    schema,
                })
            }
            OperatorKind::Parse(p) => self.bind_parse(input, p, op.span),
            OperatorKind::Join { params, right, on } => {
                self.bind_join(input, params, right, on, false)
            }
            OperatorKind::Lookup { params, right, on } => {
                self.bind_join(input, params, right, on, true)
            }
            OperatorKind::Union { params, tables } => {
                self.bind_union(Some(input), params, tables, op.span)
            }
            // the data is unchanged; kql draws no charts
            OperatorKind::Render { .. } => Ok(input),
            OperatorKind::MvExpand(m) => self.bind_mv_expand(input, m),
            OperatorKind::Invoke(call) => {
                let ExprKind::Call { name, args } = &call.kind else {
                    return Err(Error::at(
                        "kql::bind::invoke",
                        call.span,
                        "`invoke` needs a function call",
                    ));
                };
                if !matches!(self.lookup(&name.name), Some(Binding::Function { .. })) {
                    if let Some(plan) = service::invoke(&name.name, input.clone(), call.span) {
                        return Ok(plan);
                    }
                    return Err(Error::at(
                        "kql::unsupported::function",
                        name.span,
                        format!(
                            "`{}` is not a function defined in this query; Kusto service functions cannot run offline",
                            name.name
                        ),
                    ));
                }
                match self.call_function(name, args, Some(input), &Schema::default(), true)? {
                    FunctionResult::Table(p) => Ok(p),
                    FunctionResult::Scalar(_) => Err(Error::at(
                        "kql::bind::invoke",
                        call.span,
                        "`invoke` needs a tabular function",
                    )),
                }
            }
            OperatorKind::Search { params, predicate } => {
                self.bind_search_filter(input, params, predicate)
            }
            OperatorKind::MakeSeries(m) => self.bind_make_series(input, m),
            OperatorKind::GetSchema => Ok(self.bind_getschema(&input)),
            OperatorKind::Serialize(items) => {
                if items.is_empty() {
                    Ok(input)
                } else {
                    self.bind_extend(input, items)
                }
            }
            OperatorKind::As { name, .. } => {
                self.scope
                    .push((name.name.clone(), Binding::Plan(input.clone())));
                Ok(input)
            }
            OperatorKind::Sample(n) => {
                let count = self.constant_count(n)?;
                Ok(Plan {
                    node: Node::Sample {
                        input: Box::new(input),
                        count,
                    },
                    schema,
                })
            }
            OperatorKind::SampleDistinct { count, column } => {
                let n = self.constant_count(count)?;
                let key = self.bind_scalar(column, &schema)?;
                self.check_groupable(&key)?;
                let name = default_name(column).unwrap_or_else(|| "Column1".to_string());
                let distinct = Plan {
                    node: Node::Summarize {
                        input: Box::new(input),
                        keys: vec![key.clone()],
                        aggregates: Vec::new(),
                    },
                    schema: Arc::new(Schema::new(vec![Field::new(name, key.ty)])),
                };
                let schema = distinct.schema.clone();
                Ok(Plan {
                    node: Node::Take {
                        input: Box::new(distinct),
                        count: n,
                    },
                    schema,
                })
            }
            OperatorKind::Evaluate {
                plugin,
                schema: declared,
                ..
            } => self.bind_evaluate(input, plugin, declared.as_deref()),
            OperatorKind::MvApply { expand, ops } => self.bind_mv_apply(input, expand, ops),
            OperatorKind::TopNested(levels) => self.bind_top_nested(input, levels),
        }
    }

    fn constant_count(&mut self, e: &Expr) -> Result<usize, Error> {
        let bound = self.bind_scalar(e, &Schema::default())?;
        match bound.as_const().and_then(Value::as_i64) {
            Some(n) if n >= 0 => Ok(n as usize),
            _ => Err(Error::at(
                "kql::bind::count",
                e.span,
                "expected a constant, non-negative row count",
            )),
        }
    }

    fn bind_sort_keys(
        &mut self,
        keys: &[kql_parser::SortKey],
        schema: &Schema,
    ) -> Result<Vec<SortKey>, Error> {
        keys.iter()
            .map(|k| {
                let expr = self.bind_scalar(&k.expr, schema)?;
                let descending = k.descending.unwrap_or(true);
                Ok(SortKey {
                    expr,
                    descending,
                    nulls_first: k.nulls_first.unwrap_or(!descending),
                })
            })
            .collect()
    }

    /// `extend`: new columns appended; a name that exists is replaced in place.
    /// `extend`: new columns appended; a name that exists is replaced in place. Each
    /// expression sees the columns made before it in the same `extend`.
    fn bind_extend(&mut self, input: Plan, items: &[Assignment]) -> Result<Plan, Error> {
        let mut plan = input;
        for a in items {
            if !a.more_names.is_empty() {
                plan = self.bind_unsupported_columns(plan, a)?;
                continue;
            }
            let (windowed, expr, hidden) = self.with_window_columns(plan, &a.expr)?;
            plan = windowed;
            let schema = plan.schema.clone();
            let bound = self.bind_scalar(&expr, &schema)?;
            let mut fields = schema.fields.clone();
            let mut exprs: Vec<BExpr> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| BExpr::column(i, f.ty, Span::default()))
                .collect();
            let name = match (&a.name, default_name(&a.expr)) {
                (Some(id), _) => id.name.clone(),
                (None, Some(n)) => n,
                (None, None) => Namer::new(fields.iter().map(|f| f.name.clone())).next_column(),
            };
            let field = Field::new(name.clone(), bound.ty);
            match fields.iter().position(|f| f.name == name) {
                Some(i) => {
                    fields[i] = field;
                    exprs[i] = bound;
                }
                None => {
                    fields.push(field);
                    exprs.push(bound);
                }
            }
            // drop the window functions' helper columns again
            let keep: Vec<usize> = (0..fields.len()).filter(|i| !hidden.contains(i)).collect();
            let fields: Vec<Field> = keep.iter().map(|&i| fields[i].clone()).collect();
            let exprs: Vec<BExpr> = keep.iter().map(|&i| exprs[i].clone()).collect();
            plan = Plan {
                node: Node::Project {
                    input: Box::new(plan),
                    exprs,
                },
                schema: Arc::new(Schema::new(fields)),
            };
        }
        Ok(plan)
    }

    /// `extend (a, b, c) = series_decompose_anomalies(x)`: the series functions that return
    /// several columns are valid KQL kql cannot compute; their columns bind and fail on rows.
    fn bind_unsupported_columns(&mut self, input: Plan, a: &Assignment) -> Result<Plan, Error> {
        const SERIES: [&str; 6] = [
            "series_decompose_anomalies",
            "series_decompose",
            "series_decompose_forecast",
            "series_fit_line",
            "series_fit_2lines",
            "series_stats",
        ];
        let function = match &a.expr.kind {
            ExprKind::Call { name, .. } if SERIES.contains(&name.name.as_str()) => name,
            _ => {
                let span = a.more_names[0].span;
                return Err(Error::at(
                    "kql::unsupported",
                    span,
                    "assigning several columns at once (`(a, b) = ...`) is not supported for this expression",
                ));
            }
        };
        let error = Error::at(
            "kql::unsupported::function",
            a.expr.span,
            format!("`{}()` is not supported by kql yet", function.name),
        );
        let mut fields = input.schema.fields.clone();
        let mut exprs: Vec<BExpr> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| BExpr::column(i, f.ty, Span::default()))
            .collect();
        for name in a.name.iter().chain(&a.more_names) {
            let column = BExpr {
                kind: crate::expr::BKind::Unavailable(Box::new(error.clone())),
                ty: Type::Dynamic,
                span: a.expr.span,
            };
            match fields.iter().position(|f| f.name == name.name) {
                Some(i) => {
                    fields[i] = Field::new(name.name.clone(), Type::Dynamic);
                    exprs[i] = column;
                }
                None => {
                    fields.push(Field::new(name.name.clone(), Type::Dynamic));
                    exprs.push(column);
                }
            }
        }
        Ok(Plan {
            node: Node::Project {
                input: Box::new(input),
                exprs,
            },
            schema: Arc::new(Schema::new(fields)),
        })
    }

    fn bind_project(&mut self, input: Plan, items: &[Assignment]) -> Result<Plan, Error> {
        let mut fields = Vec::new();
        let mut exprs = Vec::new();
        let mut namer = Namer::default();
        for a in items {
            let bound = self.bind_scalar(&a.expr, &input.schema)?;
            let (name, span) = match (&a.name, default_name(&a.expr)) {
                (Some(id), _) => (id.name.clone(), id.span),
                (None, Some(n)) => (n, a.expr.span),
                (None, None) => (namer.next_column(), a.expr.span),
            };
            if namer.is_taken(&name) && fields.iter().any(|f: &Field| f.name == name) {
                return Err(duplicate_column(&name, span));
            }
            namer.take(&name);
            fields.push(Field::new(name, bound.ty));
            exprs.push(bound);
        }
        Ok(Plan {
            node: Node::Project {
                input: Box::new(input),
                exprs,
            },
            schema: Arc::new(Schema::new(fields)),
        })
    }

    fn bind_summarize(
        &mut self,
        input: Plan,
        aggregates: &[Assignment],
        by: &[Assignment],
    ) -> Result<Plan, Error> {
        let schema = input.schema.clone();
        let mut namer = Namer::default();
        let mut fields = Vec::new();
        let mut keys = Vec::new();
        let mut key_columns = Vec::new();
        for a in by {
            let key = self.bind_scalar(&a.expr, &schema)?;
            self.check_groupable(&key)?;
            let name = match (&a.name, default_name(&a.expr)) {
                (Some(id), _) => id.name.clone(),
                (None, Some(n)) => n,
                (None, None) => namer.next_column(),
            };
            if let kql_parser::ExprKind::Name(id) = &a.expr.kind {
                key_columns.push(id.name.clone());
            }
            fields.push(Field::new(namer.unique(&name), key.ty));
            keys.push(key);
        }
        let mut bound_aggregates = Vec::new();
        // what each aggregate assignment becomes in the output: its own columns, or an
        // expression over hidden aggregate columns (`round(sum(x) / 1000, 2)`)
        let mut outputs: Vec<SummaryOutput> = Vec::new();
        for a in aggregates {
            let direct = matches!(&a.expr.kind, ExprKind::Call { name, .. } if aggregate::lookup(&name.name).is_some());
            if !direct {
                let mut calls = Vec::new();
                let rewritten = extract_aggregates(&a.expr, &mut calls, bound_aggregates.len());
                if calls.is_empty() {
                    return Err(not_an_aggregate(&a.expr));
                }
                for call in &calls {
                    let hidden = Assignment {
                        name: None,
                        more_names: Vec::new(),
                        expr: call.clone(),
                    };
                    let (bound, _) = self.bind_one_aggregate(&hidden, &schema, &key_columns)?;
                    fields.push(Field::new(
                        hidden_aggregate_name(bound_aggregates.len()),
                        bound.output_types[0],
                    ));
                    bound_aggregates.push(bound);
                }
                let name = match (&a.name, default_name(&a.expr)) {
                    (Some(id), _) => id.name.clone(),
                    (None, Some(n)) => n,
                    (None, None) => namer.next_column(),
                };
                outputs.push(SummaryOutput::Computed(namer.unique(&name), rewritten));
                continue;
            }
            let (bound, names) = self.bind_one_aggregate(a, &schema, &key_columns)?;
            let mut columns = Vec::new();
            for ((n, name), ty) in names.into_iter().enumerate().zip(&bound.output_types) {
                let name = match (&a.name, n) {
                    (Some(id), 0) => id.name.clone(),
                    _ => name.unwrap_or_else(|| namer.next_column()),
                };
                columns.push(fields.len());
                fields.push(Field::new(namer.unique(&name), *ty));
            }
            outputs.push(SummaryOutput::Columns(columns));
            bound_aggregates.push(bound);
        }
        let key_count = keys.len();
        let summarized = Plan {
            node: Node::Summarize {
                input: Box::new(input),
                keys,
                aggregates: bound_aggregates,
            },
            schema: Arc::new(Schema::new(fields)),
        };
        if !outputs
            .iter()
            .any(|o| matches!(o, SummaryOutput::Computed(..)))
        {
            return Ok(summarized);
        }
        // compute the expressions over the aggregated rows, in the assignments' order
        let inner = summarized.schema.clone();
        let mut out_fields: Vec<Field> = inner.fields[..key_count].to_vec();
        let mut exprs: Vec<BExpr> = (0..key_count)
            .map(|i| BExpr::column(i, inner.fields[i].ty, Span::default()))
            .collect();
        for o in outputs {
            match o {
                SummaryOutput::Columns(cols) => {
                    for c in cols {
                        out_fields.push(inner.fields[c].clone());
                        exprs.push(BExpr::column(c, inner.fields[c].ty, Span::default()));
                    }
                }
                SummaryOutput::Computed(name, expr) => {
                    let bound = self.bind_scalar(&expr, &inner)?;
                    out_fields.push(Field::new(name, bound.ty));
                    exprs.push(bound);
                }
            }
        }
        Ok(Plan {
            node: Node::Project {
                input: Box::new(summarized),
                exprs,
            },
            schema: Arc::new(Schema::new(out_fields)),
        })
    }

    /// One aggregate call of `summarize`, checked and bound, with its default column names.
    fn bind_one_aggregate(
        &mut self,
        a: &Assignment,
        schema: &SchemaRef,
        key_columns: &[String],
    ) -> Result<(BoundAggregate, Vec<Option<String>>), Error> {
        let ExprKind::Call { name: fname, args } = &a.expr.kind else {
            return Err(not_an_aggregate(&a.expr));
        };
        let Some((kind, min, max)) = aggregate::lookup(&fname.name) else {
            return Err(not_an_aggregate(&a.expr));
        };
        if args.len() < min || args.len() > max {
            return Err(Error::at(
                "kql::bind::arity",
                a.expr.span,
                format!(
                    "`{}` takes {min} to {max} arguments, got {}",
                    fname.name,
                    args.len()
                ),
            ));
        }
        self.bind_aggregate(kind, &fname.name, args, schema, key_columns, a)
    }

    /// Binds one aggregate call; returns it with the default names of its output columns.
    fn bind_aggregate(
        &mut self,
        kind: AggKind,
        fname: &str,
        args: &[Expr],
        schema: &SchemaRef,
        key_columns: &[String],
        a: &Assignment,
    ) -> Result<(BoundAggregate, Vec<Option<String>>), Error> {
        let mut bound_args = Vec::new();
        let mut names = Vec::new();
        let multi = matches!(kind, AggKind::ArgMax | AggKind::ArgMin | AggKind::TakeAny);
        for (n, arg) in args.iter().enumerate() {
            if matches!(arg.kind, ExprKind::Star) {
                if !multi || (n == 0 && kind != AggKind::TakeAny) {
                    return Err(Error::at(
                        "kql::bind::star",
                        arg.span,
                        format!("`*` is not allowed here in `{fname}`"),
                    ));
                }
                // `arg_max(x, *)`: every column but the by-keys and `x` itself
                let own = bound_args.first().and_then(|b: &BExpr| match b.kind {
                    crate::expr::BKind::Column(i) => Some(i),
                    _ => None,
                });
                for (i, f) in schema.fields.iter().enumerate() {
                    if kind != AggKind::TakeAny && (key_columns.contains(&f.name) || own == Some(i))
                    {
                        continue;
                    }
                    bound_args.push(BExpr::column(i, f.ty, arg.span));
                    names.push(Some(f.name.clone()));
                }
                continue;
            }
            let bound = self.bind_scalar(arg, schema)?;
            if multi {
                let prefix = if fname == "any" { "any_" } else { "" };
                names.push(default_name(arg).map(|d| format!("{prefix}{d}")));
            }
            bound_args.push(bound);
        }
        // `count(x)` counts rows; its argument is only evaluated for nothing
        if kind == AggKind::Count {
            bound_args.clear();
        }
        let mut max_arg = None;
        let predicate_at = match kind {
            AggKind::CountIf => Some(0),
            AggKind::DCountIf
            | AggKind::SumIf
            | AggKind::AvgIf
            | AggKind::MinIf
            | AggKind::MaxIf
            | AggKind::MakeSetIf { .. }
            | AggKind::MakeListIf { .. } => Some(1),
            _ => None,
        };
        if let Some(p) = predicate_at
            && !matches!(bound_args[p].ty, Type::Bool | Type::Dynamic)
        {
            return Err(Error::at(
                "kql::bind::type",
                bound_args[p].span,
                format!("the predicate of `{fname}` must be a bool"),
            ));
        }
        let mut kind = kind;
        match kind {
            AggKind::MakeSet { .. } | AggKind::MakeList { .. } if bound_args.len() == 2 => {
                max_arg = Some(bound_args.remove(1))
            }
            AggKind::MakeSetIf { .. } | AggKind::MakeListIf { .. } if bound_args.len() == 3 => {
                max_arg = Some(bound_args.remove(2))
            }
            AggKind::DCount if bound_args.len() == 2 => {
                bound_args.truncate(1);
            }
            AggKind::DCountIf if bound_args.len() == 3 => {
                bound_args.truncate(2);
            }
            _ => {}
        }
        if let Some(m) = max_arg {
            let max = m
                .as_const()
                .and_then(Value::as_i64)
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    Error::at(
                        "kql::bind::argument",
                        m.span,
                        "the size limit must be a positive constant",
                    )
                })?;
            // as in Kusto, the limit is at most the default (1,048,576 elements)
            let max = usize::try_from(max).map_or(aggregate::MAKE_DEFAULT_MAX, |m| {
                m.min(aggregate::MAKE_DEFAULT_MAX)
            });
            kind = match kind {
                AggKind::MakeSet { .. } => AggKind::MakeSet { max },
                AggKind::MakeList { .. } => AggKind::MakeList { max },
                AggKind::MakeSetIf { .. } => AggKind::MakeSetIf { max },
                _ => AggKind::MakeListIf { max },
            };
        }
        let output_types = aggregate::output_types(kind, fname, &bound_args)?;
        if !multi {
            let first = args.first().and_then(default_name);
            names = aggregate::result_names(fname, first.as_deref(), args)
                .unwrap_or_else(|| vec![default_name(&a.expr)]);
        }
        Ok((
            BoundAggregate {
                kind,
                args: bound_args,
                output_types,
            },
            names,
        ))
    }

    fn bind_parse(
        &mut self,
        input: Plan,
        p: &kql_parser::Parse,
        span: Span,
    ) -> Result<Plan, Error> {
        let schema = input.schema.clone();
        let source = self.bind_scalar(&p.source, &schema)?;
        let kind = p.kind.unwrap_or(kql_parser::ParseKind::Simple);
        if p.drop_unmatched && kind == kql_parser::ParseKind::Relaxed {
            return Err(Error::at(
                "kql::bind::parse_kind",
                span,
                "`parse-where` does not support `kind=relaxed`",
            ));
        }
        let mut types = Vec::new();
        for part in &p.pattern {
            if let ParsePart::Column { ty, .. } = part {
                types.push(match ty {
                    Some(t) => type_named(t)?,
                    None => Type::String,
                });
            }
        }
        let flags = p.flags.as_ref().map(|f| (f.name.as_str(), f.span));
        let plan = ParsePlan::build(kind, flags, &p.pattern, &types, span)?;
        let mut fields = schema.fields.clone();
        let mut outputs: Vec<ParseOutput> = (0..fields.len()).map(ParseOutput::Input).collect();
        for (n, (name, ty)) in plan.columns.iter().enumerate() {
            let field = Field::new(name.clone(), *ty);
            match fields.iter().position(|f| &f.name == name) {
                Some(i) => {
                    fields[i] = field;
                    outputs[i] = ParseOutput::Parsed(n);
                }
                None => {
                    fields.push(field);
                    outputs.push(ParseOutput::Parsed(n));
                }
            }
        }
        let source = if source.ty == Type::String {
            source
        } else {
            let span = source.span;
            crate::operators::apply(
                "tostring",
                |a| Value::str(&a[0].to_kql_string()),
                vec![source],
                Type::String,
                span,
            )
        };
        let drop_unmatched = p.drop_unmatched;
        Ok(Plan {
            node: Node::Parse {
                input: Box::new(input),
                source,
                parse: Arc::new(plan),
                outputs,
                drop_unmatched,
            },
            schema: Arc::new(Schema::new(fields)),
        })
    }
}

/// What an aggregate assignment of `summarize` turns into.
enum SummaryOutput {
    /// Output columns of the aggregate itself.
    Columns(Vec<usize>),
    /// A named expression over hidden aggregate columns.
    Computed(String, Expr),
}

/// The name of the n-th hidden aggregate column (not a valid KQL name, so no clash).
fn hidden_aggregate_name(n: usize) -> String {
    format!(" aggregate {n}")
}

/// `e` with each aggregate call replaced by a reference to a hidden column (numbered from
/// `first` on), and the calls in order.
fn extract_aggregates(e: &Expr, calls: &mut Vec<Expr>, first: usize) -> Expr {
    rewrite::replace(e, &mut |x: &Expr| match &x.kind {
        ExprKind::Call { name, .. } if aggregate::lookup(&name.name).is_some() => {
            let id = Ident {
                name: hidden_aggregate_name(first + calls.len()),
                span: x.span,
            };
            calls.push(x.clone());
            Some(Expr::new(ExprKind::Name(id), x.span))
        }
        _ => None,
    })
}

fn not_an_aggregate(e: &Expr) -> Error {
    let mut err = Error::at(
        "kql::bind::not_aggregate",
        e.span,
        "`summarize` needs an aggregation function here",
    )
    .with_label("not an aggregation");
    if let ExprKind::Call { name, .. } = &e.kind {
        let all = [
            "count",
            "countif",
            "dcount",
            "dcountif",
            "sum",
            "sumif",
            "avg",
            "min",
            "max",
            "make_set",
            "make_list",
            "take_any",
            "arg_max",
            "arg_min",
        ];
        if let Some(s) = did_you_mean(&name.name, all) {
            err = err.with_help(format!("did you mean `{s}`?"));
        }
    }
    err
}

impl Binder<'_> {
    /// Group keys cannot be dynamic, except over the stand-in tables of unknown tables, whose
    /// columns are all dynamic.
    fn check_groupable(&self, key: &BExpr) -> Result<(), Error> {
        if key.ty == Type::Dynamic && self.unknown_table_columns.is_none() {
            return Err(Error::at(
                "kql::bind::dynamic_key",
                key.span,
                "cannot group by a dynamic value",
            )
            .with_help("convert it first, e.g. tostring(x)"));
        }
        Ok(())
    }
}

fn duplicate_column(name: &str, span: Span) -> Error {
    Error::at(
        "kql::bind::duplicate_column",
        span,
        format!("column `{name}` appears twice in the output"),
    )
}

/// The Kusto type called `id`.
pub fn type_named(id: &Ident) -> Result<Type, Error> {
    Type::from_name(&id.name).ok_or_else(|| {
        let mut e = Error::at(
            "kql::bind::unknown_type",
            id.span,
            format!("unknown type `{}`", id.name),
        );
        if id.name == "decimal" {
            e = Error::at(
                "kql::unsupported",
                id.span,
                "the decimal type is not supported yet",
            );
        } else if let Some(s) = did_you_mean(
            &id.name,
            [
                "bool", "int", "long", "real", "double", "string", "datetime", "timespan", "guid",
                "dynamic",
            ],
        ) {
            e = e.with_help(format!("did you mean `{s}`?"));
        }
        e
    })
}

/// A column of `schema` by exact name, with "did you mean" help.
pub fn column_index(schema: &Schema, id: &Ident) -> Result<usize, Error> {
    schema
        .index_of(&id.name)
        .ok_or_else(|| unknown_column(schema, id))
}

pub fn unknown_column(schema: &Schema, id: &Ident) -> Error {
    let mut e = Error::at(
        "kql::bind::unknown_column",
        id.span,
        format!("unknown column `{}`", id.name),
    )
    .with_label("not a column of the input");
    if id.name == "null" {
        // `x == null`: Kusto has typed nulls only
        e = e.with_label("`null` alone is not a value").with_help(
            "test with isnull(x), or isempty(x) for strings (never null: a missing string is \
             \"\"); a typed null is written long(null), datetime(null), ...",
        );
    } else if let Some(s) = did_you_mean(&id.name, schema.names()) {
        e = e.with_help(format!("did you mean `{s}`?"));
    }
    e
}

/// Indices of the columns matching any of `patterns`, in pattern order then schema order.
fn resolve_patterns(schema: &Schema, patterns: &[Ident]) -> Result<Vec<usize>, Error> {
    let mut out = Vec::new();
    for p in patterns {
        if p.name.contains('*') {
            for (i, name) in schema.names().enumerate() {
                if matches_pattern(&p.name, name) && !out.contains(&i) {
                    out.push(i);
                }
            }
        } else {
            let i = column_index(schema, p)?;
            if !out.contains(&i) {
                out.push(i);
            }
        }
    }
    Ok(out)
}

/// Orders columns by name: `asc`/`desc` compare as text, `granny-*` compare runs of digits
/// as numbers (`a2` before `a10`).
fn sort_names(indices: &mut [usize], schema: &Schema, order: &str) {
    let key = |i: &usize| schema.fields[*i].name.clone();
    match order {
        "asc" => indices.sort_by_key(key),
        "desc" => indices.sort_by_key(|i| std::cmp::Reverse(key(i))),
        _ => {
            let granny = |i: &usize| natural_key(&schema.fields[*i].name);
            indices.sort_by_key(granny);
            if order == "granny-desc" {
                indices.reverse();
            }
        }
    }
}

/// A sort key where digit runs compare by value.
fn natural_key(name: &str) -> Vec<(String, u128)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in name.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push((
                    std::mem::take(&mut text),
                    digits.parse().unwrap_or(u128::MAX),
                ));
                digits.clear();
            }
            text.push(c);
        }
    }
    out.push((text, digits.parse().unwrap_or(0)));
    out
}

/// A plan keeping the columns at `indices`, in that order.
pub(super) fn select(input: Plan, indices: &[usize]) -> Plan {
    let schema = Arc::new(Schema::new(
        indices
            .iter()
            .map(|&i| input.schema.fields[i].clone())
            .collect(),
    ));
    let exprs = indices
        .iter()
        .map(|&i| BExpr::column(i, input.schema.fields[i].ty, Span::default()))
        .collect();
    Plan {
        node: Node::Project {
            input: Box::new(input),
            exprs,
        },
        schema,
    }
}

/// A constant of type `from` stored in a column of type `to` (numbers widen, anything goes
/// into dynamic); `None` if it does not fit.
fn fit_to_column(v: Value, from: Type, to: Type) -> Option<Value> {
    if v.is_null() {
        return Some(Value::missing(to));
    }
    Some(match (from, to, &v) {
        (a, b, _) if a == b => v,
        (Type::Long | Type::Int, Type::Int, v) => Value::Int(i32::try_from(v.as_i64()?).ok()?),
        (Type::Int, Type::Long, v) => Value::Long(v.as_i64()?),
        (Type::Int | Type::Long, Type::Real, v) => Value::Real(v.as_f64()?),
        (_, Type::Dynamic, Value::Dynamic(_)) => v,
        (_, Type::Dynamic, v) => Value::Dynamic(Arc::new(v.to_json())),
        (Type::String, Type::Guid, Value::String(s)) => Value::Guid(crate::value::parse_guid(s)?),
        _ => return None,
    })
}
