//! The syntax tree. Every node carries the [`Span`] of the text it came from.

use crate::span::Span;

/// A name: a column, table, `let` binding or function. `['a b']` quoting is removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A whole query text: statements separated by `;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub statements: Vec<Statement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// `let Name = expression` (scalar or tabular; the binder decides which)
    Let { name: Ident, value: Expr },
    /// `set query_now = datetime(2024-01-01)`, `set notruncation`
    Set { name: Ident, value: Option<Expr> },
    /// A query: a tabular expression whose result is the statement's output.
    Query(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `42`, `"text"`, `3d`, `datetime(2024-01-01)`, `long(null)`, `dynamic([1, 2])`
    Literal(Literal),
    /// `FileName`, `['name with space']`, `$left.Key` (as `Member`)
    Name(Ident),
    /// `*` where a column list may be replaced by all columns: `arg_max(T, *)`, `take_any(*)`
    Star,
    /// `name = value` as a function argument: `ipv4_lookup(T, ip, net, return_unmatched = true)`
    Named { name: Ident, value: Box<Expr> },
    /// `strlen(s)`, `not (a == b)`, `count()`
    Call { name: Ident, args: Vec<Expr> },
    /// `a + b`, `a and b`, `s contains "x"`
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `-x`, `+x`
    Unary { op: UnaryOp, operand: Box<Expr> },
    /// `x in ("a", "b")`, `x !in~ (T | project y)`
    In {
        lhs: Box<Expr>,
        negated: bool,
        case_insensitive: bool,
        list: Vec<Expr>,
    },
    /// `x has_any ("a", "b")`, `x has_all (list)`
    HasList {
        lhs: Box<Expr>,
        all: bool,
        list: Vec<Expr>,
    },
    /// `x between (1 .. 10)`, `x !between (a .. b)`
    Between {
        lhs: Box<Expr>,
        negated: bool,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `d.key`
    Member { target: Box<Expr>, name: Ident },
    /// `d["key"]`, `a[0]`
    Index { target: Box<Expr>, index: Box<Expr> },
    /// `datatable(a:long, b:string)[1, "x", 2, "y"]`
    Datatable {
        columns: Vec<ColumnDecl>,
        values: Vec<Expr>,
    },
    /// `print a = 1, strlen("x")`
    Print(Vec<Assignment>),
    /// `range x from 1 to 10 step 1`
    Range {
        column: Ident,
        from: Box<Expr>,
        to: Box<Expr>,
        step: Box<Expr>,
    },
    /// `input | operator`: a tabular pipeline, nested to the left.
    Pipe { input: Box<Expr>, op: Box<Operator> },
    /// `(x:long, T:(*)) { body }` in `let f = ...`; `view () { body }`
    Lambda {
        params: Vec<Param>,
        body: Box<Body>,
        view: bool,
    },
    /// `externaldata(Col:type, ...) ["uri", ...] with (format="csv")`
    ExternalData {
        columns: Vec<ColumnDecl>,
        uris: Vec<Expr>,
        properties: Vec<NamedArg>,
    },
    /// `union [kind=outer] [withsource=T] T1, T2, Device*` as a source
    Union {
        params: Vec<NamedArg>,
        tables: Vec<Expr>,
    },
    /// `search [in (T1, T2)] "term"` as a source
    Search {
        params: Vec<NamedArg>,
        tables: Vec<Expr>,
        predicate: Box<Expr>,
    },
}

/// `name = value` settings of operators: `kind=inner`, `hint.strategy=shuffle`,
/// `withsource=SourceTable`, `format="csv"`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedArg {
    /// Dotted names are kept whole: `hint.strategy`.
    pub name: Ident,
    pub value: Expr,
}

/// A parameter of a user-defined function.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: ParamType,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    /// `x: long`
    Scalar(Ident),
    /// `T: (Col: string, ...)`; empty for `T: (*)`
    Table(Vec<ColumnDecl>),
}

/// The body of a function: its own `let` statements, then the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub lets: Vec<Statement>,
    pub value: Expr,
}

/// `Name: type` in `datatable` and `parse` patterns.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    pub name: Ident,
    pub ty: Ident,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Bool(bool),
    /// `int(5)`
    Int(i32),
    Long(i64),
    Real(f64),
    String(String),
    /// `datetime(...)`: the text between the parentheses, read by the evaluator.
    DateTime(String),
    /// `3d`, `1.5h`, `time(00:01:00)`: in 100-nanosecond ticks.
    TimeSpan(i64),
    /// `guid(...)`: the text between the parentheses.
    Guid(String),
    /// `dynamic(...)`
    Dynamic(DynamicLit),
    /// `long(null)`, `datetime(null)`: the type's name as written.
    TypedNull(String),
}

