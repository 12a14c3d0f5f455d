//! Tabular operators: one stage after `|`.

use nom::Parser;
use nom::bytes::complete::take_while1;

use super::expr::{
    DepthGuard, assignment, at_keyword, column_decl, comma_list, comma_list1, expr_no_pipe, name,
    named_args, postfix, table_operand, union_parts, unsupported, with_properties,
};
use super::lexical::{keyword, peek_word, string_lit, sym, ws};
use super::{Input, PResult, SyntaxError, expect, span_of};
use crate::ast::{
    Assignment, Ident, MakeSeries, MvExpand, MvExpandItem, Operator, OperatorKind, Parse,
    ParseKind, ParsePart, SortKey, TopNestedLevel,
};
use crate::error::ParseError;
use crate::span::Span;

/// KQL operators kql does not run yet: named in the error instead of "unknown".
const NOT_YET: [&str; 11] = [
    "top-hitters",
    "find",
    "fork",
    "facet",
    "partition",
    "scan",
    "reduce",
    "extend-where",
    "project-smart",
    "consume",
    "externaldata",
];

/// The tabular operators kql runs (REPL completion offers them; a misspelt one is matched
/// against them and the operators not run yet for "did you mean").
pub const TABULAR_OPERATORS: &[&str] = &[
    "where",
    "filter",
    "extend",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "parse",
    "parse-where",
    "summarize",
    "count",
    "distinct",
    "take",
    "limit",
    "sort",
    "order",
    "top",
    "join",
    "lookup",
    "union",
    "mv-expand",
    "mv-apply",
    "make-series",
    "top-nested",
    "serialize",
    "invoke",
    "evaluate",
    "search",
    "getschema",
    "as",
    "sample",
    "sample-distinct",
    "render",
];

/// The operator name closest to `word` (one or two edits away, or a different case), if any.
pub fn closest_operator(word: &str) -> Option<&'static str> {
    let lower = word.to_ascii_lowercase();
    let limit = if lower.len() <= 4 { 1 } else { 2 };
    TABULAR_OPERATORS
        .iter()
        .chain(&NOT_YET)
        .map(|op| (edit_distance(&lower, op), *op))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, op)| op)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // words longer than any operator name are not slips of one
    if a.len() > 40 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The operator names accepted after `|`, for the error message.
const EXPECTED: &str = "a tabular operator (where, extend, project, summarize, join, union, ...)";

