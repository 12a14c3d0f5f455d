//! One session: its settings, last result and kept `let` statements, and running what was
//! typed (a query, `let` statements to keep, or a dot command) with its output. Knows nothing
//! of the line editor, so it is tested directly.
//!
//! Results go to `out` (stdout); everything about them (row counts, timings, load times,
//! errors) goes to `err` (stderr), so `kql repl < hunt.kql > out.csv` keeps the data clean.
//!
//! Queries and loads run on a worker thread; the session waits for it and watches the
//! interrupt flag (set by the Ctrl-C handler): on Ctrl-C it cancels the work and, should the
//! work not stop within a moment (the JSON reader learning a large file's columns checks no
//! flag), returns to the prompt and leaves it to end in the background.

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use kql_eval::exec::CancelFlag;
use kql_eval::{Error, Field, RunOptions, Schema, Table, Type, Value};

use crate::cli::Format;
use crate::output::{View, head, render_rows_view, render_table_view, write_results};
use crate::render::render_error_with_width;

use super::catalog::{QueryCatalog, ReplCatalog, cancelled, duration, plural, thousands};
use super::commands::{self, Command, NowArg};
use super::complete::quote_name;
use super::definitions::{Definition, Definitions, Kind, definitions_in, place_error, summary};
use super::input::is_command;

/// After Ctrl-C, how long to wait for the work to stop before returning to the prompt.
const CANCEL_GRACE: Duration = Duration::from_millis(1500);

/// What the user can change with dot commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub format: Format,
    pub max_rows: usize,
    pub timing: bool,
    /// The instant `now()` sees, in ticks; the clock when `None`.
    pub now: Option<i64>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            format: Format::Table,
            max_rows: 100,
            timing: true,
            now: None,
        }
    }
}

/// What the session knows of the terminal.
pub struct Term {
    /// ANSI colours on stdout and stderr.
    pub color: bool,
    /// The width tables are fitted to (asked each time: the window may have changed).
    pub width: Box<dyn Fn() -> usize>,
}

/// Whether the session goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

pub struct Session {
    pub catalog: Arc<ReplCatalog>,
    pub settings: Settings,
    term: Term,
    last: Option<Vec<Table>>,
    /// The `let` and `set` statements every query runs after.
    definitions: Definitions,
    /// Set by the Ctrl-C handler.
    interrupt: Option<Arc<AtomicBool>>,
    /// Whether the last input failed.
    pub failed: bool,
}

impl Session {
    pub fn new(catalog: Arc<ReplCatalog>, settings: Settings, term: Term) -> Session {
        Session {
            catalog,
            settings,
            term,
            last: None,
            definitions: Definitions::default(),
            interrupt: None,
            failed: false,
        }
    }

    /// Watch `flag` (set on Ctrl-C) while work runs.
    pub fn set_interrupt(&mut self, flag: Arc<AtomicBool>) {
        self.interrupt = Some(flag);
    }

    pub fn color(&self) -> bool {
        self.term.color
    }

    /// The statements kept for every query.
    pub fn definitions(&self) -> &Definitions {
        &self.definitions
    }

    fn width(&self) -> usize {
        (self.term.width)()
    }

    /// Runs a query or a dot command, or keeps `let` statements.
    pub fn execute(&mut self, input: &str, out: &mut dyn Write, err: &mut dyn Write) -> Flow {
        self.failed = false;
        let text = input.trim_end();
        if text.trim().is_empty() {
            return Flow::Continue;
        }
        if is_command(text) {
            return match commands::parse(text) {
                Ok(command) => self.command(command, out, err),
                Err(message) => {
                    self.fail(err, &message);
                    Flow::Continue
                }
            };
        }
        self.run_text("<query>", text, text, out, err);
        Flow::Continue
    }

    /// Keeps `text` if it is only `let` and `set` statements, else runs it as a query.
    fn run_text(
        &mut self,
        name: &str,
        text: &str,
        source: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) {
        match definitions_in(text) {
            Some(typed) => self.define(name, source, typed, err),
            None => self.query(name, text, source, out, err),
        }
    }