/// The contents of a `dynamic(...)` literal.
#[derive(Debug, Clone, PartialEq)]
pub enum DynamicLit {
    Null,
    Bool(bool),
    Long(i64),
    Real(f64),
    String(String),
    /// A scalar written with a typed literal inside `dynamic(...)`, e.g. `datetime(...)`.
    Scalar(Box<Literal>),
    Array(Vec<DynamicLit>),
    Object(Vec<(String, DynamicLit)>),
}

/// Binary operators, tightest-binding last in each group of the precedence table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// `=~`
    EqCi,
    /// `!~`
    NotEqCi,
    /// String predicates: `contains`, `!has_cs`, `startswith`, ...
    Str(StrOp),
    /// `matches regex`
    MatchesRegex,
}

/// The string predicate family: a kind, whether negated, whether case-sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StrOp {
    pub kind: StrOpKind,
    pub negated: bool,
    pub case_sensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrOpKind {
    Contains,
    Has,
    HasPrefix,
    HasSuffix,
    StartsWith,
    EndsWith,
}

impl StrOpKind {
    pub fn keyword(self) -> &'static str {
        match self {
            StrOpKind::Contains => "contains",
            StrOpKind::Has => "has",
            StrOpKind::HasPrefix => "hasprefix",
            StrOpKind::HasSuffix => "hassuffix",
            StrOpKind::StartsWith => "startswith",
            StrOpKind::EndsWith => "endswith",
        }
    }
}

impl BinOp {
    /// Binding strength: higher binds tighter (KQL's table, §A.9.5 of the semantics).
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::NotEq => 3,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 6,
            BinOp::EqCi | BinOp::NotEqCi | BinOp::Str(_) | BinOp::MatchesRegex => 7,
        }
    }

    /// Operators of a non-associative level cannot be chained without parentheses.
    pub fn is_associative(self) -> bool {
        matches!(
            self.precedence(),
            1 | 2 | 5 | 6 // or, and, additive, multiplicative
        )
    }

    /// The operator as written in KQL.
    pub fn symbol(self) -> String {
        match self {
            BinOp::Or => "or".into(),
            BinOp::And => "and".into(),
            BinOp::Eq => "==".into(),
            BinOp::NotEq => "!=".into(),
            BinOp::Lt => "<".into(),
            BinOp::Le => "<=".into(),
            BinOp::Gt => ">".into(),
            BinOp::Ge => ">=".into(),
            BinOp::Add => "+".into(),
            BinOp::Sub => "-".into(),
            BinOp::Mul => "*".into(),
            BinOp::Div => "/".into(),
            BinOp::Mod => "%".into(),
            BinOp::EqCi => "=~".into(),
            BinOp::NotEqCi => "!~".into(),
            BinOp::MatchesRegex => "matches regex".into(),
            BinOp::Str(s) => format!(
                "{}{}{}",
                if s.negated { "!" } else { "" },
                s.kind.keyword(),
                if s.case_sensitive { "_cs" } else { "" }
            ),
        }
    }
}

/// Precedence of `in`, `has_any`, `between`: the equality level.
pub const LIST_OP_PRECEDENCE: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
}

/// `Name = expr` or a bare `expr` in `extend`, `project`, `summarize`, `print`; also
/// `(A, B) = f(x)` for functions that return several columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub name: Option<Ident>,
    /// The names after the first in `(A, B, C) = ...`.
    pub more_names: Vec<Ident>,
    pub expr: Expr,
}

