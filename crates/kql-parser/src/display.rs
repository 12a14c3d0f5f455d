//! Canonical KQL text for the AST: `parse(x.to_string())` gives back the same tree.

use std::fmt::{self, Display, Formatter, Write};

use crate::ast::*;

const TICKS_PER: [(i64, &str); 6] = [
    (864_000_000_000, "d"),
    (36_000_000_000, "h"),
    (600_000_000, "m"),
    (10_000_000, "s"),
    (10_000, "ms"),
    (10, "microsecond"),
];

/// Words that cannot stand as a bare name.
const RESERVED: [&str; 14] = [
    "and", "or", "true", "false", "by", "with", "in", "has", "contains", "between", "let", "set",
    "null", "not",
];

/// Words that start a source or an unsupported operator where an expression begins (`view`
/// starts a function after `let x =`): as names they are written `["print"]`, so the canonical
/// text reads back as a name.
const STARTS_SOURCE: [&str; 10] = [
    "print",
    "range",
    "datatable",
    "externaldata",
    "union",
    "search",
    "find",
    "external_table",
    "evaluate",
    "view",
];

/// Whether `name` can be written as it is where an expression starts and read back as that
/// name: a word (a digit-led one such as `2022Top` only if it reads as no number: not `2`,
/// `1d`, `2e5x`) that is no keyword.
fn plain_name(name: &str) -> bool {
    let starts_well = name.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '$')
        || (name.starts_with(|c: char| c.is_ascii_digit()) && crate::parser::digit_led_name(name));
    starts_well
        && name
            .chars()
            .skip(1)
            .all(|c| c.is_alphanumeric() || c == '_')
        && !RESERVED.contains(&name)
        && !STARTS_SOURCE.contains(&name)
}

impl Display for Script {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (n, s) in self.statements.iter().enumerate() {
            if n > 0 {
                f.write_str(";\n")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            StatementKind::Let { name, value } => {
                write!(f, "let {name} = {}", At(value, 0, Follow::End))
            }
            StatementKind::Set { name, value: None } => write!(f, "set {name}"),
            StatementKind::Set {
                name,
                value: Some(v),
            } => write!(f, "set {name} = {}", At(v, 0, Follow::End)),
            StatementKind::Query(e) => write!(f, "{}", At(e, 0, Follow::End)),
        }
    }
}

impl Display for Ident {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if plain_name(&self.name) {
            f.write_str(&self.name)
        } else {
            f.write_str("[")?;
            write_string(f, &self.name)?;
            f.write_str("]")
        }
    }
}

/// A string literal with the escapes the lexer reads back.
fn write_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

fn write_real(f: &mut Formatter<'_>, v: f64) -> fmt::Result {
    if v.is_nan() {
        f.write_str("real(nan)")
    } else if v.is_infinite() {
        f.write_str(if v > 0.0 { "real(+inf)" } else { "real(-inf)" })
    } else {
        write!(f, "{v:?}")
    }
}

/// The text of a `datetime(...)` or `guid(...)` literal: as it is, or quoted where spaces at
/// its ends (or none at all) would be lost.
struct RawText<'a>(&'a str);

impl Display for RawText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.0.is_empty() && self.0.trim() == self.0 {
            f.write_str(self.0)
        } else {
            write!(f, "\"{}\"", self.0)
        }
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(v) => write!(f, "int({v})"),
            Literal::Long(v) => write!(f, "{v}"),
            Literal::Real(v) => write_real(f, *v),
            Literal::String(s) => write_string(f, s),
            Literal::DateTime(t) => write!(f, "datetime({})", RawText(t)),
            Literal::Guid(t) => write!(f, "guid({})", RawText(t)),
            Literal::TimeSpan(ticks) => {
                if *ticks == 0 {
                    return f.write_str("0s");
                }
                for (per, unit) in TICKS_PER {
                    if ticks % per == 0 {
                        return write!(f, "{}{unit}", ticks / per);
                    }
                }
                write!(f, "{ticks}tick")
            }
            Literal::Dynamic(d) => write!(f, "dynamic({d})"),
            Literal::TypedNull(ty) => write!(f, "{ty}(null)"),
        }
    }
}

