//! Scalar and tabular expressions.
//!
//! ```text
//! expr     := binary ("|" operator)*
//! binary   := unary (binop binary)*            -- precedence climbing, see BinOp::precedence
//! unary    := ("-" | "+") unary | postfix
//! postfix  := primary ("." Name | "[" expr "]")*
//! primary  := literal | "(" expr ")" | Name | Name "(" args ")" | datatable | print | range
//! ```

use nom::Parser;
use nom::bytes::complete::tag;
use nom::character::complete::satisfy;
use nom::combinator::{not, peek};

use super::lexical::{
    Number, at_string, ident, keyword, number, peek_word, raw_parenthesized, string_lit, sym, ws,
};
use super::operator::operator;
use super::{Input, PResult, SyntaxError, expect};
use crate::ast::{
    Assignment, BinOp, Body, ColumnDecl, DynamicLit, Expr, ExprKind, Ident, LIST_OP_PRECEDENCE,
    Literal, NamedArg, Param, ParamType, StrOp, StrOpKind, UnaryOp,
};
use crate::error::ParseError;
use crate::span::Span;

/// Nesting deeper than this is refused rather than risking the stack: every level of
/// parentheses, call arguments, signs and `dynamic` brackets counts one, and so does every
/// operator of a chain (`a + b + c` nests `(a + b) + c`) or pipeline, and every `.name` or
/// `[index]` after an operand, and every source or function inside another (`range`, `union`,
/// `search`, `mv-apply`, a `let` function's body), since each deepens the syntax tree that
/// binding, evaluation and printing walk recursively.
pub(crate) const MAX_DEPTH: usize = 500;

thread_local! {
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts recursion depth for the lifetime of the guard.
pub(crate) struct DepthGuard;

impl DepthGuard {
    pub(crate) fn enter(i: Input) -> Result<DepthGuard, nom::Err<SyntaxError>> {
        let depth = DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        let guard = DepthGuard;
        if depth > MAX_DEPTH {
            return Err(too_deep(i));
        }
        Ok(guard)
    }
}

fn too_deep(i: Input) -> nom::Err<SyntaxError> {
    let at = i.location_offset();
    // the span covers the character here, or is empty at the end of the text
    let len = i.fragment().chars().next().map_or(0, char::len_utf8);
    nom::Err::Failure(SyntaxError::custom(
        i,
        ParseError::new(
            "kql::syntax::too_deep",
            Span::new(at, at + len),
            format!("expression nested more than {MAX_DEPTH} levels deep"),
        )
        .with_label("nesting limit reached here")
        .with_help(
            "each level of parentheses and call arguments counts, and so does each operator \
             of a long chain such as `a or b or c ...`: split the expression with `let`, or \
             use `in (...)` or `has_any (...)` for long lists of alternatives",
        ),
    ))
}

/// The depth a chain of operators (or pipes, or postfix accesses) adds, one per link, held
/// until the chain is parsed.
struct ChainDepth(usize);

impl ChainDepth {
    fn link<'a>(&mut self, i: Input<'a>) -> Result<(), nom::Err<SyntaxError<'a>>> {
        self.0 += 1;
        let depth = DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        if depth > MAX_DEPTH {
            return Err(too_deep(i));
        }
        Ok(())
    }
}

