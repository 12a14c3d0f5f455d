//! A forgiving tokenizer for text being typed: it never fails, so highlighting, completion
//! and the "is the query complete" check work on half-written queries (an open string, a
//! stray character). The real grammar lives in `kql-parser`; this only needs token edges.

use super::vocab::{HYPHENATED, RAW_LITERALS};

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    /// Spaces, tabs, line breaks.
    Space,
    /// `// ...` to the end of the line.
    Comment,
    /// A name or keyword (`where`, `project-away`, `$left`, `!contains`, `in~`).
    Ident,
    /// `['name with space']`.
    QuotedIdent,
    /// A string literal, closed.
    Str,
    /// A string literal never closed (runs to the end of its line, or of the text for ```).
    OpenStr,
    /// `42`, `1.5`, `0x1F`, `1e3`.
    Number,
    /// `3d`, `1.5h`, `10ms`.
    TimeSpan,
    /// The raw text inside `datetime(...)`, `guid(...)`, `time(...)`.
    RawLiteral,
    /// `( ) [ ] { } , ; | . : ..`
    Punct,
    /// `== != <> < <= > >= =~ !~ = + - * / % ! ~`
    Op,
    /// Anything else (a stray `#`, say).
    Other,
}

/// A token: its kind and byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }

    /// Whitespace and comments: what the grammar skips.
    pub fn is_trivia(&self) -> bool {
        matches!(self.tok, Tok::Space | Tok::Comment)
    }

    pub fn is_open_bracket(&self, src: &str) -> bool {
        self.tok == Tok::Punct && matches!(self.text(src), "(" | "[" | "{")
    }

    pub fn is_close_bracket(&self, src: &str) -> bool {
        self.tok == Tok::Punct && matches!(self.text(src), ")" | "]" | "}")
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Raw {
    None,
    Open,
    Body,
}

/// Splits `src` into tokens that cover it exactly, in order.
pub fn lex(src: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    // `datetime(` ... `)`: the text between is one raw token
    let mut raw = Raw::None;
    while i < src.len() {
        let rest = &src[i..];
        let c = rest.chars().next().unwrap_or(' ');
        let (tok, len) = if raw == Raw::Body && c != ')' {
            let len = rest.find([')', '\n']).unwrap_or(rest.len());
            (Tok::RawLiteral, len)
        } else if c.is_whitespace() {
            let len = rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len());
            (Tok::Space, len)
        } else if rest.starts_with("//") {
            (Tok::Comment, rest.find('\n').unwrap_or(rest.len()))
        } else if let Some((tok, len)) = string_at(rest) {
            (tok, len)
        } else if rest.starts_with("['") || rest.starts_with("[\"") {
            quoted_ident(rest)
        } else if c.is_ascii_digit() {
            number(rest)
        } else if is_ident_start(c) {
            (Tok::Ident, ident(rest))
        } else if c == '!' && rest[1..].starts_with(is_ident_start) {
            // `!contains`, `!in~`, `!between`
            (Tok::Ident, 1 + ident(&rest[1..]))
        } else {
            punct(rest)
        };
        // never an empty token, never inside a character
        let len = len.max(c.len_utf8()).min(rest.len());
        let text = &rest[..len];
        raw = match (raw, tok) {
            (_, Tok::Ident) if RAW_LITERALS.contains(&text) && rest[len..].starts_with('(') => {
                Raw::Open
            }
            (Raw::Open, Tok::Punct) if text == "(" => Raw::Body,
            _ => Raw::None,
        };
        tokens.push(Token {
            tok,
            start: i,
            end: i + len,
        });
        i += len;
    }
    tokens
}

