//! The command line.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// Run KQL (Kusto Query Language) hunting queries over local JSON and NDJSON logs.
///
/// With no subcommand, `kql` starts an interactive session (see `kql repl --help`).
#[derive(Debug, Parser)]
// no subcommand: the interactive session on a terminal; help on stderr, exit 2, otherwise
#[command(
    name = "kql",
    version,
    max_term_width = 100,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The interactive session's options, when no subcommand is given
    #[command(flatten)]
    pub repl: ReplArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a query file (or a query given with -e) and print its results.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Parse and bind queries and rule files without reading any rows; exit 1 if any has an
    /// error.
    #[command(after_help = crate::check::CHECK_HELP)]
    Check(crate::check::CheckArgs),
    /// Run snapshot tests: each rule with fixtures is run and its result compared with the
    /// expected output.
    #[command(after_help = crate::test_cmd::TEST_HELP)]
    Test(crate::test_cmd::TestArgs),
    /// Start an interactive session (what `kql` alone does on a terminal).
    #[command(after_help = REPL_EXAMPLES)]
    Repl(ReplArgs),
}

const REPL_EXAMPLES: &str = "\
Type a query and press Enter: it runs once complete; a query continues on the next line while
a bracket is open or a line ends with |, and, or, ','; an empty line runs it. Tab completes
table, column, operator and function names; .help lists the commands (.tables, .schema,
.load, .format, .save, ...). Tables are read into memory on first use and kept. History is
kept in $KQL_HISTORY, else $XDG_DATA_HOME/kql/history, else ~/.local/share/kql/history.

With standard input from a pipe, queries are read one after another (an empty line ends
each) and only results are written to standard output.

Examples:
  kql --data testdata --now 2026-11-25T12:00:00Z
  kql repl --table Events=logs/events.ndjson < hunt.kql";

/// Options of the interactive session.
#[derive(Debug, Clone, Default, Args)]
pub struct ReplArgs {
    /// Directory of table files [default: testdata]
    #[arg(long = "data", value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Read table NAME from the file (or directory of files) PATH (repeatable; wins over
    /// --data)
    #[arg(long = "table", value_name = "NAME=PATH", value_parser = parse_table)]
    pub tables: Vec<(String, PathBuf)>,

    /// The instant now() and ago() see, e.g. 2026-11-25T12:00:00Z [default: the clock]
    #[arg(long = "now", value_name = "DATETIME", value_parser = parse_now)]
    pub now: Option<i64>,

    #[command(flatten)]
    pub offline: OfflineArgs,
}

impl ReplArgs {
    /// Whether any option was given.
    pub fn is_given(&self) -> bool {
        self.data.is_some()
            || !self.tables.is_empty()
            || self.now.is_some()
            || !self.offline.externals.is_empty()
            || self.offline.geoip.is_some()
    }
}

/// What a query reads in place of the Kusto service: local copies of web `externaldata`, and
/// a GeoIP database.
#[derive(Debug, Clone, Default, Args)]
pub struct OfflineArgs {
    /// Read the externaldata address URL, written exactly as in the query (query string
    /// included), from the local file PATH, in the format the query declares (repeatable;
    /// split at the last `=`). kql never fetches from the network
    #[arg(long = "external", value_name = "URL=PATH", value_parser = parse_external)]
    pub externals: Vec<(String, PathBuf)>,

    /// The MaxMind City database geo_info_from_ip_address reads (GeoLite2-City.mmdb, from
    /// maxmind.com) [default: $KQL_GEOIP]
    #[arg(long = "geoip", value_name = "PATH")]
    pub geoip: Option<PathBuf>,
}

impl OfflineArgs {
    /// Gives `catalog` the local copies and the GeoIP database (`--geoip`, else `$KQL_GEOIP`
    /// when set and not empty). A database that is not a file is a usage error, returned as
    /// its message; its content is read when a query first uses it.
    pub fn apply(&self, catalog: &mut kql_io::DataCatalog) -> Result<(), String> {
        for (url, path) in &self.externals {
            catalog.add_external(url.clone(), path.clone());
        }
        catalog.set_geoip(geoip_path(self.geoip.as_deref())?);
        Ok(())
    }
}

/// The GeoIP database to use: `flag` (`--geoip`), else `$KQL_GEOIP` when set and not empty;
/// either must be a file.
pub fn geoip_path(flag: Option<&std::path::Path>) -> Result<Option<PathBuf>, String> {
    let (path, origin) = match flag {
        Some(p) => (p.to_path_buf(), "--geoip <PATH>"),
        None => match std::env::var_os("KQL_GEOIP") {
            Some(v) if !v.is_empty() => (PathBuf::from(v), "KQL_GEOIP"),
            _ => return Ok(None),
        },
    };
    if path.is_file() {
        Ok(Some(path))
    } else {
        Err(format!(
            "invalid value '{}' for '{origin}': not a file (a MaxMind City database, \
             GeoLite2-City.mmdb)",
            path.display()
        ))
    }
}

