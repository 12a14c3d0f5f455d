//! The grammar, written with nom over a location-tracking input.

mod expr;
mod lexical;
mod operator;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use nom::Parser;

use crate::ast::{Script, Statement, StatementKind};
use crate::error::ParseError;
use crate::span::Span;

pub(crate) use expr::{TYPED_LITERALS, digit_led_name, search_source_follows};
pub use lexical::timespan_unit;
pub use operator::TABULAR_OPERATORS;

pub type Input<'a> = nom_locate::LocatedSpan<&'a str>;
pub type PResult<'a, T> = nom::IResult<Input<'a>, T, SyntaxError<'a>>;

/// The nom error: where parsing stopped and what was expected there, or a finished
/// diagnostic from a rule that knows better.
#[derive(Debug)]
pub struct SyntaxError<'a> {
    at: Input<'a>,
    expected: Cow<'static, str>,
    custom: Option<Box<ParseError>>,
}

impl<'a> SyntaxError<'a> {
    pub fn expected(at: Input<'a>, expected: impl Into<Cow<'static, str>>) -> SyntaxError<'a> {
        SyntaxError {
            at,
            expected: expected.into(),
            custom: None,
        }
    }

    pub fn custom(at: Input<'a>, error: ParseError) -> SyntaxError<'a> {
        SyntaxError {
            at,
            expected: Cow::Borrowed(""),
            custom: Some(Box::new(error)),
        }
    }

    fn into_parse_error(self, src: &str) -> ParseError {
        if let Some(custom) = self.custom {
            return *custom;
        }
        let start = self.at.location_offset();
        let rest = &src[start..];
        let (span, label) = match found_token(rest) {
            Some(len) => (
                Span::new(start, start + len),
                format!("found `{}`", &rest[..len]),
            ),
            // miette hides an empty span at the very end: point at the last character
            None => {
                let last = src.trim_end().char_indices().last().map_or(0, |(n, _)| n);
                let end = src.trim_end().len().max(last);
                (Span::new(last, end), "query ends here".to_string())
            }
        };
        let expected = if self.expected.is_empty() {
            Cow::Borrowed("valid syntax")
        } else {
            self.expected
        };
        let help = slip_help(rest, &expected);
        let error = ParseError::new(
            "kql::syntax",
            span,
            format!("syntax error: expected {expected}"),
        )
        .with_label(label);
        match help {
            Some(help) => error.with_help(help),
            None => error,
        }
    }
}

/// Help for the syntax other query languages taught: `=` to compare, `&&`, `like`, a
/// misspelt operator name.
fn slip_help(rest: &str, expected: &str) -> Option<String> {
    let word: String = rest
        .chars()
        .take_while(|c| lexical::is_ident_char(*c) || *c == '-')
        .collect();
    if expected.starts_with("a tabular operator") && !word.is_empty() {
        return operator::closest_operator(&word).map(|op| format!("did you mean `{op}`?"));
    }
    if rest.starts_with("&&") {
        return Some("KQL writes `and` for `&&`".to_string());
    }
    if rest.starts_with("||") {
        return Some("KQL writes `or` for `||`".to_string());
    }
    if rest.starts_with('=') && !rest.starts_with("==") && !rest.starts_with("=~") {
        return Some(
            "to compare, write `==` (or `=~` ignoring case); `=` names a column".to_string(),
        );
    }
    if word.eq_ignore_ascii_case("like") {
        return Some(
            "KQL has no `like`: use `contains`, `has`, `startswith`, `endswith` or \
             `matches regex`"
                .to_string(),
        );
    }
    if rest.starts_with("<>") {
        return Some("KQL writes `!=` for `<>`".to_string());
    }
    None
}

/// Length of the token starting `rest`, for "found `x`" labels; `None` at end of input.
fn found_token(rest: &str) -> Option<usize> {
    let c = rest.chars().next()?;
    if lexical::is_ident_char(c) {
        Some(
            rest.char_indices()
                .find(|(_, c)| !(lexical::is_ident_char(*c) || *c == '-'))
                .map_or(rest.len(), |(n, _)| n),
        )
    } else {
        Some(c.len_utf8())
    }
}

impl<'a> nom::error::ParseError<Input<'a>> for SyntaxError<'a> {
    fn from_error_kind(input: Input<'a>, _kind: nom::error::ErrorKind) -> Self {
        SyntaxError::expected(input, "")
    }

    fn append(_input: Input<'a>, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }

    /// Of two failed alternatives keep the one that got further, then the more specific.
    fn or(self, other: Self) -> Self {
        let (a, b) = (self.at.location_offset(), other.at.location_offset());
        if a > b || (a == b && other.expected.is_empty() && other.custom.is_none()) {
            self
        } else {
            other
        }
    }
}

