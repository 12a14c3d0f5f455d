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
            StatementKind::Let { name, value } => write!(f, "let {name} = {value}"),
            StatementKind::Set { name, value: None } => write!(f, "set {name}"),
            StatementKind::Set {
                name,
                value: Some(v),
            } => write!(f, "set {name} = {v}"),
            StatementKind::Query(e) => write!(f, "{e}"),
        }
    }
}

impl Display for Ident {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut chars = self.name.chars();
        let plain = chars
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
            && chars.all(|c| c.is_alphanumeric() || c == '_')
            && !RESERVED.contains(&self.name.as_str());
        if plain {
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

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(v) => write!(f, "int({v})"),
            Literal::Long(v) => write!(f, "{v}"),
            Literal::Real(v) => write_real(f, *v),
            Literal::String(s) => write_string(f, s),
            Literal::DateTime(t) => write!(f, "datetime({t})"),
            Literal::Guid(t) => write!(f, "guid({t})"),
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
        write_expr(f, self, 0)
    }
}

/// Binding strength of unary operators and primaries: above every binary operator.
const UNARY_PRECEDENCE: u8 = 8;

fn write_list(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        write_expr(f, item, 0)?;
    }
    Ok(())
}

/// Writes `e`, parenthesised if it binds more loosely than its context needs (`min`).
fn write_expr(f: &mut Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    let prec = match &e.kind {
        ExprKind::Binary { op, .. } => op.precedence(),
        ExprKind::In { .. } | ExprKind::HasList { .. } | ExprKind::Between { .. } => {
            LIST_OP_PRECEDENCE
        }
        ExprKind::Pipe { .. } | ExprKind::Print(_) | ExprKind::Range { .. } => 0,
        ExprKind::Unary { .. } => UNARY_PRECEDENCE,
        ExprKind::Literal(Literal::Long(v)) if *v < 0 => UNARY_PRECEDENCE,
        ExprKind::Literal(Literal::Real(v)) if *v < 0.0 => UNARY_PRECEDENCE,
        ExprKind::Literal(Literal::TimeSpan(v)) if *v < 0 => UNARY_PRECEDENCE,
        _ => UNARY_PRECEDENCE + 1,
    };
    let paren = prec < min;
    if paren {
        f.write_str("(")?;
    }
    match &e.kind {
        ExprKind::Literal(lit) => write!(f, "{lit}")?,
        ExprKind::Name(id) => write!(f, "{id}")?,
        ExprKind::Star => f.write_str("*")?,
        ExprKind::Call { name, args } => {
            write!(f, "{}(", name.name)?;
            write_list(f, args)?;
            f.write_str(")")?;
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let left_min = if op.is_associative() { prec } else { prec + 1 };
            write_expr(f, lhs, left_min)?;
            write!(f, " {} ", op.symbol())?;
            write_expr(f, rhs, prec + 1)?;
        }
        ExprKind::Unary { op, operand } => {
            f.write_str(match op {
                UnaryOp::Neg => "-",
                UnaryOp::Plus => "+",
            })?;
            write_expr(f, operand, UNARY_PRECEDENCE + 1)?;
        }
        ExprKind::In {
            lhs,
            negated,
            case_insensitive,
            list,
        } => {
            write_expr(f, lhs, LIST_OP_PRECEDENCE + 1)?;
            let bang = if *negated { "!" } else { "" };
            let tilde = if *case_insensitive { "~" } else { "" };
            write!(f, " {bang}in{tilde} (")?;
            write_list(f, list)?;
            f.write_str(")")?;
        }
        ExprKind::HasList { lhs, all, list } => {
            write_expr(f, lhs, LIST_OP_PRECEDENCE + 1)?;
            write!(f, " {} (", if *all { "has_all" } else { "has_any" })?;
            write_list(f, list)?;
            f.write_str(")")?;
        }
        ExprKind::Between {
            lhs,
            negated,
            low,
            high,
        } => {
            write_expr(f, lhs, LIST_OP_PRECEDENCE + 1)?;
            write!(f, " {}between (", if *negated { "!" } else { "" })?;
            write_expr(f, low, 0)?;
            f.write_str(" .. ")?;
            write_expr(f, high, 0)?;
            f.write_str(")")?;
        }
        ExprKind::Member { target, name } => {
            write_expr(f, target, UNARY_PRECEDENCE + 1)?;
            write!(f, ".{name}")?;
        }
        ExprKind::Index { target, index } => {
            write_expr(f, target, UNARY_PRECEDENCE + 1)?;
            write!(f, "[{index}]")?;
        }
        ExprKind::Datatable { columns, values } => {
            f.write_str("datatable(")?;
            for (n, c) in columns.iter().enumerate() {
                if n > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}:{}", c.name, c.ty)?;
            }
            f.write_str(")[")?;
            write_list(f, values)?;
            f.write_str("]")?;
        }
        ExprKind::Print(items) => {
            f.write_str("print")?;
            if !items.is_empty() {
                f.write_str(" ")?;
                write_assignments(f, items)?;
            }
        }
        ExprKind::Range {
            column,
            from,
            to,
            step,
        } => write!(f, "range {column} from {from} to {to} step {step}")?,
        ExprKind::Pipe { input, op } => {
            write_expr(f, input, 0)?;
            write!(f, "\n| {op}")?;
        }
    }
    if paren {
        f.write_str(")")?;
    }
    Ok(())
}

fn write_assignments(f: &mut Formatter<'_>, items: &[Assignment]) -> fmt::Result {
    for (n, a) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{a}")?;
    }
    Ok(())
}

impl Display for Assignment {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} = {}", self.expr),
            None => write!(f, "{}", self.expr),
        }
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
        write!(f, "{}", self.expr)?;
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
            OperatorKind::Where(e) => write!(f, "where {e}"),
            OperatorKind::Extend(items) => {
                f.write_str("extend ")?;
                write_assignments(f, items)
            }
            OperatorKind::Project(items) => {
                f.write_str("project ")?;
                write_assignments(f, items)
            }
            OperatorKind::ProjectAway(names) => {
                f.write_str("project-away ")?;
                write_names(f, names)
            }
            OperatorKind::ProjectKeep(names) => {
                f.write_str("project-keep ")?;
                write_names(f, names)
            }
            OperatorKind::ProjectReorder(names) => {
                f.write_str("project-reorder ")?;
                write_names(f, names)
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
            OperatorKind::Take(e) => write!(f, "take {e}"),
            OperatorKind::Count => f.write_str("count"),
            OperatorKind::Summarize { aggregates, by } => {
                f.write_str("summarize")?;
                if !aggregates.is_empty() {
                    f.write_str(" ")?;
                    write_assignments(f, aggregates)?;
                }
                if !by.is_empty() {
                    f.write_str(" by ")?;
                    write_assignments(f, by)?;
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
                write!(f, "top {count} by ")?;
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
                write_list(f, items)
            }
            OperatorKind::Parse(p) => write!(f, "{p}"),
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
        write!(f, " {} with", self.source)?;
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
