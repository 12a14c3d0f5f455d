//! `kql run`: load the query, build the catalog, run it, write the results.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;
use kql_eval::{Error, RunOptions};
use kql_io::{DEFAULT_DATA_DIR, DataCatalog, ReadReport};

use crate::cli::{Cli, RunArgs};
use crate::limits::{self, Limits, Watchdog};
use crate::render::{DEFAULT_WIDTH, render_error_with_width};
use crate::rule::DataType;
use crate::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE, output, rule};

/// The query of a run: the text to evaluate and the text errors are drawn against, which
/// differ only for rule files (where the query is the file with everything else blanked).
pub(crate) struct Query {
    pub name: String,
    pub text: String,
    pub source: String,
    /// For a rule file: the `dataTypes` of its `requiredDataConnectors`.
    pub data_types: Vec<DataType>,
    pub is_rule: bool,
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
    let data_dir = args.data.as_deref().unwrap_or(Path::new(DEFAULT_DATA_DIR));
    let mut catalog = DataCatalog::new(data_dir)
        .with_on_error(args.on_error)
        .with_known_schemas_as_empty(args.empty_tables);
    for (name, path) in &args.tables {
        catalog.add_table(name.clone(), path.clone());
    }
    if let Err(message) = args.offline.apply(&mut catalog) {
        return usage_error(&message);
    }
    let query = match load_query(args) {
        Ok(q) => q,
        // no error about loading has a span: the query text is not needed to draw it
        Err(e) => return report(&e, "", ""),
    };
    let limits = Limits {
        timeout: args.timeout,
        max_memory: match args.max_memory {
            Some(limits::MaxMemory(limit)) => limit,
            None => limits::default_max_memory(),
        },
    };
    let watchdog = Watchdog::start(limits, {
        let (name, source) = (query.name.clone(), query.source.clone());
        move |e| {
            report(e, &name, &source);
            std::process::exit(i32::from(EXIT_FAILURE));
        }
    });
    let mut options = RunOptions {
        now: args.now,
        unknown_tables_as_empty: args.empty_tables,
        ..RunOptions::default()
    };
    options.cancel = Some(watchdog.cancel_flag());
    let result =
        limits::on_big_stack(|| kql_eval::run_with_warnings(&query.text, &catalog, &options));
    let result = limits::explain(result, watchdog.stop());
    let tables = match result {
        Ok((t, warnings)) => {
            for w in warnings {
                catalog.report().warn(w);
            }
            t
        }
        Err(mut e) => {
            if query.is_rule && matches!(e.code, "kql::bind::unknown_table" | "kql::data::no_data")
            {
                e.help = Some(match e.help.take() {
                    Some(help) if !query.data_types.is_empty() => {
                        format!("{help}\n{}", rule_data_types_line(&query.data_types))
                    }
                    Some(help) => help,
                    None => missing_table_help(&query.data_types, data_dir),
                });
            }
            print_read_report(catalog.report());
            return report(&e, &query.name, &query.source);
        }
    };
    if query.is_rule {
        for dt in &query.data_types {
            if catalog.path_of(&dt.table).is_none() {
                catalog.report().warn(format!(
                    "{}: the rule's requiredDataConnectors list {}, but no table {} is in {} \
                     (nor given with --table)",
                    query.name,
                    describe_data_type(dt),
                    dt.table,
                    data_dir.display()
                ));
            }
        }
    }
    let written = match &args.output {
        Some(path) => write_file(path, |f| {
            output::write_results(&tables, args.format, f, false)
        }),
        None => {
            let stdout = io::stdout();
            let tty = stdout.is_terminal();
            output::write_results(&tables, args.format, stdout.lock(), tty)
        }
    };
    print_read_report(catalog.report());
    match written {
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

/// `DeviceProcessEvents (connector Microsoft365Defender)`.
pub(crate) fn describe_data_type(dt: &DataType) -> String {
    if dt.connector.is_empty() {
        format!("data type {}", dt.table)
    } else {
        format!("data type {} (connector {})", dt.table, dt.connector)
    }
}

/// Help for a rule whose query reads a table that is not there.
pub(crate) fn missing_table_help(data_types: &[DataType], data_dir: &Path) -> String {
    let mut help = format!(
        "put the table's file in {} (NAME.json, .ndjson, .csv, ... or a directory NAME/), or \
         pass --table NAME=PATH",
        data_dir.display()
    );
    if !data_types.is_empty() {
        help.push('\n');
        help.push_str(&rule_data_types_line(data_types));
    }
    help
}

fn rule_data_types_line(data_types: &[DataType]) -> String {
    let listed: Vec<&str> = data_types.iter().map(|d| d.table.as_str()).collect();
    format!(
        "the rule's requiredDataConnectors list: {}",
        listed.join(", ")
    )
}

/// Writes `path` through `write`: into a temporary file beside it, renamed into place once
/// complete, so a failure never leaves a truncated file (nor replaces an older one).
pub(crate) fn write_file(
    path: &Path,
    write: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(".{name}.kql-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut f)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Prints what reading the tables noticed to stderr: warnings, then the malformed records
/// skipped (`--on-error skip`), per file and in all.
pub(crate) fn print_read_report(report: &ReadReport) {
    let mut text = String::new();
    for w in report.warnings() {
        text.push_str(&format!("warning: {w}\n"));
    }
    let skipped = report.skipped();
    for s in &skipped {
        text.push_str(&format!(
            "warning: skipped {} malformed record{} in {} (the first: {})\n",
            s.count,
            if s.count == 1 { "" } else { "s" },
            s.file,
            s.first
        ));
    }
    if skipped.len() > 1 {
        let total = report.skipped_total();
        text.push_str(&format!(
            "warning: skipped {total} malformed record{} in all\n",
            if total == 1 { "" } else { "s" }
        ));
    }
    if !text.is_empty() {
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }
}

/// The query to run.
fn load_query(args: &RunArgs) -> Result<Query, Error> {
    if let Some(text) = &args.query {
        return Ok(Query {
            name: "<query>".to_string(),
            text: text.clone(),
            source: text.clone(),
            data_types: Vec::new(),
            is_rule: false,
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
            data_types: Vec::new(),
            is_rule: false,
        });
    }
    load_query_file(path)
}

/// Whether `path` names a rule file (`.yaml` or `.yml`).
pub(crate) fn is_rule_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// The query of a `.kql` file or of a rule `.yaml`/`.yml` file (its `query:`, exactly as
/// written).
pub(crate) fn load_query_file(path: &Path) -> Result<Query, Error> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new("kql::io", format!("cannot read query file {name}: {e}")))?;
    if is_rule_file(path) {
        let query = rule::extract_query(&text).map_err(|e| Error {
            help: e.help,
            ..Error::new("kql::rule", format!("{name}: {}", e.message))
        })?;
        return Ok(Query {
            name,
            text: query,
            data_types: rule::required_data_types(&text),
            source: text,
            is_rule: true,
        });
    }
    Ok(Query {
        name,
        source: text.clone(),
        text,
        data_types: Vec::new(),
        is_rule: false,
    })
}

/// Prints `err` to stderr and returns [`EXIT_FAILURE`].
pub(crate) fn report(err: &Error, name: &str, source: &str) -> ExitCode {
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
    usage_error_in("run", message)
}

/// A usage error of the subcommand `sub`, printed as clap prints its own; exit status 2.
pub(crate) fn usage_error_in(sub: &str, message: &str) -> ExitCode {
    let mut cli = Cli::command();
    cli.build();
    let err = match cli.find_subcommand_mut(sub) {
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
