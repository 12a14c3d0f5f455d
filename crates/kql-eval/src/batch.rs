//! Column-major batches: the unit of data flowing between operators.

use std::ops::Index;
use std::sync::Arc;

use crate::types::SchemaRef;
use crate::value::Value;

/// One column of a batch. Shared so that `project`/`extend` pass untouched columns on
/// without copying.
pub type Column = Arc<ColumnData>;

/// The values of a column: one per row, or dictionary-encoded (tables held in memory store
/// repeated strings once, and expressions over such a column run once per distinct value).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    Values(Vec<Value>),
    /// Row `r` holds `dict[codes[r]]`. The dictionary is shared by every batch of a table.
    Dict {
        dict: Arc<Vec<Value>>,
        codes: Vec<u32>,
    },
}

impl ColumnData {
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Values(v) => v.len(),
            ColumnData::Dict { codes, .. } => codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> ColumnIter<'_> {
        ColumnIter {
            column: self,
            next: 0,
        }
    }

    /// The values as a plain vector (a copy; cheap clones).
    pub fn to_vec(&self) -> Vec<Value> {
        match self {
            ColumnData::Values(v) => v.clone(),
            ColumnData::Dict { .. } => self.iter().cloned().collect(),
        }
    }

    /// The values, taking them without a copy where the column is not shared.
    pub fn into_values(column: Column) -> Vec<Value> {
        match Arc::try_unwrap(column) {
            Ok(ColumnData::Values(v)) => v,
            Ok(other) => other.to_vec(),
            Err(shared) => shared.to_vec(),
        }
    }

    /// The dictionary and codes of a dictionary-encoded column.
    pub fn as_dict(&self) -> Option<(&Arc<Vec<Value>>, &[u32])> {
        match self {
            ColumnData::Dict { dict, codes } => Some((dict, codes)),
            ColumnData::Values(_) => None,
        }
    }

    /// The rows whose `keep` flag is set, in order.
    pub fn filter(&self, keep: &[bool]) -> ColumnData {
        match self {
            ColumnData::Values(v) => ColumnData::Values(
                v.iter()
                    .zip(keep)
                    .filter(|(_, k)| **k)
                    .map(|(v, _)| v.clone())
                    .collect(),
            ),
            ColumnData::Dict { dict, codes } => ColumnData::Dict {
                dict: dict.clone(),
                codes: codes
                    .iter()
                    .zip(keep)
                    .filter(|(_, k)| **k)
                    .map(|(c, _)| *c)
                    .collect(),
            },
        }
    }

    /// The first `n` rows.
    pub fn head(&self, n: usize) -> ColumnData {
        match self {
            ColumnData::Values(v) => ColumnData::Values(v[..n.min(v.len())].to_vec()),
            ColumnData::Dict { dict, codes } => ColumnData::Dict {
                dict: dict.clone(),
                codes: codes[..n.min(codes.len())].to_vec(),
            },
        }
    }
}

impl Index<usize> for ColumnData {
    type Output = Value;

    fn index(&self, row: usize) -> &Value {
        match self {
            ColumnData::Values(v) => &v[row],
            ColumnData::Dict { dict, codes } => &dict[codes[row] as usize],
        }
    }
}

impl From<Vec<Value>> for ColumnData {
    fn from(values: Vec<Value>) -> ColumnData {
        ColumnData::Values(values)
    }
}

impl FromIterator<Value> for ColumnData {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> ColumnData {
        ColumnData::Values(iter.into_iter().collect())
    }
}

/// A column's values in row order.
pub struct ColumnIter<'a> {
    column: &'a ColumnData,
    next: usize,
}

impl<'a> Iterator for ColumnIter<'a> {
    type Item = &'a Value;

    fn next(&mut self) -> Option<&'a Value> {
        let at = self.next;
        (at < self.column.len()).then(|| {
            self.next += 1;
            &self.column[at]
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.column.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for ColumnIter<'_> {}

impl<'a> IntoIterator for &'a ColumnData {
    type Item = &'a Value;
    type IntoIter = ColumnIter<'a>;

    fn into_iter(self) -> ColumnIter<'a> {
        self.iter()
    }
}

/// A column of plain values.
pub fn column(values: Vec<Value>) -> Column {
    Arc::new(ColumnData::Values(values))
}

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
        let columns = schema.fields.iter().map(|_| column(Vec::new())).collect();
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
        Batch::new(schema, columns.into_iter().map(column).collect(), len)
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
            .map(|c| Arc::new(c.filter(keep)))
            .collect();
        Batch::new(self.schema.clone(), columns, len)
    }

    /// The first `n` rows.
    pub fn head(&self, n: usize) -> Batch {
        if n >= self.len {
            return self.clone();
        }
        let columns = self.columns.iter().map(|c| Arc::new(c.head(n))).collect();
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
