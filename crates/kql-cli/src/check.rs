//! `kql check FILE|DIR...`: parse and bind every query and rule file without reading a row.
//!
//! Tables come from the data directory and `--table` overrides, and every table with a built-in
//! schema is available too (empty), so a Defender or Sentinel query checks without data. A
//! data file that exists is described (its columns and types), never run over. For a rule
//! file, the tables its query reads and the `dataTypes` of its `requiredDataConnectors` are
//! listed, and a data type that no table answers is an error.
//!
//! Exit status: 0 when every file is valid, 1 when any has an error, 2 for a usage error.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use kql_eval::{Error, RunOptions};
use kql_io::{DEFAULT_DATA_DIR, DataCatalog};

use crate::render::{DEFAULT_WIDTH, render_error_with_width};
use crate::rule::DataType;
use crate::run::{describe_data_type, is_rule_file, load_query_file, usage_error_in};
use crate::{EXIT_FAILURE, EXIT_OK};

pub const CHECK_HELP: &str = "\
Each query is parsed and bound (names, columns, types) as `kql run` would, but no row is read.
Tables come from --data and --table, and every table with a built-in schema (DeviceProcessEvents,
SigninLogs, ...) is available, empty. A directory is searched for .kql, .yaml and .yml files;
a YAML file without a top-level `query:` found that way is skipped. Web externaldata reads its
--external copy (checking it), else is empty with a warning; --geoip is opened when a query
uses geo_info_from_ip_address.

Examples:
  kql check queries/create-account.kql
  kql check rules/ --data exports/";

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Query files (.kql), rule files (.yaml, .yml), or directories searched for them
    #[arg(value_name = "FILE|DIR", required = true)]
    pub paths: Vec<PathBuf>,

    /// Directory of table files [default: testdata]
    #[arg(long = "data", value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Read table NAME from the file (or directory of files) PATH (repeatable; wins over
    /// --data)
    #[arg(long = "table", value_name = "NAME=PATH", value_parser = crate::cli::parse_table)]
    pub tables: Vec<(String, PathBuf)>,

    #[command(flatten)]
    pub offline: crate::cli::OfflineArgs,

    /// Print only the files with errors, and the summary
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
}

/// An error about a file, with the text it is drawn against.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub error: Error,
    pub name: String,
    pub source: String,
}

/// What checking one file found.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Valid: the tables the query reads, with where each comes from, and (for a rule) the
    /// data types it requires.
    Valid {
        reads: Vec<(String, String)>,
        requires: Vec<DataType>,
    },
    /// Not valid.
    Invalid(Vec<Diagnostic>),
    /// Not a query (a YAML file without `query:` found in a directory).
    Skipped(String),
}

/// The check of one file.
#[derive(Debug, Clone)]
pub struct FileCheck {
    pub path: PathBuf,
    pub outcome: Outcome,
}

/// The catalog `kql check` binds against: `dir` and `tables`, plus every built-in schema.
pub fn check_catalog(dir: &Path, tables: &[(String, PathBuf)]) -> DataCatalog {
    let mut catalog = DataCatalog::new(dir).with_known_schemas_as_empty(true);
    for (name, path) in tables {
        catalog.add_table(name.clone(), path.clone());
    }
    catalog
}

/// The `.kql`, `.yaml` and `.yml` files of `dir`, recursively, in name order; hidden entries
/// and `*.fixtures` directories (test data, see `kql test`) are skipped.
pub fn query_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            if !name.ends_with(".fixtures") {
                out.extend(query_files(&path)?);
            }
        } else if is_query_file(&path) {
            out.push(path);
        }
    }
    Ok(out)
}

/// A `.kql` file or a rule file.
pub fn is_query_file(path: &Path) -> bool {
    is_rule_file(path)
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("kql"))
}

/// Checks one file against `catalog`. `found` says the file was found by searching a
/// directory (then a YAML file without `query:` is skipped rather than an error).
pub fn check_file(path: &Path, catalog: &DataCatalog, found: bool) -> FileCheck {
    let outcome = check_outcome(path, catalog, found);
    FileCheck {
        path: path.to_path_buf(),
        outcome,
    }
}