/// ```text
/// operator := where | extend | project | ... (one per tabular operator)
/// ```
pub fn operator(i: Input) -> PResult<Operator> {
    let start = i.location_offset();
    let Some(word) = peek_word(i) else {
        return Err(nom::Err::Failure(SyntaxError::expected(i, EXPECTED)));
    };
    let (rest, kind) = match word {
        "where" | "filter" => {
            let (rest, _) = keyword(if word == "where" { "where" } else { "filter" }).parse(i)?;
            let (rest, e) = expect("a predicate", expr_no_pipe).parse(rest)?;
            (rest, OperatorKind::Where(e))
        }
        "extend" => {
            let (rest, _) = keyword("extend").parse(i)?;
            let (rest, items) = comma_list1(rest, "a column expression", assignment)?;
            (rest, OperatorKind::Extend(items))
        }
        "project" => {
            let (rest, _) = keyword("project").parse(i)?;
            let (rest, items) = comma_list1(rest, "a column", assignment)?;
            (rest, OperatorKind::Project(items))
        }
        "project-away" | "project-keep" => {
            let (rest, _) = take_keyword(i, word)?;
            let (rest, names) = comma_list1(rest, "a column name or pattern", column_pattern)?;
            let kind = match word {
                "project-away" => OperatorKind::ProjectAway(names),
                _ => OperatorKind::ProjectKeep(names),
            };
            (rest, kind)
        }
        "project-reorder" => {
            let (rest, _) = take_keyword(i, word)?;
            let (rest, items) = comma_list1(rest, "a column name or pattern", |i| {
                let (i, pattern) = column_pattern(i)?;
                let order = peek_word(i)
                    .filter(|w| matches!(*w, "asc" | "desc" | "granny-asc" | "granny-desc"));
                match order {
                    Some(w) => {
                        let start = i.location_offset();
                        let (rest, _) = take_keyword(i, w)?;
                        let order = Ident {
                            name: w.to_string(),
                            span: Span::new(start, start + w.len()),
                        };
                        Ok((rest, (pattern, Some(order))))
                    }
                    None => Ok((i, (pattern, None))),
                }
            })?;
            (rest, OperatorKind::ProjectReorder(items))
        }
        "project-rename" => {
            let (rest, _) = take_keyword(i, word)?;
            let (rest, pairs) = comma_list1(rest, "`NewName = OldName`", |i| {
                let (i, new) = name(i)?;
                let (i, _) = expect("`=`", sym("=")).parse(i)?;
                let (i, old) = expect("the existing column name", name).parse(i)?;
                Ok((i, (new, old)))
            })?;
            (rest, OperatorKind::ProjectRename(pairs))
        }
        "take" | "limit" => {
            let (rest, _) = keyword(if word == "take" { "take" } else { "limit" }).parse(i)?;
            let (rest, e) = expect("a row count", expr_no_pipe).parse(rest)?;
            (rest, OperatorKind::Take(e))
        }
        "count" => {
            let (rest, _) = keyword("count").parse(i)?;
            (rest, OperatorKind::Count)
        }
        "summarize" => summarize(i)?,
        "sort" | "order" => {
            let (rest, _) = keyword(if word == "sort" { "sort" } else { "order" }).parse(i)?;
            let (rest, _) = expect("`by`", keyword("by")).parse(rest)?;
            let (rest, keys) = comma_list1(rest, "a sort key", sort_key)?;
            (rest, OperatorKind::Sort(keys))
        }
        "top" => {
            let (rest, _) = keyword("top").parse(i)?;
            let (rest, count) = expect("a row count", expr_no_pipe).parse(rest)?;
            let (rest, _) = expect("`by`", keyword("by")).parse(rest)?;
            let (rest, key) = expect("a sort key", sort_key).parse(rest)?;
            (
                rest,
                OperatorKind::Top {
                    count,
                    by: vec![key],
                },
            )
        }
        "distinct" => {
            let (rest, _) = keyword("distinct").parse(i)?;
            let (rest, items) = comma_list1(rest, "a column or `*`", |i| {
                if i.fragment().starts_with('*') {
                    let (rest, span) = sym("*").parse(i)?;
                    return Ok((
                        rest,
                        crate::ast::Expr::new(crate::ast::ExprKind::Star, span),
                    ));
                }
                expr_no_pipe(i)
            })?;
            (rest, OperatorKind::Distinct(items))
        }
        "parse" | "parse-where" => parse_op(i, word == "parse-where")?,
        "join" | "lookup" => {
            let (rest, _) = take_keyword(i, word)?;
            let (rest, params) = named_args(rest, &["kind", "hint."])?;
            let (rest, right) = expect("the right table", table_operand).parse(rest)?;
            let (rest, _) = expect("`on`", keyword("on")).parse(rest)?;
            let (rest, on) = comma_list1(rest, "join keys", expr_no_pipe)?;
            let kind = if word == "join" {
                OperatorKind::Join { params, right, on }
            } else {
                OperatorKind::Lookup { params, right, on }
            };
            (rest, kind)
        }
        "union" => {
            let (rest, _) = keyword("union").parse(i)?;
            let (rest, (params, tables)) = union_parts(rest)?;
            (rest, OperatorKind::Union { params, tables })
        }
        "render" => {
            let (rest, _) = keyword("render").parse(i)?;
            let (rest, visualization) =
                expect("a visualization such as `timechart`", name).parse(rest)?;
            let (rest, mut properties) = named_args(rest, &[""])?;
            let rest = if at_keyword(rest, "with") {
                let (r, _) = keyword("with").parse(rest)?;
                let (r, props) = expect("`(name = value, ...)`", with_properties).parse(r)?;
                properties.extend(props);
                r
            } else {
                rest
            };
            (
                rest,
                OperatorKind::Render {
                    visualization,
                    properties,
                },
            )
        }
        "mv-expand" => {
            let (rest, _) = take_keyword(i, word)?;
            let (rest, expand) = mv_expand(rest)?;
            (rest, OperatorKind::MvExpand(expand))
        }
        "mv-apply" => {
            // its subquery may hold another `mv-apply`: each level counts
            let _guard = DepthGuard::enter(i)?;
            let (rest, _) = take_keyword(i, word)?;
            let (rest, expand) = mv_expand(rest)?;
            let (rest, _) = expect("`on`", keyword("on")).parse(rest)?;
            let (rest, _) = expect("`(`", sym("(")).parse(rest)?;
            let (rest, ops) = subquery_ops(rest)?;
            let (rest, _) = expect("`)`", sym(")")).parse(rest)?;
            (rest, OperatorKind::MvApply { expand, ops })
        }
        "invoke" => {
            let (rest, _) = keyword("invoke").parse(i)?;
            let (rest, call) = expect("a function call", postfix).parse(rest)?;
            (rest, OperatorKind::Invoke(call))
        }
        "evaluate" => {
            let (rest, _) = keyword("evaluate").parse(i)?;
            let (rest, params) = named_args(rest, &["hint."])?;
            let (rest, plugin) =
                expect("a plugin call such as `bag_unpack(col)`", postfix).parse(rest)?;
            let (rest, schema) = match sym(":").parse(rest) {
                Ok((r, _)) => {
                    let (r, _) = expect("`(`", sym("(")).parse(r)?;
                    let (r, cols) = comma_list1(r, "a column declaration", column_decl)?;
                    let (r, _) = expect("`)`", sym(")")).parse(r)?;
                    (r, Some(cols))
                }
                Err(_) => (rest, None),
            };
            (
                rest,
                OperatorKind::Evaluate {
                    params,
                    plugin,
                    schema,
                },
            )
        }
        "search" => {
            let (rest, _) = keyword("search").parse(i)?;
            let (rest, params) = named_args(rest, &["kind"])?;
            let (rest, predicate) = expect("a search predicate", expr_no_pipe).parse(rest)?;
            (rest, OperatorKind::Search { params, predicate })
        }
        "make-series" => make_series(i)?,
        "top-nested" => top_nested(i)?,
        "getschema" => {
            let (rest, _) = keyword("getschema").parse(i)?;
            (rest, OperatorKind::GetSchema)
        }
        "serialize" => {
            let (rest, _) = keyword("serialize").parse(i)?;
            let (rest, items) = comma_list(rest, assignment)?;
            (rest, OperatorKind::Serialize(items))
        }
        "as" => {
            let (rest, _) = keyword("as").parse(i)?;
            let (rest, params) = named_args(rest, &["hint."])?;
            let (rest, name) = expect("a name", name).parse(rest)?;
            (rest, OperatorKind::As { params, name })
        }
        "sample" => {
            let (rest, _) = keyword("sample").parse(i)?;
            let (rest, count) = expect("a row count", expr_no_pipe).parse(rest)?;
            (rest, OperatorKind::Sample(count))
        }
        "sample-distinct" => {
            let (rest, _) = take_keyword(i, word)?;
            let (rest, count) = expect("a count", expr_no_pipe).parse(rest)?;
            let (rest, _) = expect("`of`", keyword("of")).parse(rest)?;
            let (rest, column) = expect("a column", expr_no_pipe).parse(rest)?;
            (rest, OperatorKind::SampleDistinct { count, column })
        }
        w if NOT_YET.contains(&w) => {
            return Err(nom::Err::Failure(unsupported(i, w.len(), w)));
        }
        _ => return Err(nom::Err::Failure(SyntaxError::expected(i, EXPECTED))),
    };
    let span = Span::new(start, end_before_ws(start, rest, &kind));
    Ok((rest, Operator { kind, span }))
}

