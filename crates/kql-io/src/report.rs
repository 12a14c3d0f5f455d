//! What reading tables noticed and the reader settings that decide what to do about it:
//! warnings (a widened column, dates whose order was guessed) and records skipped under
//! [`OnError::Skip`].
//!
//! Nothing is dropped silently: a malformed record is an error unless the caller asked to skip
//! such records, and then every skipped record is counted here, once, however often its file
//! is read.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use indexmap::{IndexMap, IndexSet};
use kql_eval::Error;

/// What a reader does with a malformed record (bad syntax, a wrong number of cells, a value
/// that is not of its column's type).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnError {
    /// Stop with an error naming the file, the line (or record) and the column.
    #[default]
    Fail,
    /// Skip the record, count it in the [`ReadReport`], go on.
    Skip,
}

impl OnError {
    pub fn name(self) -> &'static str {
        match self {
            OnError::Fail => "fail",
            OnError::Skip => "skip",
        }
    }
}

impl fmt::Display for OnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OnError {
    type Err = String;

    fn from_str(s: &str) -> Result<OnError, String> {
        match s.to_ascii_lowercase().as_str() {
            "fail" => Ok(OnError::Fail),
            "skip" => Ok(OnError::Skip),
            _ => Err(format!("unknown value `{s}` (expected fail or skip)")),
        }
    }
}

/// The records skipped in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file, as given.
    pub file: String,
    /// How many distinct records were skipped.
    pub count: usize,
    /// The error of the first one skipped (`file:line: ...`).
    pub first: String,
}

#[derive(Debug, Default)]
struct Inner {
    warnings: IndexSet<String>,
    /// Per file: the records skipped (by line or record number) and the first error.
    skipped: IndexMap<String, (BTreeSet<u64>, String)>,
}

/// Warnings and skipped records of the tables a run read. Shared (through [`ReadOptions`])
/// by every table of a catalog; safe to use from several threads.
#[derive(Debug, Default)]
pub struct ReadReport {
    inner: Mutex<Inner>,
}

impl ReadReport {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // the maps stay consistent even if a holder panicked
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a warning (the same text twice is kept once).
    pub fn warn(&self, message: impl Into<String>) {
        self.lock().warnings.insert(message.into());
    }

    /// Records that `record` (a line or record number) of `file` was skipped because of
    /// `error`.
    pub fn skip(&self, file: &str, record: u64, error: &str) {
        let mut inner = self.lock();
        let entry = inner
            .skipped
            .entry(file.to_string())
            .or_insert_with(|| (BTreeSet::new(), error.to_string()));
        entry.0.insert(record);
    }

    /// The warnings, in the order first given.
    pub fn warnings(&self) -> Vec<String> {
        self.lock().warnings.iter().cloned().collect()
    }

    /// The files with skipped records, in the order first seen.
    pub fn skipped(&self) -> Vec<Skipped> {
        self.lock()
            .skipped
            .iter()
            .map(|(file, (records, first))| Skipped {
                file: file.clone(),
                count: records.len(),
                first: first.clone(),
            })
            .collect()
    }

    /// The number of records skipped in all files.
    pub fn skipped_total(&self) -> usize {
        self.lock().skipped.values().map(|(r, _)| r.len()).sum()
    }

    /// Forgets everything (a REPL may reuse a catalog for many queries).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.warnings.clear();
        inner.skipped.clear();
    }
}

/// How tables are read: what to do with malformed records, and where to report.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub on_error: OnError,
    pub report: Arc<ReadReport>,
    /// Threads that read a file in parallel (NDJSON): `None` for `KQL_THREADS`, else one per
    /// core. Results do not depend on it.
    pub threads: Option<usize>,
}

impl ReadOptions {
    pub fn new(on_error: OnError) -> ReadOptions {
        ReadOptions {
            on_error,
            report: Arc::default(),
            threads: None,
        }
    }

    /// A malformed record: an error (`Err`) when failing, else counted as skipped (`Ok`).
    /// `message` is the whole error text, already naming the file and the place.
    pub(crate) fn bad_record(&self, file: &str, record: u64, message: String) -> Result<(), Error> {
        match self.on_error {
            OnError::Fail => Err(Error::data(message).with_help(
                "fix the record, or pass --on-error skip to skip malformed records (they are \
                 counted and reported)",
            )),
            OnError::Skip => {
                self.report.skip(file, record, &message);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_records_are_counted_once() {
        let opts = ReadOptions::new(OnError::Skip);
        for _ in 0..2 {
            opts.bad_record("a.csv", 3, "a.csv:3: bad".into()).unwrap();
            opts.bad_record("a.csv", 7, "a.csv:7: bad".into()).unwrap();
        }
        opts.bad_record("b.json", 1, "b.json:1:1: bad".into())
            .unwrap();
        assert_eq!(opts.report.skipped_total(), 3);
        assert_eq!(
            opts.report.skipped()[0],
            Skipped {
                file: "a.csv".into(),
                count: 2,
                first: "a.csv:3: bad".into()
            }
        );
        let fail = ReadOptions::default();
        let e = fail
            .bad_record("a.csv", 3, "a.csv:3: bad".into())
            .unwrap_err();
        assert_eq!(e.message, "a.csv:3: bad");
        assert_eq!(fail.report.skipped_total(), 0);
        assert_eq!("SKIP".parse::<OnError>(), Ok(OnError::Skip));
        assert!("maybe".parse::<OnError>().is_err());
    }

    #[test]
    fn warnings_are_deduplicated() {
        let r = ReadReport::default();
        r.warn("x");
        r.warn("y");
        r.warn("x");
        assert_eq!(r.warnings(), vec!["x", "y"]);
        r.clear();
        assert!(r.warnings().is_empty());
    }
}