impl Drop for ChainDepth {
    fn drop(&mut self) {
        let n = self.0;
        DEPTH.with(|d| d.set(d.get().saturating_sub(n)));
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// A full expression, including tabular pipelines: `T | where x > 1 | take 5`.
pub fn expr(i: Input) -> PResult<Expr> {
    let _guard = DepthGuard::enter(i)?;
    let (mut i, mut e) = binary(i, 0)?;
    let mut chain = ChainDepth(0);
    while let Ok((rest, _)) = sym("|").parse(i) {
        chain.link(i)?;
        let (rest, op) = expect("a tabular operator", operator).parse(rest)?;
        let span = e.span.to(op.span);
        e = Expr {
            kind: ExprKind::Pipe {
                input: Box::new(e),
                op: Box::new(op),
            },
            span,
        };
        i = rest;
    }
    Ok((i, e))
}

/// The right side of `let Name = ...`: an expression, or a function `(params) { body }` or
/// `view (params) { body }`.
pub fn let_value(i: Input) -> PResult<Expr> {
    let start = i.location_offset();
    let s = i.fragment();
    let is_view = at_keyword(i, "view");
    let is_function = s.starts_with('(') && {
        // `(a:string, ...) {` or `() {`: a lambda, not a parenthesised expression
        let after_open = s[1..].trim_start();
        after_open.starts_with(')') && after_open[1..].trim_start().starts_with('{') || {
            let name_end = after_open
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after_open.len());
            name_end > 0 && after_open[name_end..].trim_start().starts_with(':')
        }
    };
    if !is_view && !is_function {
        return expr(i);
    }
    // the body may define functions in turn
    let _guard = DepthGuard::enter(i)?;
    let rest = if is_view {
        keyword("view").parse(i)?.0
    } else {
        i
    };
    let (rest, _) = expect("`(`", sym("(")).parse(rest)?;
    let (rest, params) = comma_list(rest, param)?;
    let (rest, _) = expect("`)` or `,`", sym(")")).parse(rest)?;
    let (rest, _) = expect("`{`", sym("{")).parse(rest)?;
    let (rest, body) = expect("a function body", body).parse(rest)?;
    let (rest, close) = expect("`}`", sym("}")).parse(rest)?;
    let kind = ExprKind::Lambda {
        params,
        body: Box::new(body),
        view: is_view,
    };
    Ok((rest, Expr::new(kind, Span::new(start, close.end as usize))))
}

/// `name: type`, `name: type = default`, `T: (Col: type, ...)` or `T: (*)`
fn param(i: Input) -> PResult<Param> {
    let (rest, name) = ident(i)?;
    let (rest, _) = expect("`:` and a type", sym(":")).parse(rest)?;
    if rest.fragment().starts_with('(') {
        let (rest, _) = sym("(").parse(rest)?;
        let (rest, columns) = if rest.fragment().starts_with('*') {
            (sym("*").parse(rest)?.0, Vec::new())
        } else {
            comma_list(rest, column_decl)?
        };
        let (rest, _) = expect("`)`", sym(")")).parse(rest)?;
        let p = Param {
            name,
            ty: ParamType::Table(columns),
            default: None,
        };
        return Ok((rest, p));
    }
    let (rest, ty) = expect("a type name", ident).parse(rest)?;
    let (rest, default) = match sym("=").parse(rest) {
        Ok((rest, _)) => {
            let (rest, d) = expect("a default value", expr_no_pipe).parse(rest)?;
            (rest, Some(d))
        }
        Err(_) => (rest, None),
    };
    Ok((
        rest,
        Param {
            name,
            ty: ParamType::Scalar(ty),
            default,
        },
    ))
}

/// `let` statements separated by `;`, then the value (an optional trailing `;` is allowed).
fn body(mut i: Input) -> PResult<Body> {
    let mut lets = Vec::new();
    loop {
        while let Ok((rest, _)) = sym(";").parse(i) {
            i = rest;
        }
        if !at_keyword(i, "let") {
            break;
        }
        let (rest, stmt) = super::statement(i)?;
        lets.push(stmt);
        i = rest;
    }
    let (mut i, value) = expr(i)?;
    while let Ok((rest, _)) = sym(";").parse(i) {
        i = rest;
    }
    Ok((i, Body { lets, value }))
}

/// `name = value` settings (`kind=inner`, `hint.strategy=shuffle`) whose names are in
/// `allowed` (an entry ending in `.` allows every name with that prefix).
pub fn named_args<'a>(mut i: Input<'a>, allowed: &[&str]) -> PResult<'a, Vec<NamedArg>> {
    let mut out = Vec::new();
    loop {
        let s = *i.fragment();
        let len = s
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(s.len());
        let name = &s[..len];
        let after = s[len..].trim_start();
        let is_setting = len > 0
            && after.starts_with('=')
            && !after.starts_with("==")
            && !after.starts_with("=~")
            && allowed
                .iter()
                .any(|a| a.is_empty() || *a == name || (a.ends_with('.') && name.starts_with(a)));
        if !is_setting {
            return Ok((i, out));
        }
        let start = i.location_offset();
        let (rest, _) = super::advance(i, len)?;
        let span = Span::new(start, start + len);
        let (rest, ()) = ws(rest)?;
        let (rest, _) = sym("=").parse(rest)?;
        let (rest, value) = expect("a value", setting_value).parse(rest)?;
        out.push(NamedArg {
            name: Ident {
                name: name.to_string(),
                span,
            },
            value,
        });
        i = rest;
    }
}

/// The value of a setting: a literal or a bare word.
fn setting_value(i: Input) -> PResult<Expr> {
    if at_string(i)
        || i.fragment()
            .starts_with(|c: char| c.is_ascii_digit() || c == '-')
    {
        return unary(i);
    }
    let (rest, id) = ident(i)?;
    let span = id.span;
    let kind = match id.name.as_str() {
        "true" | "True" => ExprKind::Literal(Literal::Bool(true)),
        "false" | "False" => ExprKind::Literal(Literal::Bool(false)),
        _ => ExprKind::Name(id),
    };
    Ok((rest, Expr::new(kind, span)))
}

/// `(name = value, ...)` after `with`.
pub fn with_properties(i: Input) -> PResult<Vec<NamedArg>> {
    let (i, _) = sym("(").parse(i)?;
    let (i, args) = comma_list(i, |i| {
        let (rest, args) = named_args(i, &[""])?;
        match args.into_iter().next() {
            Some(a) => Ok((rest, a)),
            None => Err(nom::Err::Error(SyntaxError::expected(i, "`name = value`"))),
        }
    })?;
    let (i, _) = expect("`)` or `,`", sym(")")).parse(i)?;
    Ok((i, args))
}

/// A table operand of `join`, `union`, `lookup`: `(subquery)`, a name, a wildcard pattern
/// such as `Device*`, or a call `f()`.
pub fn table_operand(i: Input) -> PResult<Expr> {
    let s = i.fragment();
    let len = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '*'))
        .unwrap_or(s.len());
    if len > 0 && s[..len].contains('*') {
        let start = i.location_offset();
        let (rest, _) = super::advance(i, len)?;
        let span = Span::new(start, start + len);
        let (rest, ()) = ws(rest)?;
        let id = Ident {
            name: s[..len].to_string(),
            span,
        };
        return Ok((rest, Expr::new(ExprKind::Name(id), span)));
    }
    postfix(i)
}

/// Binary operators found after an operand.
enum Infix {
    Bin(BinOp),
    In { negated: bool, ci: bool },
    HasList { all: bool },
    Between { negated: bool },
}

impl Infix {
    fn precedence(&self) -> u8 {
        match self {
            Infix::Bin(op) => op.precedence(),
            _ => LIST_OP_PRECEDENCE,
        }
    }

