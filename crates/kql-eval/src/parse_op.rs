//! The `parse` and `parse-where` operators: a pattern compiled once into one regex.
//!
//! Regex mode follows §A.1.4 of the semantics: `*` is a lazy skip, literals are regexes,
//! string columns capture greedily, typed columns use a shape, flags become a `(?flags)`
//! prefix (so `U` inverts every quantifier) and the search is unanchored. Simple and relaxed
//! modes follow §A.1.10: literals are plain text, string columns capture lazily, and the match
//! must reach the end of the text. Choices where the docs are silent: simple/relaxed patterns
//! are also anchored at the start, and their skips and captures may cross newlines.

use regex::Regex;

use kql_parser::{ParseKind, ParsePart, Span};

use crate::conversion::convert_text;
use crate::error::Error;
use crate::types::Type;
use crate::value::Value;

/// A compiled pattern and the columns it produces.
#[derive(Debug)]
pub struct ParsePlan {
    regex: Regex,
    /// Name and type of each parsed column, in pattern order.
    pub columns: Vec<(String, Type)>,
    relaxed: bool,
}

/// Regex-mode shapes of typed columns (§A.1.4).
fn regex_shape(ty: Type) -> Option<&'static str> {
    Some(match ty {
        Type::Int | Type::Long => r"\s*[-+]?\d+",
        Type::Real => r"\s*[-+]?\d+(?:\.\d+)?",
        Type::Bool => r"\s*(?i:true|false)",
        Type::Guid => GUID_SHAPE,
        Type::DateTime => {
            r"\s*(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{1,4})(?:[Tt ]\s*\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d*)?)?)?(?:[Zz]|[-+]\d{1,2}(?::\d{1,2})?)?"
        }
        Type::TimeSpan => {
            r"\s*-?(?:\d+\.\d{1,2}:\d{1,2}:\d{1,2}|\d{1,2}:\d{1,2}(?::\d{1,2})?)(?:\.\d*)?"
        }
        Type::String | Type::Dynamic => return None,
    })
}

const GUID_SHAPE: &str =
    r"\s*\{?[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}\}?";

/// Simple-mode shapes, used for a typed column directly before a `*` (§A.1.10).
fn simple_shape(ty: Type) -> Option<&'static str> {
    Some(match ty {
        Type::Int | Type::Long => r"\s*[-+]?\d+",
        Type::Real => r"\s*[-+]?(?:\d+\.?\d*|\.\d+)",
        Type::Bool => r"(?i:true|false)|\s*[-+]?\d+",
        _ => return regex_shape(ty),
    })
}

impl ParsePlan {
    /// Compiles a pattern; `types` gives each column part's type, in pattern order.
    pub fn build(
        kind: ParseKind,
        flags: Option<(&str, Span)>,
        parts: &[ParsePart],
        types: &[Type],
        op_span: Span,
    ) -> Result<ParsePlan, Error> {
        check_pattern(kind, flags, parts)?;
        let regex_mode = kind == ParseKind::Regex;
        let mut pattern = String::new();
        match flags {
            Some((f, _)) => pattern.push_str(&format!("(?{f})")),
            None if !regex_mode => pattern.push_str(r"(?s)\A"),
            None => {}
        }
        let mut columns = Vec::new();
        let mut types = types.iter();
        for (n, part) in parts.iter().enumerate() {
            match part {
                ParsePart::Star(_) => pattern.push_str(".*?"),
                ParsePart::Literal(text, _) if regex_mode => {
                    pattern.push_str(&format!("(?:{text})"));
                }
                ParsePart::Literal(text, _) => pattern.push_str(&regex::escape(text)),
                ParsePart::Column { name, .. } => {
                    let ty = *types.next().unwrap_or(&Type::String);
                    let group = format!("__c{}", columns.len());
                    let next_is_star = matches!(parts.get(n + 1), Some(ParsePart::Star(_)));
                    let star_is_last = next_is_star && n + 2 == parts.len();
                    let body = match (regex_mode, ty) {
                        (true, _) => regex_shape(ty).unwrap_or(".*").to_string(),
                        (false, _) if next_is_star => match simple_shape(ty) {
                            Some(shape) if star_is_last => format!("(?:{shape})?"),
                            Some(shape) => shape.to_string(),
                            None => ".*?".to_string(),
                        },
                        (false, _) => ".*?".to_string(),
                    };
                    pattern.push_str(&format!("(?P<{group}>{body})"));
                    columns.push((name.name.clone(), ty));
                }
            }
        }
        if !regex_mode {
            pattern.push_str(r"\z");
        }
        let regex = crate::operators::compile_regex(&pattern)
            .map_err(|e| regex_error(e, parts, regex_mode, op_span))?;
        Ok(ParsePlan {
            regex,
            columns,
            relaxed: kind == ParseKind::Relaxed,
        })
    }