    fn command(&mut self, command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Flow {
        match command {
            Command::Help => {
                let _ = out.write_all(commands::help().as_bytes());
            }
            Command::Tables => self.tables(out),
            Command::Schema(name) => {
                let catalog = self.catalog.clone();
                let job_name = name.clone();
                match self.run_job(move |_| catalog.schema(&job_name)) {
                    Ok(Some(schema)) => {
                        let rows = schema
                            .fields
                            .iter()
                            .map(|f| vec![Value::str(&f.name), Value::str(f.ty.name())])
                            .collect();
                        self.print_listing(&["Column", "Type"], rows, out);
                    }
                    Ok(None) => self.fail(err, &format!("no table `{name}` (.tables lists them)")),
                    Err(e) => self.show_error(&e, "", "", err),
                }
            }
            Command::Load { path, name } => self.load(&path, name, err),
            Command::Drop(name) => {
                if self.catalog.drop_table(&name) {
                    self.note(err, &format!("dropped {name}"));
                } else {
                    self.fail(err, &format!("no table `{name}` (.tables lists them)"));
                }
            }
            Command::Lets => self.lets(out, err),
            Command::Forget(Some(name)) => {
                if self.definitions.forget(&name) {
                    self.note(err, &format!("forgot {name}"));
                } else {
                    self.fail(
                        err,
                        &format!("no kept statement `{name}` (.lets lists them)"),
                    );
                }
            }
            Command::Forget(None) => {
                let names = self.definitions.forget_all();
                if names.is_empty() {
                    self.note(err, "nothing to forget");
                } else {
                    self.note(err, &format!("forgot {}", names.join(", ")));
                }
            }
            Command::Now(arg) => {
                match arg {
                    Some(NowArg::Clear) => self.settings.now = None,
                    Some(NowArg::At(t)) => self.settings.now = Some(t),
                    None => {}
                }
                let text = match self.settings.now {
                    Some(t) => format!(
                        "now() is {} (.now clear follows the clock again)",
                        kql_eval::datetime::format_datetime(t)
                    ),
                    None => "now() follows the clock".to_string(),
                };
                self.note(err, &text);
            }
            Command::Format(format) => {
                if let Some(f) = format {
                    self.settings.format = f;
                }
                let name = format_name(self.settings.format);
                self.note(err, &format!("format: {name}"));
            }
            Command::MaxRows(n) => {
                if let Some(n) = n {
                    self.settings.max_rows = n;
                }
                let n = thousands(self.settings.max_rows);
                self.note(err, &format!("maxrows: {n}"));
            }
            Command::Timing(on) => {
                if let Some(on) = on {
                    self.settings.timing = on;
                }
                let state = if self.settings.timing { "on" } else { "off" };
                self.note(err, &format!("timing: {state}"));
            }
            Command::Run(path) => self.run_file(&path, out, err),
            Command::Save(path) => self.save(&path, err),
            Command::Quit => return Flow::Quit,
        }
        Flow::Continue
    }

    /// Runs `text` (shown in errors as `name`, drawn against `source`) after the kept
    /// statements and shows its results.
    fn query(
        &mut self,
        name: &str,
        text: &str,
        source: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) {
        let catalog = self.catalog.clone();
        let now = self.settings.now;
        let prelude = self.definitions.prelude();
        let prelude_len = prelude.len();
        let query = prelude + text;
        let started = Instant::now();
        let result = self.run_job(move |cancel| {
            let catalog = QueryCatalog::new(catalog, cancel.clone());
            let options = RunOptions {
                now,
                cancel: Some(cancel),
                ..RunOptions::default()
            };
            kql_eval::run(&query, &catalog, &options)
        });
        let took = started.elapsed();
        self.show_events(err);
        match result {
            Ok(tables) => {
                self.show(&tables, took, out, err);
                self.last = Some(tables);
            }
            Err(e) => {
                let placed = place_error(e, &self.definitions, prelude_len, &[]);
                self.show_placed_error(placed, name, source, err);
            }
        }
    }

    /// Keeps the statements `typed` in `source` (shown in errors as `name`) if they bind
    /// after the kept ones; else shows the error and keeps what was kept.
    fn define(
        &mut self,
        name: &str,
        source: &str,
        typed: Vec<(usize, Definition)>,
        err: &mut dyn Write,
    ) {
        let candidate = self.definitions.with(typed.iter().map(|(_, d)| d.clone()));
        let prelude = candidate.prelude();
        // a tabular `let` binds where it is used, so each new name is used as a table; for a
        // scalar or a function that use fails, at the use, which is no error of the statement
        let mut uses: Vec<String> = Vec::new();
        for (_, definition) in &typed {
            let used = quote_name(&definition.name);
            if definition.kind == Kind::Let && !uses.contains(&used) {
                uses.push(used);
            }
        }
        if uses.is_empty() {
            uses.push(String::new());
        }
        let catalog = self.catalog.clone();
        let now = self.settings.now;
        let script_prelude = prelude.clone();
        let result = self.run_job(move |cancel| {
            let catalog = QueryCatalog::new(catalog, cancel.clone());
            let options = RunOptions {
                now,
                cancel: Some(cancel),
                ..RunOptions::default()
            };
            for used in uses {
                let checked =
                    kql_eval::check(&(script_prelude.clone() + &used), &catalog, &options);
                if let Err(e) = checked
                    && e.span
                        .is_none_or(|s| (s.start as usize) < script_prelude.len())
                {
                    return Err(e);
                }
            }
            Ok(())
        });
        self.show_events(err);
        match result {
            Ok(()) => {
                let done = summary(&self.definitions, &typed);
                self.definitions = candidate;
                self.note(err, &done);
            }
            Err(e) => {
                let placed = place_error(e, &candidate, prelude.len(), &typed);
                self.show_placed_error(placed, name, source, err);
            }
        }
    }

    /// Shows an error placed by [`place_error`]: drawn against the kept statement it is in,
    /// or else against the input (`source`, shown as `name`).
    fn show_placed_error(
        &mut self,
        placed: (Error, Option<Definition>),
        name: &str,
        source: &str,
        err: &mut dyn Write,
    ) {
        match placed {
            (e, Some(definition)) => {
                self.show_error(&e, &definition.source_name(), &definition.text, err)
            }
            (e, None) => self.show_error(&e, name, source, err),
        }
    }

    /// Runs `job` on a worker thread, cancelling it on Ctrl-C.
    fn run_job<T: Send + 'static>(
        &self,
        job: impl FnOnce(CancelFlag) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let cancel: CancelFlag = Arc::new(AtomicBool::new(false));
        if let Some(flag) = &self.interrupt {
            // a Ctrl-C typed before this started is not for it
            flag.store(false, Ordering::SeqCst);
        }
        let (tx, rx) = mpsc::channel();
        let flag = cancel.clone();
        let spawned = std::thread::Builder::new()
            .name("kql-query".to_string())
            // deep expressions recurse in the binder and evaluator
            .stack_size(64 << 20)
            .spawn(move || {
                let _ = tx.send(job(flag));
            });
        if let Err(e) = spawned {
            return Err(Error::new(
                "kql::internal",
                format!("cannot start a thread for the query: {e}"),
            ));
        }
        let mut cancelled_at: Option<Instant> = None;
        loop {
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(result) => return result,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Error::new(
                        "kql::internal",
                        "the query stopped without a result (this is a bug in kql)",
                    ));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let interrupted = self
                        .interrupt
                        .as_ref()
                        .is_some_and(|f| f.swap(false, Ordering::SeqCst));
                    if interrupted && cancelled_at.is_none() {
                        cancel.store(true, Ordering::SeqCst);
                        cancelled_at = Some(Instant::now());
                    }
                    if cancelled_at.is_some_and(|t| t.elapsed() > CANCEL_GRACE) {
                        // it will see the flag and end by itself
                        return Err(cancelled());
                    }
                }
            }
        }
    }

    fn show(&self, tables: &[Table], took: Duration, out: &mut dyn Write, err: &mut dyn Write) {
        let view = View {
            width: self.width(),
            max_rows: self.settings.max_rows,
            color: self.term.color,
        };
        for (i, table) in tables.iter().enumerate() {
            if i > 0 {
                let _ = out.write_all(b"\n");
            }
            let written = match self.settings.format {
                Format::Table => out.write_all(render_table_view(table, &view).as_bytes()),
                format => write_results(&[head(table, view.max_rows)], format, &mut *out, false),
            };
            if let Err(e) = written.and_then(|()| out.flush()) {
                if e.kind() != io::ErrorKind::BrokenPipe {
                    let _ = writeln!(err, "cannot write the result: {e}");
                }
                return;
            }
            let rows = table.row_count();
            let mut footer = plural(rows, "row");
            if view.max_rows < rows {
                footer.push_str(&format!(" ({} shown)", thousands(view.max_rows)));
            }
            if self.settings.timing && i + 1 == tables.len() {
                footer.push_str(&format!(", {}", duration(took)));
            }
            self.note(err, &footer);
        }
        if tables.is_empty() && self.settings.timing {
            self.note(err, &format!("done, {}", duration(took)));
        }
    }

    fn show_error(&mut self, e: &Error, name: &str, source: &str, err: &mut dyn Write) {
        self.failed = true;
        if e.code == "kql::cancelled" {
            if self.interrupt.is_some() {
                // after the terminal's `^C`
                let _ = writeln!(err);
            }
            self.note(err, "cancelled");
            return;
        }
        let text = render_error_with_width(e, name, source, self.term.color, self.width());
        let _ = err.write_all(text.as_bytes());
    }

    /// Lines the catalog has for the user (tables loaded), once.
    fn show_events(&self, err: &mut dyn Write) {
        for event in self.catalog.take_events() {
            self.note(err, &event);
        }
    }

    /// A line about what happened (grey on a terminal).
    fn note(&self, err: &mut dyn Write, text: &str) {
        let _ = if self.term.color {
            writeln!(err, "\x1b[90m{text}\x1b[0m")
        } else {
            writeln!(err, "{text}")
        };
    }

    fn fail(&mut self, err: &mut dyn Write, message: &str) {
        self.failed = true;
        let _ = if self.term.color {
            writeln!(err, "\x1b[1;31merror\x1b[0m: {message}")
        } else {
            writeln!(err, "error: {message}")
        };
    }

    fn tables(&self, out: &mut dyn Write) {
        let rows = self
            .catalog
            .names()
            .into_iter()
            .map(|name| {
                let rows = match self.catalog.rows_in_memory(&name) {
                    Some(n) => thousands(n),
                    None => "not loaded yet".to_string(),
                };
                let source = self
                    .catalog
                    .path_of(&name)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                vec![Value::str(&name), Value::str(&rows), Value::str(&source)]
            })
            .collect();
        self.print_listing(&["Table", "Rows", "Source"], rows, out);
    }

    /// A small table of strings, all rows shown.
    fn print_listing(&self, columns: &[&str], rows: Vec<Vec<Value>>, out: &mut dyn Write) {
        let schema = Schema::new(
            columns
                .iter()
                .map(|c| Field::new(*c, Type::String))
                .collect(),
        );
        let view = View {
            width: self.width(),
            max_rows: rows.len(),
            color: self.term.color,
        };
        let text = render_rows_view(&schema, rows.into_iter(), &view);
        let _ = out.write_all(text.as_bytes());
    }

    fn load(&mut self, path: &Path, name: Option<String>, err: &mut dyn Write) {
        if !path.is_file() {
            return self.fail(err, &format!("{} is not a file", path.display()));
        }
        let name = match name {
            Some(n) => n,
            None => match table_name_of(path) {
                Some(n) => n,
                None => return self.fail(err, "name the table: .load PATH as NAME"),
            },
        };
        self.catalog.add(&name, path);
        let catalog = self.catalog.clone();
        let job_name = name.clone();
        let result = self.run_job(move |cancel| catalog.load(&job_name, &cancel));
        self.show_events(err);
        if let Err(e) = result {
            // a table that cannot be read is not kept
            self.catalog.drop_table(&name);
            self.show_error(&e, "", "", err);
        }
    }

    fn run_file(&mut self, path: &Path, out: &mut dyn Write, err: &mut dyn Write) {
        let name = path.display().to_string();
        let source = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => return self.fail(err, &format!("cannot read {name}: {e}")),
        };
        let is_rule = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        let text = if is_rule {
            match crate::rule::extract_query(&source) {
                Ok(q) => q,
                Err(e) => return self.fail(err, &format!("{name}: {}", e.message)),
            }
        } else {
            source.clone()
        };
        self.run_text(&name, &text, &source, out, err);
    }

    /// The kept statements as typed, on stdout (to be copied or saved).
    fn lets(&self, out: &mut dyn Write, err: &mut dyn Write) {
        if self.definitions.is_empty() {
            self.note(
                err,
                "no statements kept: a let entered on its own, ending with ;, is kept",
            );
        }
        for definition in self.definitions.iter() {
            let _ = writeln!(out, "{}", definition.text);
        }
    }

    fn save(&mut self, path: &Path, err: &mut dyn Write) {
        let Some(tables) = &self.last else {
            return self.fail(err, "no result to save yet: run a query first");
        };
        let rows: usize = tables.iter().map(Table::row_count).sum();
        let written = std::fs::File::create(path)
            .and_then(|file| write_results(tables, self.settings.format, file, false));
        match written {
            Ok(()) => self.note(
                err,
                &format!("saved {} to {}", plural(rows, "row"), path.display()),
            ),
            Err(e) => self.fail(err, &format!("cannot write {}: {e}", path.display())),
        }
    }
}