    fn is_associative(&self) -> bool {
        match self {
            Infix::Bin(op) => op.is_associative(),
            _ => false,
        }
    }
}

fn str_op(kind: StrOpKind, negated: bool, case_sensitive: bool) -> Infix {
    Infix::Bin(BinOp::Str(StrOp {
        kind,
        negated,
        case_sensitive,
    }))
}

/// The next infix operator and the input after it.
fn infix(i: Input) -> PResult<(Infix, Span)> {
    let s = *i.fragment();
    // symbols, longest first
    const SYMBOLS: [(&str, BinOp); 14] = [
        ("==", BinOp::Eq),
        ("!=", BinOp::NotEq),
        ("<>", BinOp::NotEq),
        ("=~", BinOp::EqCi),
        ("!~", BinOp::NotEqCi),
        ("<=", BinOp::Le),
        (">=", BinOp::Ge),
        ("<", BinOp::Lt),
        (">", BinOp::Gt),
        ("+", BinOp::Add),
        ("-", BinOp::Sub),
        ("*", BinOp::Mul),
        ("/", BinOp::Div),
        ("%", BinOp::Mod),
    ];
    for (text, op) in SYMBOLS {
        if s.starts_with(text) {
            let (rest, span) = sym(text).parse(i)?;
            return Ok((rest, (Infix::Bin(op), span)));
        }
    }
    let negated = s.starts_with('!');
    let word_input = if negated {
        tag::<_, _, SyntaxError>("!").parse(i)?.0
    } else {
        i
    };
    let Some(word) = peek_word(word_input) else {
        return Err(nom::Err::Error(SyntaxError::expected(i, "an operator")));
    };
    let start = i.location_offset();
    let finish = |len: usize, op: Infix| -> PResult<(Infix, Span)> {
        let (rest, _) = super::advance(word_input, len)?;
        let span = Span::new(start, rest.location_offset());
        let (rest, ()) = ws(rest)?;
        Ok((rest, (op, span)))
    };
    if word == "in" && word_input.fragment()[2..].starts_with('~') {
        return finish(3, Infix::In { negated, ci: true });
    }
    let (base, cs) = match word.strip_suffix("_cs") {
        Some(base) => (base, true),
        None => (word, false),
    };
    let kind = match base {
        "contains" => Some(StrOpKind::Contains),
        "has" => Some(StrOpKind::Has),
        "hasprefix" => Some(StrOpKind::HasPrefix),
        "hassuffix" => Some(StrOpKind::HasSuffix),
        "startswith" => Some(StrOpKind::StartsWith),
        "endswith" => Some(StrOpKind::EndsWith),
        _ => None,
    };
    if let Some(kind) = kind {
        return finish(word.len(), str_op(kind, negated, cs));
    }
    match (word, negated) {
        ("in", _) => finish(2, Infix::In { negated, ci: false }),
        ("between", _) => finish(7, Infix::Between { negated }),
        ("and", false) => finish(3, Infix::Bin(BinOp::And)),
        ("or", false) => finish(2, Infix::Bin(BinOp::Or)),
        ("has_any", false) => finish(7, Infix::HasList { all: false }),
        ("has_all", false) => finish(7, Infix::HasList { all: true }),
        ("matches", false) => {
            let (rest, (_, span)) = finish(7, Infix::Bin(BinOp::MatchesRegex))?;
            let (rest, end) = expect("`regex` after `matches`", keyword("regex")).parse(rest)?;
            Ok((rest, (Infix::Bin(BinOp::MatchesRegex), span.to(end))))
        }
        _ => Err(nom::Err::Error(SyntaxError::expected(i, "an operator"))),
    }
}

/// Precedence climbing over operators binding at least as tightly as `min`.
fn binary(i: Input, min: u8) -> PResult<Expr> {
    let (mut i, mut lhs) = unary(i)?;
    let mut last_level: Option<u8> = None;
    let mut chain = ChainDepth(0);
    while let Ok((rest, (op, op_span))) = infix(i) {
        let prec = op.precedence();
        if prec < min {
            break;
        }
        chain.link(i)?;
        if !op.is_associative() && last_level == Some(prec) {
            return Err(nom::Err::Failure(SyntaxError::custom(
                i,
                ParseError::new(
                    "kql::syntax",
                    op_span,
                    "this operator cannot follow another of the same kind without parentheses",
                )
                .with_label("add parentheses around one side"),
            )));
        }
        last_level = Some(prec);
        let lhs_start = lhs.span.start as usize;
        let (rest, kind, end) = match op {
            Infix::Bin(op) => {
                let (rest, rhs) = expect("an expression", |i| binary(i, prec + 1)).parse(rest)?;
                let end = rhs.span.end;
                let kind = ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                };
                (rest, kind, end)
            }
            Infix::In { negated, ci } => {
                let (rest, (list, close)) =
                    expect("a parenthesised list", paren_list).parse(rest)?;
                let kind = ExprKind::In {
                    lhs: Box::new(lhs),
                    negated,
                    case_insensitive: ci,
                    list,
                };
                (rest, kind, close.end)
            }
            Infix::HasList { all } => {
                let (rest, (list, close)) =
                    expect("a parenthesised list", paren_list).parse(rest)?;
                let kind = ExprKind::HasList {
                    lhs: Box::new(lhs),
                    all,
                    list,
                };
                (rest, kind, close.end)
            }
            Infix::Between { negated } => {
                let (rest, _) = expect("`(`", sym("(")).parse(rest)?;
                let (rest, low) = expect("a lower bound", |i| binary(i, 0)).parse(rest)?;
                let (rest, _) = expect("`..`", sym("..")).parse(rest)?;
                let (rest, high) = expect("an upper bound", |i| binary(i, 0)).parse(rest)?;
                let (rest, close) = expect("`)`", sym(")")).parse(rest)?;
                let kind = ExprKind::Between {
                    lhs: Box::new(lhs),
                    negated,
                    low: Box::new(low),
                    high: Box::new(high),
                };
                (rest, kind, close.end)
            }
        };
        let span = Span::new(lhs_start, end as usize);
        lhs = Expr { kind, span };
        i = rest;
    }
    Ok((i, lhs))
}