impl Display for DynamicLit {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            DynamicLit::Null => f.write_str("null"),
            DynamicLit::Bool(b) => write!(f, "{b}"),
            DynamicLit::Long(v) => write!(f, "{v}"),
            DynamicLit::Real(v) => write_real(f, *v),
            DynamicLit::String(s) => write_string(f, s),
            DynamicLit::Scalar(lit) => write!(f, "{lit}"),
            DynamicLit::Array(items) => {
                f.write_str("[")?;
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            DynamicLit::Object(items) => {
                f.write_str("{")?;
                for (n, (k, v)) in items.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write_string(f, k)?;
                    write!(f, ": {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self, 0, Follow::More)
    }
}

/// Binding strength of unary operators and primaries: above every binary operator.
const UNARY_PRECEDENCE: u8 = 8;

/// What comes after an expression in the canonical text. A source that runs on to the right
/// (`print`, `range`, `union`, `search`) takes in every operator, `,`, `.name` or `[index]`
/// after it, so it goes in parentheses where one of those follows; elsewhere it is written
/// bare, as it may have been typed (`-print a = print b`): parentheses the text did not have
/// would count against the nesting limit when the canonical text is read back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Follow {
    /// an operator, `,`, `.name`, `[index]`, or a context not worked out
    More,
    /// a word no expression continues with (`to` and `step` after a `range` bound) or `..`
    Keyword,
    /// `)`, `]`, `}`, `|`, `;` or the end of the text
    End,
}

/// Whether `e`, a source that runs on to the right, needs no parentheses before `follow`.
fn bare_source(e: &Expr, follow: Follow) -> bool {
    match (&e.kind, follow) {
        (_, Follow::More) => false,
        // `print` without items would take the word after it as one
        (ExprKind::Print(items), Follow::Keyword) => !items.is_empty(),
        (
            ExprKind::Print(_)
            | ExprKind::Range { .. }
            | ExprKind::Union { .. }
            | ExprKind::Search { .. },
            _,
        ) => true,
        _ => false,
    }
}

/// An expression written as by [`write_expr`].
struct At<'a>(&'a Expr, u8, Follow);

impl Display for At<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self.0, self.1, self.2)
    }
}

/// Items separated by `, `; the last is followed by `last`. Where the items are read as full
/// expressions (`pipes`) the last may be a pipeline without parentheses.
fn write_list(f: &mut Formatter<'_>, items: &[Expr], pipes: bool, last: Follow) -> fmt::Result {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        // a pipeline before another item is parenthesised: its last operator's own list
        // (`summarize ... by a, b`) would take the items after it
        if n + 1 < items.len() {
            write_expr(f, item, 1, Follow::More)?;
        } else {
            write_expr(f, item, if pipes { 0 } else { 1 }, last)?;
        }
    }
    Ok(())
}

/// How tightly `e` binds, for deciding where parentheses go.
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => op.precedence(),
        ExprKind::In { .. } | ExprKind::HasList { .. } | ExprKind::Between { .. } => {
            LIST_OP_PRECEDENCE
        }
        ExprKind::Pipe { .. }
        | ExprKind::Print(_)
        | ExprKind::Range { .. }
        | ExprKind::Lambda { .. }
        | ExprKind::Union { .. }
        | ExprKind::Search { .. } => 0,
        ExprKind::Unary { .. } => UNARY_PRECEDENCE,
        ExprKind::Literal(Literal::Long(v)) if *v < 0 => UNARY_PRECEDENCE,
        ExprKind::Literal(Literal::Real(v)) if *v < 0.0 => UNARY_PRECEDENCE,
        ExprKind::Literal(Literal::TimeSpan(v)) if *v < 0 => UNARY_PRECEDENCE,
        _ => UNARY_PRECEDENCE + 1,
    }
}

thread_local! {
    /// Set while writing a `search` predicate that must begin with `(`: the first operand
    /// written is parenthesised (wrapping the whole predicate would nest it one level deeper
    /// for every `search` of a chain, past the nesting limit).
    static OPEN_FIRST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether `e`'s text begins with the text of one of its operands.
fn starts_with_operand(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Binary { .. }
            | ExprKind::In { .. }
            | ExprKind::HasList { .. }
            | ExprKind::Between { .. }
            | ExprKind::Member { .. }
            | ExprKind::Index { .. }
            | ExprKind::Pipe { .. }
    )
}

