//! When does Enter run the query, and when does it start a new line?
//!
//! [`needs_more`] answers for the text typed so far. The query goes on (a continuation
//! prompt, `...> `) while:
//!
//! * a bracket or a quote is open (``` blocks span lines);
//! * the last word asks for more: a line ending in `|`, `,`, `;` (unless the text is only
//!   `let` and `set` statements, which the session keeps at once), `and`, `or`, `by`, a
//!   comparison or string operator (`==`, `=~`, `has`, `!contains`, `in~`, ...) or an operator
//!   name that takes arguments (`| where`);
//! * the statement is a `let` or a `set` not yet ended by its `;`;
//! * the line just typed is only a comment;
//! * (for a line typed by hand) the next line would start with `|`: the statement so far is a
//!   bare table or `let` name (`DeviceProcessEvents`), or the line just typed starts with `|`
//!   (pipe-first style: one stage per line, and an empty line runs the query).
//!
//! The last rule is only for lines typed one at a time. A multi-line text that arrives in one
//! piece (pasted, or recalled from history and edited) runs as soon as it is complete.

use super::lex::{Tok, Token, code, lex};
use super::vocab::{TABULAR_OPERATORS, is_word_operator};

/// Operator names that cannot end a query (they need arguments); `count` can.
fn takes_arguments(word: &str) -> bool {
    word != "count" && TABULAR_OPERATORS.contains(&word)
}

/// Words after which the query must go on.
fn continues(word: &str) -> bool {
    matches!(
        word,
        "by" | "on" | "with" | "let" | "set" | "not" | "matches" | "of" | "step"
    ) || is_word_operator(word)
        || takes_arguments(word)
}

/// Whether `text` is a dot command (`.tables`), which is always one line.
pub fn is_command(text: &str) -> bool {
    text.trim_start().starts_with('.')
}

/// Whether Enter after `text` should start a new line rather than run it.
///
/// `typed_line` says the last line of `text` was typed as a line of its own (not pasted or
/// recalled as part of a multi-line text): only then does the pipe-first rule apply (see the
/// module docs).
pub fn needs_more(text: &str, typed_line: bool) -> bool {
    if is_command(text) {
        return false;
    }
    // the line break of a pasted text, trailing spaces
    let text = text.trim_end();
    let tokens = lex(text);
    let mut code_tokens = code(&tokens).peekable();
    if code_tokens.peek().is_none() {
        // only comments: the query is still to come
        return tokens.iter().any(|t| t.tok == Tok::Comment);
    }
    let mut depth = 0i32;
    let mut last = None;
    for t in code(&tokens) {
        if t.tok == Tok::OpenStr {
            return true;
        }
        if t.is_open_bracket(text) {
            depth += 1;
        } else if t.is_close_bracket(text) {
            depth -= 1;
        }
        last = Some(*t);
    }
    if depth > 0 {
        return true;
    }
    let Some(last) = last else {
        return false;
    };
    let last_text = last.text(text);
    let asks_for_more = match last.tok {
        // after a query, another statement follows
        Tok::Punct if last_text == ";" => !only_definitions(text),
        Tok::Punct => matches!(last_text, "|" | "," | "." | ":" | ".."),
        // a trailing `*` ends parse patterns (`with * "user " Name " " *`)
        Tok::Op => last_text != "*",
        Tok::Ident => {
            // `matches regex` wants its pattern; `kind=regex` is complete
            let matches_regex = last_text == "regex"
                && code(&tokens)
                    .rev()
                    .nth(1)
                    .is_some_and(|t| t.text(text) == "matches");
            continues(last_text) || matches_regex
        }
        _ => false,
    };
    if asks_for_more {
        return true;
    }
    if last_text == ";" {
        // `let` statements on their own, kept at once: no stage can follow the `;`
        return false;
    }
    if starts_definition(text, &tokens) {
        // a `let` is ended by its `;`
        return true;
    }
    let last_line = text.rsplit('\n').next().unwrap_or(text);
    let last_line_start = text.len() - last_line.len();
    let last_line_has_code = code(&tokens).any(|t| t.end > last_line_start);
    if !last_line_has_code {
        // a comment line in the middle of a query
        return true;
    }
    if typed_line {
        if last_line.trim_start().starts_with('|') {
            return true;
        }
        if is_bare_name(text, &tokens) {
            return true;
        }
    }
    false
}

/// Whether `text` is only `let` and `set` statements, each ended by `;` (no query).
pub fn only_definitions(text: &str) -> bool {
    let tokens = lex(text);
    let mut depth = 0i32;
    let mut statement_start = true;
    let mut last = None;
    for t in code(&tokens) {
        let word = t.text(text);
        if statement_start && !matches!(word, "let" | "set" | ";") {
            return false;
        }
        statement_start = false;
        if t.is_open_bracket(text) {
            depth += 1;
        } else if t.is_close_bracket(text) {
            depth -= 1;
        } else if depth <= 0 && t.tok == Tok::Punct && word == ";" {
            statement_start = true;
        }
        last = Some(word);
    }
    last == Some(";")
}

/// Whether the current statement (after the last top-level `;`) is a `let` or a `set`.
fn starts_definition(text: &str, tokens: &[Token]) -> bool {
    let statement = current_statement(text, tokens);
    code(statement)
        .next()
        .is_some_and(|t| matches!(t.text(text), "let" | "set"))
}

