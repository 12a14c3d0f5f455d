//! Default names of computed columns (§A.8): `count_`, `dcount_DeviceName`, `Column1`, ...

use kql_parser::{Expr, ExprKind};

use crate::aggregate;

/// Functions whose result takes the name of their first argument (`bin(Timestamp, 1h)` is
/// `Timestamp`).
const NAMED_AFTER_FIRST_ARGUMENT: [&str; 24] = [
    "bin",
    "floor",
    "bin_at",
    "tostring",
    "tolong",
    "toint",
    "todouble",
    "toreal",
    "tobool",
    "todatetime",
    "totimespan",
    "toguid",
    "todynamic",
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "endofweek",
    "endofmonth",
    "endofyear",
    "format_datetime",
    "take_any",
    "parse_json",
];

/// The name Kusto gives an unnamed column computed by `e`, or `None` when it would be
/// `Column1`, `Column2`, ...
pub fn default_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Member { target, name } => {
            Some(format!("{}_{}", default_name(target)?, name.name))
        }
        ExprKind::Index { target, index } => match &index.kind {
            ExprKind::Literal(kql_parser::Literal::String(key)) => {
                Some(format!("{}_{key}", default_name(target)?))
            }
            _ => None,
        },
        ExprKind::Call { name, args } => {
            let name = name.name.as_str();
            let first = args.first().and_then(default_name);
            if NAMED_AFTER_FIRST_ARGUMENT.contains(&name) {
                return first;
            }
            if name == "strlen" {
                return first.map(|f| format!("strlen_{f}"));
            }
            if matches!(name, "arg_max" | "arg_min" | "argmax" | "argmin") {
                return first;
            }
            let prefix = aggregate::name_prefix(name);
            if prefix.is_empty() {
                return None;
            }
            // `countif(x > 0)` is `countif_`: an argument without a name adds nothing
            Some(format!("{prefix}_{}", first.unwrap_or_default()))
        }
        _ => None,
    }
}

/// Picks names for new columns, avoiding clashes with names already taken.
#[derive(Default)]
pub struct Namer {
    taken: Vec<String>,
}

impl Namer {
    pub fn new(taken: impl IntoIterator<Item = String>) -> Namer {
        Namer {
            taken: taken.into_iter().collect(),
        }
    }

    pub fn take(&mut self, name: &str) {
        self.taken.push(name.to_string());
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.iter().any(|t| t == name)
    }

    /// `Column1`, `Column2`, ...: the first one not taken (the caller takes it).
    pub fn next_column(&self) -> String {
        (1..)
            .map(|n| format!("Column{n}"))
            .find(|n| !self.is_taken(n))
            .unwrap_or_default()
    }

    /// `name`, or `name1`, `name2`, ... if it is taken.
    pub fn unique(&mut self, name: &str) -> String {
        let name = if self.is_taken(name) {
            (1..)
                .map(|n| format!("{name}{n}"))
                .find(|n| !self.is_taken(n))
                .unwrap_or_default()
        } else {
            name.to_string()
        };
        self.take(&name);
        name
    }
}

/// Whether `name` matches a `project-away`-style pattern with `*` wildcards.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (n, part) in parts.iter().enumerate() {
        if n == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if n == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    true
}