/// The end offset of the operator's own text (trailing whitespace and comments excluded).
fn end_before_ws(start: usize, rest: Input, kind: &OperatorKind) -> usize {
    let last = match kind {
        OperatorKind::Where(e) | OperatorKind::Take(e) => Some(e.span.end),
        OperatorKind::Extend(items) | OperatorKind::Project(items) => {
            items.last().map(|a| a.expr.span.end)
        }
        OperatorKind::ProjectAway(names) | OperatorKind::ProjectKeep(names) => {
            names.last().map(|n| n.span.end)
        }
        OperatorKind::ProjectReorder(items) => items
            .last()
            .map(|(p, order)| order.as_ref().unwrap_or(p).span.end),
        OperatorKind::ProjectRename(pairs) => pairs.last().map(|(_, old)| old.span.end),
        OperatorKind::Summarize { aggregates, by } => {
            by.last().or(aggregates.last()).map(|a| a.expr.span.end)
        }
        OperatorKind::Sort(keys) | OperatorKind::Top { by: keys, .. } => {
            keys.last().map(|k| k.expr.span.end)
        }
        OperatorKind::Distinct(items) => items.last().map(|e| e.span.end),
        OperatorKind::Parse(p) => p.pattern.last().map(|part| match part {
            ParsePart::Star(s) | ParsePart::Literal(_, s) => s.end,
            ParsePart::Column { name, ty } => ty.as_ref().unwrap_or(name).span.end,
        }),
        OperatorKind::Count | OperatorKind::GetSchema => None,
        OperatorKind::Join { on, .. } | OperatorKind::Lookup { on, .. } => {
            on.last().map(|e| e.span.end)
        }
        OperatorKind::Union { tables, .. } => tables.last().map(|e| e.span.end),
        OperatorKind::Render {
            visualization,
            properties,
        } => Some(
            properties
                .last()
                .map_or(visualization.span.end, |p| p.value.span.end),
        ),
        OperatorKind::MvExpand(m) => m.limit.as_ref().map(|l| l.span.end).or(m
            .items
            .last()
            .map(|it| it.to_type.as_ref().map_or(it.expr.span.end, |t| t.span.end))),
        OperatorKind::Invoke(e) | OperatorKind::Sample(e) => Some(e.span.end),
        OperatorKind::Search { predicate, .. } => Some(predicate.span.end),
        OperatorKind::SampleDistinct { column, .. } => Some(column.span.end),
        OperatorKind::As { name, .. } => Some(name.span.end),
        OperatorKind::Serialize(items) => items.last().map(|a| a.expr.span.end),
        OperatorKind::MvApply { .. }
        | OperatorKind::Evaluate { .. }
        | OperatorKind::MakeSeries(_)
        | OperatorKind::TopNested(_) => None,
    };
    last.map_or_else(|| rest.location_offset().max(start), |e| e as usize)
}

