//! Tables held in memory (the REPL's loaded tables, repeated queries): string columns with
//! repeated values are dictionary-encoded as the rows arrive, so each distinct string is
//! stored once, the original per-row strings are freed batch by batch (memory peaks near the
//! table's final size), and expressions over such a column run once per distinct value.

use std::collections::HashMap;
use std::sync::Arc;

use crate::batch::{Batch, Column, ColumnData, column};
use crate::error::Error;
use crate::source::{BatchStream, TableSource};
use crate::types::{Schema, SchemaRef, Type};
use crate::value::Value;

/// A table held in memory, e.g. loaded once and queried many times.
pub struct MemTable {
    schema: SchemaRef,
    batches: Arc<Vec<Batch>>,
}

impl MemTable {
    pub fn new(schema: SchemaRef, batches: Vec<Batch>) -> MemTable {
        let mut builder = MemTableBuilder::new(schema);
        for batch in batches {
            builder.push(batch);
        }
        builder.finish()
    }

    /// Reads every row of `source` into memory.
    pub fn load(source: &dyn TableSource) -> Result<MemTable, Error> {
        let schema = source.schema();
        let all: Vec<usize> = (0..schema.len()).collect();
        let mut builder = MemTableBuilder::new(schema);
        for batch in source.scan(&all)? {
            builder.push(batch?);
        }
        Ok(builder.finish())
    }

    pub fn row_count(&self) -> usize {
        self.batches.iter().map(|b| b.len).sum()
    }
}

impl TableSource for MemTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error> {
        let schema: SchemaRef = Arc::new(Schema::new(
            columns
                .iter()
                .map(|&i| self.schema.fields[i].clone())
                .collect(),
        ));
        let columns = columns.to_vec();
        let batches = self.batches.clone();
        Ok(Box::new((0..batches.len()).map(move |n| {
            let b = &batches[n];
            let picked = columns.iter().map(|&i| b.columns[i].clone()).collect();
            Ok(Batch::new(schema.clone(), picked, b.len))
        })))
    }
}

/// Builds a [`MemTable`] from batches as they arrive.
pub struct MemTableBuilder {
    schema: SchemaRef,
    /// Each batch's length.
    lens: Vec<usize>,
    /// Per column, every batch's part of it.
    columns: Vec<Stored>,
    rows: usize,
}

/// One column of a table being built.
enum Stored {
    /// Each batch's values as they came.
    Plain(Vec<Column>),
    /// A string column's distinct values so far, and each batch's codes into them.
    Encoded {
        index: HashMap<Arc<str>, u32, foldhash::fast::FixedState>,
        dict: Vec<Value>,
        codes: Vec<Vec<u32>>,
    },
}

/// Past this many distinct values, a column with more distinct values than half its rows is
/// left a value per row: a dictionary would save little.
const SMALL_DICTIONARY: usize = 1024;

impl MemTableBuilder {
    pub fn new(schema: SchemaRef) -> MemTableBuilder {
        let columns = schema
            .fields
            .iter()
            .map(|f| match f.ty {
                Type::String => Stored::Encoded {
                    index: HashMap::default(),
                    dict: Vec::new(),
                    codes: Vec::new(),
                },
                _ => Stored::Plain(Vec::new()),
            })
            .collect();
        MemTableBuilder {
            schema,
            lens: Vec::new(),
            columns,
            rows: 0,
        }
    }

    /// Adds the rows of `batch` (whose columns are the table's).
    pub fn push(&mut self, batch: Batch) {
        self.rows += batch.len;
        self.lens.push(batch.len);
        for (stored, values) in self.columns.iter_mut().zip(batch.columns) {
            stored.push(values, self.rows);
        }
    }

    pub fn finish(self) -> MemTable {
        let mut parts: Vec<std::vec::IntoIter<Column>> = self
            .columns
            .into_iter()
            .map(|stored| stored.into_columns().into_iter())
            .collect();
        let batches = self
            .lens
            .iter()
            .map(|&len| {
                // every column holds one part per batch
                let columns = parts.iter_mut().filter_map(Iterator::next).collect();
                Batch::new(self.schema.clone(), columns, len)
            })
            .collect();
        MemTable {
            schema: self.schema,
            batches: Arc::new(batches),
        }
    }
}

impl Stored {
    /// Adds a batch's part of the column (`rows`: the table's rows so far, this part included).
    fn push(&mut self, values: Column, rows: usize) {
        match self {
            Stored::Plain(parts) => parts.push(values),
            Stored::Encoded { index, dict, codes } => match encode(index, dict, &values) {
                Some(part) if dict.len() <= SMALL_DICTIONARY || dict.len() * 2 <= rows => {
                    codes.push(part)
                }
                // too many distinct values, or not all strings: a value per row from now on
                _ => {
                    let mut parts: Vec<Column> = codes.iter().map(|c| decode(dict, c)).collect();
                    parts.push(values);
                    *self = Stored::Plain(parts);
                }
            },
        }
    }

    /// The column's part in each batch.
    fn into_columns(self) -> Vec<Column> {
        match self {
            Stored::Plain(parts) => parts,
            Stored::Encoded { dict, codes, .. } => {
                let dict = Arc::new(dict);
                codes
                    .into_iter()
                    .map(|codes| {
                        Arc::new(ColumnData::Dict {
                            dict: dict.clone(),
                            codes,
                        })
                    })
                    .collect()
            }
        }
    }
}

/// The codes of `values`, adding new strings to the dictionary; `None` if one is not a
/// string.
fn encode(
    index: &mut HashMap<Arc<str>, u32, foldhash::fast::FixedState>,
    dict: &mut Vec<Value>,
    values: &ColumnData,
) -> Option<Vec<u32>> {
    let mut codes = Vec::with_capacity(values.len());
    for v in values.iter() {
        let Value::String(s) = v else { return None };
        let code = match index.get(&**s) {
            Some(code) => *code,
            None => {
                let code = u32::try_from(dict.len()).ok()?;
                index.insert(s.clone(), code);
                dict.push(v.clone());
                code
            }
        };
        codes.push(code);
    }
    Some(codes)
}

fn decode(dict: &[Value], codes: &[u32]) -> Column {
    column(codes.iter().map(|&c| dict[c as usize].clone()).collect())
}
