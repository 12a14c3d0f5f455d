//! The `kql` command: run KQL hunting queries over local JSON / NDJSON logs.
//!
//! * [`cli`]: the command line (clap);
//! * [`run`]: `kql run`: load the query, build the catalog, run, write the results;
//! * [`repl`]: `kql` / `kql repl`: the interactive session;
//! * [`render`]: diagnostics as text ([`render_error`]);
//! * [`output`]: result tables as a terminal table, Log Analytics JSON, NDJSON or CSV;
//! * [`rule`]: the `query:` of a YAML rule file, without a YAML parser;
//! * [`limits`]: `--timeout` and `--max-memory`, watched by a thread that stops the query;
//! * [`check`]: `kql check`: parse and bind queries and rule files, read no rows;
//! * [`test_cmd`]: `kql test`: snapshot tests of detection rules over fixtures.
//!
//! Exit status: [`EXIT_OK`] on success, [`EXIT_FAILURE`] for an error in the query or its data
//! (or an unreadable query file), [`EXIT_USAGE`] for a bad command line.

pub mod check;
pub mod cli;
pub mod limits;
pub mod output;
pub mod render;
pub mod repl;
pub mod rule;
pub mod run;
pub mod test_cmd;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

pub use cli::{Cli, Command, Format, ReplArgs, RunArgs};
pub use output::{render_table, write_json_tables, write_results};
pub use render::{DEFAULT_WIDTH, render_error, render_error_with_width};

/// Success.
pub const EXIT_OK: u8 = 0;
/// The query could not be parsed, bound or run, or its data (or file) could not be read.
pub const EXIT_FAILURE: u8 = 1;
/// The command line is wrong (clap's own errors exit with this status too).
pub const EXIT_USAGE: u8 = 2;

/// Runs the `kql` command with the process's arguments.
pub fn main() -> ExitCode {
    // clap prints its own errors (to stderr, exit 2) and help/version (stdout, exit 0)
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Run(args)) => run::run_command(&args),
        Some(Command::Check(args)) => check::check_command(&args),
        Some(Command::Test(args)) => test_cmd::test_command(&args),
        Some(Command::Repl(args)) => repl::repl_command(&args),
        // `kql` alone starts the session on a terminal (or when given its options)
        None if cli.repl.is_given() || std::io::IsTerminal::is_terminal(&std::io::stdin()) => {
            repl::repl_command(&cli.repl)
        }
        None => {
            eprint!("{}", Cli::command().render_help());
            eprintln!(
                "\n`kql` alone starts an interactive session on a terminal; `kql repl` reads \
                 queries from a pipe."
            );
            ExitCode::from(EXIT_USAGE)
        }
    }
}