/// Writes `e`, parenthesised if it binds more loosely than its context needs (`min`), unless
/// it is a source that may stand bare before what follows it (`follow`).
fn write_expr(f: &mut Formatter<'_>, e: &Expr, min: u8, follow: Follow) -> fmt::Result {
    let prec = precedence(e);
    let needs_paren = prec < min && !bare_source(e, follow);
    let first = OPEN_FIRST.with(|o| o.get());
    // its own parentheses open the text too
    let open_first = first && !needs_paren && !starts_with_operand(e);
    if first && (needs_paren || open_first) {
        OPEN_FIRST.with(|o| o.set(false));
    }
    let paren = needs_paren || open_first;
    // what follows the end of `e`'s own text
    let follow = if paren { Follow::End } else { follow };
    if paren {
        f.write_str("(")?;
    }
    match &e.kind {
        ExprKind::Literal(lit) => write!(f, "{lit}")?,
        ExprKind::Name(id) => write!(f, "{id}")?,
        ExprKind::Star => f.write_str("*")?,
        ExprKind::Named { name, value } => {
            // before another argument, a pipeline or a source in the value would take it in
            write!(f, "{name} = ")?;
            let min = if follow == Follow::End { 0 } else { 1 };
            write_expr(f, value, min, follow)?;
        }
        ExprKind::Call { name, args } => {
            // a call of `datetime` (written `["datetime"](x)`) is not the literal `datetime(x)`
            // and a name that is no plain word (`[""](x)`, `["2"](x)`, `["let"](x)`) keeps its
            // brackets; `not(x)` is a call
            let plain = name.name == "not"
                || (plain_name(&name.name)
                    && !crate::parser::TYPED_LITERALS.contains(&name.name.as_str()));
            if plain {
                write!(f, "{}(", name.name)?;
            } else {
                f.write_str("[")?;
                write_string(f, &name.name)?;
                f.write_str("](")?;
            }
            write_list(f, args, true, Follow::End)?;
            f.write_str(")")?;
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let left_min = if op.is_associative() { prec } else { prec + 1 };
            write_expr(f, lhs, left_min, Follow::More)?;
            write!(f, " {} ", op.symbol())?;
            write_expr(f, rhs, prec + 1, follow)?;
        }
        ExprKind::Unary { op, operand } => {
            f.write_str(match op {
                UnaryOp::Neg => "-",
                UnaryOp::Plus => "+",
            })?;
            // `- -x`, not `-(-x)`: parentheses would count twice against the nesting limit
            if precedence(operand) == UNARY_PRECEDENCE {
                f.write_str(" ")?;
                write_expr(f, operand, UNARY_PRECEDENCE, follow)?;
            } else {
                write_expr(f, operand, UNARY_PRECEDENCE + 1, follow)?;
            }
        }
        ExprKind::In {
            lhs,
            negated,
            case_insensitive,
            list,
        } => {
            write_expr(f, lhs, LIST_OP_PRECEDENCE + 1, Follow::More)?;
            let bang = if *negated { "!" } else { "" };
            let tilde = if *case_insensitive { "~" } else { "" };
            write!(f, " {bang}in{tilde} (")?;
            write_list(f, list, true, Follow::End)?;
            f.write_str(")")?;
        }
        ExprKind::HasList { lhs, all, list } => {
            write_expr(f, lhs, LIST_OP_PRECEDENCE + 1, Follow::More)?;
            write!(f, " {} (", if *all { "has_all" } else { "has_any" })?;
            write_list(f, list, true, Follow::End)?;
            f.write_str(")")?;
        }
        ExprKind::Between {
            lhs,
            negated,
            low,
            high,
        } => {
            write_expr(f, lhs, LIST_OP_PRECEDENCE + 1, Follow::More)?;
            write!(f, " {}between (", if *negated { "!" } else { "" })?;
            // the bounds are no pipelines: one goes in parentheses
            write_expr(f, low, 1, Follow::Keyword)?;
            f.write_str(" .. ")?;
            write_expr(f, high, 1, Follow::End)?;
            f.write_str(")")?;
        }
        ExprKind::Member { target, name } => {
            // `3 .2e1`: a number's digits would run into a digit-led name (`3.2e1` is a real)
            let number = matches!(
                target.kind,
                ExprKind::Literal(
                    Literal::Int(_) | Literal::Long(_) | Literal::Real(_) | Literal::TimeSpan(_)
                )
            );
            write_expr(f, target, UNARY_PRECEDENCE + 1, Follow::More)?;
            if number && name.name.starts_with(|c: char| c.is_ascii_digit()) {
                f.write_str(" ")?;
            }
            // after a dot any word is a property name (`d.by`); other names are quoted, with a
            // space: `d.["a b"]` would be an index
            let word = name.name.starts_with(|c: char| {
                c.is_alphabetic() || c.is_ascii_digit() || c == '_' || c == '$'
            }) && name
                .name
                .chars()
                .skip(1)
                .all(|c| c.is_alphanumeric() || c == '_')
                && !name.name.bytes().all(|b| b.is_ascii_digit());
            if word {
                write!(f, ".{}", name.name)?;
            } else {
                f.write_str(". [")?;
                write_string(f, &name.name)?;
                f.write_str("]")?;
            }
        }
        ExprKind::Index { target, index } => {
            write_expr(f, target, UNARY_PRECEDENCE + 1, Follow::More)?;
            write!(f, "[{}]", At(index, 0, Follow::End))?;
        }
        ExprKind::Datatable { columns, values } => {
            f.write_str("datatable(")?;
            write_columns(f, columns)?;
            f.write_str(")[")?;
            write_list(f, values, true, Follow::End)?;
            f.write_str("]")?;
        }
        ExprKind::Print(items) => {
            f.write_str("print")?;
            if !items.is_empty() {
                f.write_str(" ")?;
                write_assignments(f, items, follow)?;
            }
        }
        ExprKind::Range {
            column,
            from,
            to,
            step,
        } => write!(
            f,
            "range {column} from {} to {} step {}",
            At(from, 1, Follow::Keyword),
            At(to, 1, Follow::Keyword),
            At(step, 1, follow)
        )?,
        ExprKind::Pipe { input, op } => {
            write_expr(f, input, 0, Follow::End)?;
            write!(f, "\n| {op}")?;
        }
        ExprKind::Lambda { params, body, view } => {
            if *view {
                f.write_str("view ")?;
            }
            f.write_str("(")?;
            for (n, p) in params.iter().enumerate() {
                if n > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{p}")?;
            }
            f.write_str(") {\n")?;
            for stmt in &body.lets {
                writeln!(f, "{stmt};")?;
            }
            write!(f, "{}\n}}", At(&body.value, 0, Follow::End))?;
        }
        ExprKind::ExternalData {
            columns,
            uris,
            properties,
        } => {
            f.write_str("externaldata(")?;
            write_columns(f, columns)?;
            f.write_str(")[")?;
            write_list(f, uris, false, Follow::End)?;
            f.write_str("]")?;
            if !properties.is_empty() {
                f.write_str(" with (")?;
                write_named(f, properties, ", ")?;
                f.write_str(")")?;
            }
        }
        ExprKind::Union { params, tables } => {
            f.write_str("union")?;
            write_union_parts(f, params, tables, follow)?;
        }
        ExprKind::Search {
            params,
            tables,
            predicate,
        } => {
            f.write_str("search")?;
            if !params.is_empty() {
                f.write_str(" ")?;
                write_named(f, params, " ")?;
            }
            if !tables.is_empty() {
                f.write_str(" in (")?;
                for (n, t) in tables.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    let last = n + 1 == tables.len();
                    write_table_operand(f, t, if last { Follow::End } else { Follow::More })?;
                }
                f.write_str(")")?;
            }
            f.write_str(" ")?;
            // with neither settings nor tables, the predicate must begin so that `search`
            // reads back as a source (`search "a"`, `search (x + 1)`), not as a name
            let unsure = params.is_empty() && tables.is_empty() && {
                let mut start = Prefix(String::new());
                let _ = write!(start, "{}", At(predicate, 1, follow));
                !crate::parser::search_source_follows(&start.0)
            };
            if unsure {
                OPEN_FIRST.with(|o| o.set(true));
                let written = write_expr(f, predicate, 1, follow);
                OPEN_FIRST.with(|o| o.set(false));
                written?;
            } else {
                write_expr(f, predicate, 1, follow)?;
            }
        }
    }
    if paren {
        f.write_str(")")?;
    }
    Ok(())
}

