//! Where the history of queries is kept across sessions: `$KQL_HISTORY` if set (tests use it),
//! else `$XDG_DATA_HOME/kql/history`, else `~/.local/share/kql/history`.

use std::ffi::OsString;
use std::path::PathBuf;

/// The environment variable that names the history file.
pub const HISTORY_VAR: &str = "KQL_HISTORY";

/// The history file, from the process environment; `None` if no place is known.
pub fn history_path() -> Option<PathBuf> {
    history_path_from(|name| std::env::var_os(name))
}

/// The history file, with `var` reading the environment.
pub fn history_path_from(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(path) = set(HISTORY_VAR) {
        return Some(path);
    }
    // the XDG spec ignores relative paths
    if let Some(dir) = set("XDG_DATA_HOME").filter(|d| d.is_absolute()) {
        return Some(dir.join("kql").join("history"));
    }
    set("HOME").map(|home| home.join(".local/share/kql/history"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(vars: &[(&str, &str)]) -> Option<PathBuf> {
        history_path_from(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn where_history_lives() {
        let home = ("HOME", "/home/ann");
        assert_eq!(
            path(&[home]),
            Some("/home/ann/.local/share/kql/history".into())
        );
        assert_eq!(
            path(&[home, ("XDG_DATA_HOME", "/data")]),
            Some("/data/kql/history".into())
        );
        assert_eq!(
            path(&[home, ("XDG_DATA_HOME", "relative")]),
            Some("/home/ann/.local/share/kql/history".into())
        );
        assert_eq!(
            path(&[home, ("XDG_DATA_HOME", "/data"), ("KQL_HISTORY", "/tmp/h")]),
            Some("/tmp/h".into())
        );
        assert_eq!(path(&[("KQL_HISTORY", "")]), None);
        assert_eq!(path(&[]), None);
    }
}
