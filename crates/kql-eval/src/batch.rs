//! Column-major batches: the unit of data flowing between operators.

use std::sync::Arc;

use crate::types::SchemaRef;
use crate::value::Value;

/// One column of a batch. Shared so that `project`/`extend` pass untouched columns on
/// without copying.
pub type Column = Arc<Vec<Value>>;

/// Rows of a stream, column-major: `columns[c][r]` is row `r` of column `c`.
#[derive(Debug, Clone)]
pub struct Batch {
    pub schema: SchemaRef,
    pub columns: Vec<Column>,
    pub len: usize,
}

/// Batches hold about this many rows, so per-batch overhead stays small and memory bounded.
pub const BATCH_ROWS: usize = 4096;

impl Batch {
    pub fn new(schema: SchemaRef, columns: Vec<Column>, len: usize) -> Batch {
        debug_assert_eq!(schema.len(), columns.len());
        debug_assert!(columns.iter().all(|c| c.len() == len));
        Batch {
            schema,
            columns,
            len,
        }
    }

    pub fn empty(schema: SchemaRef) -> Batch {
        let columns = schema.fields.iter().map(|_| Arc::new(Vec::new())).collect();
        Batch {
            schema,
            columns,
            len: 0,
        }
    }

    /// Builds a batch from rows (each row has one value per schema column).
    pub fn from_rows(schema: SchemaRef, rows: Vec<Vec<Value>>) -> Batch {
        let mut columns: Vec<Vec<Value>> = schema
            .fields
            .iter()
            .map(|_| Vec::with_capacity(rows.len()))
            .collect();
        let len = rows.len();
        for row in rows {
            for (column, value) in columns.iter_mut().zip(row) {
                column.push(value);
            }
        }
        Batch::new(schema, columns.into_iter().map(Arc::new).collect(), len)
    }

    pub fn row(&self, r: usize) -> Vec<Value> {
        self.columns.iter().map(|c| c[r].clone()).collect()
    }

    /// The rows whose `keep` flag is set, in order.
    pub fn filter(&self, keep: &[bool]) -> Batch {
        let len = keep.iter().filter(|k| **k).count();
        if len == self.len {
            return self.clone();
        }
        let columns = self
            .columns
            .iter()
            .map(|c| {
                Arc::new(
                    c.iter()
                        .zip(keep)
                        .filter(|(_, k)| **k)
                        .map(|(v, _)| v.clone())
                        .collect(),
                )
            })
            .collect();
        Batch::new(self.schema.clone(), columns, len)
    }

    /// The first `n` rows.
    pub fn head(&self, n: usize) -> Batch {
        if n >= self.len {
            return self.clone();
        }
        let columns = self
            .columns
            .iter()
            .map(|c| Arc::new(c[..n].to_vec()))
            .collect();
        Batch::new(self.schema.clone(), columns, n)
    }
}

/// A complete result: a schema and all its rows, in batches.
#[derive(Debug, Clone)]
pub struct Table {
    pub schema: SchemaRef,
    pub batches: Vec<Batch>,
    /// The `render` the query asked for (`timechart with (title="x")`), kept for a viewer;
    /// the rows are the same either way.
    pub visualization: Option<String>,
}

impl Table {
    pub fn new(schema: SchemaRef, batches: Vec<Batch>) -> Table {
        Table {
            schema,
            batches,
            visualization: None,
        }
    }

    pub fn row_count(&self) -> usize {
        self.batches.iter().map(|b| b.len).sum()
    }

    pub fn rows(&self) -> impl Iterator<Item = Vec<Value>> + '_ {
        self.batches
            .iter()
            .flat_map(|b| (0..b.len).map(move |r| b.row(r)))
    }
}
