//! Tab completion: from the text before the cursor to the candidates for the word being typed.
//!
//! Where the cursor is decides what is offered:
//!
//! * at the start of a statement: table names, `let` names (of the text and those the session
//!   keeps), `print`, `range`, ...;
//! * right after `|`: tabular operator names;
//! * where an operand goes (after `where`, `,`, `(`, `==`, `and`, `by`, ...): the columns of the
//!   table flowing into that point of the pipeline, then `let` names and functions (with their
//!   argument lists; aggregates in `summarize`). The columns come from the binder
//!   ([`Names::columns`]) run on the pipeline up to the `|` before the cursor, so they follow
//!   `extend`, `project` and `summarize`;
//! * after an operand: operator keywords (`by`, `asc`, `desc`, `with`, `kind=`, ...) and word
//!   operators (`and`, `has`, `contains`, `in~`, ...);
//! * in a dot command: command names, table names, kept `let` names, formats; file paths after
//!   `.load`, `.run` and `.save` (left to the line editor's file name completer).
//!
//! Nothing is offered inside a string or a comment.

use kql_eval::Field;

use super::input::is_command;
use super::lex::{Tok, Token, lex};
use super::vocab::{
    COMMANDS, STATEMENT_KEYWORDS, TABULAR_OPERATORS, WORD_OPERATORS,
    aggregates as vocab_aggregates, functions as vocab_functions, is_word_operator,
};

/// What completion needs to know about the session.
pub trait Names {
    /// The tables a statement can start with.
    fn tables(&self) -> Vec<String>;
    /// The names of the `let` statements the session keeps (in scope before the text).
    fn lets(&self) -> Vec<String>;
    /// The columns of the last tabular statement of `script` (after the kept statements), or
    /// `None` if it does not bind.
    fn columns(&self, script: &str) -> Option<Vec<Field>>;
}

/// One candidate: what the list shows and what replaces the word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub display: String,
    pub replacement: String,
}

impl Candidate {
    fn word(w: &str) -> Candidate {
        Candidate {
            display: w.to_string(),
            replacement: w.to_string(),
        }
    }

    /// A table or column: shown as it is, written quoted if it must be.
    fn name(name: &str) -> Candidate {
        Candidate {
            display: name.to_string(),
            replacement: quote_name(name),
        }
    }
}

/// The candidates for the word that starts at byte `start` and ends at the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    pub start: usize,
    pub candidates: Vec<Candidate>,
    /// A file path goes here: the caller completes it (from `start`).
    pub path: bool,
}

/// The completion of the text `text` with the cursor at byte `pos`.
pub fn complete(text: &str, pos: usize, names: &dyn Names) -> Completion {
    let pos = floor_char_boundary(text, pos);
    let before = &text[..pos];
    if is_command(text) {
        return complete_command(before, names);
    }
    let tokens = lex(before);
    let (mut word_start, mut word) = match tokens.last() {
        Some(t) if t.end == pos && matches!(t.tok, Tok::Ident) => (t.start, t.text(before)),
        Some(t) if t.end == pos && !matches!(t.tok, Tok::Space | Tok::Punct | Tok::Op) => {
            // inside a string, a comment, a number
            return Completion::default();
        }
        _ => (pos, ""),
    };
    let code_before = |start: usize| -> Vec<Token> {
        tokens
            .iter()
            .filter(|t| !t.is_trivia() && t.end <= start)
            .copied()
            .collect()
    };
    // `| project-a`: the lexer splits hyphenated words it does not know; after `|` the
    // hyphen is part of the operator name, elsewhere it is a minus
    let (hyphen_start, hyphenated) = hyphenated_word(before, word_start);
    if hyphen_start < word_start
        && code_before(hyphen_start)
            .last()
            .is_some_and(|t| t.text(before) == "|")
    {
        (word_start, word) = (hyphen_start, hyphenated);
    }
    let code = code_before(word_start);
    let ctx = Context::find(before, &code);
    let candidates = ctx.candidates(before, &code, word, names);
    Completion {
        start: word_start,
        candidates: filter(candidates, word),
        path: false,
    }
}