fn write_columns(f: &mut Formatter<'_>, columns: &[ColumnDecl]) -> fmt::Result {
    for (n, c) in columns.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{}:{}", c.name, c.ty)?;
    }
    Ok(())
}

/// `name=value` settings, separated by `sep`.
fn write_named(f: &mut Formatter<'_>, args: &[NamedArg], sep: &str) -> fmt::Result {
    for (n, a) in args.iter().enumerate() {
        if n > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{}={}", a.name.name, a.value)?;
    }
    Ok(())
}

/// A union's settings and tables; the last table is followed by `follow`.
fn write_union_parts(
    f: &mut Formatter<'_>,
    params: &[NamedArg],
    tables: &[Expr],
    follow: Follow,
) -> fmt::Result {
    if !params.is_empty() {
        f.write_str(" ")?;
        write_named(f, params, " ")?;
    }
    f.write_str(" ")?;
    for (n, t) in tables.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        let last = n + 1 == tables.len();
        write_table_operand(f, t, if last { follow } else { Follow::More })?;
    }
    Ok(())
}

/// The first characters written (then it stops the writing with an error): enough to see how
/// a text begins.
struct Prefix(String);

impl Write for Prefix {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.push_str(s);
        if self.0.len() >= 16 {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// A table operand: a pipeline is parenthesised, a wildcard name is written as typed, a source
/// stands bare before `follow` where it may.
fn write_table_operand(f: &mut Formatter<'_>, t: &Expr, follow: Follow) -> fmt::Result {
    match &t.kind {
        _ if bare_source(t, follow) => write_expr(f, t, 0, follow),
        ExprKind::Name(id) if id.name.contains('*') => f.write_str(&id.name),
        // `union 0m30` would not read as a union: a digit-led name goes in parentheses
        ExprKind::Name(id) if id.name.starts_with(|c: char| c.is_ascii_digit()) => {
            write!(f, "({t})")
        }
        ExprKind::Name(_) | ExprKind::Call { .. } => write!(f, "{t}"),
        _ => write!(f, "({t})"),
    }
}

fn write_ops(f: &mut Formatter<'_>, ops: &[Operator]) -> fmt::Result {
    for (n, op) in ops.iter().enumerate() {
        if n > 0 {
            f.write_str(" | ")?;
        }
        write!(f, "{op}")?;
    }
    Ok(())
}

impl Display for Param {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.name)?;
        match &self.ty {
            ParamType::Scalar(t) => write!(f, "{t}")?,
            ParamType::Table(cols) if cols.is_empty() => f.write_str("(*)")?,
            ParamType::Table(cols) => {
                f.write_str("(")?;
                write_columns(f, cols)?;
                f.write_str(")")?;
            }
        }
        if let Some(d) = &self.default {
            write!(f, " = {}", Operand(d))?;
        }
        Ok(())
    }
}

