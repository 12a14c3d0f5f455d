//! `kql run`: load the query, build the catalog, run it, write the results.

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;
use kql_eval::{Error, RunOptions};
use kql_io::{DEFAULT_DATA_DIR, DataCatalog};

use crate::cli::{Cli, RunArgs};
use crate::render::{DEFAULT_WIDTH, render_error_with_width};
use crate::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE, output, rule};

/// The query of a run: the text to evaluate and the text errors are drawn against, which
/// differ only for rule files (where the query is the file with everything else blanked).
struct Query {
    name: String,
    text: String,
    source: String,
}

/// Runs `kql run` and returns its exit status.
pub fn run_command(args: &RunArgs) -> ExitCode {
    if let Some(dir) = &args.data
        && !dir.is_dir()
    {
        return usage_error(&format!(
            "invalid value '{}' for '--data <DIR>': not a directory",
            dir.display()
        ));
    }
    let query = match load_query(args) {
        Ok(q) => q,
        // no error about loading has a span: the query text is not needed to draw it
        Err(e) => return report(&e, "", ""),
    };
    let mut catalog = DataCatalog::new(args.data.as_deref().unwrap_or(Path::new(DEFAULT_DATA_DIR)));
    for (name, path) in &args.tables {
        catalog.add_table(name.clone(), path.clone());
    }
    let options = RunOptions {
        now: args.now,
        ..RunOptions::default()
    };
    let tables = match kql_eval::run(&query.text, &catalog, &options) {
        Ok(t) => t,
        Err(e) => return report(&e, &query.name, &query.source),
    };
    let stdout = io::stdout();
    let tty = stdout.is_terminal();
    match output::write_results(&tables, args.format, stdout.lock(), tty) {
        Ok(()) => ExitCode::from(EXIT_OK),
        // `kql run ... | head`: the reader has all it wants
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
        Err(e) => report(
            &Error::new("kql::io", format!("cannot write the results: {e}")),
            &query.name,
            &query.source,
        ),
    }
}

/// The query to run.
fn load_query(args: &RunArgs) -> Result<Query, Error> {
    if let Some(text) = &args.query {
        return Ok(Query {
            name: "<query>".to_string(),
            text: text.clone(),
            source: text.clone(),
        });
    }
    let Some(path) = &args.file else {
        // clap requires FILE or -e
        return Err(Error::new("kql::usage", "no query given"));
    };
    if path.as_os_str() == "-" {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text).map_err(|e| {
            Error::new(
                "kql::io",
                format!("cannot read the query from standard input: {e}"),
            )
        })?;
        return Ok(Query {
            name: "<stdin>".to_string(),
            source: text.clone(),
            text,
        });
    }
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new("kql::io", format!("cannot read query file {name}: {e}")))?;
    let is_rule = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    if is_rule {
        let query = rule::extract_query(&text).map_err(|e| Error {
            help: e.help,
            ..Error::new("kql::rule", format!("{name}: {}", e.message))
        })?;
        return Ok(Query {
            name,
            text: query,
            source: text,
        });
    }
    Ok(Query {
        name,
        source: text.clone(),
        text,
    })
}

/// Prints `err` to stderr and returns [`EXIT_FAILURE`].
fn report(err: &Error, name: &str, source: &str) -> ExitCode {
    let stderr = io::stderr();
    let tty = stderr.is_terminal();
    let color = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let width = if tty { terminal_width() } else { DEFAULT_WIDTH };
    let text = render_error_with_width(err, name, source, color, width);
    // nothing more can be done if stderr is gone
    let _ = stderr.lock().write_all(text.as_bytes());
    ExitCode::from(EXIT_FAILURE)
}

/// A usage error found after parsing the command line, printed as clap prints its own.
fn usage_error(message: &str) -> ExitCode {
    let mut cli = Cli::command();
    cli.build();
    let err = match cli.find_subcommand_mut("run") {
        Some(run) => run.error(clap::error::ErrorKind::ValueValidation, message),
        None => cli.error(clap::error::ErrorKind::ValueValidation, message),
    };
    let _ = err.print();
    ExitCode::from(EXIT_USAGE)
}

fn terminal_width() -> usize {
    // comfy-table asks the terminal (crossterm) for us
    comfy_table::Table::new()
        .use_stderr()
        .width()
        .map(usize::from)
        .filter(|&w| w >= 40)
        .unwrap_or(DEFAULT_WIDTH)
}