fn floor_char_boundary(s: &str, mut pos: usize) -> usize {
    pos = pos.min(s.len());
    while !s.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// The word ending at the end of `before`, hyphens included.
fn hyphenated_word(before: &str, word_start: usize) -> (usize, &str) {
    let mut start = word_start;
    while start > 0 {
        let prev = before[..start].chars().next_back().unwrap_or(' ');
        if prev.is_alphanumeric() || prev == '_' || prev == '-' {
            start -= prev.len_utf8();
        } else {
            break;
        }
    }
    (start, &before[start..])
}

/// Candidates that start with `word`: matching case first, any case if none does.
fn filter(candidates: Vec<Candidate>, word: &str) -> Vec<Candidate> {
    let mut seen = std::collections::HashSet::new();
    let candidates: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| seen.insert(c.replacement.clone()))
        .collect();
    let exact: Vec<Candidate> = candidates
        .iter()
        .filter(|c| c.replacement.starts_with(word) || c.display.starts_with(word))
        .cloned()
        .collect();
    if !exact.is_empty() || word.is_empty() {
        return exact;
    }
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| c.display.to_lowercase().starts_with(&lower))
        .collect()
}

/// What kind of word goes at the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A new name (`let X`), a number, a pattern: nothing to offer.
    Nothing,
    /// The start of a statement.
    Statement,
    /// A tabular operator, after `|`.
    Operator,
    /// An operand of the operator `op` (its input columns, functions, ...).
    Operand,
    /// After an operand: keywords of the operator and word operators.
    AfterOperand,
}

/// Where the cursor is.
struct Context<'a> {
    kind: Kind,
    /// The tabular operator the cursor is in (`where`, `summarize`, ...), if any.
    op: Option<&'a str>,
    /// Code tokens of the operator so far (after its name), at its bracket depth.
    op_args: Vec<Token>,
    /// Whether the cursor is inside brackets within the operator.
    nested: bool,
    /// The pipeline whose output flows into the cursor's operator: scripts to try in turn
    /// (the next drops one more stage, in case a stage does not bind yet).
    inputs: Vec<String>,
    /// The text of the statements before the current one (their `let`s are in scope).
    prelude: &'a str,
}

/// A level of brackets: where its tokens start (index into the code tokens) and the tokens at
/// its own depth.
struct Level {
    start: usize,
    tokens: Vec<(usize, Token)>,
}

