//! `kql` (no subcommand) and `kql repl`: the interactive session.
//!
//! * [`lex`]: a forgiving tokenizer of half-typed queries;
//! * [`input`]: when Enter runs the query and when it continues on a new line;
//! * [`complete`]: Tab completion, from the cursor position to candidates;
//! * [`highlight`]: syntax colours and the matching-bracket mark;
//! * [`helper`]: the rustyline glue (completion, history hints, highlighting);
//! * [`catalog`]: tables read into memory on first use and kept;
//! * [`progress`]: the progress bar of long loads;
//! * [`commands`]: dot commands (`.tables`, `.load`, ...);
//! * [`definitions`]: the `let` statements kept for every query;
//! * [`session`]: running queries and commands, showing results;
//! * [`history`]: where the history file lives.
//!
//! On a terminal the session is edited with rustyline; with standard input from a pipe, lines
//! are read as they come (no prompt, no editing), so a session can be scripted:
//! `kql repl < hunt.kql`. Either way, a query ends where [`input::needs_more`] says it is
//! complete, or at an empty line.

pub mod catalog;
pub mod commands;
pub mod complete;
pub mod definitions;
pub mod helper;
pub mod highlight;
pub mod history;
pub mod input;
pub mod lex;
pub mod progress;
pub mod session;
pub mod vocab;

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use kql_io::{DEFAULT_DATA_DIR, DataCatalog};
use rustyline::config::{ColorMode, CompletionType};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Cmd, Config, Editor, EventHandler, KeyCode, KeyEvent, Modifiers};

use crate::cli::ReplArgs;
use crate::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};

use self::catalog::ReplCatalog;
use self::helper::{PROMPT_MORE, PROMPT_NEW, ReplHelper};
use self::input::{is_command, needs_more};
use self::session::{Flow, Session, Settings, Term};

/// Runs the session and returns the exit status: 0, or (reading a pipe) 1 if any query or
/// command failed.
pub fn repl_command(args: &ReplArgs) -> ExitCode {
    let dir = args.data.clone().unwrap_or_else(|| DEFAULT_DATA_DIR.into());
    if args.data.is_some() && !dir.is_dir() {
        eprintln!(
            "error: invalid value '{}' for '--data <DIR>': not a directory",
            dir.display()
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let mut data = DataCatalog::new(&dir);
    for (name, path) in &args.tables {
        data.add_table(name.clone(), path.clone());
    }
    if let Err(message) = args.offline.apply(&mut data) {
        eprintln!("error: {message}");
        return ExitCode::from(EXIT_USAGE);
    }
    let interactive = io::stdin().is_terminal();
    let color =
        io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let catalog = Arc::new(ReplCatalog::new(data, io::stderr().is_terminal()));
    let settings = Settings {
        now: args.now,
        ..Settings::default()
    };
    let term = Term {
        color,
        width: Box::new(terminal_width),
    };
    let session = Session::new(catalog, settings, term);
    if interactive {
        interactive_loop(session, &dir)
    } else {
        piped_loop(session)
    }
}

/// The width of the terminal on stdout, else `$COLUMNS`, else 100.
fn terminal_width() -> usize {
    comfy_table::Table::new()
        .width()
        .map(usize::from)
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .filter(|&w| w >= 20)
        .unwrap_or(crate::DEFAULT_WIDTH)
}

/// Reads queries from a pipe: no prompt, no editing.
fn piped_loop(mut session: Session) -> ExitCode {
    let (mut out, mut err) = (io::stdout(), io::stderr());
    let mut pending = String::new();
    let mut failed = false;
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else {
            break;
        };
        match next_step(&pending, &line, true) {
            Step::More(text) => pending = text,
            Step::Run(runs) => {
                pending.clear();
                for text in runs {
                    let flow = session.execute(&text, &mut out, &mut err);
                    failed |= session.failed;
                    if flow == Flow::Quit {
                        leave(session);
                        return exit_status(failed);
                    }
                }
            }
        }
    }
    if !pending.trim().is_empty() {
        session.execute(&pending, &mut out, &mut err);
        failed |= session.failed;
    }
    leave(session);
    exit_status(failed)
}

/// Ends the session without freeing its tables one value at a time (seconds for millions of
/// rows): the process is about to exit and its memory goes back at once.
fn leave(session: Session) {
    std::mem::forget(session);
}

fn exit_status(failed: bool) -> ExitCode {
    ExitCode::from(if failed { EXIT_FAILURE } else { EXIT_OK })
}

/// What to do after a line.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// The query goes on: keep this text and read another line.
    More(String),
    /// Run these texts in turn.
    Run(Vec<String>),
}

/// The next step after reading `line` with `pending` the query so far; `typed` when `line`
/// was typed as a single line (see [`needs_more`]).
fn next_step(pending: &str, line: &str, typed: bool) -> Step {
    // a pasted text may end with its line break
    let line = line.trim_end_matches(['\n', '\r']);
    let mut runs = Vec::new();
    if line.trim().is_empty() {
        // an empty line runs what there is
        if !pending.trim().is_empty() {
            runs.push(pending.to_string());
        }
        return Step::Run(runs);
    }
    let mut pending = pending.to_string();
    if is_command(line) && !pending.trim().is_empty() {
        // a command is never part of a query: run the query first
        runs.push(std::mem::take(&mut pending));
    }
    let text = if pending.is_empty() {
        line.to_string()
    } else {
        format!("{pending}\n{line}")
    };
    if runs.is_empty() && needs_more(&text, typed && !line.contains('\n')) {
        return Step::More(text);
    }
    runs.push(text);
    Step::Run(runs)
}