/// The name of `format` as `.format` takes it.
pub fn format_name(format: Format) -> String {
    use clap::ValueEnum;
    format
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// The table name a file gives: its name up to the first dot (`logs/Events.ndjson.gz` is
/// `Events`).
fn table_name_of(path: &Path) -> Option<String> {
    let file = path.file_name()?.to_str()?;
    let stem = file.split('.').next().unwrap_or(file);
    (!stem.is_empty()).then(|| stem.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use kql_io::DataCatalog;

    use super::*;

    fn testdata() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
    }

    fn session() -> Session {
        let catalog = Arc::new(ReplCatalog::new(DataCatalog::new(testdata()), false));
        let settings = Settings {
            timing: false,
            now: kql_eval::datetime::parse_datetime("2026-11-25T12:00:00Z"),
            ..Settings::default()
        };
        let term = Term {
            color: false,
            width: Box::new(|| 100),
        };
        Session::new(catalog, settings, term)
    }

    /// Runs `input`; returns (stdout, stderr).
    fn run(session: &mut Session, input: &str) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        session.execute(input, &mut out, &mut err);
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn a_query_shows_its_table_and_a_footer() {
        let mut s = session();
        let (out, err) = run(&mut s, "print a = 1, b = 'x', c = long(null)");
        insta::assert_snapshot!(out, @r"
        ┌───┬───┬──────┐
        │ a ┆ b ┆    c │
        ╞═══╪═══╪══════╡
        │ 1 ┆ x ┆ null │
        └───┴───┴──────┘
        ");
        assert_eq!(err, "1 row\n");
        assert!(!s.failed);
    }

    #[test]
    fn rows_beyond_maxrows_are_counted() {
        let mut s = session();
        run(&mut s, ".maxrows 2");
        let (out, err) = run(&mut s, "range x from 1 to 5 step 1");
        assert_eq!(out.lines().count(), 6, "{out}");
        assert_eq!(err, "5 rows (2 shown)\n");
        run(&mut s, ".timing on");
        let (_, err) = run(&mut s, "range x from 1 to 5 step 1");
        assert!(
            err.starts_with("5 rows (2 shown), ") && err.ends_with(" ms\n"),
            "{err}"
        );
    }

    #[test]
    fn the_first_query_loads_the_table_once() {
        let mut s = session();
        let (_, err) = run(&mut s, "DeviceProcessEvents | count");
        assert!(
            err.starts_with("DeviceProcessEvents: 44 rows × ")
                && err.contains(" columns loaded in "),
            "{err}"
        );
        let (out, err) = run(&mut s, "DeviceProcessEvents | count");
        assert!(out.contains("44"), "{out}");
        assert_eq!(err, "1 row\n");
        let (out, _) = run(&mut s, ".tables");
        assert!(
            out.contains("DeviceProcessEvents") && out.contains("44"),
            "{out}"
        );
    }

    #[test]
    fn the_seed_query() {
        let mut s = session();
        let query = include_str!("../../../../queries/create-account.kql");
        let (out, _) = run(&mut s, query);
        assert!(out.contains("alice.svc"), "{out}");
    }

    #[test]
    fn errors_are_drawn_and_the_session_goes_on() {
        let mut s = session();
        let (out, err) = run(&mut s, "DeviceProcessEvents\n| where FileNme == 1");
        assert!(out.is_empty());
        assert!(err.contains("kql::bind::unknown_column"), "{err}");
        assert!(err.contains("2 │ | where FileNme == 1"), "{err}");
        assert!(
            err.contains("ProcessCommandLine") || err.contains("FileName"),
            "{err}"
        );
        assert!(s.failed);
        let (out, _) = run(&mut s, "print 1");
        assert!(out.contains('1'));
        assert!(!s.failed);
    }

    #[test]
    fn commands() {
        let mut s = session();
        let (out, _) = run(&mut s, ".schema DeviceProcessEvents");
        assert!(
            out.lines()
                .any(|l| l.contains("│ ProcessCommandLine ") && l.contains("┆ string ")),
            "{out}"
        );
        let (_, err) = run(&mut s, ".schema Nope");
        assert_eq!(err, "error: no table `Nope` (.tables lists them)\n");
        let (_, err) = run(&mut s, ".now");
        assert_eq!(
            err,
            "now() is 2026-11-25T12:00:00Z (.now clear follows the clock again)\n"
        );
        let (_, err) = run(&mut s, ".now clear");
        assert_eq!(err, "now() follows the clock\n");
        let (_, err) = run(&mut s, ".format csv");
        assert_eq!(err, "format: csv\n");
        let (out, _) = run(&mut s, "print a = 1, b = 'x'");
        assert_eq!(out, "a,b\n1,x\n");
        let (_, err) = run(&mut s, ".bogus");
        assert!(err.starts_with("error: unknown command"), "{err}");
        assert_eq!(
            s.execute(".quit", &mut io::sink(), &mut io::sink()),
            Flow::Quit
        );
    }

    #[test]
    fn load_run_save_and_drop() {
        let dir = std::env::temp_dir().join(format!("kql-session-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("events.ndjson");
        std::fs::write(
            &data,
            "{\"User\":\"a\",\"N\":1}\n{\"User\":\"b\",\"N\":2}\n",
        )
        .unwrap();
        let mut s = session();
        let (_, err) = run(&mut s, &format!(".load {}", data.display()));
        assert!(
            err.starts_with("events: 2 rows × 2 columns loaded in "),
            "{err}"
        );
        let (_, err) = run(&mut s, &format!(".load '{}' as Ev", data.display()));
        assert!(err.starts_with("Ev: 2 rows"), "{err}");
        let query = dir.join("q.kql");
        std::fs::write(&query, "Ev\n| where N > 1\n| project User").unwrap();
        let (out, _) = run(&mut s, &format!(".run {}", query.display()));
        assert!(out.contains(" b "), "{out}");
        run(&mut s, ".format ndjson");
        let saved = dir.join("out.ndjson");
        let (_, err) = run(&mut s, &format!(".save {}", saved.display()));
        assert_eq!(err, format!("saved 1 row to {}\n", saved.display()));
        assert_eq!(
            std::fs::read_to_string(&saved).unwrap(),
            "{\"User\":\"b\"}\n"
        );
        let (_, err) = run(&mut s, ".drop Ev");
        assert_eq!(err, "dropped Ev\n");
        let (_, err) = run(&mut s, "Ev | count");
        assert!(err.contains("unknown table"), "{err}");
        let bad = dir.join("q-bad.kql");
        std::fs::write(&bad, "events\n| where Nope == 1").unwrap();
        let (_, err) = run(&mut s, &format!(".run {}", bad.display()));
        assert!(err.contains("q-bad.kql:2:9"), "{err}");
        let (_, err) = run(&mut s, ".load /nonexistent/file.json");
        assert_eq!(err, "error: /nonexistent/file.json is not a file\n");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn save_needs_a_result() {
        let mut s = session();
        let (_, err) = run(&mut s, ".save x.csv");
        assert_eq!(err, "error: no result to save yet: run a query first\n");
    }

    #[test]
    fn ctrl_c_cancels_a_running_query() {
        let mut s = session();
        let flag = Arc::new(AtomicBool::new(false));
        s.set_interrupt(flag.clone());
        let setter = flag.clone();
        let pressed = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            setter.store(true, Ordering::SeqCst);
        });
        let started = Instant::now();
        let (_, err) = run(
            &mut s,
            "range x from 1 to 10000000000 step 1 | summarize count()",
        );
        pressed.join().unwrap();
        assert_eq!(err, "\ncancelled\n");
        assert!(started.elapsed() < Duration::from_secs(20));
        assert!(s.failed);
    }

    #[test]
    fn a_let_is_kept_for_later_queries() {
        let mut s = session();
        let (out, err) = run(
            &mut s,
            "let Suspicious = dynamic([\"net.exe\",\"net1.exe\"]);",
        );
        assert_eq!((out.as_str(), err.as_str()), ("", "defined Suspicious\n"));
        assert!(!s.failed);
        let query = "DeviceProcessEvents | where FileName in~ (Suspicious) | count";
        let (out, _) = run(&mut s, query);
        assert!(out.contains("│    40 │"), "{out}");
        // a query's own `let` shadows the kept one, for that query only
        let (out, _) = run(&mut s, &format!("let Suspicious = dynamic([]);\n{query}"));
        assert!(out.contains("│     0 │"), "{out}");
        let (out, _) = run(&mut s, query);
        assert!(out.contains("│    40 │"), "{out}");
        // kept statements build on each other, tabular ones too
        let (_, err) = run(
            &mut s,
            "let net = DeviceProcessEvents\n| where FileName in~ (Suspicious);\nset query_now = datetime(2020-01-01);",
        );
        assert_eq!(err, "defined net; set query_now\n");
        let (out, _) = run(&mut s, "net | count | extend At = now()");
        assert!(out.contains("│    40 ┆ 2020-01-01T00:00:00Z │"), "{out}");
        let (out, _) = run(&mut s, ".lets");
        assert_eq!(
            out,
            "let Suspicious = dynamic([\"net.exe\",\"net1.exe\"]);\nlet net = DeviceProcessEvents\n| where FileName in~ (Suspicious);\nset query_now = datetime(2020-01-01);\n"
        );
    }

    #[test]
    fn a_let_redefined_replaces_the_earlier_one_in_its_place() {
        let mut s = session();
        let (_, err) = run(&mut s, "let n = 1; let m = n * 10;");
        assert_eq!(err, "defined n, m\n");
        let (_, err) = run(&mut s, "let n = 2;");
        assert_eq!(err, "redefined n\n");
        // `m` sees the new `n`
        let (out, _) = run(&mut s, "print m");
        assert!(out.contains("│      20 │"), "{out}");
        let (out, _) = run(&mut s, ".lets");
        assert_eq!(out, "let n = 2;\nlet m = n * 10;\n");
    }

    #[test]
    fn an_erroneous_let_is_not_kept_and_its_error_points_at_what_was_typed() {
        let mut s = session();
        run(&mut s, "let n = 1;");
        let (out, err) = run(&mut s, "let a = 2;\nlet b = nosuch + n;");
        assert!(out.is_empty());
        assert!(err.contains("unknown column `nosuch`"), "{err}");
        assert!(err.contains("╭─[<query>:2:9]"), "{err}");
        assert!(err.contains("2 │ let b = nosuch + n;"), "{err}");
        assert!(s.failed);
        // a tabular `let` is bound when it is defined
        let (_, err) = run(
            &mut s,
            "let net = DeviceProcessEvents | where FileNme == 1;",
        );
        assert!(err.contains("╭─[<query>:1:39]"), "{err}");
        assert!(err.contains("did you mean `FileName`?"), "{err}");
        // syntax errors as for any query
        let (_, err) = run(&mut s, "let x = 1 +;");
        assert!(
            err.contains("kql::syntax") && err.contains("<query>:1:12"),
            "{err}"
        );
        let (out, _) = run(&mut s, ".lets");
        assert_eq!(out, "let n = 1;\n");
        // an error in a query after the kept statements points into the query
        let (_, err) = run(&mut s, "print n\n| where Nope == 1");
        assert!(err.contains("╭─[<query>:2:9]"), "{err}");
        // and one in a kept statement, into that statement
        run(&mut s, "let t = DeviceProcessEvents | take 1;");
        run(&mut s, ".drop DeviceProcessEvents");
        let (_, err) = run(&mut s, "t | count");
        assert!(err.contains("unknown table `DeviceProcessEvents`"), "{err}");
        assert!(err.contains("╭─[<let t>:1:9]"), "{err}");
    }

    #[test]
    fn forget() {
        let mut s = session();
        run(&mut s, "let a = 1; let b = 2; let c = 3;");
        let (_, err) = run(&mut s, ".forget b");
        assert_eq!(err, "forgot b\n");
        let (_, err) = run(&mut s, ".forget b");
        assert_eq!(err, "error: no kept statement `b` (.lets lists them)\n");
        assert!(s.failed);
        let (_, err) = run(&mut s, "print b");
        assert!(err.contains("unknown column `b`"), "{err}");
        let (out, _) = run(&mut s, ".lets");
        assert_eq!(out, "let a = 1;\nlet c = 3;\n");
        let (_, err) = run(&mut s, ".forget");
        assert_eq!(err, "forgot a, c\n");
        let (out, err) = run(&mut s, ".lets");
        assert!(
            out.is_empty() && err.starts_with("no statements kept"),
            "{err}"
        );
        let (_, err) = run(&mut s, ".forget");
        assert_eq!(err, "nothing to forget\n");
    }

    #[test]
    fn a_file_of_lets_is_kept() {
        let dir = std::env::temp_dir().join(format!("kql-session-lets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let helpers = dir.join("helpers.kql");
        std::fs::write(&helpers, "// helpers\nlet Twice = (x:long) { x * 2 };\n").unwrap();
        let mut s = session();
        let (_, err) = run(&mut s, &format!(".run {}", helpers.display()));
        assert_eq!(err, "defined Twice\n");
        let (out, _) = run(&mut s, "print Twice(21)");
        assert!(out.contains("│      42 │"), "{out}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn table_names_of_files() {
        assert_eq!(
            table_name_of(Path::new("a/Events.ndjson.gz")).as_deref(),
            Some("Events")
        );
        assert_eq!(table_name_of(Path::new("x.json")).as_deref(), Some("x"));
        assert_eq!(table_name_of(Path::new(".hidden")), None);
    }
}
