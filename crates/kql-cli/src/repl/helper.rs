//! The line editor's side of the session (rustyline's `Helper`): completion, hints from
//! history, highlighting. Enter always hands the line back; the loop decides whether the
//! query is complete ([`super::input::needs_more`]).
//!
//! A query typed over several lines is edited one line at a time, the lines before it kept
//! in [`ReplHelper::set_pending`], so completion and hints see the whole query; the session's
//! kept `let` statements come in [`ReplHelper::set_definitions`], so completion sees them too.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kql_eval::{Field, RunOptions};
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::SearchDirection;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::catalog::{ReplCatalog, SchemaCatalog};
use super::complete::{Names, complete};
use super::definitions::Definitions;
use super::highlight::{CONTINUATION, HINT, PROMPT, highlight};

/// The prompt of a new query.
pub const PROMPT_NEW: &str = "kql> ";
/// The prompt of a line that continues a query.
pub const PROMPT_MORE: &str = "...> ";

pub struct ReplHelper {
    catalog: Arc<ReplCatalog>,
    /// The lines of the query typed before the current one.
    pending: Mutex<String>,
    /// The session's kept statements.
    definitions: Mutex<Definitions>,
    color: bool,
    /// Whether the next highlight marks the matching bracket (not on the final redraw).
    mark_bracket: AtomicBool,
    files: FilenameCompleter,
}

impl ReplHelper {
    pub fn new(catalog: Arc<ReplCatalog>, color: bool) -> ReplHelper {
        ReplHelper {
            catalog,
            pending: Mutex::new(String::new()),
            definitions: Mutex::new(Definitions::default()),
            color,
            mark_bracket: AtomicBool::new(true),
            files: FilenameCompleter::new(),
        }
    }

    /// The lines typed before the one being edited ("" for a new query).
    pub fn set_pending(&self, text: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.clear();
        pending.push_str(text);
    }

    /// The statements the session keeps, as they are now.
    pub fn set_definitions(&self, definitions: &Definitions) {
        let mut kept = self.definitions.lock().unwrap_or_else(|e| e.into_inner());
        kept.clone_from(definitions);
    }

    /// The whole query with `line` as its last line, and where `line` starts in it.
    fn with_pending(&self, line: &str) -> (String, usize) {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.is_empty() {
            (line.to_string(), 0)
        } else {
            (format!("{pending}\n{line}"), pending.len() + 1)
        }
    }
}

/// The session's tables, kept statements and the binder, for completion.
struct SessionNames<'a> {
    catalog: &'a ReplCatalog,
    definitions: &'a Definitions,
}

impl Names for SessionNames<'_> {
    fn tables(&self) -> Vec<String> {
        self.catalog.names()
    }

    fn lets(&self) -> Vec<String> {
        self.definitions.let_names()
    }

    fn columns(&self, script: &str) -> Option<Vec<Field>> {
        // `now` only matters to evaluation, not to the columns
        let options = RunOptions {
            now: Some(0),
            ..RunOptions::default()
        };
        let script = self.definitions.prelude() + script;
        let checked = kql_eval::check(&script, &SchemaCatalog(self.catalog), &options).ok()?;
        Some(checked.schemas.last()?.fields.clone())
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (text, offset) = self.with_pending(line);
        let definitions = self.definitions.lock().unwrap_or_else(|e| e.into_inner());
        let names = SessionNames {
            catalog: &self.catalog,
            definitions: &definitions,
        };
        let completion = complete(&text, offset + pos, &names);
        if completion.path {
            return self.files.complete(line, pos, ctx);
        }
        // a word never spans lines
        let Some(start) = completion.start.checked_sub(offset) else {
            return Ok((pos, Vec::new()));
        };
        let pairs = completion
            .candidates
            .into_iter()
            .map(|c| Pair {
                display: c.display,
                replacement: c.replacement,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    /// The rest of the line of the latest history entry that starts with the query so far.
    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        if !self.color || line.trim().is_empty() || pos < line.len() {
            return None;
        }
        let (text, _) = self.with_pending(line);
        let history = ctx.history();
        for i in (0..history.len()).rev() {
            let Ok(Some(found)) = history.get(i, SearchDirection::Reverse) else {
                continue;
            };
            let entry = found.entry.as_ref();
            if entry.len() > text.len() && entry.starts_with(text.as_str()) {
                let rest = &entry[text.len()..];
                let rest = rest.split('\n').next().unwrap_or(rest);
                return (!rest.is_empty()).then(|| rest.to_string());
            }
        }
        None
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        if !self.color {
            return Cow::Borrowed(line);
        }
        let cursor = self.mark_bracket.load(Ordering::Relaxed).then_some(pos);
        Cow::Owned(highlight(line, cursor))
    }

    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        if !self.color {
            return Cow::Borrowed(prompt);
        }
        let style = if prompt == PROMPT_MORE {
            CONTINUATION
        } else {
            PROMPT
        };
        Cow::Owned(format!("{style}{prompt}\x1b[0m"))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if !self.color {
            return Cow::Borrowed(hint);
        }
        Cow::Owned(format!("{HINT}{hint}\x1b[0m"))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        // redraw on every key and cursor move (the bracket mark follows the cursor), and
        // drop the mark when the line is done
        self.mark_bracket
            .store(kind != CmdKind::ForcedRefresh, Ordering::Relaxed);
        self.color
    }
}

impl Validator for ReplHelper {}

impl Helper for ReplHelper {}
