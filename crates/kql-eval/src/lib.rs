//! KQL semantics: values and types, the binder, operators, functions and the streaming executor.

pub mod aggregate;
pub mod batch;
mod bind;
pub mod conversion;
pub mod datetime;
pub mod error;
pub mod exec;
pub mod expr;
mod functions;
mod memtable;
mod operators;
mod parse_op;
pub mod plan;
pub mod source;
pub mod types;
pub mod value;

pub use batch::{Batch, Column, ColumnData, Table, column};
pub use error::Error;
pub use functions::{function_names, function_signature};
pub use source::{
    BatchStream, Catalog, GeoIp, MemTable, MemTableBuilder, Prefilter, PrefilterLiteral,
    SCHEMA_CHANGED, TableSource,
};
pub use types::{Field, Schema, SchemaRef, Type};
pub use value::Value;

/// Options that change how a query runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The instant `now()` and `ago()` see, in ticks since the Unix epoch; the wall clock
    /// when `None`. A `set query_now = ...;` statement in the query overrides it.
    pub now: Option<i64>,
    /// When set (by another thread), the running query stops with a `kql::cancelled` error.
    pub cancel: Option<exec::CancelFlag>,
    /// Bind a table no catalog knows as an empty table with every column the query names
    /// (for checking a query without its data; [`check`] reports a warning for each).
    pub unknown_tables_as_empty: bool,
}

/// Parses and binds `src` without running it: the schema of each tabular statement's result,
/// or the first error (syntax, unknown names, types). Reads no table rows.
pub fn check(src: &str, catalog: &dyn Catalog, options: &RunOptions) -> Result<Checked, Error> {
    let script = kql_parser::parse(src)?;
    let now = options.now.unwrap_or_else(wall_clock_now);
    let mut binder = bind::Binder::new(catalog, now, None);
    if options.unknown_tables_as_empty {
        binder.unknown_table_columns = Some(names_in(src, &script));
    }
    let plans = binder.bind_script(&script)?;
    Ok(Checked {
        schemas: plans.into_iter().map(|p| p.schema).collect(),
        warnings: binder.warnings,
    })
}

/// What [`check`] found: the result schemas, and warnings.
#[derive(Debug, Clone)]
pub struct Checked {
    pub schemas: Vec<SchemaRef>,
    pub warnings: Vec<String>,
}

/// Every word of the query that could name a column, but not its `let` names.
fn names_in(src: &str, script: &kql_parser::Script) -> Vec<String> {
    let lets: std::collections::HashSet<&str> = script
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            kql_parser::StatementKind::Let { name, .. } => Some(name.name.as_str()),
            _ => None,
        })
        .collect();
    // a word followed by a single `=` names a new column, not one of the table's
    let mut names = Vec::new();
    let mut rest = src;
    while let Some(start) = rest.find(|c: char| c.is_alphabetic() || c == '_') {
        let tail = &rest[start..];
        let len = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let word = &tail[..len];
        let after = tail[len..].trim_start();
        let assigned =
            after.starts_with('=') && !after.starts_with("==") && !after.starts_with("=~");
        let glued = start > 0 && rest[..start].ends_with(|c: char| c.is_ascii_digit());
        if !assigned && !glued && !lets.contains(word) {
            names.push(word.to_string());
        }
        rest = &tail[len..];
    }
    names.sort();
    names.dedup();
    names
}

/// Runs every statement of `src` and returns one table per tabular statement, in order.
pub fn run(src: &str, catalog: &dyn Catalog, options: &RunOptions) -> Result<Vec<Table>, Error> {
    run_with_warnings(src, catalog, options).map(|(tables, _)| tables)
}

/// [`run`], also returning warnings (notes that did not stop the query).
pub fn run_with_warnings(
    src: &str,
    catalog: &dyn Catalog,
    options: &RunOptions,
) -> Result<(Vec<Table>, Vec<String>), Error> {
    match run_once(src, catalog, options) {
        // a table learned from a sample held more: the catalog now has it read whole
        Err(e) if e.code == source::SCHEMA_CHANGED => run_once(src, catalog, options),
        result => result,
    }
}

fn run_once(
    src: &str,
    catalog: &dyn Catalog,
    options: &RunOptions,
) -> Result<(Vec<Table>, Vec<String>), Error> {
    let script = kql_parser::parse(src)?;
    let now = options.now.unwrap_or_else(wall_clock_now);
    let lenient = options
        .unknown_tables_as_empty
        .then(|| names_in(src, &script));
    let bind_with = |needed| {
        let mut binder = bind::Binder::new(catalog, now, needed);
        binder.unknown_table_columns = lenient.clone();
        let plans = binder.bind_script(&script)?;
        Ok::<_, Error>((plans, binder.warnings))
    };
    // read only the columns the script mentions; if that binding fails, bind again against
    // every column so the error (and its suggestions) sees the whole table
    let needed = bind::needed_columns(&script);
    let (plans, warnings) = match bind_with(needed.clone()) {
        Ok(bound) => bound,
        Err(_) if needed.is_some() => bind_with(None)?,
        Err(e) => return Err(e),
    };
    let renders = script.statements.iter().filter_map(|s| match &s.kind {
        kql_parser::StatementKind::Query(e) => Some(visualization(e)),
        _ => None,
    });
    let tables = plans
        .iter()
        .zip(renders)
        .map(|(plan, render)| {
            let batches = exec::execute(plan, &options.cancel)?.collect::<Result<Vec<_>, _>>()?;
            Ok(Table {
                schema: plan.schema.clone(),
                batches,
                visualization: render,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok((tables, warnings))
}

/// The `render` that ends a query, as written after the keyword.
fn visualization(e: &kql_parser::Expr) -> Option<String> {
    match &e.kind {
        kql_parser::ExprKind::Pipe { op, .. } => match &op.kind {
            kql_parser::OperatorKind::Render { .. } => {
                Some(op.to_string().trim_start_matches("render ").to_string())
            }
            _ => None,
        },
        _ => None,
    }
}

/// The current UTC time in ticks.
fn wall_clock_now() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (since_epoch.as_nanos() / 100) as i64
}

impl From<kql_parser::ParseError> for Error {
    fn from(e: kql_parser::ParseError) -> Error {
        Error {
            code: e.code,
            message: e.message,
            span: Some(e.span),
            label: (!e.label.is_empty()).then_some(e.label),
            help: e.help,
        }
    }
}