/// A hyphenated operator name such as `project-away`.
fn take_keyword<'a>(i: Input<'a>, word: &str) -> PResult<'a, Span> {
    let start = i.location_offset();
    let (rest, _) = super::advance(i, word.len())?;
    let span = span_of(start, rest);
    let (rest, ()) = ws(rest)?;
    Ok((rest, span))
}

/// A column name or a wildcard pattern such as `Initiating*`.
fn column_pattern(i: Input) -> PResult<Ident> {
    if i.fragment().starts_with('[') {
        return name(i);
    }
    let start = i.location_offset();
    let (rest, text) =
        take_while1(|c: char| c.is_alphanumeric() || c == '_' || c == '*' || c == '$').parse(i)?;
    let span = span_of(start, rest);
    let (rest, ()) = ws(rest)?;
    Ok((
        rest,
        Ident {
            name: text.fragment().to_string(),
            span,
        },
    ))
}

/// `summarize [Name =] Aggregate, ... [by [Name =] Key, ...]`
fn summarize(i: Input) -> PResult<OperatorKind> {
    let (rest, _) = keyword("summarize").parse(i)?;
    // `hint.strategy=shuffle` and the like change how Kusto distributes work, not the result
    let (rest, _hints) = named_args(rest, &["hint."])?;
    let (rest, aggregates) = if at_keyword(rest, "by") {
        (rest, Vec::new())
    } else {
        comma_list(rest, assignment)?
    };
    let (rest, by) = match keyword("by").parse(rest) {
        Ok((rest, _)) => comma_list1(rest, "a grouping column", assignment)?,
        Err(_) => (rest, Vec::new()),
    };
    if aggregates.is_empty() && by.is_empty() {
        return Err(nom::Err::Failure(SyntaxError::expected(
            rest,
            "an aggregate or `by`",
        )));
    }
    Ok((rest, OperatorKind::Summarize { aggregates, by }))
}