impl Display for MvExpand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.params.is_empty() {
            write_named(f, &self.params, " ")?;
            f.write_str(" ")?;
        }
        for (n, item) in self.items.iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            if let Some(name) = &item.name {
                write!(f, "{name} = ")?;
            }
            write!(f, "{}", Operand(&item.expr))?;
            if let Some(t) = &item.to_type {
                write!(f, " to typeof({t})")?;
            }
        }
        if let Some(limit) = &self.limit {
            write!(f, " limit {}", Operand(limit))?;
        }
        Ok(())
    }
}

/// An expression in an operator's arguments: a pipeline (or `print`, `range`, ...) there is
/// parenthesised, or its operators would become the outer pipeline's (`extend (T | count)`).
struct Operand<'a>(&'a Expr);

impl Display for Operand<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self.0, 1, Follow::More)
    }
}

/// An operand read as a name or call with its `.name` and `[index]` accesses (`invoke f()`):
/// anything else goes in parentheses.
struct Postfix<'a>(&'a Expr);

impl Display for Postfix<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self.0, UNARY_PRECEDENCE + 1, Follow::More)
    }
}

/// Assignments separated by `, `; the last is followed by `last`.
fn write_assignments(f: &mut Formatter<'_>, items: &[Assignment], last: Follow) -> fmt::Result {
    for (n, a) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        let follow = if n + 1 == items.len() {
            last
        } else {
            Follow::More
        };
        write_assignment(f, a, follow)?;
    }
    Ok(())
}