const RUN_EXAMPLES: &str = "\
Table NAME is read from DIR/NAME.json, .jsonl, .ndjson, .csv or .tsv (each optionally .gz), or
from the files of the directory DIR/NAME; the format is detected from the content: JSON arrays,
NDJSON, query API responses (Defender, Graph, Log Analytics, Azure Data Explorer) and CSV/TSV
with a header (portal exports included). Well-known tables (DeviceProcessEvents, SigninLogs,
...) get their official schema.

Examples:
  kql run queries/create-account.kql --now 2026-11-25T12:00:00Z
  kql run -e 'DeviceProcessEvents | where FileName =~ \"net.exe\" | take 5'
  kql run -e 'Events | count' --table Events=logs/events.ndjson --format json
  kql run hunt.kql --external https://example.com/iocs.csv=iocs.csv --geoip GeoLite2-City.mmdb";

#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("input").required(true).args(["file", "query"])))]
pub struct RunArgs {
    /// A .kql query file (`-` reads standard input), or a rule .yaml/.yml whose top-level
    /// `query:` block is run
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Run this query text instead of a file
    #[arg(
        short = 'e',
        long = "query",
        value_name = "QUERY",
        conflicts_with = "file"
    )]
    pub query: Option<String>,

    /// Directory of table files [default: testdata]
    #[arg(long = "data", value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Read table NAME from the file (or directory of files) PATH (repeatable; wins over
    /// --data)
    #[arg(long = "table", value_name = "NAME=PATH", value_parser = parse_table)]
    pub tables: Vec<(String, PathBuf)>,

    /// The instant now() and ago() see, e.g. 2026-11-25T12:00:00Z [default: the clock]
    #[arg(long = "now", value_name = "DATETIME", value_parser = parse_now)]
    pub now: Option<i64>,

    /// Output format
    #[arg(short = 'f', long = "format", value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the results to FILE (written whole, then renamed into place: a failing query
    /// leaves no file) instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// What to do with a malformed record in a table file: fail (stop with an error naming
    /// the file, line and column) or skip (count it and go on; the count is reported)
    #[arg(long = "on-error", value_name = "ACTION", default_value = "fail", value_parser = parse_on_error)]
    pub on_error: kql_io::OnError,

    /// Run tables that have no data as empty tables: built-in ones with their schema, unknown
    /// ones with the columns the query names, and web externaldata without --external with
    /// its declared columns (each with a warning). For trying a query without its data.
    #[arg(long = "empty-tables")]
    pub empty_tables: bool,

    #[command(flatten)]
    pub offline: OfflineArgs,

    /// Stop the query with an error once it has run this long (e.g. 30s, 5m, 1h)
    #[arg(long = "timeout", value_name = "DURATION", value_parser = crate::limits::parse_timeout)]
    pub timeout: Option<std::time::Duration>,

    /// Stop the query with an error once kql's memory passes this size (e.g. 512M, 8G, or
    /// none) [default: 3/4 of the memory available when kql starts]
    #[arg(long = "max-memory", value_name = "SIZE", value_parser = crate::limits::parse_memory)]
    pub max_memory: Option<crate::limits::MaxMemory>,
}

/// How results are written to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A text table per result
    Table,
    /// The Log Analytics query API response: {"tables":[{"name","columns","rows"}]}
    Json,
    /// One JSON object per row
    #[value(alias = "jsonl")]
    Ndjson,
    /// A header row, then one line per row (RFC 4180)
    Csv,
    /// Like csv, with tabs between cells
    Tsv,
    /// A GitHub-flavoured Markdown table
    #[value(alias = "md")]
    Markdown,
}

pub(crate) fn parse_table(spec: &str) -> Result<(String, PathBuf), String> {
    kql_io::parse_table_spec(spec).map_err(|e| e.message)
}

pub(crate) fn parse_external(spec: &str) -> Result<(String, PathBuf), String> {
    kql_io::parse_external_spec(spec).map_err(|e| e.message)
}

pub(crate) fn parse_now(s: &str) -> Result<i64, String> {
    kql_eval::datetime::parse_datetime(s.trim()).ok_or_else(|| {
        format!("`{s}` is not a datetime (expected e.g. 2026-11-25T12:00:00Z or 2026-11-25)")
    })
}

pub(crate) fn parse_on_error(s: &str) -> Result<kql_io::OnError, String> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