/// An identifier at the start of `s` (which starts with an identifier character): also a
/// hyphenated operator name, and `in~`.
fn ident(s: &str) -> usize {
    let mut len = s
        .char_indices()
        .skip(1)
        .find(|(_, c)| !is_ident_char(*c))
        .map_or(s.len(), |(n, _)| n);
    // `project-away`: one word when the whole is a known operator
    while s[len..].starts_with('-') {
        let more = s[len + 1..]
            .char_indices()
            .find(|(_, c)| !is_ident_char(*c))
            .map_or(s.len() - len - 1, |(n, _)| n);
        if more == 0 || !HYPHENATED.contains(&&s[..len + 1 + more]) {
            break;
        }
        len += 1 + more;
    }
    let word = &s[..len];
    if (word == "in" || word == "!in") && s[len..].starts_with('~') {
        len += 1;
    }
    len
}

/// A string literal at the start of `s`, if one starts there: `"..."`, `'...'`, `@"..."`,
/// `h"..."`, and ```` ``` ```` / `~~~` blocks.
fn string_at(s: &str) -> Option<(Tok, usize)> {
    let mut skip = 0;
    if s.starts_with(['h', 'H']) && s[1..].starts_with(['"', '\'', '@']) {
        skip = 1;
    }
    let verbatim = s[skip..].starts_with('@');
    if verbatim {
        skip += 1;
    }
    let body = &s[skip..];
    for fence in ["```", "~~~"] {
        if body.starts_with(fence) {
            return Some(match body[3..].find(fence) {
                Some(n) => (Tok::Str, skip + 3 + n + 3),
                None => (Tok::OpenStr, s.len()),
            });
        }
    }
    let quote = body.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut chars = body.char_indices().skip(1).peekable();
    while let Some((n, c)) = chars.next() {
        match c {
            '\n' => return Some((Tok::OpenStr, skip + n)),
            '\\' if !verbatim => {
                chars.next();
            }
            c if c == quote => {
                if verbatim && chars.peek().is_some_and(|(_, c)| *c == quote) {
                    chars.next();
                    continue;
                }
                return Some((Tok::Str, skip + n + 1));
            }
            _ => {}
        }
    }
    Some((Tok::OpenStr, s.len()))
}

fn quoted_ident(s: &str) -> (Tok, usize) {
    match string_at(&s[1..]) {
        Some((Tok::Str, n)) if s[1 + n..].trim_start_matches(' ').starts_with(']') => {
            let spaces = s[1 + n..].len() - s[1 + n..].trim_start_matches(' ').len();
            (Tok::QuotedIdent, 1 + n + spaces + 1)
        }
        // `["a", "b"]`: an array whose first item is a string
        Some((Tok::Str, _)) | None => (Tok::Punct, 1),
        Some((_, n)) => (Tok::OpenStr, 1 + n),
    }
}

fn number(s: &str) -> (Tok, usize) {
    if s.starts_with("0x") || s.starts_with("0X") {
        let len = 2 + s[2..]
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(s.len() - 2);
        return (Tok::Number, len);
    }
    let digits = |from: usize| {
        s[from..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(s.len(), |n| from + n)
    };
    let mut len = digits(0);
    if s[len..].starts_with('.') && s[len + 1..].starts_with(|c: char| c.is_ascii_digit()) {
        len = digits(len + 1);
    }
    let exp = &s[len..];
    if exp.starts_with(['e', 'E']) {
        let sign = usize::from(exp[1..].starts_with(['+', '-']));
        if exp[1 + sign..].starts_with(|c: char| c.is_ascii_digit()) {
            len = digits(len + 1 + sign);
        }
    }
    let suffix = s[len..]
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len() - len);
    if suffix > 0 {
        let tok = if kql_parser::timespan_unit(&s[len..len + suffix]).is_some() {
            Tok::TimeSpan
        } else {
            Tok::Number
        };
        return (tok, len + suffix);
    }
    (Tok::Number, len)
}

fn punct(s: &str) -> (Tok, usize) {
    for two in ["==", "!=", "<>", "<=", ">=", "=~", "!~"] {
        if s.starts_with(two) {
            return (Tok::Op, 2);
        }
    }
    if s.starts_with("..") {
        return (Tok::Punct, 2);
    }
    let c = s.chars().next().unwrap_or(' ');
    match c {
        '(' | ')' | '[' | ']' | '{' | '}' | ',' | ';' | '|' | '.' | ':' => (Tok::Punct, 1),
        '<' | '>' | '=' | '+' | '-' | '*' | '/' | '%' | '!' | '~' => (Tok::Op, 1),
        c => (Tok::Other, c.len_utf8()),
    }
}

