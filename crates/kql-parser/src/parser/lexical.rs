//! Tokens: whitespace and comments, keywords, identifiers, string and number literals.
//!
//! Every token parser here consumes the whitespace and `//` comments after it, so grammar
//! rules never handle whitespace themselves.

use nom::Parser;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, satisfy};
use nom::combinator::{not, opt, peek, recognize};
use nom::sequence::pair;

use super::{Input, PResult, SyntaxError, span_of};
use crate::error::ParseError;
use crate::span::Span;

pub fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

/// Skips whitespace and `//` comments.
pub fn ws(mut i: Input) -> PResult<()> {
    loop {
        let (rest, _) = take_while(|c: char| c.is_whitespace()).parse(i)?;
        i = rest;
        if i.fragment().starts_with("//") {
            let (rest, _) = take_while(|c: char| c != '\n').parse(i)?;
            i = rest;
        } else {
            return Ok((i, ()));
        }
    }
}

/// A punctuation token such as `(`, `==` or `|`.
pub fn sym<'a>(s: &'static str) -> impl Parser<Input<'a>, Output = Span, Error = SyntaxError<'a>> {
    move |i: Input<'a>| {
        let start = i.location_offset();
        let (rest, _) = tag(s).parse(i)?;
        let span = Span::new(start, rest.location_offset());
        let (rest, ()) = ws(rest)?;
        Ok((rest, span))
    }
}

/// A keyword: the exact word, not followed by an identifier character.
pub fn keyword<'a>(
    word: &'static str,
) -> impl Parser<Input<'a>, Output = Span, Error = SyntaxError<'a>> {
    move |i: Input<'a>| {
        let start = i.location_offset();
        let (rest, _) = tag(word).parse(i)?;
        let (rest, _) = not(satisfy(|c| is_ident_char(c) || c == '-')).parse(rest)?;
        let span = Span::new(start, rest.location_offset());
        let (rest, ()) = ws(rest)?;
        Ok((rest, span))
    }
}

/// The next word without consuming it (for dispatch and error messages).
pub fn peek_word<'a>(i: Input<'a>) -> Option<&'a str> {
    let s = *i.fragment();
    let end = s
        .char_indices()
        .find(|(_, c)| !(is_ident_char(*c) || *c == '-'))
        .map_or(s.len(), |(n, _)| n);
    (end > 0).then(|| &s[..end])
}

/// An identifier: `Name`, `$left`, `['name with space']` or `["name"]`.
pub fn ident(i: Input) -> PResult<crate::ast::Ident> {
    let start = i.location_offset();
    if i.fragment().starts_with("['") || i.fragment().starts_with("[\"") {
        let (rest, _) = char('[').parse(i)?;
        let (rest, (name, _)) = string_token(rest)?;
        let (rest, _) = ws(rest)?;
        let (rest, _) = super::expect("`]`", sym("]")).parse(rest)?;
        let span = Span::new(start, rest.location_offset());
        return Ok((rest, crate::ast::Ident { name, span }));
    }
    let (rest, word) = recognize(pair(
        satisfy(|c| is_ident_start(c) || c.is_ascii_digit()),
        take_while(is_ident_char),
    ))
    .parse(i)?;
    // a name may start with digits (`2022MostExploited`), but all digits is a number
    if word.fragment().bytes().all(|b| b.is_ascii_digit()) {
        return Err(nom::Err::Error(SyntaxError::expected(i, "a name")));
    }
    let span = span_of(start, rest);
    let (rest, ()) = ws(rest)?;
    Ok((
        rest,
        crate::ast::Ident {
            name: word.fragment().to_string(),
            span,
        },
    ))
}

/// One or more adjacent string literals, concatenated (`"a" 'b'` is `"ab"`).
pub fn string_lit(i: Input) -> PResult<(String, Span)> {
    let start = i.location_offset();
    let (mut i, (mut text, mut end)) = string_token(i)?;
    let (rest, ()) = ws(i)?;
    i = rest;
    while let Ok((rest, (more, more_end))) = string_token(i) {
        text.push_str(&more);
        end = more_end;
        let (rest, ()) = ws(rest)?;
        i = rest;
    }
    Ok((i, (text, Span::new(start, end))))
}

/// Whether a string literal starts here (including `@"..."`, `h"..."` and ``` blocks).
pub fn at_string(i: Input) -> bool {
    let s = i.fragment();
    let s = s.strip_prefix(['h', 'H']).unwrap_or(s);
    let s = s.strip_prefix('@').unwrap_or(s);
    s.starts_with('"') || s.starts_with('\'') || s.starts_with("```") || s.starts_with("~~~")
}