fn write_assignment(f: &mut Formatter<'_>, a: &Assignment, follow: Follow) -> fmt::Result {
    match &a.name {
        Some(name) if !a.more_names.is_empty() => {
            write!(f, "({name}")?;
            for n in &a.more_names {
                write!(f, ", {n}")?;
            }
            f.write_str(") = ")?;
        }
        Some(name) => write!(f, "{name} = ")?,
        None => {}
    }
    write_expr(f, &a.expr, 1, follow)
}

impl Display for Assignment {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_assignment(f, self, Follow::More)
    }
}

fn write_names(f: &mut Formatter<'_>, names: &[Ident]) -> fmt::Result {
    for (n, name) in names.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        // wildcard patterns are written as typed, never quoted
        if name.name.contains('*') {
            f.write_str(&name.name)?;
        } else {
            write!(f, "{name}")?;
        }
    }
    Ok(())
}

impl Display for SortKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Operand(&self.expr))?;
        match self.descending {
            Some(true) => f.write_str(" desc")?,
            Some(false) => f.write_str(" asc")?,
            None => {}
        }
        match self.nulls_first {
            Some(true) => f.write_str(" nulls first")?,
            Some(false) => f.write_str(" nulls last")?,
            None => {}
        }
        Ok(())
    }
}

impl Display for Operator {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            OperatorKind::Where(e) => write!(f, "where {}", Operand(e)),
            OperatorKind::Extend(items) => {
                f.write_str("extend ")?;
                write_assignments(f, items, Follow::More)
            }
            OperatorKind::Project(items) => {
                f.write_str("project ")?;
                write_assignments(f, items, Follow::More)
            }
            OperatorKind::ProjectAway(names) => {
                f.write_str("project-away ")?;
                write_names(f, names)
            }
            OperatorKind::ProjectKeep(names) => {
                f.write_str("project-keep ")?;
                write_names(f, names)
            }
            OperatorKind::ProjectReorder(items) => {
                f.write_str("project-reorder ")?;
                for (n, (pattern, order)) in items.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write_names(f, std::slice::from_ref(pattern))?;
                    if let Some(order) = order {
                        write!(f, " {}", order.name)?;
                    }
                }
                Ok(())
            }
            OperatorKind::ProjectRename(pairs) => {
                f.write_str("project-rename ")?;
                for (n, (new, old)) in pairs.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{new} = {old}")?;
                }
                Ok(())
            }
            OperatorKind::Take(e) => write!(f, "take {}", Operand(e)),
            OperatorKind::Count => f.write_str("count"),
            OperatorKind::Summarize { aggregates, by } => {
                f.write_str("summarize")?;
                if !aggregates.is_empty() {
                    f.write_str(" ")?;
                    write_assignments(f, aggregates, Follow::More)?;
                }
                if !by.is_empty() {
                    f.write_str(" by ")?;
                    write_assignments(f, by, Follow::More)?;
                }
                Ok(())
            }
            OperatorKind::Sort(keys) => {
                f.write_str("sort by ")?;
                for (n, k) in keys.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}")?;
                }
                Ok(())
            }
            OperatorKind::Top { count, by } => {
                write!(f, "top {} by ", Operand(count))?;
                for (n, k) in by.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}")?;
                }
                Ok(())
            }
            OperatorKind::Distinct(items) => {
                f.write_str("distinct ")?;
                write_list(f, items, false, Follow::More)
            }
            OperatorKind::Parse(p) => write!(f, "{p}"),
            OperatorKind::Join { params, right, on }
            | OperatorKind::Lookup { params, right, on } => {
                let word = if matches!(self.kind, OperatorKind::Join { .. }) {
                    "join"
                } else {
                    "lookup"
                };
                f.write_str(word)?;
                if !params.is_empty() {
                    f.write_str(" ")?;
                    write_named(f, params, " ")?;
                }
                f.write_str(" ")?;
                write_table_operand(f, right, Follow::More)?;
                f.write_str(" on ")?;
                write_list(f, on, false, Follow::More)
            }
            OperatorKind::Union { params, tables } => {
                f.write_str("union")?;
                write_union_parts(f, params, tables, Follow::More)
            }
            OperatorKind::Render {
                visualization,
                properties,
            } => {
                write!(f, "render {visualization}")?;
                if !properties.is_empty() {
                    f.write_str(" with (")?;
                    write_named(f, properties, ", ")?;
                    f.write_str(")")?;
                }
                Ok(())
            }
            OperatorKind::MvExpand(m) => write!(f, "mv-expand {m}"),
            OperatorKind::MvApply { expand, ops } => {
                write!(f, "mv-apply {expand} on (")?;
                write_ops(f, ops)?;
                f.write_str(")")
            }
            OperatorKind::Invoke(e) => write!(f, "invoke {}", Postfix(e)),
            OperatorKind::Evaluate {
                params,
                plugin,
                schema,
            } => {
                f.write_str("evaluate ")?;
                if !params.is_empty() {
                    write_named(f, params, " ")?;
                    f.write_str(" ")?;
                }
                write!(f, "{}", Postfix(plugin))?;
                if let Some(cols) = schema {
                    f.write_str(" : (")?;
                    write_columns(f, cols)?;
                    f.write_str(")")?;
                }
                Ok(())
            }
            OperatorKind::Search { params, predicate } => {
                f.write_str("search ")?;
                if !params.is_empty() {
                    write_named(f, params, " ")?;
                    f.write_str(" ")?;
                }
                write!(f, "{}", Operand(predicate))
            }
            OperatorKind::MakeSeries(m) => {
                f.write_str("make-series ")?;
                for (n, (a, default)) in m.aggregates.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                    if let Some(d) = default {
                        write!(f, " default = {}", Operand(d))?;
                    }
                }
                write!(f, " on {}", Operand(&m.axis))?;
                if m.range_form {
                    let (from, to) = (m.from.as_ref(), m.to.as_ref());
                    if let (Some(from), Some(to)) = (from, to) {
                        write!(
                            f,
                            " in range({}, {}, {})",
                            Operand(from),
                            Operand(to),
                            Operand(&m.step)
                        )?;
                    }
                } else {
                    if let Some(from) = &m.from {
                        write!(f, " from {}", Operand(from))?;
                    }
                    if let Some(to) = &m.to {
                        write!(f, " to {}", Operand(to))?;
                    }
                    write!(f, " step {}", Operand(&m.step))?;
                }
                if !m.by.is_empty() {
                    f.write_str(" by ")?;
                    write_assignments(f, &m.by, Follow::More)?;
                }
                Ok(())
            }
            OperatorKind::TopNested(levels) => {
                for (n, l) in levels.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str("top-nested ")?;
                    if let Some(c) = &l.count {
                        write!(f, "{} ", Operand(c))?;
                    }
                    write!(f, "of {}", l.of)?;
                    if let Some(o) = &l.others {
                        write!(f, " with others = {}", Operand(o))?;
                    }
                    write!(f, " by {}", l.by)?;
                    match l.descending {
                        Some(true) => f.write_str(" desc")?,
                        Some(false) => f.write_str(" asc")?,
                        None => {}
                    }
                }
                Ok(())
            }
            OperatorKind::GetSchema => f.write_str("getschema"),
            OperatorKind::Serialize(items) => {
                f.write_str("serialize")?;
                if !items.is_empty() {
                    f.write_str(" ")?;
                    write_assignments(f, items, Follow::More)?;
                }
                Ok(())
            }
            OperatorKind::As { params, name } => {
                f.write_str("as ")?;
                if !params.is_empty() {
                    write_named(f, params, " ")?;
                    f.write_str(" ")?;
                }
                write!(f, "{name}")
            }
            OperatorKind::Sample(n) => write!(f, "sample {}", Operand(n)),
            OperatorKind::SampleDistinct { count, column } => {
                write!(
                    f,
                    "sample-distinct {} of {}",
                    Operand(count),
                    Operand(column)
                )
            }
        }
    }
}

impl Display for Parse {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.drop_unmatched {
            "parse-where"
        } else {
            "parse"
        })?;
        if let Some(kind) = self.kind {
            write!(f, " kind={}", kind.keyword())?;
        }
        if let Some(flags) = &self.flags {
            write!(f, " flags={flags}")?;
        }
        write!(f, " {} with", Operand(&self.source))?;
        for part in &self.pattern {
            f.write_str(" ")?;
            match part {
                ParsePart::Star(_) => f.write_str("*")?,
                ParsePart::Literal(s, _) => write_string(f, s)?,
                ParsePart::Column { name, ty: None } => write!(f, "{name}")?,
                ParsePart::Column { name, ty: Some(ty) } => write!(f, "{name}:{ty}")?,
            }
        }
        Ok(())
    }
}