/// `( expr, ... )` after `in`, `has_any`: also accepts a tabular expression.
fn paren_list(i: Input) -> PResult<(Vec<Expr>, Span)> {
    let (i, _) = sym("(").parse(i)?;
    let (i, items) = comma_list(i, expr)?;
    let (i, close) = expect("`)` or `,`", sym(")")).parse(i)?;
    Ok((i, (items, close)))
}

/// Zero or more `item`s separated by commas (a trailing comma is accepted).
pub fn comma_list<'a, T>(
    mut i: Input<'a>,
    mut item: impl FnMut(Input<'a>) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let mut items = Vec::new();
    loop {
        match item(i) {
            Ok((rest, x)) => {
                items.push(x);
                i = rest;
            }
            Err(nom::Err::Error(_)) => break,
            Err(e) => return Err(e),
        }
        match sym(",").parse(i) {
            Ok((rest, _)) => i = rest,
            Err(_) => break,
        }
    }
    Ok((i, items))
}

/// One or more `item`s separated by commas, failing with `what` if there is none.
pub fn comma_list1<'a, T>(
    i: Input<'a>,
    what: &'static str,
    item: impl FnMut(Input<'a>) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let (rest, items) = comma_list(i, item)?;
    if items.is_empty() {
        return Err(nom::Err::Failure(SyntaxError::expected(i, what)));
    }
    Ok((rest, items))
}

