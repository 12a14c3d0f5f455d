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
    /// Each batch's length and columns; `None` where the column's codes are in `encoding`.
    batches: Vec<(usize, Vec<Option<Column>>)>,
    /// Per column: the dictionary being built, while it pays.
    encoding: Vec<Option<Encoding>>,
    rows: usize,
}

/// A string column's distinct values so far, and each batch's codes into them.
struct Encoding {
    index: HashMap<Arc<str>, u32, foldhash::fast::FixedState>,
    dict: Vec<Value>,
    codes: Vec<Vec<u32>>,
}

/// The codes of a column in each batch, in order.
type CodesOfBatches = std::vec::IntoIter<Vec<u32>>;

/// Past this many distinct values, a column with more distinct values than half its rows is
/// left a value per row: a dictionary would save little.
const SMALL_DICTIONARY: usize = 1024;

impl MemTableBuilder {
    pub fn new(schema: SchemaRef) -> MemTableBuilder {
        let encoding = schema
            .fields
            .iter()
            .map(|f| {
                (f.ty == Type::String).then(|| Encoding {
                    index: HashMap::default(),
                    dict: Vec::new(),
                    codes: Vec::new(),
                })
            })
            .collect();
        MemTableBuilder {
            schema,
            batches: Vec::new(),
            encoding,
            rows: 0,
        }
    }

    /// Adds the rows of `batch` (whose columns are the table's).
    pub fn push(&mut self, batch: Batch) {
        self.rows += batch.len;
        let mut failed = Vec::new();
        let mut columns = Vec::with_capacity(batch.columns.len());
        for (c, values) in batch.columns.into_iter().enumerate() {
            let codes = self.encoding[c].as_mut().map(|e| (e.add(&values), e));
            match codes {
                Some((Some(codes), encoding)) => {
                    encoding.codes.push(codes);
                    columns.push(None);
                }
                Some((None, _)) => {
                    failed.push(c);
                    columns.push(Some(values));
                }
                None => columns.push(Some(values)),
            }
        }
        self.batches.push((batch.len, columns));
        for c in 0..self.encoding.len() {
            let too_big = self.encoding[c]
                .as_ref()
                .is_some_and(|e| e.dict.len() > SMALL_DICTIONARY && e.dict.len() * 2 > self.rows);
            if too_big || failed.contains(&c) {
                self.give_up(c);
            }
        }
    }

    /// Stops encoding column `c`: the batches so far get their values back.
    fn give_up(&mut self, c: usize) {
        let Some(encoding) = self.encoding[c].take() else {
            return;
        };
        let mut codes = encoding.codes.into_iter();
        for (_, columns) in &mut self.batches {
            if columns[c].is_none() {
                let codes = codes.next().unwrap_or_default();
                columns[c] = Some(decode(&encoding.dict, &codes));
            }
        }
    }

    pub fn finish(self) -> MemTable {
        // each encoded column: its dictionary, shared by every batch, and each batch's codes
        let mut encoded: Vec<Option<(Arc<Vec<Value>>, CodesOfBatches)>> = self
            .encoding
            .into_iter()
            .map(|e| e.map(|e| (Arc::new(e.dict), e.codes.into_iter())))
            .collect();
        let batches = self
            .batches
            .into_iter()
            .map(|(len, columns)| {
                let columns = columns
                    .into_iter()
                    .zip(&mut encoded)
                    .map(|(slot, encoded)| match (slot, encoded) {
                        (Some(values), _) => values,
                        (None, Some((dict, codes))) => Arc::new(ColumnData::Dict {
                            dict: dict.clone(),
                            codes: codes.next().unwrap_or_default(),
                        }),
                        (None, None) => {
                            unreachable!("a slot is empty only while its column is encoded")
                        }
                    })
                    .collect();
                Batch::new(self.schema.clone(), columns, len)
            })
            .collect();
        MemTable {
            schema: self.schema,
            batches: Arc::new(batches),
        }
    }
}

impl Encoding {
    /// The codes of `values`, adding new strings to the dictionary; `None` for values that
    /// are not strings (the column is then left as it is).
    fn add(&mut self, values: &ColumnData) -> Option<Vec<u32>> {
        let mut codes = Vec::with_capacity(values.len());
        for v in values.iter() {
            let Value::String(s) = v else { return None };
            let code = match self.index.get(&**s) {
                Some(code) => *code,
                None => {
                    let code = u32::try_from(self.dict.len()).ok()?;
                    self.index.insert(s.clone(), code);
                    self.dict.push(v.clone());
                    code
                }
            };
            codes.push(code);
        }
        Some(codes)
    }
}

fn decode(dict: &[Value], codes: &[u32]) -> Column {
    column(codes.iter().map(|&c| dict[c as usize].clone()).collect())
}
