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
mod operators;
mod parse_op;
pub mod plan;
pub mod source;
pub mod types;
pub mod value;

pub use batch::{Batch, Column, Table};
pub use error::Error;
pub use source::{BatchStream, Catalog, MemTable, TableSource};
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
}

/// Parses and binds `src` without running it: the schema of each tabular statement's result,
/// or the first error (syntax, unknown names, types). Reads no table rows.
pub fn check(
    src: &str,
    catalog: &dyn Catalog,
    options: &RunOptions,
) -> Result<Vec<SchemaRef>, Error> {
    let script = kql_parser::parse(src)?;
    let now = options.now.unwrap_or_else(wall_clock_now);
    let plans = bind::Binder::new(catalog, now, None).bind_script(&script)?;
    Ok(plans.into_iter().map(|p| p.schema).collect())
}

/// Runs every statement of `src` and returns one table per tabular statement, in order.
pub fn run(src: &str, catalog: &dyn Catalog, options: &RunOptions) -> Result<Vec<Table>, Error> {
    let script = kql_parser::parse(src)?;
    let now = options.now.unwrap_or_else(wall_clock_now);
    // read only the columns the script mentions; if that binding fails, bind again against
    // every column so the error (and its suggestions) sees the whole table
    let needed = bind::needed_columns(&script);
    let plans = match bind::Binder::new(catalog, now, needed.clone()).bind_script(&script) {
        Ok(plans) => plans,
        Err(_) if needed.is_some() => bind::Binder::new(catalog, now, None).bind_script(&script)?,
        Err(e) => return Err(e),
    };
    plans
        .iter()
        .map(|plan| {
            let batches = exec::execute(plan, &options.cancel)?.collect::<Result<Vec<_>, _>>()?;
            Ok(Table {
                schema: plan.schema.clone(),
                batches,
            })
        })
        .collect()
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