fn unary(i: Input) -> PResult<Expr> {
    let start = i.location_offset();
    for (text, op) in [("-", UnaryOp::Neg), ("+", UnaryOp::Plus)] {
        if let Ok((rest, _)) = sym(text).parse(i) {
            let _guard = DepthGuard::enter(i)?;
            let (rest, operand) = expect("an expression", unary).parse(rest)?;
            // fold `-5` into a literal so it round-trips and types as a constant
            if let (UnaryOp::Neg, ExprKind::Literal(lit)) = (op, &operand.kind) {
                let negated = match lit {
                    Literal::Long(v) => Some(Literal::Long(v.wrapping_neg())),
                    Literal::Real(v) => Some(Literal::Real(-v)),
                    Literal::TimeSpan(v) => Some(Literal::TimeSpan(v.wrapping_neg())),
                    _ => None,
                };
                if let Some(lit) = negated {
                    let span = Span::new(start, operand.span.end as usize);
                    return Ok((rest, Expr::new(ExprKind::Literal(lit), span)));
                }
            }
            let span = Span::new(start, operand.span.end as usize);
            let kind = ExprKind::Unary {
                op,
                operand: Box::new(operand),
            };
            return Ok((rest, Expr::new(kind, span)));
        }
    }
    postfix(i)
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

pub fn postfix(i: Input) -> PResult<Expr> {
    let (mut i, mut e) = primary(i)?;
    // `Column:"text"` (search syntax) is `Column has "text"`
    if matches!(e.kind, ExprKind::Name(_))
        && i.fragment().starts_with(':')
        && at_string(Input::new(i.fragment()[1..].trim_start()))
    {
        let (rest, _) = sym(":").parse(i)?;
        let (rest, (text, span)) = string_lit(rest)?;
        let needle = Expr::new(ExprKind::Literal(Literal::String(text)), span);
        let whole = e.span.to(span);
        let op = BinOp::Str(StrOp {
            kind: StrOpKind::Has,
            negated: false,
            case_sensitive: false,
        });
        let kind = ExprKind::Binary {
            op,
            lhs: Box::new(e),
            rhs: Box::new(needle),
        };
        return Ok((rest, Expr::new(kind, whole)));
    }
    let mut chain = ChainDepth(0);
    loop {
        if i.fragment().starts_with(".[") {
            // `d.[0]` is `d[0]`
            i = sym(".").parse(i)?.0;
        } else if i.fragment().starts_with('.') && !i.fragment().starts_with("..") {
            chain.link(i)?;
            let (rest, _) = sym(".").parse(i)?;
            let (rest, name) = expect("a property name", ident).parse(rest)?;
            let span = e.span.to(name.span);
            e = Expr::new(
                ExprKind::Member {
                    target: Box::new(e),
                    name,
                },
                span,
            );
            i = rest;
        } else if i.fragment().starts_with('[') {
            chain.link(i)?;
            let (rest, _) = sym("[").parse(i)?;
            let (rest, index) = expect("an index", expr).parse(rest)?;
            let (rest, close) = expect("`]`", sym("]")).parse(rest)?;
            let span = e.span.to(close);
            e = Expr::new(
                ExprKind::Index {
                    target: Box::new(e),
                    index: Box::new(index),
                },
                span,
            );
            i = rest;
        } else {
            return Ok((i, e));
        }
    }
}

/// Type names that form typed literals when followed by `(`.
pub(crate) const TYPED_LITERALS: [&str; 15] = [
    "datetime", "date", "timespan", "time", "guid", "dynamic", "int", "long", "real", "double",
    "bool", "boolean", "decimal", "int64", "int32",
];

fn primary(i: Input) -> PResult<Expr> {
    let start = i.location_offset();
    if i.fragment().starts_with('(') {
        let (rest, _) = sym("(").parse(i)?;
        let (rest, mut inner) = expect("an expression", expr).parse(rest)?;
        let (rest, close) = expect("`)`", sym(")")).parse(rest)?;
        // the parentheses are part of the operand's text for error spans
        inner.span = Span::new(start, close.end as usize);
        return Ok((rest, inner));
    }
    if at_string(i) {
        let (rest, (text, span)) = string_lit(i)?;
        return Ok((
            rest,
            Expr::new(ExprKind::Literal(Literal::String(text)), span),
        ));
    }
    if i.fragment().starts_with(|c: char| c.is_ascii_digit()) && !is_digit_name(i) {
        let (rest, (n, span)) = number(i)?;
        let lit = match n {
            Number::Long(v) => Literal::Long(v),
            Number::Real(v) => Literal::Real(v),
            Number::TimeSpan(v) => Literal::TimeSpan(v),
        };
        return Ok((rest, Expr::new(ExprKind::Literal(lit), span)));
    }
    let word = peek_word(i).unwrap_or("");
    let followed_by_paren = |len: usize| -> bool {
        let after = &i.fragment()[len..];
        let after = after.trim_start();
        after.starts_with('(')
    };
    match word {
        "true" | "false" => {
            let (rest, span) = keyword(if word == "true" { "true" } else { "false" }).parse(i)?;
            return Ok((
                rest,
                Expr::new(ExprKind::Literal(Literal::Bool(word == "true")), span),
            ));
        }
        "datatable" if followed_by_paren(word.len()) => return datatable(i),
        "print" => return print(i),
        "range" if !followed_by_paren(word.len()) => return range(i),
        w if TYPED_LITERALS.contains(&w) && followed_by_paren(w.len()) => return typed_literal(i),
        "externaldata" if followed_by_paren(word.len()) => return external_data(i),
        "union" if union_follows(i) => return union_source(i),
        "search" if search_follows(i) => return search_source(i),
        "find" | "external_table" | "evaluate" => {
            let next = i.fragment()[word.len()..].trim_start();
            if next.starts_with(|c: char| c.is_alphabetic() || c == '(' || c == '*' || c == '[') {
                return Err(nom::Err::Failure(unsupported(i, word.len(), word)));
            }
        }
        _ => {}
    }
    let (rest, name) = ident(i)?;
    if rest.fragment().starts_with('(') {
        let (rest, _) = sym("(").parse(rest)?;
        let (rest, args) = comma_list(rest, argument)?;
        let (rest, close) = expect("`)` or `,`", sym(")")).parse(rest)?;
        let span = name.span.to(close);
        return Ok((rest, Expr::new(ExprKind::Call { name, args }, span)));
    }
    let span = name.span;
    Ok((rest, Expr::new(ExprKind::Name(name), span)))
}

/// `2022MostExploited`: a name that starts with digits (Kusto accepts it) rather than a
/// number or timespan literal.
fn is_digit_name(i: Input) -> bool {
    let s = i.fragment();
    let word_end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    digit_led_name(&s[..word_end])
}

/// Whether `word` (letters, digits and `_`, starting with an ASCII digit) reads as a name where
/// an expression starts: `2022Top` does, `2`, `1d`, `2e5x` and `0x1g` read as numbers.
pub(crate) fn digit_led_name(word: &str) -> bool {
    let digits = word
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(word.len());
    let suffix = &word[digits..];
    !suffix.is_empty()
        && !word.starts_with("0x")
        && !suffix.starts_with(['e', 'E'])
        && super::timespan_unit(suffix).is_none()
}

/// Whether `union` here starts a union rather than naming a column.
fn union_follows(i: Input) -> bool {
    let next = i.fragment()[5..].trim_start();
    next.starts_with(|c: char| c.is_alphabetic() || matches!(c, '(' | '_' | '$' | '[' | '*'))
}

fn search_follows(i: Input) -> bool {
    search_source_follows(i.fragment()[6..].trim_start())
}

/// Whether `next`, the text after the word `search`, makes it a `search` source rather than a
/// name: a string, `in (...)`, `kind=...`, `*` or a parenthesised predicate (`search` is
/// no function, and a predicate such as `("a" in ()) / 2` prints in parentheses).
pub(crate) fn search_source_follows(next: &str) -> bool {
    at_string(Input::new(next))
        || next.starts_with("in ")
        || next.starts_with("in(")
        || next.starts_with("kind")
        || next.starts_with(['*', '('])
}

/// `externaldata(Col:type, ...) ["uri", ...] [with (name = value, ...)]`
fn external_data(i: Input) -> PResult<Expr> {
    let start = i.location_offset();
    let (rest, _) = keyword("externaldata").parse(i)?;
    let (rest, _) = expect("`(`", sym("(")).parse(rest)?;
    let (rest, columns) = comma_list1(rest, "a column declaration `Name:type`", column_decl)?;
    let (rest, _) = expect("`)` or `,`", sym(")")).parse(rest)?;
    let (rest, _) = expect("`[` and the data's address", sym("[")).parse(rest)?;
    let (rest, uris) = comma_list(rest, expr_no_pipe)?;
    let (rest, mut close) = expect("`]` or `,`", sym("]")).parse(rest)?;
    let (rest, properties) = if at_keyword(rest, "with") {
        let (r, _) = keyword("with").parse(rest)?;
        let (r, props) = expect("`(name = value, ...)`", with_properties).parse(r)?;
        close = Span::new(close.start as usize, r.location_offset());
        (r, props)
    } else {
        (rest, Vec::new())
    };
    let kind = ExprKind::ExternalData {
        columns,
        uris,
        properties,
    };
    Ok((rest, Expr::new(kind, Span::new(start, close.end as usize))))
}

/// `union [kind=inner|outer] [withsource=Name] [isfuzzy=true] T1, T2, ...`
pub fn union_parts(i: Input) -> PResult<(Vec<NamedArg>, Vec<Expr>)> {
    let (rest, params) = named_args(i, &["kind", "withsource", "isfuzzy", "hint."])?;
    let (rest, tables) = comma_list1(rest, "a table", table_operand)?;
    Ok((rest, (params, tables)))
}

fn union_source(i: Input) -> PResult<Expr> {
    // a union's last table may be another source (`union union T`): each level counts
    let _guard = DepthGuard::enter(i)?;
    let start = i.location_offset();
    let (rest, _) = keyword("union").parse(i)?;
    let (rest, (params, tables)) = union_parts(rest)?;
    let end = tables.last().map_or(start, |t| t.span.end as usize);
    Ok((
        rest,
        Expr::new(ExprKind::Union { params, tables }, Span::new(start, end)),
    ))
}

/// `search [kind=case_sensitive] [in (T1, T2)] Predicate`
fn search_source(i: Input) -> PResult<Expr> {
    // its tables may be other sources (`search in (search in (T) x) y`)
    let _guard = DepthGuard::enter(i)?;
    let start = i.location_offset();
    let (rest, _) = keyword("search").parse(i)?;
    let (rest, params) = named_args(rest, &["kind"])?;
    let (rest, tables) = if at_keyword(rest, "in") {
        let (r, _) = keyword("in").parse(rest)?;
        let (r, _) = expect("`(`", sym("(")).parse(r)?;
        let (r, tables) = comma_list1(r, "a table", table_operand)?;
        let (r, _) = expect("`)`", sym(")")).parse(r)?;
        (r, tables)
    } else {
        (rest, Vec::new())
    };
    let (rest, predicate) = expect("a search predicate", search_predicate).parse(rest)?;
    let span = Span::new(start, predicate.span.end as usize);
    let kind = ExprKind::Search {
        params,
        tables,
        predicate: Box::new(predicate),
    };
    Ok((rest, Expr::new(kind, span)))
}

/// A `search` predicate: `*`, or an expression where a bare string is a term to look for and
/// `Column:"text"` means `Column has "text"`.
pub fn search_predicate(i: Input) -> PResult<Expr> {
    if i.fragment().starts_with('*') {
        let (rest, span) = sym("*").parse(i)?;
        return Ok((rest, Expr::new(ExprKind::Star, span)));
    }
    expr_no_pipe(i)
}

/// An error naming a KQL feature kql does not implement yet.
pub fn unsupported<'a>(i: Input<'a>, len: usize, what: &str) -> SyntaxError<'a> {
    let at = i.location_offset();
    SyntaxError::custom(
        i,
        ParseError::new(
            "kql::syntax::unsupported",
            Span::new(at, at + len),
            format!("`{what}` is not supported yet"),
        )
        .with_label("unsupported"),
    )
}

