//! The bound plan: a tree of tabular operators over bound expressions.

use std::sync::Arc;

use crate::aggregate::BoundAggregate;
use crate::batch::Batch;
use crate::expr::BExpr;
use crate::parse_op::ParsePlan;
use crate::source::TableSource;
use crate::types::SchemaRef;

/// A tabular operator with its input and output schema.
#[derive(Clone)]
pub struct Plan {
    pub node: Node,
    pub schema: SchemaRef,
}

#[derive(Clone)]
pub enum Node {
    /// Read `columns` (indices into the source's schema) of a table.
    Scan {
        source: Arc<dyn TableSource>,
        columns: Vec<usize>,
    },
    /// Rows known at bind time: `datatable`, `print`.
    Values(Batch),
    /// `range`: `from`, `from + step`, ... while not past `to`.
    Range {
        from: crate::Value,
        to: crate::Value,
        step: crate::Value,
    },
    /// `where`: rows where the predicate is true.
    Filter { input: Box<Plan>, predicate: BExpr },
    /// `project`, `extend`, `project-away`, ...: one expression per output column.
    Project { input: Box<Plan>, exprs: Vec<BExpr> },
    /// `take`
    Take { input: Box<Plan>, count: usize },
    /// `summarize`, `distinct`, `count`
    Summarize {
        input: Box<Plan>,
        keys: Vec<BExpr>,
        aggregates: Vec<BoundAggregate>,
    },
    /// `sort`, `top` (with a limit)
    Sort {
        input: Box<Plan>,
        keys: Vec<SortKey>,
        limit: Option<usize>,
    },
    /// `parse`, `parse-where`: input columns, then the parsed ones (replacing same-named ones).
    Parse {
        input: Box<Plan>,
        source: BExpr,
        parse: Arc<ParsePlan>,
        /// For each output column: an input column, or the n-th parsed column.
        outputs: Vec<ParseOutput>,
        drop_unmatched: bool,
    },
}

#[derive(Clone, Copy, Debug)]
pub enum ParseOutput {
    Input(usize),
    Parsed(usize),
}

#[derive(Clone)]
pub struct SortKey {
    pub expr: BExpr,
    pub descending: bool,
    pub nulls_first: bool,
}
