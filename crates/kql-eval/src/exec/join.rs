//! `join` and `lookup`: a hash table over the right side, the left side streamed through it.
//!
//! Rows whose key holds a null match nothing (kql's choice; the docs leave it open).

use std::collections::{HashMap, HashSet};

use crate::batch::Batch;
use crate::error::Error;
use crate::expr::{BExpr, Datum};
use crate::plan::{JoinKind, JoinOutput};
use crate::source::BatchStream;
use crate::types::SchemaRef;
use crate::value::Value;

/// The right side, read whole: its rows and an index from key to row numbers.
struct Build {
    rows: Vec<Vec<Value>>,
    index: HashMap<Vec<Value>, Vec<usize>>,
    matched: Vec<bool>,
}

fn keys_of(keys: &[BExpr], batch: &Batch) -> Result<Vec<Datum>, Error> {
    keys.iter().map(|k| k.eval(batch)).collect()
}

/// A row's key, or `None` when a part of it is null.
fn key_at(data: &[Datum], r: usize) -> Option<Vec<Value>> {
    data.iter()
        .map(|d| {
            let v = d.get(r);
            (!v.is_null()).then(|| normalize_key(v))
        })
        .collect()
}

/// Ints and longs with the same value must meet in the hash table, and so must a dynamic
/// scalar and the plain value it holds.
fn normalize_key(v: &Value) -> Value {
    match v {
        Value::Int(i) => Value::Long(i64::from(*i)),
        Value::Dynamic(d) if !d.is_array() && !d.is_object() => {
            normalize_key(&crate::conversion::from_dynamic(d))
        }
        v => v.clone(),
    }
}

struct JoinStream {
    left: BatchStream,
    build: Build,
    kind: JoinKind,
    left_keys: Vec<BExpr>,
    outputs: Vec<JoinOutput>,
    schema: SchemaRef,
    right_types: Vec<crate::types::Type>,
    left_types: Vec<crate::types::Type>,
    /// `innerunique`: keys already taken from the left.
    seen: HashSet<Vec<Value>>,
    finished_left: bool,
    done: bool,
}

/// Starts a join of `left` with the already-bound `right` stream.
#[allow(clippy::too_many_arguments)]
pub fn join(
    left: BatchStream,
    right: BatchStream,
    kind: JoinKind,
    left_keys: Vec<BExpr>,
    right_keys: &[BExpr],
    outputs: Vec<JoinOutput>,
    schema: SchemaRef,
    left_schema: SchemaRef,
    right_schema: SchemaRef,
) -> Result<BatchStream, Error> {
    let mut build = Build {
        rows: Vec::new(),
        index: HashMap::new(),
        matched: Vec::new(),
    };
    for b in right {
        let b = b?;
        let data = keys_of(right_keys, &b)?;
        for r in 0..b.len {
            let n = build.rows.len();
            build.rows.push(b.row(r));
            if let Some(key) = key_at(&data, r) {
                build.index.entry(key).or_default().push(n);
            }
        }
    }
    build.matched = vec![false; build.rows.len()];
    Ok(Box::new(JoinStream {
        left,
        build,
        kind,
        left_keys,
        outputs,
        schema,
        right_types: right_schema.fields.iter().map(|f| f.ty).collect(),
        left_types: left_schema.fields.iter().map(|f| f.ty).collect(),
        seen: HashSet::new(),
        finished_left: false,
        done: false,
    }))
}

impl JoinStream {
    fn output_row(&self, left: Option<&[Value]>, right: Option<&[Value]>) -> Vec<Value> {
        self.outputs
            .iter()
            .map(|o| match *o {
                JoinOutput::Left(i) => {
                    left.map_or_else(|| Value::missing(self.left_types[i]), |l| l[i].clone())
                }
                JoinOutput::Right(i) => {
                    right.map_or_else(|| Value::missing(self.right_types[i]), |r| r[i].clone())
                }
            })
            .collect()
    }

    fn probe(&mut self, b: &Batch) -> Result<Vec<Vec<Value>>, Error> {
        let data = keys_of(&self.left_keys, b)?;
        let mut out = Vec::new();
        for r in 0..b.len {
            let key = key_at(&data, r);
            if self.kind == JoinKind::InnerUnique {
                match &key {
                    Some(k) if !self.seen.insert(k.clone()) => continue,
                    _ => {}
                }
            }
            let matches: &[usize] = key
                .as_ref()
                .and_then(|k| self.build.index.get(k))
                .map_or(&[], Vec::as_slice);
            let matches = matches.to_vec();
            for &m in &matches {
                self.build.matched[m] = true;
            }
            match self.kind {
                JoinKind::LeftSemi => {
                    if !matches.is_empty() {
                        out.push(b.row(r));
                    }
                }
                JoinKind::LeftAnti => {
                    if matches.is_empty() {
                        out.push(b.row(r));
                    }
                }
                JoinKind::RightSemi | JoinKind::RightAnti => {}
                _ => {
                    let left = b.row(r);
                    for &m in &matches {
                        let row = self.output_row(Some(&left), Some(&self.build.rows[m]));
                        out.push(row);
                    }
                    let keep_unmatched =
                        matches!(self.kind, JoinKind::LeftOuter | JoinKind::FullOuter);
                    if matches.is_empty() && keep_unmatched {
                        out.push(self.output_row(Some(&left), None));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Rows owed by the right side once the left is exhausted.
    fn right_leftovers(&self) -> Vec<Vec<Value>> {
        let rows = self.build.rows.iter().zip(&self.build.matched);
        match self.kind {
            JoinKind::RightOuter | JoinKind::FullOuter => rows
                .filter(|(_, m)| !**m)
                .map(|(row, _)| self.output_row(None, Some(row)))
                .collect(),
            JoinKind::RightSemi => rows
                .filter(|(_, m)| **m)
                .map(|(row, _)| row.clone())
                .collect(),
            JoinKind::RightAnti => rows
                .filter(|(_, m)| !**m)
                .map(|(row, _)| row.clone())
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Iterator for JoinStream {
    type Item = Result<Batch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished_left {
            match self.left.next() {
                Some(Ok(b)) => {
                    let rows = match self.probe(&b) {
                        Ok(rows) => rows,
                        Err(e) => return Some(Err(e)),
                    };
                    if !rows.is_empty() {
                        return Some(Ok(Batch::from_rows(self.schema.clone(), rows)));
                    }
                }
                Some(Err(e)) => return Some(Err(e)),
                None => self.finished_left = true,
            }
        }
        if self.done {
            return None;
        }
        self.done = true;
        let rows = self.right_leftovers();
        (!rows.is_empty()).then(|| Ok(Batch::from_rows(self.schema.clone(), rows)))
    }
}
