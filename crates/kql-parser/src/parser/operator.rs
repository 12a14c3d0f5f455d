//! Tabular operators: one stage after `|`.

use nom::Parser;
use nom::bytes::complete::take_while1;

use super::expr::{
    assignment, at_keyword, comma_list, comma_list1, expr_no_pipe, name, unsupported,
};
use super::lexical::{keyword, peek_word, string_lit, sym, ws};
use super::{Input, PResult, SyntaxError, expect, span_of};
use crate::ast::{Ident, Operator, OperatorKind, Parse, ParseKind, ParsePart, SortKey};
use crate::error::ParseError;
use crate::span::Span;

/// KQL operators kql does not run yet: named in the error instead of "unknown".
const NOT_YET: [&str; 27] = [
    "join",
    "union",
    "lookup",
    "mv-expand",
    "mv-apply",
    "evaluate",
    "render",
    "as",
    "invoke",
    "serialize",
    "make-series",
    "top-nested",
    "top-hitters",
    "getschema",
    "sample",
    "sample-distinct",
    "search",
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

/// The operator names accepted after `|`, for the error message.
const EXPECTED: &str = "a tabular operator (where, extend, project, project-away, project-rename, \
     project-keep, project-reorder, parse, parse-where, summarize, count, take, limit, sort, \
     order, top, distinct)";

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
        "project-away" | "project-keep" | "project-reorder" => {
            let (rest, _) = take_keyword(i, word)?;
            let (rest, names) = comma_list1(rest, "a column name or pattern", column_pattern)?;
            let kind = match word {
                "project-away" => OperatorKind::ProjectAway(names),
                "project-keep" => OperatorKind::ProjectKeep(names),
                _ => OperatorKind::ProjectReorder(names),
            };
            (rest, kind)
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
        OperatorKind::ProjectAway(names)
        | OperatorKind::ProjectKeep(names)
        | OperatorKind::ProjectReorder(names) => names.last().map(|n| n.span.end),
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
        OperatorKind::Count => None,
    };
    last.map_or_else(|| rest.location_offset().max(start), |e| e as usize)
}

/// A hyphenated operator name such as `project-away`.
fn take_keyword<'a>(i: Input<'a>, word: &str) -> PResult<'a, Span> {
    let start = i.location_offset();
    let (rest, _) = nom::bytes::complete::take(word.len()).parse(i)?;
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
    let (mut rest, _) = expect("`with`", keyword("with")).parse(rest)?;
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
                Span::new(rest.location_offset(), rest.location_offset() + 1),
                "syntax error: expected a parse pattern after `with`",
            ),
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