/// `expr [asc | desc] [nulls first | nulls last]`
fn sort_key(i: Input) -> PResult<SortKey> {
    let (mut rest, expr) = expr_no_pipe(i)?;
    let mut descending = None;
    if let Ok((r, _)) = keyword("asc").parse(rest) {
        descending = Some(false);
        rest = r;
    } else if let Ok((r, _)) = keyword("desc").parse(rest) {
        descending = Some(true);
        rest = r;
    }
    let mut nulls_first = None;
    if let Ok((r, _)) = keyword("nulls").parse(rest) {
        let (r, first) = expect(
            "`first` or `last`",
            nom::branch::alt((
                keyword("first").map(|_| true),
                keyword("last").map(|_| false),
            )),
        )
        .parse(r)?;
        nulls_first = Some(first);
        rest = r;
    }
    Ok((
        rest,
        SortKey {
            expr,
            descending,
            nulls_first,
        },
    ))
}

/// ```text
/// parse := ("parse" | "parse-where") ["kind" "=" kind ["flags" "=" Word]] expr "with" part+
/// part  := "*" | string | Name [":" type]
/// ```
fn parse_op(i: Input, drop_unmatched: bool) -> PResult<OperatorKind> {
    let (mut rest, _) = take_keyword(
        i,
        if drop_unmatched {
            "parse-where"
        } else {
            "parse"
        },
    )?;
    let mut kind = None;
    let mut flags = None;
    loop {
        if at_keyword(rest, "kind") && rest.fragment()[4..].trim_start().starts_with('=') {
            let (r, _) = keyword("kind").parse(rest)?;
            let (r, _) = sym("=").parse(r)?;
            let (r, k) = expect("`simple`, `regex` or `relaxed`", |i| {
                let (r, id) = name(i)?;
                let k = match id.name.as_str() {
                    "simple" => ParseKind::Simple,
                    "regex" => ParseKind::Regex,
                    "relaxed" => ParseKind::Relaxed,
                    _ => return Err(nom::Err::Error(SyntaxError::expected(i, ""))),
                };
                Ok((r, k))
            })
            .parse(r)?;
            kind = Some(k);
            rest = r;
        } else if at_keyword(rest, "flags") && rest.fragment()[5..].trim_start().starts_with('=') {
            let (r, _) = keyword("flags").parse(rest)?;
            let (r, _) = sym("=").parse(r)?;
            let (r, f) = expect("regex flags such as `iU`", name).parse(r)?;
            flags = Some(f);
            rest = r;
        } else {
            break;
        }
    }
    let (rest, source) = expect("the expression to parse", expr_no_pipe).parse(rest)?;
    let (mut rest, with) = expect("`with`", keyword("with")).parse(rest)?;
    let mut pattern = Vec::new();
    loop {
        let s = rest.fragment();
        if s.starts_with('*') {
            let (r, span) = sym("*").parse(rest)?;
            pattern.push(ParsePart::Star(span));
            rest = r;
        } else if super::lexical::at_string(rest) {
            let (r, (text, span)) = string_lit(rest)?;
            pattern.push(ParsePart::Literal(text, span));
            rest = r;
        } else if s.is_empty() || s.starts_with(['|', ';', ')']) {
            break;
        } else {
            let (r, col) = expect("`*`, a string literal or a column name", name).parse(rest)?;
            let (r, ty) = match sym(":").parse(r) {
                Ok((r, _)) => {
                    let (r, ty) = expect("a type name", name).parse(r)?;
                    (r, Some(ty))
                }
                Err(_) => (r, None),
            };
            pattern.push(ParsePart::Column { name: col, ty });
            rest = r;
        }
    }
    if pattern.is_empty() {
        return Err(nom::Err::Failure(SyntaxError::custom(
            rest,
            ParseError::new(
                "kql::syntax",
                // at `with`: what follows may be the end of the text
                with,
                "syntax error: expected a parse pattern after `with`",
            )
            .with_label("a pattern (`*`, string literals and column names) goes after this"),
        )));
    }
    Ok((
        rest,
        OperatorKind::Parse(Parse {
            drop_unmatched,
            kind,
            flags,
            source,
            pattern,
        }),
    ))
}