/// The code tokens (no whitespace or comments).
pub fn code(tokens: &[Token]) -> impl DoubleEndedIterator<Item = &Token> + '_ {
    tokens.iter().filter(|t| !t.is_trivia())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Tok, &str)> {
        lex(src)
            .into_iter()
            .filter(|t| t.tok != Tok::Space)
            .map(|t| (t.tok, t.text(src)))
            .collect()
    }

    #[test]
    fn tokens_cover_the_text() {
        for src in [
            "T | where x == 'a\\'b' // c\n| take 3",
            "é ☃ \"unterminated",
            "['a b'] @\"C:\\x\"\"y\" h'secret' ```multi\nline``` ~~~open",
            "datetime(2026-11-25 10:00) 1.5h 0x1F 1e-3 3d 12Z",
            "[' open",
            "!",
        ] {
            let tokens = lex(src);
            let mut at = 0;
            for t in &tokens {
                assert_eq!(t.start, at, "{src:?}: {tokens:?}");
                assert!(t.end > t.start);
                at = t.end;
            }
            assert_eq!(at, src.len(), "{src:?}");
        }
    }

    #[test]
    fn kinds_of_tokens() {
        assert_eq!(
            kinds("T | project-away A, B | where x !contains \"y\" and z in~ ('a') // c"),
            vec![
                (Tok::Ident, "T"),
                (Tok::Punct, "|"),
                (Tok::Ident, "project-away"),
                (Tok::Ident, "A"),
                (Tok::Punct, ","),
                (Tok::Ident, "B"),
                (Tok::Punct, "|"),
                (Tok::Ident, "where"),
                (Tok::Ident, "x"),
                (Tok::Ident, "!contains"),
                (Tok::Str, "\"y\""),
                (Tok::Ident, "and"),
                (Tok::Ident, "z"),
                (Tok::Ident, "in~"),
                (Tok::Punct, "("),
                (Tok::Str, "'a'"),
                (Tok::Punct, ")"),
                (Tok::Comment, "// c"),
            ]
        );
        assert_eq!(
            kinds("x-1 >= 3d and t > datetime(2026-01-01) ['a b']"),
            vec![
                (Tok::Ident, "x"),
                (Tok::Op, "-"),
                (Tok::Number, "1"),
                (Tok::Op, ">="),
                (Tok::TimeSpan, "3d"),
                (Tok::Ident, "and"),
                (Tok::Ident, "t"),
                (Tok::Op, ">"),
                (Tok::Ident, "datetime"),
                (Tok::Punct, "("),
                (Tok::RawLiteral, "2026-01-01"),
                (Tok::Punct, ")"),
                (Tok::QuotedIdent, "['a b']"),
            ]
        );
    }

    #[test]
    fn strings() {
        assert_eq!(kinds(r#""a\"b""#), vec![(Tok::Str, r#""a\"b""#)]);
        assert_eq!(kinds(r#"@"C:\""x""#), vec![(Tok::Str, r#"@"C:\""x""#)]);
        assert_eq!(
            kinds("'open\nT"),
            vec![(Tok::OpenStr, "'open"), (Tok::Ident, "T")]
        );
        assert_eq!(kinds("```a\nb```"), vec![(Tok::Str, "```a\nb```")]);
        assert_eq!(kinds("```a\nb"), vec![(Tok::OpenStr, "```a\nb")]);
        assert_eq!(kinds("h\"x\""), vec![(Tok::Str, "h\"x\"")]);
        assert_eq!(kinds("hx"), vec![(Tok::Ident, "hx")]);
        assert_eq!(
            kinds(r#"["a","b"]"#),
            vec![
                (Tok::Punct, "["),
                (Tok::Str, r#""a""#),
                (Tok::Punct, ","),
                (Tok::Str, r#""b""#),
                (Tok::Punct, "]")
            ]
        );
    }
}