    /// The parsed values of `text`, or `None` when the pattern does not match (or, in the
    /// strict modes, a typed column fails to convert).
    pub fn apply(&self, text: &str) -> Option<Vec<Value>> {
        let caps = self.regex.captures(text)?;
        let mut out = Vec::with_capacity(self.columns.len());
        for (n, (_, ty)) in self.columns.iter().enumerate() {
            let captured = caps.name(&format!("__c{n}")).map_or("", |m| m.as_str());
            let value = match ty {
                Type::String => Value::str(captured),
                ty => match convert_text(captured, *ty) {
                    Some(v) => v,
                    None if self.relaxed => Value::Null,
                    None => return None,
                },
            };
            out.push(value);
        }
        Some(out)
    }

    /// The values of a row that did not parse: `""` for strings, null otherwise.
    pub fn unmatched(&self) -> Vec<Value> {
        self.columns
            .iter()
            .map(|(_, t)| Value::missing(*t))
            .collect()
    }
}

/// The static rules of §A.1.1.
fn check_pattern(
    kind: ParseKind,
    flags: Option<(&str, Span)>,
    parts: &[ParsePart],
) -> Result<(), Error> {
    if let Some((f, span)) = flags {
        if kind != ParseKind::Regex {
            return Err(Error::at(
                "kql::bind::parse_flags",
                span,
                "`flags=` is only allowed with `kind=regex`",
            ));
        }
        if f.is_empty() || !f.chars().all(|c| "imsUxRu".contains(c)) {
            return Err(Error::at(
                "kql::bind::parse_flags",
                span,
                format!("invalid regex flags `{f}`"),
            )
            .with_help("flags are letters among i, m, s, U, x, R, u (case-sensitive)"));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (n, part) in parts.iter().enumerate() {
        let prev = n.checked_sub(1).map(|p| &parts[p]);
        let next = parts.get(n + 1);
        match part {
            ParsePart::Literal(text, span) if text.is_empty() => {
                return Err(Error::at(
                    "kql::bind::parse_pattern",
                    *span,
                    "a parse pattern cannot contain an empty string",
                ));
            }
            ParsePart::Column { name, ty } => {
                if !seen.insert(name.name.as_str()) {
                    return Err(Error::at(
                        "kql::bind::parse_pattern",
                        name.span,
                        format!("column `{}` is declared twice in the pattern", name.name),
                    ));
                }
                if prev.is_some() && !matches!(prev, Some(ParsePart::Literal(..))) {
                    return Err(Error::at(
                        "kql::bind::parse_pattern",
                        name.span,
                        "a column in a parse pattern must follow a string literal",
                    )
                    .with_help("put the text that separates the two in a string literal"));
                }
                let is_string = ty.as_ref().is_none_or(|t| t.name == "string");
                if is_string && let Some(ParsePart::Star(span)) = next {
                    return Err(Error::at(
                        "kql::bind::parse_pattern",
                        *span,
                        "using `*` after parsing a string column is ambiguous",
                    ));
                }
            }
            ParsePart::Star(span) => {
                if next.is_some() && !matches!(next, Some(ParsePart::Literal(..))) {
                    return Err(Error::at(
                        "kql::bind::parse_pattern",
                        *span,
                        "a `*` in a parse pattern must be followed by a string literal",
                    ));
                }
            }
            ParsePart::Literal(..) => {}
        }
    }
    Ok(())
}

/// Locates the literal whose regex is invalid, so the error points at it.
fn regex_error(e: regex::Error, parts: &[ParsePart], regex_mode: bool, op_span: Span) -> Error {
    if regex_mode {
        for part in parts {
            if let ParsePart::Literal(text, span) = part
                && let Err(inner) = crate::operators::compile_regex(text)
            {
                return crate::operators::regex_error(
                    &inner,
                    *span,
                    "invalid regex in parse pattern",
                );
            }
        }
    }
    crate::operators::regex_error(
        &e,
        op_span,
        "the parse pattern does not compile to a valid regex",
    )
}

pub fn first_line(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map_or(text.clone(), |l| {
            l.trim().trim_start_matches("error:").trim().to_string()
        })
}