/// ```text
/// mv_expand := params item ("," item)* ["limit" N]
/// item      := [Name "="] expr ["to" "typeof" "(" type ")"]
/// ```
fn mv_expand(i: Input) -> PResult<MvExpand> {
    let (rest, params) = named_args(i, &["kind", "bagexpansion", "with_itemindex"])?;
    let (rest, items) = comma_list1(rest, "a column to expand", |i| {
        let (i, a) = assignment(i)?;
        let (i, to_type) = if at_keyword(i, "to") {
            let (i, _) = keyword("to").parse(i)?;
            let (i, _) = expect("`typeof`", keyword("typeof")).parse(i)?;
            let (i, _) = expect("`(`", sym("(")).parse(i)?;
            let (i, ty) = expect("a type name", name).parse(i)?;
            let (i, _) = expect("`)`", sym(")")).parse(i)?;
            (i, Some(ty))
        } else {
            (i, None)
        };
        Ok((
            i,
            MvExpandItem {
                name: a.name,
                expr: a.expr,
                to_type,
            },
        ))
    })?;
    let (rest, limit) = if at_keyword(rest, "limit") {
        let (r, _) = keyword("limit").parse(rest)?;
        let (r, n) = expect("a row limit", expr_no_pipe).parse(r)?;
        (r, Some(n))
    } else {
        (rest, None)
    };
    Ok((
        rest,
        MvExpand {
            params,
            items,
            limit,
        },
    ))
}

/// Operators applied to an implicit input: `where x > 1 | project x` (a leading `|` is allowed).
fn subquery_ops(i: Input) -> PResult<Vec<Operator>> {
    let mut i = sym("|").parse(i).map_or(i, |(rest, _)| rest);
    let mut ops = Vec::new();
    loop {
        let (rest, op) = expect(EXPECTED, operator).parse(i)?;
        ops.push(op);
        match sym("|").parse(rest) {
            Ok((rest, _)) => i = rest,
            Err(_) => return Ok((rest, ops)),
        }
    }
}