/// A function argument: an expression, `*` standing for all columns, or `name = value`.
fn argument(i: Input) -> PResult<Expr> {
    if let Ok((rest, name)) = ident(i) {
        let s = rest.fragment();
        if s.starts_with('=') && !s.starts_with("==") && !s.starts_with("=~") {
            let (rest, _) = sym("=").parse(rest)?;
            let (rest, value) = expect("a value", expr).parse(rest)?;
            let span = name.span.to(value.span);
            let kind = ExprKind::Named {
                name,
                value: Box::new(value),
            };
            return Ok((rest, Expr::new(kind, span)));
        }
    }
    if i.fragment().starts_with('*') {
        let rest_after = i.fragment()[1..].trim_start();
        if rest_after.starts_with(',') || rest_after.starts_with(')') {
            let (rest, span) = sym("*").parse(i)?;
            return Ok((rest, Expr::new(ExprKind::Star, span)));
        }
    }
    expr(i)
}

/// `datetime(...)`, `long(null)`, `dynamic([1, 2])`, `time(1d)`, ...
fn typed_literal(i: Input) -> PResult<Expr> {
    let start = i.location_offset();
    let (rest, name) = ident(i)?;
    let ty = name.name.as_str();
    if ty == "dynamic" {
        let (rest, _) = sym("(").parse(rest)?;
        let (rest, value) = expect("a dynamic value", dynamic_value).parse(rest)?;
        let (rest, close) = expect("`)`", sym(")")).parse(rest)?;
        let span = Span::new(start, close.end as usize);
        return Ok((
            rest,
            Expr::new(ExprKind::Literal(Literal::Dynamic(value)), span),
        ));
    }
    let (rest, (text, paren)) = raw_parenthesized(rest)?;
    let span = Span::new(start, paren.end as usize);
    let bad = |what: &str| {
        nom::Err::Failure(SyntaxError::custom(
            i,
            ParseError::new(
                "kql::syntax::literal",
                span,
                format!("invalid {ty} literal: {what}"),
            )
            .with_label("cannot read this value"),
        ))
    };
    if text == "null" {
        return Ok((
            rest,
            Expr::new(ExprKind::Literal(Literal::TypedNull(ty.to_string())), span),
        ));
    }
    let number = |text: &str| -> Option<f64> {
        let t = text.trim();
        match t {
            "nan" | "NaN" => Some(f64::NAN),
            "inf" | "+inf" | "Infinity" => Some(f64::INFINITY),
            "-inf" | "-Infinity" => Some(f64::NEG_INFINITY),
            _ => t.parse().ok(),
        }
    };
    // a date or guid holds no quote or parenthesis (its text is kept as written)
    let plain_text = !text.contains(['"', '\'', '(', ')']);
    let lit = match ty {
        "datetime" | "date" if plain_text => Literal::DateTime(text),
        "guid" if plain_text => Literal::Guid(text),
        "timespan" | "time" => Literal::TimeSpan(timespan_text(&text).ok_or_else(|| bad(&text))?),
        "int" | "int32" => Literal::Int(text.trim().parse().map_err(|_| bad(&text))?),
        "long" | "int64" => Literal::Long(parse_long(&text).ok_or_else(|| bad(&text))?),
        "real" | "double" => Literal::Real(number(&text).ok_or_else(|| bad(&text))?),
        "bool" | "boolean" => match text.as_str() {
            "true" | "1" => Literal::Bool(true),
            "false" | "0" => Literal::Bool(false),
            _ => return Err(bad(&text)),
        },
        "decimal" => return Err(nom::Err::Failure(unsupported(i, span.len(), "decimal"))),
        _ => return Err(bad(&text)),
    };
    Ok((rest, Expr::new(ExprKind::Literal(lit), span)))
}