/// A single string token, returning its value and the end offset.
fn string_token(i: Input) -> PResult<(String, usize)> {
    if !at_string(i) {
        return Err(nom::Err::Error(SyntaxError::expected(
            i,
            "a string literal",
        )));
    }
    let start = i.location_offset();
    let mut s = *i.fragment();
    let mut skipped = 0;
    if s.starts_with(['h', 'H']) {
        s = &s[1..];
        skipped += 1;
    }
    let verbatim = s.starts_with('@');
    if verbatim {
        s = &s[1..];
        skipped += 1;
    }
    let fence = if s.starts_with("```") {
        Some("```")
    } else if s.starts_with("~~~") {
        Some("~~~")
    } else {
        None
    };
    let unterminated = |len: usize| {
        nom::Err::Failure(SyntaxError::custom(
            i,
            ParseError::new(
                "kql::syntax",
                Span::new(start, start + len),
                "unterminated string literal",
            )
            .with_label("this string is never closed"),
        ))
    };
    if let Some(fence) = fence {
        let body = &s[3..];
        let Some(close) = body.find(fence) else {
            return Err(unterminated(skipped + s.len()));
        };
        let consumed = skipped + 3 + close + 3;
        let (rest, _) = super::advance(i, consumed)?;
        return Ok((rest, (body[..close].to_string(), start + consumed)));
    }
    let quote = s.chars().next().unwrap_or('"');
    let mut out = String::new();
    let mut chars = s[1..].char_indices();
    while let Some((n, c)) = chars.next() {
        let pos = start + skipped + 1 + n;
        match c {
            c if c == quote => {
                if verbatim && s[1 + n + 1..].starts_with(quote) {
                    out.push(quote);
                    chars.next();
                    continue;
                }
                let consumed = skipped + 1 + n + 1;
                let (rest, _) = super::advance(i, consumed)?;
                return Ok((rest, (out, start + consumed)));
            }
            '\n' | '\r' => return Err(unterminated(pos - start)),
            '\\' if !verbatim => {
                let Some((_, e)) = chars.next() else {
                    return Err(unterminated(pos - start + 1));
                };
                let decoded = match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '\\' => '\\',
                    '"' => '"',
                    '\'' => '\'',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'v' => '\u{b}',
                    '0' => '\0',
                    'u' | 'x' | 'U' => {
                        let digits = match e {
                            'u' => 4,
                            'x' => 2,
                            _ => 8,
                        };
                        let hex: String = chars.clone().take(digits).map(|(_, c)| c).collect();
                        let value = (hex.len() == digits)
                            .then(|| u32::from_str_radix(&hex, 16).ok())
                            .flatten()
                            .and_then(char::from_u32);
                        let Some(ch) = value else {
                            return Err(bad_escape(i, pos, 2 + hex.len()));
                        };
                        for _ in 0..digits {
                            chars.next();
                        }
                        ch
                    }
                    _ => return Err(bad_escape(i, pos, 1 + e.len_utf8())),
                };
                out.push(decoded);
            }
            c => out.push(c),
        }
    }
    Err(unterminated(skipped + s.len()))
}