/// One stage after `|`.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    pub kind: OperatorKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OperatorKind {
    /// `where Predicate` (alias `filter`)
    Where(Expr),
    /// `extend A = expr, expr`
    Extend(Vec<Assignment>),
    /// `project A, B = expr`
    Project(Vec<Assignment>),
    /// `project-away A, B*`
    ProjectAway(Vec<Ident>),
    /// `project-keep A, B*`
    ProjectKeep(Vec<Ident>),
    /// `project-rename New = Old`
    ProjectRename(Vec<(Ident, Ident)>),
    /// `project-reorder A, B* asc` (a pattern may name an order: `asc`, `desc`,
    /// `granny-asc`, `granny-desc`)
    ProjectReorder(Vec<(Ident, Option<Ident>)>),
    /// `take N` (alias `limit`)
    Take(Expr),
    /// `count`
    Count,
    /// `summarize [A =] agg(...), ... [by Key, ...]`
    Summarize {
        aggregates: Vec<Assignment>,
        by: Vec<Assignment>,
    },
    /// `sort by a desc, b asc nulls first` (alias `order by`)
    Sort(Vec<SortKey>),
    /// `top 10 by x desc`
    Top { count: Expr, by: Vec<SortKey> },
    /// `distinct A, B` or `distinct *`
    Distinct(Vec<Expr>),
    /// `parse [kind=regex [flags=iU]] Expr with * "lit" Col ...` and `parse-where ...`
    Parse(Parse),
    /// `join kind=leftouter hint.strategy=broadcast (Right) on Key, $left.A == $right.B`
    Join {
        params: Vec<NamedArg>,
        right: Expr,
        on: Vec<Expr>,
    },
    /// `lookup kind=leftouter (Right) on Key`
    Lookup {
        params: Vec<NamedArg>,
        right: Expr,
        on: Vec<Expr>,
    },
    /// `union [kind=inner] T2, T3`
    Union {
        params: Vec<NamedArg>,
        tables: Vec<Expr>,
    },
    /// `render timechart with (title="x")`
    Render {
        visualization: Ident,
        properties: Vec<NamedArg>,
    },
    /// `mv-expand [bagexpansion=array] [with_itemindex=I] A, B = expr to typeof(long) [limit N]`
    MvExpand(MvExpand),
    /// `mv-apply x = arr to typeof(long) on (where x > 1 | project x)`
    MvApply {
        expand: MvExpand,
        ops: Vec<Operator>,
    },
    /// `invoke f(args)`
    Invoke(Expr),
    /// `evaluate bag_unpack(col) [: (Col:type, ...)]`
    Evaluate {
        params: Vec<NamedArg>,
        plugin: Expr,
        schema: Option<Vec<ColumnDecl>>,
    },
    /// `search "term"` over the input's columns
    Search {
        params: Vec<NamedArg>,
        predicate: Expr,
    },
    /// `make-series A = count() default = 0 on T from a to b step 1h by K`
    MakeSeries(Box<MakeSeries>),
    /// `top-nested 3 of State by sum(x), top-nested 2 of Source by count()`
    TopNested(Vec<TopNestedLevel>),
    /// `getschema`
    GetSchema,
    /// `serialize [Name = expr, ...]`
    Serialize(Vec<Assignment>),
    /// `as Name`
    As { params: Vec<NamedArg>, name: Ident },
    /// `sample N`
    Sample(Expr),
    /// `sample-distinct N of Column`
    SampleDistinct { count: Expr, column: Expr },
}

#[derive(Debug, Clone, PartialEq)]
pub struct MvExpand {
    pub params: Vec<NamedArg>,
    pub items: Vec<MvExpandItem>,
    pub limit: Option<Expr>,
}

/// `Name = expr to typeof(type)` (name and type optional)
#[derive(Debug, Clone, PartialEq)]
pub struct MvExpandItem {
    pub name: Option<Ident>,
    pub expr: Expr,
    pub to_type: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MakeSeries {
    /// Aggregates with their `default = value`.
    pub aggregates: Vec<(Assignment, Option<Expr>)>,
    pub axis: Expr,
    pub from: Option<Expr>,
    pub to: Option<Expr>,
    pub step: Expr,
    /// `in range(start, stop, step)`: the stop is inclusive.
    pub range_form: bool,
    pub by: Vec<Assignment>,
}

/// `top-nested [N] of Expr [with others = V] by Aggregate [asc|desc]`
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedLevel {
    pub count: Option<Expr>,
    pub of: Assignment,
    pub others: Option<Expr>,
    pub by: Assignment,
    pub descending: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    /// `None` when not written (the operator's default applies).
    pub descending: Option<bool>,
    /// `Some(true)` for `nulls first`, `Some(false)` for `nulls last`.
    pub nulls_first: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseKind {
    Simple,
    Regex,
    Relaxed,
}

impl ParseKind {
    pub fn keyword(self) -> &'static str {
        match self {
            ParseKind::Simple => "simple",
            ParseKind::Regex => "regex",
            ParseKind::Relaxed => "relaxed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parse {
    /// `parse-where` drops rows that do not match.
    pub drop_unmatched: bool,
    /// `None` when `kind=` is not written (simple).
    pub kind: Option<ParseKind>,
    pub flags: Option<Ident>,
    pub source: Expr,
    pub pattern: Vec<ParsePart>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// `*`
    Star(Span),
    /// `"literal"` (adjacent literals already joined)
    Literal(String, Span),
    /// `Name` or `Name: type`
    Column { name: Ident, ty: Option<Ident> },
}
