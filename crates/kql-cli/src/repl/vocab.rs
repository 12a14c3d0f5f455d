//! The words the session knows: tabular operators, keywords, functions with their argument
//! lists. Completion offers them and highlighting colours them.
//!
//! Only what the engine runs is listed (see "What runs today" in the README), so completion
//! never suggests something that then fails as unsupported.

/// Tabular operators accepted after `|` (those the engine runs).
pub use kql_parser::TABULAR_OPERATORS;

/// Operator names written with a hyphen: the lexer reads each as one word.
pub const HYPHENATED: &[&str] = &[
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "project-smart",
    "parse-where",
    "parse-kv",
    "mv-expand",
    "mv-apply",
    "make-series",
    "top-nested",
    "top-hitters",
    "sample-distinct",
    "extend-where",
];

/// Words that may start a statement besides table and `let` names.
pub const STATEMENT_KEYWORDS: &[&str] = &[
    "let",
    "set",
    "print",
    "range",
    "datatable",
    "union",
    "search",
    "externaldata",
];

/// Other keywords, highlighted as such.
pub const KEYWORDS: &[&str] = &[
    "by",
    "with",
    "kind",
    "flags",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "from",
    "to",
    "step",
    "on",
    "of",
    "typeof",
    "true",
    "false",
    "null",
    "regex",
    "simple",
    "relaxed",
    "let",
    "set",
    "print",
    "range",
    "datatable",
];

/// Binary operators written as words, offered after an operand.
pub const WORD_OPERATORS: &[&str] = &[
    "and",
    "or",
    "has",
    "!has",
    "has_cs",
    "!has_cs",
    "hasprefix",
    "!hasprefix",
    "hassuffix",
    "!hassuffix",
    "contains",
    "!contains",
    "contains_cs",
    "!contains_cs",
    "startswith",
    "!startswith",
    "startswith_cs",
    "!startswith_cs",
    "endswith",
    "!endswith",
    "endswith_cs",
    "!endswith_cs",
    "in",
    "in~",
    "!in",
    "!in~",
    "has_any",
    "has_all",
    "matches regex",
    "between",
    "!between",
];

/// Whether `word` (as lexed, e.g. `!contains` or `in~`) is a binary operator word.
pub fn is_word_operator(word: &str) -> bool {
    word == "matches" || WORD_OPERATORS.contains(&word)
}

/// Scalar functions the engine knows, with their argument lists (from its registry, so
/// completion offers exactly what runs).
pub fn functions() -> Vec<(&'static str, &'static str)> {
    let mut list: Vec<_> = kql_eval::function_names()
        .iter()
        .filter_map(|n| kql_eval::function_signature(n).map(|sig| (*n, arguments(sig))))
        .collect();
    list.sort_unstable();
    list
}

/// Aggregation functions (only in `summarize`), with their argument lists.
pub fn aggregates() -> Vec<(&'static str, &'static str)> {
    let mut list: Vec<_> = kql_eval::aggregate::aggregate_names()
        .filter_map(|n| kql_eval::aggregate::aggregate_signature(n).map(|sig| (n, arguments(sig))))
        .collect();
    list.sort_unstable();
    list
}

/// `x, y` of a signature `name(x, y)`.
fn arguments(signature: &'static str) -> &'static str {
    signature
        .split_once('(')
        .map_or("", |(_, rest)| rest.strip_suffix(')').unwrap_or(rest))
}

/// Names whose parenthesised argument is raw literal text (`datetime(2026-11-25 10:00)`).
pub const RAW_LITERALS: &[&str] = &["datetime", "guid", "time", "timespan", "date"];

/// The dot commands, with their arguments and what they do (the `.help` text is built from
/// this table).
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (".help", "", "this help"),
    (
        ".tables",
        "",
        "the tables: name, rows (once loaded), source file",
    ),
    (".schema", "NAME", "the columns of a table and their types"),
    (
        ".load",
        "PATH [as NAME]",
        "read a JSON/NDJSON file into memory as table NAME (default: the file name)",
    ),
    (".drop", "NAME", "forget a table and free its memory"),
    (
        ".lets",
        "",
        "the let and set statements kept for every query (typed on their own)",
    ),
    (
        ".forget",
        "[NAME]",
        "drop the kept statement NAME (all of them without NAME)",
    ),
    (
        ".now",
        "[DATETIME|clear]",
        "show, pin or unpin the instant now() and ago() see",
    ),
    (
        ".format",
        "table|json|ndjson|csv|tsv|markdown",
        "how results are shown (and saved)",
    ),
    (
        ".maxrows",
        "N",
        "show at most N rows of a result (default 100)",
    ),
    (".timing", "on|off", "show how long each query took"),
    (".run", "FILE", "run a .kql file"),
    (
        ".save",
        "FILE",
        "write the last result in the current format",
    ),
    (".quit", "", "leave the session (Ctrl-D too)"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_where_completion_relies_on_it() {
        for list in [functions(), aggregates()] {
            let names: Vec<&str> = list.iter().map(|(n, _)| *n).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            assert_eq!(names, sorted);
        }
        for op in TABULAR_OPERATORS.iter().filter(|o| o.contains('-')) {
            assert!(HYPHENATED.contains(op), "{op}");
        }
    }
}