fn bad_escape(i: Input, pos: usize, len: usize) -> nom::Err<SyntaxError> {
    nom::Err::Failure(SyntaxError::custom(
        i,
        ParseError::new(
            "kql::syntax::escape",
            Span::new(pos, pos + len),
            "invalid escape sequence in string literal",
        )
        .with_label("not a valid escape")
        .with_help(r#"write a backslash as `\\`, or use a verbatim string: @"C:\path\d+""#),
    ))
}

/// A number token: `42`, `0x1F`, `1.5`, `1e-3`, or a timespan literal such as `3d`, `1.5h`.
pub enum Number {
    Long(i64),
    Real(f64),
    TimeSpan(i64),
}

pub fn number(i: Input) -> PResult<(Number, Span)> {
    let start = i.location_offset();
    if i.fragment().starts_with("0x") || i.fragment().starts_with("0X") {
        let (rest, digits) = recognize(pair(
            take_while1(|c: char| c == '0'),
            pair(
                satisfy(|c| c == 'x' || c == 'X'),
                take_while1(|c: char| c.is_ascii_hexdigit()),
            ),
        ))
        .parse(i)?;
        let span = span_of(start, rest);
        let value =
            i64::from_str_radix(&digits.fragment()[2..], 16).map_err(|_| out_of_range(i, span))?;
        let (rest, ()) = ws(rest)?;
        return Ok((rest, (Number::Long(value), span)));
    }
    let (rest, int_part) = take_while1(|c: char| c.is_ascii_digit()).parse(i)?;
    let mut text = int_part.fragment().to_string();
    let mut rest = rest;
    let mut is_real = false;
    // a fraction needs a digit after the dot: `1..5` in `between` is not `1.` then `.5`
    if rest.fragment().starts_with('.')
        && rest.fragment()[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        let (r, frac) =
            recognize(pair(char('.'), take_while1(|c: char| c.is_ascii_digit()))).parse(rest)?;
        text.push_str(frac.fragment());
        rest = r;
        is_real = true;
    }
    let exponent: PResult<Input> = recognize((
        satisfy(|c| c == 'e' || c == 'E'),
        opt(satisfy(|c| c == '+' || c == '-')),
        take_while1(|c: char| c.is_ascii_digit()),
    ))
    .parse(rest);
    if let Ok((r, exp)) = exponent {
        text.push_str(exp.fragment());
        rest = r;
        is_real = true;
    }
    let (after_suffix, suffix) = take_while(|c: char| c.is_ascii_alphabetic()).parse(rest)?;
    if !suffix.fragment().is_empty() {
        let span = span_of(start, after_suffix);
        let Some(unit) = timespan_unit(suffix.fragment()) else {
            return Err(nom::Err::Failure(SyntaxError::custom(
                i,
                ParseError::new(
                    "kql::syntax",
                    span,
                    format!("`{}` is not a valid number or timespan", span_text(i, span)),
                )
                .with_label("unknown suffix")
                .with_help(
                    "timespan suffixes are d, h, m, s, ms, microsecond, tick (e.g. `3d`, `1.5h`)",
                ),
            )));
        };
        let (after, _) = not(peek(satisfy(is_ident_char))).parse(after_suffix)?;
        // whole units are counted exactly (`729465739384500ms` is not rounded through a real)
        let exact = (!is_real && unit >= 1.0 && unit.fract() == 0.0)
            .then(|| text.parse::<i64>().ok()?.checked_mul(unit as i64))
            .flatten();
        let ticks = match exact {
            Some(t) => t,
            None => {
                let amount: f64 = text.parse().map_err(|_| out_of_range(i, span))?;
                let ticks = (amount * unit).round();
                if !ticks.is_finite() || ticks.abs() >= i64::MAX as f64 {
                    return Err(out_of_range(i, span));
                }
                ticks as i64
            }
        };
        let (after, ()) = ws(after)?;
        return Ok((after, (Number::TimeSpan(ticks), span)));
    }
    let (rest, _) = not(peek(satisfy(is_ident_char))).parse(rest)?;
    let span = span_of(start, rest);
    let number = if is_real {
        Number::Real(text.parse().map_err(|_| out_of_range(i, span))?)
    } else {
        Number::Long(text.parse().map_err(|_| out_of_range(i, span))?)
    };
    let (rest, ()) = ws(rest)?;
    Ok((rest, (number, span)))
}

fn span_text<'a>(i: Input<'a>, span: Span) -> &'a str {
    let from = span.start as usize - i.location_offset();
    i.fragment().get(from..from + span.len()).unwrap_or("")
}

fn out_of_range(i: Input, span: Span) -> nom::Err<SyntaxError> {
    nom::Err::Failure(SyntaxError::custom(
        i,
        ParseError::new("kql::syntax", span, "number literal out of range").with_label("too large"),
    ))
}

/// Ticks per unit of a timespan literal suffix; the longest spelling wins in the lexer
/// because the whole alphabetic run is looked up.
pub fn timespan_unit(suffix: &str) -> Option<f64> {
    Some(match suffix {
        "d" | "day" | "days" => 864_000_000_000.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 36_000_000_000.0,
        "m" | "min" | "minute" | "minutes" => 600_000_000.0,
        "s" | "sec" | "second" | "seconds" => 10_000_000.0,
        "ms" | "milli" | "millis" | "millisec" | "millisecond" | "milliseconds" => 10_000.0,
        "micro" | "micros" | "microsec" | "microsecond" | "microseconds" => 10.0,
        "nano" | "nanos" | "nanosec" | "nanosecond" | "nanoseconds" => 0.01,
        "tick" | "ticks" => 1.0,
        _ => return None,
    })
}

/// Text inside balanced parentheses after `name(`: used by `datetime(...)`, `guid(...)`.
/// Returns the trimmed text and leaves the input after `)`.
pub fn raw_parenthesized(i: Input) -> PResult<(String, Span)> {
    let (i, open) = sym("(").parse(i)?;
    let s = *i.fragment();
    let mut depth = 0usize;
    let mut in_quote: Option<char> = None;
    for (n, c) in s.char_indices() {
        match (in_quote, c) {
            (Some(q), c) if c == q => in_quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => in_quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => {
                let (rest, body) = super::advance(i, n)?;
                let (rest, close) = sym(")").parse(rest)?;
                let text = body.fragment().trim();
                let text = text
                    .strip_prefix(['"', '\''])
                    .and_then(|t| t.strip_suffix(['"', '\'']))
                    .unwrap_or(text);
                return Ok((rest, (text.to_string(), open.to(close))));
            }
            (None, ')') => depth -= 1,
            _ => {}
        }
    }
    Err(nom::Err::Failure(SyntaxError::custom(
        i,
        ParseError::new("kql::syntax", open, "unclosed parenthesis")
            .with_label("this `(` is never closed"),
    )))
}