/// The input after its first `bytes` bytes, and the skipped part. (nom's `take` counts
/// characters, not bytes.)
pub fn advance(i: Input, bytes: usize) -> PResult<Input> {
    use nom::Input as _;
    if i.fragment().is_char_boundary(bytes) && bytes <= i.fragment().len() {
        let (rest, taken) = i.take_split(bytes);
        Ok((rest, taken))
    } else {
        Err(nom::Err::Error(SyntaxError::expected(i, "")))
    }
}

/// Offset `start` up to where `rest` begins.
pub fn span_of(start: usize, rest: Input) -> Span {
    Span::new(start, rest.location_offset())
}

/// Like `cut`, but says what was expected (a recoverable error becomes a hard failure).
pub fn expect<'a, O>(
    expected: &'static str,
    mut p: impl Parser<Input<'a>, Output = O, Error = SyntaxError<'a>>,
) -> impl Parser<Input<'a>, Output = O, Error = SyntaxError<'a>> {
    move |i: Input<'a>| match p.parse(i) {
        Err(nom::Err::Error(e)) => {
            // keep a more precise error from deeper in, if it got past `i`
            if e.at.location_offset() > i.location_offset() || e.custom.is_some() {
                Err(nom::Err::Failure(e))
            } else {
                Err(nom::Err::Failure(SyntaxError::expected(i, expected)))
            }
        }
        other => other,
    }
}

/// Parses a whole query text: statements separated by `;`.
///
/// ```text
/// script    := ws (statement (";" statement?)*)?
/// statement := "let" Name "=" expr | "set" Name ("=" expr)? | expr
/// ```
pub fn parse(src: &str) -> Result<Script, ParseError> {
    // the grammar recurses per nesting level; a dedicated stack makes the depth limit, not
    // the caller's stack size, decide how deep a query may nest
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || parse_on_this_thread(src))
            .map_or_else(
                |_| parse_on_this_thread(src),
                |h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
    })
}

const PARSER_STACK_BYTES: usize = 256 << 20;

fn parse_on_this_thread(src: &str) -> Result<Script, ParseError> {
    script(Input::new(src))
        .map(|(_, s)| s)
        .map_err(|e| match e {
            nom::Err::Error(e) | nom::Err::Failure(e) => e.into_parse_error(src),
            nom::Err::Incomplete(_) => ParseError::new(
                "kql::syntax",
                Span::new(src.len(), src.len()),
                "incomplete query",
            ),
        })
}

fn script(i: Input) -> PResult<Script> {
    let start = i.location_offset();
    let (mut i, ()) = lexical::ws(i)?;
    let mut statements = Vec::new();
    loop {
        while let Ok((rest, _)) = lexical::sym(";").parse(i) {
            i = rest;
        }
        if i.fragment().is_empty() {
            break;
        }
        let (rest, stmt) = statement(i)?;
        statements.push(stmt);
        i = rest;
        if i.fragment().is_empty() {
            break;
        }
        let (rest, _) = expect("`;` or `|` between statements", lexical::sym(";")).parse(i)?;
        i = rest;
    }
    Ok((
        i,
        Script {
            statements,
            span: span_of(start, i),
        },
    ))
}

fn statement(i: Input) -> PResult<Statement> {
    let start = i.location_offset();
    if let Ok((rest, _)) = lexical::keyword("let").parse(i) {
        let (rest, name) = expect("a name", lexical::ident).parse(rest)?;
        let (rest, _) = expect("`=`", lexical::sym("=")).parse(rest)?;
        let (rest, value) = expect("an expression", expr::let_value).parse(rest)?;
        let span = Span::new(start, value.span.end as usize);
        return Ok((
            rest,
            Statement {
                kind: StatementKind::Let { name, value },
                span,
            },
        ));
    }
    if let Ok((rest, _)) = lexical::keyword("set").parse(i) {
        let (rest, name) = expect("an option name", lexical::ident).parse(rest)?;
        let (rest, value) = match lexical::sym("=").parse(rest) {
            Ok((rest, _)) => {
                let (rest, v) = expect("a value", expr::expr).parse(rest)?;
                (rest, Some(v))
            }
            Err(_) => (rest, None),
        };
        let end = value.as_ref().map_or(name.span.end, |v| v.span.end);
        return Ok((
            rest,
            Statement {
                kind: StatementKind::Set { name, value },
                span: Span::new(start, end as usize),
            },
        ));
    }
    let (rest, e) = expect("a query", expr::expr).parse(i)?;
    let span = e.span;
    Ok((
        rest,
        Statement {
            kind: StatementKind::Query(e),
            span,
        },
    ))
}