fn parse_long(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    t.parse().ok()
}

/// The contents of `timespan(...)`: `2` (days), `1d`, `15 seconds`, `0.12:34:56.7`.
fn timespan_text(text: &str) -> Option<i64> {
    let t = text.trim();
    let negative = t.starts_with('-');
    let body = t.trim_start_matches(['-', '+']).trim();
    let ticks = if body.contains(':') {
        colon_timespan(body)?
    } else {
        let split = body
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(body.len());
        let (num, unit) = body.split_at(split);
        let amount: f64 = num.parse().ok()?;
        let unit = unit.trim();
        let per = if unit.is_empty() {
            super::timespan_unit("d")?
        } else {
            super::timespan_unit(unit)?
        };
        let ticks = (amount * per).round();
        if !ticks.is_finite() || ticks.abs() > i64::MAX as f64 {
            return None;
        }
        ticks as i64
    };
    Some(if negative { -ticks } else { ticks })
}

/// `[d.]hh:mm[:ss[.fffffff]]` in ticks.
fn colon_timespan(s: &str) -> Option<i64> {
    let (days, clock) = match s.split_once(':') {
        Some((head, _)) if head.contains('.') => {
            let (d, rest) = s.split_once('.')?;
            (d.parse::<i64>().ok()?, rest)
        }
        _ => (0, s),
    };
    let mut parts = clock.split(':');
    let hours: i64 = parts.next()?.parse().ok()?;
    let minutes: i64 = parts.next()?.parse().ok()?;
    let (seconds, fraction) = match parts.next() {
        Some(sec) => match sec.split_once('.') {
            Some((s, f)) => (s.parse::<i64>().ok()?, f),
            None => (sec.parse::<i64>().ok()?, ""),
        },
        None => (0, ""),
    };
    if parts.next().is_some() || minutes > 59 || seconds > 59 || fraction.len() > 7 {
        return None;
    }
    let mut frac_ticks = 0i64;
    if !fraction.is_empty() {
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        frac_ticks = format!("{fraction:0<7}").parse().ok()?;
    }
    let seconds_total = days
        .checked_mul(24)?
        .checked_add(hours)?
        .checked_mul(60)?
        .checked_add(minutes)?
        .checked_mul(60)?
        .checked_add(seconds)?;
    seconds_total
        .checked_mul(10_000_000)?
        .checked_add(frac_ticks)
}

/// A value inside `dynamic(...)`: JSON, with KQL literals and single quotes allowed.
fn dynamic_value(i: Input) -> PResult<DynamicLit> {
    let _guard = DepthGuard::enter(i)?;
    let s = *i.fragment();
    if s.starts_with('[') {
        let (rest, _) = sym("[").parse(i)?;
        let (rest, items) = comma_list(rest, dynamic_value)?;
        let (rest, _) = expect("`]` or `,`", sym("]")).parse(rest)?;
        return Ok((rest, DynamicLit::Array(items)));
    }
    if s.starts_with('{') {
        let (rest, _) = sym("{").parse(i)?;
        let (rest, items) = comma_list(rest, |i| {
            let (i, (key, _)) = string_lit(i)?;
            let (i, _) = expect("`:`", sym(":")).parse(i)?;
            let (i, value) = expect("a value", dynamic_value).parse(i)?;
            Ok((i, (key, value)))
        })?;
        let (rest, _) = expect("`}` or `,`", sym("}")).parse(rest)?;
        return Ok((rest, DynamicLit::Object(items)));
    }
    if peek_word(i) == Some("null") {
        let (rest, _) = keyword("null").parse(i)?;
        return Ok((rest, DynamicLit::Null));
    }
    let (rest, e) = unary(i)?;
    let value = match e.kind {
        ExprKind::Literal(Literal::Bool(b)) => DynamicLit::Bool(b),
        ExprKind::Literal(Literal::Long(v)) => DynamicLit::Long(v),
        ExprKind::Literal(Literal::Real(v)) => DynamicLit::Real(v),
        ExprKind::Literal(Literal::String(s)) => DynamicLit::String(s),
        ExprKind::Literal(lit) => DynamicLit::Scalar(Box::new(lit)),
        _ => {
            return Err(nom::Err::Failure(SyntaxError::custom(
                i,
                ParseError::new(
                    "kql::syntax",
                    e.span,
                    "dynamic literals may only contain constants",
                )
                .with_label("not a constant"),
            )));
        }
    };
    Ok((rest, value))
}