fn check_outcome(path: &Path, catalog: &DataCatalog, found: bool) -> Outcome {
    let name = path.display().to_string();
    let query = match load_query_file(path) {
        Ok(q) => q,
        Err(e) if found && e.code == "kql::rule" && e.message.contains("no top-level `query:`") => {
            return Outcome::Skipped("no top-level `query:`".to_string());
        }
        Err(error) => {
            return Outcome::Invalid(vec![Diagnostic {
                error,
                name,
                source: String::new(),
            }]);
        }
    };
    catalog.take_requested();
    // a table kql does not know may exist where the query runs: warn, and check the rest
    // of the query against a stand-in with the columns it names
    let options = RunOptions {
        unknown_tables_as_empty: true,
        ..RunOptions::default()
    };
    let result = kql_eval::check(&query.text, catalog, &options);
    let requested = catalog.take_requested();
    let mut diagnostics = Vec::new();
    match result {
        Ok(checked) => {
            for w in checked.warnings {
                catalog.report().warn(format!("{}: {w}", query.name));
            }
        }
        Err(error) => diagnostics.push(Diagnostic {
            error,
            name: query.name.clone(),
            source: query.source.clone(),
        }),
    }
    for dt in &query.data_types {
        if catalog.source_of(&dt.table).is_none() {
            let error = Error::new(
                "kql::rule::missing_table",
                format!(
                    "{}: the rule's requiredDataConnectors list {}, but no table {} is available",
                    query.name,
                    describe_data_type(dt),
                    dt.table
                ),
            )
            .with_help(format!(
                "tables come from {} (NAME.json, .ndjson, .csv, ... or a directory NAME/), from \
                 --table NAME=PATH, and from the built-in schemas of known tables",
                catalog.dir().display()
            ));
            diagnostics.push(Diagnostic {
                error,
                name: query.name.clone(),
                source: query.source.clone(),
            });
        }
    }
    if !diagnostics.is_empty() {
        return Outcome::Invalid(diagnostics);
    }
    let reads = requested
        .into_iter()
        .filter_map(|t| catalog.source_of(&t).map(|s| (t, s)))
        .collect();
    Outcome::Valid {
        reads,
        requires: query.data_types,
    }
}

/// One line about a valid file: what it reads and requires.
fn valid_line(path: &Path, reads: &[(String, String)], requires: &[DataType]) -> String {
    let mut line = format!("ok      {}", path.display());
    if !reads.is_empty() {
        let reads: Vec<String> = reads.iter().map(|(t, s)| format!("{t} ({s})")).collect();
        line.push_str(&format!("  reads {}", reads.join(", ")));
    }
    if !requires.is_empty() {
        let req: Vec<String> = requires
            .iter()
            .map(|d| {
                if d.connector.is_empty() {
                    d.table.clone()
                } else {
                    format!("{} ({})", d.table, d.connector)
                }
            })
            .collect();
        line.push_str(&format!("; requires {}", req.join(", ")));
    }
    line
}

/// Runs `kql check` and returns its exit status.
pub fn check_command(args: &CheckArgs) -> ExitCode {
    if let Some(dir) = &args.data
        && !dir.is_dir()
    {
        return usage_error_in(
            "check",
            &format!(
                "invalid value '{}' for '--data <DIR>': not a directory",
                dir.display()
            ),
        );
    }
    let dir = args.data.as_deref().unwrap_or(Path::new(DEFAULT_DATA_DIR));
    let mut catalog = check_catalog(dir, &args.tables);
    if let Err(message) = args.offline.apply(&mut catalog) {
        return usage_error_in("check", &message);
    }
    let stderr_tty = io::stderr().is_terminal();
    let color = stderr_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut out = io::stdout().lock();
    let (mut valid, mut invalid, mut skipped) = (0usize, 0usize, 0usize);
    for given in &args.paths {
        let (files, found) = if given.is_dir() {
            match query_files(given) {
                Ok(files) if files.is_empty() => {
                    let e = Error::new(
                        "kql::io",
                        format!("no query files (.kql, .yaml, .yml) in {}", given.display()),
                    );
                    print_diagnostic(&e, "", "", color);
                    invalid += 1;
                    continue;
                }
                Ok(files) => (files, true),
                Err(e) => {
                    let e = Error::new(
                        "kql::io",
                        format!("cannot read the directory {}: {e}", given.display()),
                    );
                    print_diagnostic(&e, "", "", color);
                    invalid += 1;
                    continue;
                }
            }
        } else {
            (vec![given.clone()], false)
        };
        for file in files {
            let check = check_file(&file, &catalog, found);
            match &check.outcome {
                Outcome::Valid { reads, requires } => {
                    valid += 1;
                    if !args.quiet {
                        let _ = writeln!(out, "{}", valid_line(&check.path, reads, requires));
                    }
                }
                Outcome::Skipped(why) => {
                    skipped += 1;
                    if !args.quiet {
                        let _ = writeln!(out, "skipped {}: {why}", check.path.display());
                    }
                }
                Outcome::Invalid(diagnostics) => {
                    invalid += 1;
                    let _ = writeln!(out, "error   {}", check.path.display());
                    let _ = out.flush();
                    for d in diagnostics {
                        print_diagnostic(&d.error, &d.name, &d.source, color);
                    }
                }
            }
        }
    }
    let total = valid + invalid;
    let mut summary = format!(
        "checked {total} file{}: {valid} valid, {invalid} with errors",
        if total == 1 { "" } else { "s" }
    );
    if skipped > 0 {
        summary.push_str(&format!(" ({skipped} skipped)"));
    }
    let _ = writeln!(out, "{summary}");
    let _ = out.flush();
    crate::run::print_read_report(catalog.report());
    ExitCode::from(if invalid == 0 { EXIT_OK } else { EXIT_FAILURE })
}

fn print_diagnostic(err: &Error, name: &str, source: &str, color: bool) {
    let text = render_error_with_width(err, name, source, color, DEFAULT_WIDTH);
    let _ = io::stderr().lock().write_all(text.as_bytes());
}