/// ```text
/// make-series := "make-series" agg ["default" "=" expr] ("," ...)* "on" Axis
///                ("in" "range" "(" start "," stop "," step ")" | ["from" start] ["to" end] "step" step)
///                ["by" keys]
/// ```
fn make_series(i: Input) -> PResult<OperatorKind> {
    let (rest, _) = take_keyword(i, "make-series")?;
    let (rest, aggregates) = comma_list1(rest, "an aggregate", |i| {
        let (i, a) = assignment(i)?;
        let (i, default) = if at_keyword(i, "default") {
            let (i, _) = keyword("default").parse(i)?;
            let (i, _) = expect("`=`", sym("=")).parse(i)?;
            let (i, d) = expect("a default value", expr_no_pipe).parse(i)?;
            (i, Some(d))
        } else {
            (i, None)
        };
        Ok((i, (a, default)))
    })?;
    let (rest, _) = expect("`on`", keyword("on")).parse(rest)?;
    let (mut rest, axis) = expect("the axis column", expr_no_pipe).parse(rest)?;
    let (mut from, mut to, step, range_form);
    if at_keyword(rest, "in") {
        let (r, _) = keyword("in").parse(rest)?;
        let (r, _) = expect("`range`", keyword("range")).parse(r)?;
        let (r, _) = expect("`(`", sym("(")).parse(r)?;
        let (r, start) = expect("a start", expr_no_pipe).parse(r)?;
        let (r, _) = expect("`,`", sym(",")).parse(r)?;
        let (r, stop) = expect("a stop", expr_no_pipe).parse(r)?;
        let (r, _) = expect("`,`", sym(",")).parse(r)?;
        let (r, st) = expect("a step", expr_no_pipe).parse(r)?;
        let (r, _) = expect("`)`", sym(")")).parse(r)?;
        (from, to, step, range_form) = (Some(start), Some(stop), st, true);
        rest = r;
    } else {
        (from, to) = (None, None);
        if at_keyword(rest, "from") {
            let (r, _) = keyword("from").parse(rest)?;
            let (r, e) = expect("a start", expr_no_pipe).parse(r)?;
            from = Some(e);
            rest = r;
        }
        if at_keyword(rest, "to") {
            let (r, _) = keyword("to").parse(rest)?;
            let (r, e) = expect("an end", expr_no_pipe).parse(r)?;
            to = Some(e);
            rest = r;
        }
        let (r, _) = expect("`step`", keyword("step")).parse(rest)?;
        let (r, e) = expect("a step", expr_no_pipe).parse(r)?;
        (step, range_form) = (e, false);
        rest = r;
    }
    let (rest, by) = match keyword("by").parse(rest) {
        Ok((r, _)) => comma_list1(r, "a grouping column", assignment)?,
        Err(_) => (rest, Vec::new()),
    };
    let series = MakeSeries {
        aggregates,
        axis,
        from,
        to,
        step,
        range_form,
        by,
    };
    Ok((rest, OperatorKind::MakeSeries(Box::new(series))))
}

/// `top-nested [N] of Expr [with others = V] by Aggregate [asc|desc], top-nested ...`
fn top_nested(i: Input) -> PResult<OperatorKind> {
    let mut levels = Vec::new();
    let mut rest = i;
    loop {
        let (r, _) = expect("`top-nested`", |i| take_keyword(i, "top-nested")).parse(rest)?;
        let (r, count) = if at_keyword(r, "of") {
            (r, None)
        } else {
            let (r, n) = expect("a count", expr_no_pipe).parse(r)?;
            (r, Some(n))
        };
        let (r, _) = expect("`of`", keyword("of")).parse(r)?;
        let (r, of) = expect("a column", assignment).parse(r)?;
        let (r, others) = if at_keyword(r, "with") {
            let (r, _) = keyword("with").parse(r)?;
            let (r, _) = expect("`others`", keyword("others")).parse(r)?;
            let (r, _) = expect("`=`", sym("=")).parse(r)?;
            let (r, v) = expect("a value", expr_no_pipe).parse(r)?;
            (r, Some(v))
        } else {
            (r, None)
        };
        let (r, _) = expect("`by`", keyword("by")).parse(r)?;
        let (r, by): (Input, Assignment) = expect("an aggregate", assignment).parse(r)?;
        let (r, descending) = if let Ok((r, _)) = keyword("asc").parse(r) {
            (r, Some(false))
        } else if let Ok((r, _)) = keyword("desc").parse(r) {
            (r, Some(true))
        } else {
            (r, None)
        };
        levels.push(TopNestedLevel {
            count,
            of,
            others,
            by,
            descending,
        });
        rest = r;
        let next_level = sym(",")
            .parse(rest)
            .ok()
            .filter(|(r, _)| peek_word(*r) == Some("top-nested"));
        match next_level {
            Some((r, _)) => rest = r,
            None => return Ok((rest, OperatorKind::TopNested(levels))),
        }
    }
}