impl<'a> Context<'a> {
    fn find(before: &'a str, code: &[Token]) -> Context<'a> {
        // open brackets and the current statement
        let mut open: Vec<usize> = Vec::new();
        let mut statement = 0;
        for (i, t) in code.iter().enumerate() {
            if t.is_open_bracket(before) {
                open.push(i);
            } else if t.is_close_bracket(before) {
                open.pop();
            } else if open.is_empty() && t.tok == Tok::Punct && t.text(before) == ";" {
                statement = i + 1;
            }
        }
        let prelude = code.get(statement).map_or(before, |t| &before[..t.start]);
        let nothing = Context {
            kind: Kind::Nothing,
            op: None,
            op_args: Vec::new(),
            nested: false,
            inputs: Vec::new(),
            prelude,
        };
        // `let Name = expr`: the expression is where completion works
        let mut expr_start = statement;
        if code.get(statement).is_some_and(|t| t.text(before) == "let") {
            if code.len() < statement + 3 {
                return nothing;
            }
            expr_start = statement + 3;
        } else if code.get(statement).is_some_and(|t| t.text(before) == "set") {
            return nothing;
        }
        let level = |start: usize| level_tokens(before, code, start);
        let innermost = Level {
            start: open.last().map_or(expr_start, |b| b + 1),
            tokens: level(open.last().map_or(expr_start, |b| b + 1)),
        };
        let nested = !open.is_empty() && last_pipe(before, &innermost).is_none();
        // the level whose pipeline the cursor's operator reads: the innermost with a `|`
        let mut starts: Vec<usize> = vec![expr_start];
        starts.extend(open.iter().map(|b| b + 1));
        let mut piped = None;
        for &start in starts.iter().rev() {
            let lvl = Level {
                start,
                tokens: level(start),
            };
            if last_pipe(before, &lvl).is_some() {
                piped = Some(lvl);
                break;
            }
        }
        let Some(piped) = piped else {
            // no pipe: the start of a statement or of a subquery, or inside `print ...`
            let first = innermost.tokens.first().map(|(_, t)| t.text(before));
            let kind = match (first, nested) {
                (None, false) => Kind::Statement,
                (Some("print"), _) | (_, true) => {
                    operand_or_after(before, innermost.tokens.last().map(|(_, t)| t))
                }
                _ => Kind::Nothing,
            };
            return Context { kind, ..nothing };
        };
        let pipes: Vec<usize> = piped
            .tokens
            .iter()
            .filter(|(_, t)| t.tok == Tok::Punct && t.text(before) == "|")
            .map(|(i, _)| *i)
            .collect();
        let level_start = code.get(piped.start).map_or(before.len(), |t| t.start);
        let inputs: Vec<String> = pipes
            .iter()
            .rev()
            .map(|&p| before[level_start..code[p].start].to_string())
            .collect();
        let last = *pipes.last().unwrap_or(&piped.start);
        let after_pipe: Vec<Token> = piped
            .tokens
            .iter()
            .filter(|(i, _)| *i > last)
            .map(|(_, t)| *t)
            .collect();
        let Some(op_token) = after_pipe.first() else {
            return Context {
                kind: Kind::Operator,
                ..nothing
            };
        };
        let op = op_token.text(before);
        let op_args = after_pipe[1..].to_vec();
        let mut kind = if nested {
            operand_or_after(before, innermost.tokens.last().map(|(_, t)| t))
        } else {
            operand_or_after(before, after_pipe.last())
        };
        // `parse kind=regex flags=iU Source`: after a setting comes the source
        let n = op_args.len();
        let after_setting = n >= 3
            && op_args[n - 2].text(before) == "="
            && matches!(op_args[n - 3].text(before), "kind" | "flags");
        if !nested && matches!(op, "parse" | "parse-where") && after_setting {
            kind = Kind::Operand;
        }
        Context {
            kind,
            op: Some(op),
            op_args,
            nested,
            inputs,
            prelude,
        }
    }

    fn candidates(
        &self,
        before: &str,
        code: &[Token],
        word: &str,
        names: &dyn Names,
    ) -> Vec<Candidate> {
        let mut lets = names.lets();
        lets.extend(let_names(before, code));
        match self.kind {
            Kind::Nothing => Vec::new(),
            Kind::Statement => {
                let mut out: Vec<Candidate> =
                    names.tables().iter().map(|t| Candidate::name(t)).collect();
                out.extend(lets.iter().map(|l| Candidate::word(l)));
                out.extend(STATEMENT_KEYWORDS.iter().map(|k| Candidate::word(k)));
                out
            }
            Kind::Operator => TABULAR_OPERATORS
                .iter()
                .map(|o| Candidate::word(o))
                .collect(),
            Kind::Operand => self.operands(before, &lets, word, names),
            Kind::AfterOperand => self.after_operand(before),
        }
    }

    /// Columns, `let` names and functions.
    fn operands(
        &self,
        before: &str,
        lets: &[String],
        word: &str,
        names: &dyn Names,
    ) -> Vec<Candidate> {
        let op = self.op.unwrap_or("");
        let args: Vec<&str> = self.op_args.iter().map(|t| t.text(before)).collect();
        let prev = args.last().copied();
        let by_seen = args.contains(&"by");
        if !self.nested {
            match op {
                "take" | "limit" | "count" => return Vec::new(),
                "top" if !by_seen => return Vec::new(),
                "sort" | "order" if !by_seen => return words(&["by"]),
                "parse" | "parse-where" => {
                    if args.contains(&"with") {
                        return Vec::new();
                    }
                    match (args.len().checked_sub(2).map(|n| args[n]), prev) {
                        (Some("kind"), Some("=")) => return words(&["regex", "simple", "relaxed"]),
                        (Some("flags"), Some("=")) => return Vec::new(),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        if !self.nested && matches!(op, "parse" | "parse-where") {
            let has = |k: &str| args.contains(&k);
            if !has("kind") {
                out.push(Candidate::word("kind="));
            }
            if !has("flags") {
                out.push(Candidate::word("flags="));
            }
        }
        let aggregates = op == "summarize" && !self.nested && !by_seen;
        if aggregates {
            out.extend(functions(&vocab_aggregates()));
        }
        out.extend(self.columns(names).iter().map(|f| Candidate::name(&f.name)));
        let only_columns = matches!(
            op,
            "project-away" | "project-keep" | "project-reorder" | "project-rename"
        ) && !self.nested;
        if only_columns {
            return out;
        }
        out.extend(lets.iter().map(|l| Candidate::word(l)));
        out.extend(functions(&vocab_functions()));
        if !word.is_empty() {
            out.extend(words(&["true", "false", "dynamic(", "datetime("]));
        }
        out
    }

    /// Keywords of the operator and word operators.
    fn after_operand(&self, before: &str) -> Vec<Candidate> {
        let op = self.op.unwrap_or("");
        let args: Vec<&str> = self.op_args.iter().map(|t| t.text(before)).collect();
        let mut keywords: Vec<&str> = Vec::new();
        if !self.nested {
            match op {
                "summarize" if !args.contains(&"by") => keywords.push("by"),
                "top" if !args.contains(&"by") => return words(&["by"]),
                "sort" | "order" | "top" => match args.last() {
                    Some(&"nulls") => return words(&["first", "last"]),
                    Some(&("asc" | "desc")) => return words(&["nulls first", "nulls last"]),
                    Some(&("first" | "last")) => return Vec::new(),
                    _ => keywords.extend(["asc", "desc", "nulls first", "nulls last"]),
                },
                "parse" | "parse-where" if !args.contains(&"with") => keywords.push("with"),
                "parse" | "parse-where" => return Vec::new(),
                "take" | "limit" | "count" => return Vec::new(),
                _ => {}
            }
        }
        let mut out = words(&keywords);
        out.extend(WORD_OPERATORS.iter().map(|w| Candidate::word(w)));
        out
    }

    /// The columns flowing into the cursor's operator.
    fn columns(&self, names: &dyn Names) -> Vec<Field> {
        for input in &self.inputs {
            if input.trim().is_empty() {
                continue;
            }
            // with the statements before (their `let`s), then alone
            let with_prelude = format!("{}{input}", self.prelude);
            if let Some(c) = names.columns(&with_prelude) {
                return c;
            }
            if !self.prelude.is_empty()
                && let Some(c) = names.columns(input)
            {
                return c;
            }
        }
        Vec::new()
    }
}

fn words(list: &[&str]) -> Vec<Candidate> {
    list.iter().map(|w| Candidate::word(w)).collect()
}

fn functions(list: &[(&str, &str)]) -> Vec<Candidate> {
    list.iter()
        .map(|(name, args)| Candidate {
            display: format!("{name}({args})"),
            replacement: if args.is_empty() {
                format!("{name}()")
            } else {
                format!("{name}(")
            },
        })
        .collect()
}

/// Whether the word after `prev` is an operand or follows one.
fn operand_or_after(before: &str, prev: Option<&Token>) -> Kind {
    let Some(prev) = prev else {
        return Kind::Operand;
    };
    let text = prev.text(before);
    match prev.tok {
        Tok::Ident if is_word_operator(text) || is_operand_keyword(text) => Kind::Operand,
        Tok::Ident
        | Tok::QuotedIdent
        | Tok::Str
        | Tok::Number
        | Tok::TimeSpan
        | Tok::RawLiteral => Kind::AfterOperand,
        Tok::Punct if matches!(text, ")" | "]" | "}") => Kind::AfterOperand,
        Tok::Op if text == "*" => Kind::AfterOperand,
        _ => Kind::Operand,
    }
}

/// Keywords after which an operand comes.
fn is_operand_keyword(word: &str) -> bool {
    matches!(
        word,
        "by" | "not"
            | "where"
            | "filter"
            | "extend"
            | "project"
            | "project-away"
            | "project-keep"
            | "project-rename"
            | "project-reorder"
            | "summarize"
            | "distinct"
            | "sort"
            | "order"
            | "top"
            | "parse"
            | "parse-where"
            | "print"
            | "kind"
            | "flags"
            | "with"
            | "regex"
            | "simple"
            | "relaxed"
    )
}

/// The tokens at the depth of the level starting at `start`, with their indices.
fn level_tokens(before: &str, code: &[Token], start: usize) -> Vec<(usize, Token)> {
    let mut depth = 0i32;
    let mut out = Vec::new();
    for (i, t) in code.iter().enumerate().skip(start) {
        if t.is_open_bracket(before) {
            if depth == 0 {
                out.push((i, *t));
            }
            depth += 1;
        } else if t.is_close_bracket(before) {
            depth -= 1;
            if depth < 0 {
                break;
            }
            if depth == 0 {
                out.push((i, *t));
            }
        } else if depth == 0 {
            out.push((i, *t));
        }
    }
    out
}

fn last_pipe(before: &str, level: &Level) -> Option<usize> {
    level
        .tokens
        .iter()
        .rev()
        .find(|(_, t)| t.tok == Tok::Punct && t.text(before) == "|")
        .map(|(i, _)| *i)
        .filter(|i| *i >= level.start)
}

/// Names bound by `let` statements before the current one.
fn let_names(before: &str, code: &[Token]) -> Vec<String> {
    let mut names = Vec::new();
    let mut statement_start = true;
    let mut depth = 0i32;
    for (i, t) in code.iter().enumerate() {
        let text = t.text(before);
        if statement_start && text == "let" {
            let name = code.get(i + 1);
            let eq = code.get(i + 2).is_some_and(|t| t.text(before) == "=");
            if let Some(name) = name.filter(|_| eq) {
                names.push(name.text(before).to_string());
            }
        }
        if t.is_open_bracket(before) {
            depth += 1;
        } else if t.is_close_bracket(before) {
            depth -= 1;
        }
        statement_start = depth <= 0 && text == ";";
    }
    // only those whose statement is finished
    let open_statement = code
        .iter()
        .rposition(|t| t.text(before) == ";")
        .map_or(0, |n| n + 1);
    if code
        .get(open_statement)
        .is_some_and(|t| t.text(before) == "let")
    {
        names.pop();
    }
    names
}

/// A column or table name as it must be written: bare, or `['quoted']`.
pub fn quote_name(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

// ---------------------------------------------------------------------------------------------
// Dot commands

const FORMATS: &[&str] = &["table", "json", "ndjson", "csv", "tsv", "markdown"];

fn complete_command(before: &str, names: &dyn Names) -> Completion {
    let trimmed = before.trim_start();
    let offset = before.len() - trimmed.len();
    let Some(space) = trimmed.find(char::is_whitespace) else {
        let candidates = COMMANDS
            .iter()
            .map(|(c, _, _)| Candidate::word(c))
            .collect();
        return Completion {
            start: offset,
            candidates: filter(candidates, trimmed),
            path: false,
        };
    };
    let command = &trimmed[..space];
    let args = &trimmed[space..];
    let word_start = before
        .rfind(char::is_whitespace)
        .map_or(before.len(), |n| n + 1);
    let word = &before[word_start..];
    let nargs = args.split_whitespace().count() - usize::from(!word.is_empty());
    let candidates: Vec<Candidate> = match (command, nargs) {
        (".schema" | ".drop", 0) => names.tables().iter().map(|t| Candidate::word(t)).collect(),
        (".forget", 0) => names.lets().iter().map(|l| Candidate::word(l)).collect(),
        (".format", 0) => words(FORMATS),
        (".timing", 0) => words(&["on", "off"]),
        (".now", 0) => words(&["clear"]),
        (".load", 1) => words(&["as"]),
        (".load" | ".run" | ".save", 0) => {
            return Completion {
                start: word_start,
                candidates: Vec::new(),
                path: true,
            };
        }
        _ => Vec::new(),
    };
    Completion {
        start: word_start,
        candidates: filter(candidates, word),
        path: false,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use kql_eval::{Catalog, MemTable, RunOptions, Schema, TableSource, Type};

    use super::super::definitions::definitions_in;
    use super::*;

    /// The repository's testdata (DeviceProcessEvents) and a small table `Logons`.
    struct TestNames {
        catalog: kql_io::DataCatalog,
        logons: Arc<MemTable>,
        /// The session's kept statements.
        prelude: &'static str,
    }

    impl Catalog for TestNames {
        fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, kql_eval::Error> {
            if name == "Logons" {
                return Ok(Some(self.logons.clone()));
            }
            self.catalog.table(name)
        }

        fn table_names(&self) -> Vec<String> {
            let mut names = self.catalog.table_names();
            names.push("Logons".to_string());
            names
        }
    }

    impl Names for TestNames {
        fn tables(&self) -> Vec<String> {
            self.table_names()
        }

        fn lets(&self) -> Vec<String> {
            let defs = definitions_in(self.prelude).unwrap_or_default();
            defs.into_iter().map(|(_, d)| d.name).collect()
        }

        fn columns(&self, script: &str) -> Option<Vec<Field>> {
            let script = format!("{}{script}", self.prelude);
            let checked = kql_eval::check(&script, self, &RunOptions::default()).ok()?;
            Some(checked.schemas.last()?.fields.clone())
        }
    }

    fn names() -> TestNames {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
        let schema = Schema::new(vec![
            Field::new("User", Type::String),
            Field::new("Logon Type", Type::Long),
            Field::new("When", Type::DateTime),
        ]);
        TestNames {
            catalog: kql_io::DataCatalog::new(dir),
            logons: Arc::new(MemTable::new(Arc::new(schema), Vec::new())),
            prelude: "",
        }
    }

    /// Completes at the `‸` in `text`.
    fn at(text: &str) -> Completion {
        at_with(text, &names())
    }

    fn at_with(text: &str, names: &TestNames) -> Completion {
        let pos = text.find('‸').expect("a cursor mark");
        let text = text.replacen('‸', "", 1);
        complete(&text, pos, names)
    }

    fn replacements(text: &str) -> Vec<String> {
        replacements_with(text, &names())
    }

    fn replacements_with(text: &str, names: &TestNames) -> Vec<String> {
        at_with(text, names)
            .candidates
            .into_iter()
            .map(|c| c.replacement)
            .collect()
    }

    #[track_caller]
    fn assert_offers(text: &str, expected: &[&str]) {
        let got = replacements(text);
        for e in expected {
            assert!(got.iter().any(|g| g == e), "{text}: {e} not in {got:?}");
        }
    }

    #[track_caller]
    fn assert_lacks(text: &str, unexpected: &[&str]) {
        let got = replacements(text);
        for e in unexpected {
            assert!(!got.iter().any(|g| g == e), "{text}: {e} in {got:?}");
        }
    }

    #[test]
    fn statement_start_offers_tables_lets_and_keywords() {
        assert_eq!(replacements("Dev‸"), ["DeviceProcessEvents"]);
        assert_offers("‸", &["DeviceProcessEvents", "Logons", "let", "print"]);
        assert_offers("let hosts = Logons | take 1;\nh‸", &["hosts"]);
        assert_offers(
            "let a = 1; let b = 2;\n‸",
            &["a", "b", "DeviceProcessEvents"],
        );
        let c = at("print 1; Dev‸");
        assert_eq!(c.start, 9);
        assert!(at("let ‸").candidates.is_empty(), "a new name");
    }

    #[test]
    fn kept_lets_are_offered_like_typed_ones() {
        let names = TestNames {
            prelude: "let Suspicious = dynamic([\"net.exe\"]);\nlet net = DeviceProcessEvents | project Cmd = ProcessCommandLine;\n",
            ..names()
        };
        assert_eq!(replacements_with("ne‸", &names), ["net"]);
        assert_eq!(
            replacements_with("DeviceProcessEvents | where FileName in~ (Sus‸", &names),
            ["Suspicious"]
        );
        // the columns of a kept tabular `let`
        assert_eq!(replacements_with("net | where C‸", &names), ["Cmd"]);
        assert_eq!(replacements_with(".forget S‸", &names), ["Suspicious"]);
    }

    #[test]
    fn operators_after_a_pipe() {
        let c = at("DeviceProcessEvents | su‸");
        assert_eq!(c.start, 22);
        assert_eq!(c.candidates, vec![Candidate::word("summarize")]);
        assert_eq!(
            replacements("T\n| project-a‸"),
            ["project-away"],
            "hyphenated names"
        );
        assert_eq!(at("T\n| project-a‸").start, 4);
        assert_offers("T |‸", &["where", "extend", "project-rename", "top"]);
        assert_offers("T | where x == 1 | ‸", &["where", "take"]);
    }

    #[test]
    fn columns_of_the_table_flowing_in() {
        let c = at("DeviceProcessEvents\n| where FileName =~ \"net.exe\"\n| project ProcessCo‸");
        assert_eq!(c.candidates, vec![Candidate::word("ProcessCommandLine")]);
        assert_eq!(c.start, 60);
        assert_offers(
            "DeviceProcessEvents | where ‸",
            &["FileName", "Timestamp", "strlen("],
        );
        // any case when no exact match
        assert_eq!(
            replacements("DeviceProcessEvents | where processcommandl‸"),
            ["ProcessCommandLine"]
        );
        // names that are not identifiers are quoted
        assert_offers("Logons | where Log‸", &["['Logon Type']"]);
    }

    #[test]
    fn columns_follow_extend_project_and_summarize() {
        let q = "DeviceProcessEvents | extend Cmd = tolower(ProcessCommandLine) | where ‸";
        assert_offers(q, &["Cmd", "FileName"]);
        let q = "DeviceProcessEvents | project FileName, DeviceName | where ‸";
        assert_offers(q, &["FileName", "DeviceName"]);
        assert_lacks(q, &["Timestamp"]);
        let q = "DeviceProcessEvents | summarize N = count() by DeviceName | where ‸";
        assert_offers(q, &["N", "DeviceName"]);
        assert_lacks(q, &["FileName"]);
        let q = "DeviceProcessEvents | parse ProcessCommandLine with * \"user \" User \" \" * | project U‸";
        assert_eq!(replacements(q), ["User"]);
        // a stage that does not bind yet: the columns before it
        let q = "DeviceProcessEvents | where Nope == 1 | project F‸";
        assert_offers(q, &["FileName", "FileSize", "FolderPath"]);
        // a `let` table
        let q = "let net = DeviceProcessEvents | project FileName, Cmd = ProcessCommandLine;\nnet | where ‸";
        assert_eq!(
            at(q)
                .candidates
                .iter()
                .take(2)
                .map(|c| c.replacement.as_str())
                .collect::<Vec<_>>(),
            ["FileName", "Cmd"]
        );
        // inside a `let` statement
        assert_offers("let x = Logons | where U‸", &["User"]);
    }

    #[test]
    fn inside_brackets_the_columns_of_the_enclosing_pipeline() {
        assert_offers(
            "DeviceProcessEvents | where strlen(Proc‸",
            &["ProcessCommandLine"],
        );
        assert_offers(
            "DeviceProcessEvents | where FileName in~ (\"net.exe\", Acc‸",
            &["AccountName"],
        );
        assert_offers(
            "DeviceProcessEvents | where not (FileName =~ \"net1.exe\" and Init‸",
            &["InitiatingProcessFileName"],
        );
        // a subquery has its own pipeline
        assert_offers(
            "Logons | where User in (DeviceProcessEvents | project Acc‸",
            &["AccountName"],
        );
        assert_lacks(
            "Logons | where User in (DeviceProcessEvents | project ‸",
            &["User"],
        );
    }

    #[test]
    fn functions_with_their_arguments() {
        let c = at("DeviceProcessEvents | extend n = strl‸");
        assert_eq!(
            c.candidates,
            vec![Candidate {
                display: "strlen(s)".to_string(),
                replacement: "strlen(".to_string()
            }]
        );
        // aggregates in summarize, before `by`
        assert_offers(
            "DeviceProcessEvents | summarize dc‸",
            &["dcount(", "dcountif("],
        );
        assert_offers(
            "DeviceProcessEvents | summarize c‸",
            &["count()", "countif("],
        );
        assert_lacks(
            "DeviceProcessEvents | summarize count() by c‸",
            &["count()", "dcount("],
        );
        assert_lacks("DeviceProcessEvents | where dc‸", &["dcount("]);
        assert_offers(
            "DeviceProcessEvents | summarize count() by bin(Time‸",
            &["Timestamp"],
        );
    }

    #[test]
    fn keywords_where_they_belong() {
        assert_offers("DeviceProcessEvents | summarize count() ‸", &["by"]);
        assert_offers(
            "DeviceProcessEvents | where FileName ‸",
            &["has", "contains", "in~", "!contains", "and"],
        );
        assert_offers(
            "DeviceProcessEvents | where FileName !con‸",
            &["!contains", "!contains_cs"],
        );
        assert_offers("DeviceProcessEvents | sort ‸", &["by"]);
        assert_offers(
            "DeviceProcessEvents | order by Timestamp ‸",
            &["asc", "desc", "nulls first"],
        );
        assert_offers(
            "DeviceProcessEvents | sort by Timestamp desc nulls ‸",
            &["first", "last"],
        );
        assert_offers("DeviceProcessEvents | top 10 ‸", &["by"]);
        assert_offers(
            "DeviceProcessEvents | parse ‸",
            &["kind=", "flags=", "ProcessCommandLine"],
        );
        assert_offers(
            "DeviceProcessEvents | parse kind=‸",
            &["regex", "simple", "relaxed"],
        );
        assert_offers(
            "DeviceProcessEvents | parse kind=regex ‸",
            &["flags=", "ProcessCommandLine"],
        );
        assert_lacks("DeviceProcessEvents | parse kind=regex ‸", &["kind="]);
        assert_offers(
            "DeviceProcessEvents | parse ProcessCommandLine ‸",
            &["with"],
        );
        assert_eq!(
            replacements("DeviceProcessEvents | parse kind=regex flags=iU ProcessCo‸"),
            ["ProcessCommandLine"]
        );
        assert!(replacements("DeviceProcessEvents | parse kind=regex flags=‸").is_empty());
        assert!(
            replacements("DeviceProcessEvents | parse ProcessCommandLine with * \"x\" ‸")
                .is_empty()
        );
        assert!(replacements("DeviceProcessEvents | take ‸").is_empty());
    }

    #[test]
    fn nothing_inside_strings_and_comments() {
        assert!(
            at("DeviceProcessEvents | where FileName == \"Fi‸")
                .candidates
                .is_empty()
        );
        assert!(at("DeviceProcessEvents // Fi‸").candidates.is_empty());
        assert!(at("DeviceProcessEvents | take 1‸").candidates.is_empty());
    }

    #[test]
    fn dot_commands() {
        assert_eq!(replacements(".sc‸"), [".schema"]);
        assert_eq!(at("  .sc‸").start, 2);
        assert_eq!(replacements(".schema Dev‸"), ["DeviceProcessEvents"]);
        assert_eq!(at(".schema Dev‸").start, 8);
        assert_eq!(replacements(".format n‸"), ["ndjson"]);
        assert_eq!(replacements(".timing ‸"), ["on", "off"]);
        assert_eq!(replacements(".load x.json ‸"), ["as"]);
        let c = at(".load test‸");
        assert!(c.path);
        assert_eq!(c.start, 6);
        assert!(at(".run ‸").path);
        assert!(at(".save out/‸").path);
    }

    #[test]
    fn names_are_quoted_when_needed() {
        assert_eq!(quote_name("FileName"), "FileName");
        assert_eq!(quote_name("Logon Type"), "['Logon Type']");
        assert_eq!(quote_name("it's"), "['it\\'s']");
        assert_eq!(quote_name("1st"), "['1st']");
    }
}