/// The session on a terminal.
fn interactive_loop(mut session: Session, dir: &Path) -> ExitCode {
    // Ctrl-C while a query runs sets this (at the prompt the editor reads it as a key)
    let interrupt = Arc::new(AtomicBool::new(false));
    if signal_hook::flag::register(signal_hook::consts::SIGINT, interrupt.clone()).is_ok() {
        session.set_interrupt(interrupt);
    }
    let color = session.color();
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .color_mode(if color {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        })
        .bracketed_paste(true);
    let config = config
        .max_history_size(10_000)
        .and_then(|c| c.history_ignore_dups(true))
        .map(|c| c.build());
    let editor = config.and_then(Editor::<ReplHelper, FileHistory>::with_config);
    let mut editor = match editor {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    editor.set_helper(Some(ReplHelper::new(session.catalog.clone(), color)));
    // Enter hands the whole text back wherever the cursor is; the loop decides
    editor.bind_sequence(
        KeyEvent(KeyCode::Enter, Modifiers::NONE),
        EventHandler::Simple(Cmd::AcceptLine),
    );
    editor.bind_sequence(
        KeyEvent(KeyCode::Enter, Modifiers::ALT),
        EventHandler::Simple(Cmd::Newline),
    );
    let history = history::history_path();
    if let Some(path) = &history {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if path.exists()
            && let Err(e) = editor.load_history(path)
        {
            eprintln!("warning: cannot read the history {}: {e}", path.display());
        }
    }
    eprintln!("{}", banner(&session, dir));

    let (mut out, mut err) = (io::stdout(), io::stderr());
    let mut pending = String::new();
    let mut history_warned = false;
    loop {
        if let Some(helper) = editor.helper() {
            helper.set_pending(&pending);
            helper.set_definitions(session.definitions());
        }
        let prompt = if pending.is_empty() {
            PROMPT_NEW
        } else {
            PROMPT_MORE
        };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                // Ctrl-C at the prompt: drop the query being typed
                pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        };
        match next_step(&pending, &line, true) {
            Step::More(text) => pending = text,
            Step::Run(runs) => {
                pending.clear();
                for text in runs {
                    let quit = matches!(text.trim(), ".quit" | ".exit" | ".q");
                    if !quit
                        && editor.add_history_entry(text.as_str()).unwrap_or(false)
                        && let Some(path) = &history
                        && let Err(e) = editor.append_history(path)
                        && !history_warned
                    {
                        eprintln!("warning: cannot write the history {}: {e}", path.display());
                        history_warned = true;
                    }
                    if session.execute(&text, &mut out, &mut err) == Flow::Quit {
                        leave(session);
                        return ExitCode::from(EXIT_OK);
                    }
                    let _ = out.flush();
                }
            }
        }
    }
    leave(session);
    ExitCode::from(EXIT_OK)
}

/// The first line of a session: version, tables, help.
fn banner(session: &Session, dir: &Path) -> String {
    let names = session.catalog.names();
    let tables = match names.len() {
        0 => format!("no tables in {} (--data DIR or .load PATH)", dir.display()),
        n => {
            let mut list = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
            if n > 3 {
                list.push_str(", …");
            }
            format!("{n} table{} ({list})", if n == 1 { "" } else { "s" })
        }
    };
    format!(
        "kql {} · {tables} · .help for help, Ctrl-D to quit",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(texts: &[&str]) -> Step {
        Step::Run(texts.iter().map(|t| t.to_string()).collect())
    }

    #[test]
    fn lines_make_queries() {
        assert_eq!(next_step("", "print 1", true), run(&["print 1"]));
        assert_eq!(next_step("", "", true), run(&[]));
        assert_eq!(
            next_step("", "DeviceProcessEvents", true),
            Step::More("DeviceProcessEvents".into())
        );
        assert_eq!(
            next_step("DeviceProcessEvents", "| take 1", true),
            Step::More("DeviceProcessEvents\n| take 1".into())
        );
        assert_eq!(
            next_step("DeviceProcessEvents\n| take 1", "", true),
            run(&["DeviceProcessEvents\n| take 1"])
        );
        // pasted or recalled in one piece: runs when complete
        assert_eq!(
            next_step("", "DeviceProcessEvents\n| take 1", true),
            run(&["DeviceProcessEvents\n| take 1"])
        );
        assert_eq!(
            next_step("", "DeviceProcessEvents\n| take 1\n", true),
            run(&["DeviceProcessEvents\n| take 1"])
        );
        assert_eq!(
            next_step("", "DeviceProcessEvents\n| where x in (1,", true),
            Step::More("DeviceProcessEvents\n| where x in (1,".into())
        );
        // a command ends the query before it
        assert_eq!(
            next_step("DeviceProcessEvents", ".tables", true),
            run(&["DeviceProcessEvents", ".tables"])
        );
        assert_eq!(next_step("", ".tables", true), run(&[".tables"]));
    }
}