/// `datatable(Col:type, ...)[value, ...]`
fn datatable(i: Input) -> PResult<Expr> {
    let start = i.location_offset();
    let (rest, _) = keyword("datatable").parse(i)?;
    let (rest, _) = expect("`(`", sym("(")).parse(rest)?;
    let (rest, columns) = comma_list1(rest, "a column declaration `Name:type`", column_decl)?;
    let (rest, _) = expect("`)` or `,`", sym(")")).parse(rest)?;
    let (rest, _) = expect("`[`", sym("[")).parse(rest)?;
    let (rest, values) = comma_list(rest, expr)?;
    let (rest, close) = expect("`]` or `,`", sym("]")).parse(rest)?;
    let span = Span::new(start, close.end as usize);
    Ok((
        rest,
        Expr::new(ExprKind::Datatable { columns, values }, span),
    ))
}

/// `Name: type`
pub fn column_decl(i: Input) -> PResult<ColumnDecl> {
    let (rest, name) = ident(i)?;
    let (rest, _) = expect("`:` and a type", sym(":")).parse(rest)?;
    let (rest, ty) = expect("a type name", ident).parse(rest)?;
    Ok((rest, ColumnDecl { name, ty }))
}

/// `print [Name =] expr, ...`
fn print(i: Input) -> PResult<Expr> {
    let start = i.location_offset();
    let (rest, kw) = keyword("print").parse(i)?;
    let (rest, items) = comma_list(rest, assignment)?;
    let end = items.last().map_or(kw.end, |a| a.expr.span.end);
    Ok((
        rest,
        Expr::new(ExprKind::Print(items), Span::new(start, end as usize)),
    ))
}

/// `range Name from Start to Stop step Step`
fn range(i: Input) -> PResult<Expr> {
    // its bounds may be other ranges (`range a from range b from ...`)
    let _guard = DepthGuard::enter(i)?;
    let start = i.location_offset();
    let (rest, _) = keyword("range").parse(i)?;
    let (rest, column) = expect("a column name", ident).parse(rest)?;
    let (rest, _) = expect("`from`", keyword("from")).parse(rest)?;
    let (rest, from) = expect("a start value", |i| binary(i, 0)).parse(rest)?;
    let (rest, _) = expect("`to`", keyword("to")).parse(rest)?;
    let (rest, to) = expect("a stop value", |i| binary(i, 0)).parse(rest)?;
    let (rest, _) = expect("`step`", keyword("step")).parse(rest)?;
    let (rest, step) = expect("a step value", |i| binary(i, 0)).parse(rest)?;
    let span = Span::new(start, step.span.end as usize);
    let kind = ExprKind::Range {
        column,
        from: Box::new(from),
        to: Box::new(to),
        step: Box::new(step),
    };
    Ok((rest, Expr::new(kind, span)))
}

/// `Name = expr`, `(A, B) = expr` or `expr`.
pub fn assignment(i: Input) -> PResult<Assignment> {
    if i.fragment().starts_with('(') {
        let tuple: PResult<Vec<Ident>> = (|i| {
            let (i, _) = sym("(").parse(i)?;
            let (i, names) = comma_list1(i, "a column name", ident)?;
            let (i, _) = sym(")").parse(i)?;
            let (i, _) = sym("=").parse(i)?;
            Ok((i, names))
        })(i);
        // `(a) == b` and `(a) =~ b` are comparisons
        if let Ok((rest, mut names)) = tuple
            && !rest.fragment().starts_with(['=', '~'])
        {
            let (rest, e) = expect("an expression", expr_no_pipe).parse(rest)?;
            let first = names.remove(0);
            return Ok((
                rest,
                Assignment {
                    name: Some(first),
                    more_names: names,
                    expr: e,
                },
            ));
        }
    }
    if let Ok((rest, name)) = ident(i) {
        let is_assign = rest.fragment().starts_with('=')
            && !rest.fragment().starts_with("==")
            && !rest.fragment().starts_with("=~");
        if is_assign {
            let (rest, _) = sym("=").parse(rest)?;
            let (rest, e) = expect("an expression", expr_no_pipe).parse(rest)?;
            return Ok((
                rest,
                Assignment {
                    name: Some(name),
                    more_names: Vec::new(),
                    expr: e,
                },
            ));
        }
    }
    let (rest, e) = expr_no_pipe(i)?;
    Ok((
        rest,
        Assignment {
            name: None,
            more_names: Vec::new(),
            expr: e,
        },
    ))
}

/// A scalar expression that stops at `|` (inside operator argument lists).
pub fn expr_no_pipe(i: Input) -> PResult<Expr> {
    let _guard = DepthGuard::enter(i)?;
    binary(i, 0)
}

/// Peeks that `word` is the next keyword.
pub fn at_keyword(i: Input, word: &str) -> bool {
    i.fragment().starts_with(word)
        && not(peek(satisfy::<_, _, SyntaxError>(|c| {
            super::lexical::is_ident_char(c) || c == '-'
        })))
        .parse(Input::new(&i.fragment()[word.len()..]))
        .is_ok()
}

/// Identifier helper re-exported for operators.
pub fn name(i: Input) -> PResult<Ident> {
    ident(i)
}
