//! Syntax colours for the line being edited: operator names after `|`, keywords and word
//! operators, strings, numbers, timespans and `datetime(...)` literals, comments; the bracket
//! matching the one at the cursor is marked, and a closing bracket that matches nothing is red.
//!
//! Only SGR colour codes are added: the text keeps its width, as the line editor requires.

use super::lex::{Tok, Token, lex};
use super::vocab::{KEYWORDS, STATEMENT_KEYWORDS, is_word_operator};

const RESET: &str = "\x1b[0m";
const OPERATOR: &str = "\x1b[1;34m";
const KEYWORD: &str = "\x1b[34m";
const SYMBOL: &str = "\x1b[35m";
const PIPE: &str = "\x1b[1;35m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[33m";
const TIME: &str = "\x1b[36m";
const COMMENT: &str = "\x1b[90m";
const MATCH: &str = "\x1b[1;4;33m";
const UNMATCHED: &str = "\x1b[1;31m";
/// The style of a hint (the rest of a history entry, shown after the cursor).
pub const HINT: &str = "\x1b[90m";
/// Prompts: a new query, and a query that continues.
pub const PROMPT: &str = "\x1b[1;32m";
pub const CONTINUATION: &str = "\x1b[90m";

/// `line` with ANSI colours. `cursor` (a byte offset) marks the matching bracket; `None` for
/// the final rendering of an accepted line.
pub fn highlight(line: &str, cursor: Option<usize>) -> String {
    let tokens = lex(line);
    let (partner, unmatched) = brackets(line, &tokens);
    let marked = cursor.and_then(|pos| {
        let bracket = |at: &dyn Fn(&Token) -> bool| {
            (0..tokens.len()).find(|&i| at(&tokens[i]) && partner[i].is_some())
        };
        let i = bracket(&|t| t.start == pos).or_else(|| bracket(&|t| t.end == pos))?;
        Some((i, partner[i]?))
    });
    let mut out = String::with_capacity(line.len() * 2);
    let mut prev_code: Option<&Token> = None;
    for (i, t) in tokens.iter().enumerate() {
        let text = t.text(line);
        let style = if marked.is_some_and(|(a, b)| a == i || b == i) {
            Some(MATCH)
        } else if unmatched.contains(&i) {
            Some(UNMATCHED)
        } else {
            style_of(line, t, prev_code)
        };
        match style {
            Some(s) => {
                out.push_str(s);
                out.push_str(text);
                out.push_str(RESET);
            }
            None => out.push_str(text),
        }
        if !t.is_trivia() {
            prev_code = Some(t);
        }
    }
    out
}

fn style_of(line: &str, t: &Token, prev: Option<&Token>) -> Option<&'static str> {
    let text = t.text(line);
    match t.tok {
        Tok::Comment => Some(COMMENT),
        Tok::Str | Tok::OpenStr => Some(STRING),
        Tok::Number => Some(NUMBER),
        Tok::TimeSpan | Tok::RawLiteral => Some(TIME),
        Tok::Ident => {
            let after_pipe = prev.is_some_and(|p| p.tok == Tok::Punct && p.text(line) == "|");
            if after_pipe {
                Some(OPERATOR)
            } else if is_word_operator(text) || text == "not" {
                Some(SYMBOL)
            } else if KEYWORDS.contains(&text) || STATEMENT_KEYWORDS.contains(&text) {
                Some(KEYWORD)
            } else {
                None
            }
        }
        Tok::Punct if text == "|" => Some(PIPE),
        Tok::Op => Some(SYMBOL),
        _ => None,
    }
}

/// For each token, the index of the bracket it pairs with; and the closing brackets that
/// pair with nothing.
fn brackets(line: &str, tokens: &[Token]) -> (Vec<Option<usize>>, Vec<usize>) {
    let mut partner = vec![None; tokens.len()];
    let mut unmatched = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.is_open_bracket(line) {
            open.push(i);
        } else if t.is_close_bracket(line) {
            let pairs = |o: &str, c: &str| matches!((o, c), ("(", ")") | ("[", "]") | ("{", "}"));
            match open.last() {
                Some(&o) if pairs(tokens[o].text(line), t.text(line)) => {
                    open.pop();
                    partner[o] = Some(i);
                    partner[i] = Some(o);
                }
                _ => unmatched.push(i),
            }
        }
    }
    (partner, unmatched)
}

/// `s` without ANSI escape sequences.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters final-byte
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_keep_the_text() {
        for line in [
            "DeviceProcessEvents | where FileName in~ (\"net.exe\") and Timestamp > ago(3d) // x",
            "print d = datetime(2026-11-25), s = @'C:\\x', n = 0x1F + 1.5e3",
            "T | where (a == 1))",
            "'open",
            "é ☃ [",
        ] {
            for cursor in [None, Some(0), Some(line.len())] {
                assert_eq!(strip_ansi(&highlight(line, cursor)), line);
            }
        }
    }

    #[test]
    fn styles() {
        let h = highlight("T | where x has \"a\" and n > 3d // c", None);
        assert!(h.contains(&format!("{PIPE}|{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{OPERATOR}where{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{SYMBOL}has{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{SYMBOL}and{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{STRING}\"a\"{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{TIME}3d{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{COMMENT}// c{RESET}")), "{h:?}");
        assert!(h.starts_with('T'), "a table name is plain: {h:?}");
        let h = highlight("T | summarize count() by x | take 5", None);
        assert!(h.contains(&format!("{KEYWORD}by{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{NUMBER}5{RESET}")), "{h:?}");
    }

    #[test]
    fn matching_bracket_is_marked() {
        let line = "f(a, (b))";
        // cursor just after the last `)`: it and the first `(`
        let h = highlight(line, Some(line.len()));
        assert_eq!(h, format!("f{MATCH}({RESET}a, (b){MATCH}){RESET}"));
        // cursor on the inner `(`
        let h = highlight(line, Some(5));
        assert_eq!(h, format!("f(a, {MATCH}({RESET}b{MATCH}){RESET})"));
        // no cursor: no mark
        assert_eq!(highlight(line, None), line);
        // an unmatched closing bracket
        let h = highlight("a)", None);
        assert_eq!(h, format!("a{UNMATCHED}){RESET}"));
        // brackets in strings do not count
        assert_eq!(
            highlight("x(\")\")", Some(6)),
            format!("x{MATCH}({RESET}{STRING}\")\"{RESET}{MATCH}){RESET}")
        );
    }
}
