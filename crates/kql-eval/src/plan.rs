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
    /// Read `columns` (indices into the source's schema) of a table; rows that cannot pass
    /// the filters above may be skipped by the source (`prefilter`).
    Scan {
        source: Arc<dyn TableSource>,
        columns: Vec<usize>,
        prefilter: crate::source::Prefilter,
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
    /// `join` and `lookup`: the right side is read whole, the left streams.
    Join {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        left_keys: Vec<BExpr>,
        right_keys: Vec<BExpr>,
        outputs: Vec<JoinOutput>,
    },
    /// `union`: each input's columns mapped to output positions (`None`: missing there),
    /// with an optional source name for `withsource=`.
    Union {
        inputs: Vec<(Plan, Vec<Option<usize>>, Option<String>)>,
    },
    /// `mv-expand`
    MvExpand {
        input: Box<Plan>,
        columns: Vec<ExpandColumn>,
        outputs: Vec<ExpandOutput>,
        /// `bagexpansion=array`: a bag expands to `[key, value]` pairs, not one-key bags.
        bags_as_arrays: bool,
        limit: Option<usize>,
    },
    /// Input columns followed by window-function columns.
    Window {
        input: Box<Plan>,
        functions: Vec<WindowFn>,
    },
    /// `sample N`: a uniform sample (seeded, so runs repeat).
    Sample { input: Box<Plan>, count: usize },
    /// `make-series`
    MakeSeries(Box<MakeSeriesPlan>),
    /// `mv-apply`: each row's expansion goes through `subquery` (which reads it from
    /// `slot`); the row's other columns (`keep`) come first in each result row.
    MvApply {
        input: Box<Plan>,
        expand: Box<Plan>,
        keep: Vec<usize>,
        subquery: Box<Plan>,
        slot: Slot,
    },
    /// The rows placed in `slot` (the input of an `mv-apply` subquery).
    Slot(Slot),
    /// `top-nested`: per level, the top groups by an aggregate, within the level above.
    TopNested {
        input: Box<Plan>,
        levels: Vec<TopNestedLevel>,
    },
}

/// One `top-nested N of Expr by Aggregate` level.
#[derive(Clone)]
pub struct TopNestedLevel {
    pub of: BExpr,
    /// `None`: every group.
    pub count: Option<usize>,
    pub aggregate: BoundAggregate,
    pub descending: bool,
}

/// A batch handed to a subquery at run time.
pub type Slot = Arc<std::sync::Mutex<Option<Batch>>>;

/// A bound `make-series`.
#[derive(Clone)]
pub struct MakeSeriesPlan {
    pub input: Plan,
    pub keys: Vec<BExpr>,
    pub aggregates: Vec<BoundAggregate>,
    /// The value an empty bin gets, per aggregate.
    pub defaults: Vec<crate::Value>,
    pub axis: BExpr,
    pub from: Option<crate::Value>,
    pub to: Option<crate::Value>,
    pub step: crate::Value,
    /// `in range(...)`: the stop is inclusive.
    pub inclusive: bool,
}

/// The kinds of `join` (§B.1.14); `lookup` uses `LeftOuter` and `Inner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    InnerUnique,
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    LeftSemi,
    LeftAnti,
    RightSemi,
    RightAnti,
}

/// Where an output column of a join comes from.
#[derive(Clone, Copy, Debug)]
pub enum JoinOutput {
    Left(usize),
    Right(usize),
}

/// One `mv-expand` column: the value to expand and the type its elements become.
#[derive(Clone)]
pub struct ExpandColumn {
    pub expr: BExpr,
    /// `to typeof(T)`; dynamic otherwise.
    pub ty: crate::types::Type,
}

/// Where an output column of `mv-expand` comes from.
#[derive(Clone, Copy, Debug)]
pub enum ExpandOutput {
    Input(usize),
    Expanded(usize),
    /// `with_itemindex`
    Index,
}

/// Window functions computed in row order (`serialize`, `sort` output).
#[derive(Clone)]
pub enum WindowFn {
    /// `row_number(start)`
    RowNumber { start: i64 },
    /// `prev(expr, offset, default)` and `next` (negative offset)
    Shift {
        expr: BExpr,
        offset: i64,
        default: BExpr,
    },
    /// `row_cumsum(expr)`
    CumSum(BExpr),
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