/// Whether the current statement (after the last top-level `;`) is a single name.
fn is_bare_name(text: &str, tokens: &[Token]) -> bool {
    let statement = current_statement(text, tokens);
    let mut words = code(statement);
    let first = words.next();
    let is_name = first.is_some_and(|t| {
        t.tok == Tok::QuotedIdent
            || (t.tok == Tok::Ident && !matches!(t.text(text), "print" | "range" | "datatable"))
    });
    is_name && words.next().is_none()
}

/// The tokens of the last statement: after the last `;` at bracket depth 0.
pub fn current_statement<'t>(text: &str, tokens: &'t [Token]) -> &'t [Token] {
    let mut depth = 0i32;
    let mut start = 0;
    for (n, t) in tokens.iter().enumerate() {
        if t.is_open_bracket(text) {
            depth += 1;
        } else if t.is_close_bracket(text) {
            depth -= 1;
        } else if depth <= 0 && t.tok == Tok::Punct && t.text(text) == ";" {
            start = n + 1;
        }
    }
    &tokens[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, typed one line at a time?, needs more?)
    const CASES: &[(&str, bool, bool)] = &[
        // complete on one line
        ("DeviceProcessEvents | take 3", true, false),
        ("print 1", true, false),
        ("range x from 1 to 3 step 1", true, false),
        ("T | count", true, false),
        ("", true, false),
        ("   ", true, false),
        // open brackets and quotes
        ("T | where x in (\"a\",", true, true),
        ("T | where x in (\"a\"", true, true),
        ("print s = \"abc", true, true),
        ("print s = 'a\\'", true, true),
        ("print s = ```abc\ndef", false, true),
        ("print s = ```abc\ndef```", false, false),
        ("print s = @\"C:\\\"", true, false),
        ("T | extend x = dynamic({\"a\": [1", true, true),
        ("T | where x == 1)", true, false),
        // trailing words and symbols
        ("T |", true, true),
        ("T | where", true, true),
        ("T | where x == 1 and", true, true),
        ("T | where x == 1 or", false, true),
        ("T | where x ==", true, true),
        ("T | where x =~", true, true),
        ("T | where x !contains", true, true),
        ("T | where x in~", true, true),
        ("T | summarize count() by", true, true),
        ("T | project a,", true, true),
        ("T | take 1;", true, true),
        ("let x = T | take 1;\nT", true, true),
        ("T | parse kind=regex", true, false),
        ("T | where x matches regex", true, true),
        ("T | parse kind=", true, true),
        ("T | parse x with * \"user \" U \" \" *", true, false),
        ("T | where x == 1 // and", true, false),
        // pipe-first, typed line by line
        ("DeviceProcessEvents", true, true),
        ("['My Table']", true, true),
        ("let x = 1;\nT", true, true),
        ("DeviceProcessEvents", false, false),
        ("DeviceProcessEvents\n| where x == 1", true, true),
        ("DeviceProcessEvents\n| where x == 1", false, false),
        (
            "DeviceProcessEvents\n| where x == 1\n| take 3",
            false,
            false,
        ),
        ("T |\nwhere x == 1 |\ntake 3", true, false),
        ("T\n// the next line filters", true, true),
        ("T\n// the next line filters", false, true),
        ("// just a comment", true, true),
        // `let` and `set` statements on their own are complete
        ("let x = 1;", true, false),
        (
            "let x = 1; set query_now = datetime(2026-01-01);",
            true,
            false,
        ),
        ("let f = (n:long) { let m = n; m + 1 };", true, false),
        ("let t = T\n| where x == 1;", true, false),
        ("let x = 1", true, true),
        ("let t = T", false, true),
        ("set notruncation", true, true),
        ("let x = 1; print x", true, false),
        ("let x =", true, true),
        ("let f = (n:long) { let m = n;", true, true),
        // commands
        (".tables", true, false),
        (".load a.json as (", true, false),
    ];

    #[test]
    fn when_a_query_is_complete() {
        for (text, typed, expected) in CASES {
            assert_eq!(
                needs_more(text, *typed),
                *expected,
                "needs_more({text:?}, typed: {typed})"
            );
        }
    }

    #[test]
    fn the_seed_query_is_complete_as_a_file_and_continues_line_by_line() {
        let query = include_str!("../../../../queries/create-account.kql");
        assert!(!needs_more(query, false));
        let lines: Vec<&str> = query.lines().collect();
        // typed by hand, every prefix asks for another line: the first is a table name, the
        // comments and the `| ...` lines continue
        for n in 1..=lines.len() {
            let prefix = lines[..n].join("\n");
            assert!(needs_more(&prefix, true), "after line {n}: {prefix}");
        }
    }

    #[test]
    fn definitions_only() {
        assert!(only_definitions("let a = 1;\n// then\nset notruncation;;"));
        assert!(only_definitions("let s = \"a;b\";"));
        assert!(!only_definitions("let a = 1; T | take a;"));
        assert!(!only_definitions("let a = 1"));
        assert!(!only_definitions(""));
        assert!(!only_definitions("print 'let';"));
    }

    #[test]
    fn statements() {
        let text = "let a = (1; 2); let b = 3;\nT | take 1";
        let tokens = lex(text);
        let statement = current_statement(text, &tokens);
        let words: Vec<&str> = code(statement).map(|t| t.text(text)).collect();
        assert_eq!(words, ["T", "|", "take", "1"]);
    }
}
