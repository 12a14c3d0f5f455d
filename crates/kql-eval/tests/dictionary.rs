//! Tables in memory store repeated strings once (dictionary-encoded columns), and expressions
//! and `summarize` keys over such a column run once per distinct value. These tests check that
//! every query gives the same answer over the encoded table as over the same rows stored a value
//! per cell, whatever the batch sizes, and that a value no row of a batch holds cannot fail it.

use std::sync::Arc;

use kql_eval::{
    Batch, BatchStream, Catalog, Error, Field, MemTable, RunOptions, Schema, SchemaRef,
    TableSource, Type, Value,
};
use proptest::prelude::*;

/// The same rows, a value per cell: what a file source yields.
struct PlainTable {
    schema: SchemaRef,
    batches: Vec<Batch>,
}

impl TableSource for PlainTable {
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
        let batches: Vec<Result<Batch, Error>> = self
            .batches
            .iter()
            .map(|b| {
                let picked = columns.iter().map(|&i| b.columns[i].clone()).collect();
                Ok(Batch::new(schema.clone(), picked, b.len))
            })
            .collect();
        Ok(Box::new(batches.into_iter()))
    }
}

struct OneTable(Arc<dyn TableSource>);

impl Catalog for OneTable {
    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error> {
        Ok((name == "T").then(|| self.0.clone()))
    }

    fn table_names(&self) -> Vec<String> {
        vec!["T".to_string()]
    }
}

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("FileName", Type::String),
        Field::new("DeviceId", Type::String),
        Field::new("N", Type::Long),
    ]))
}

/// The rows cut into batches of the `cuts` sizes (cycled).
fn batches(rows: &[Vec<Value>], cuts: &[usize]) -> Vec<Batch> {
    let mut out = Vec::new();
    let mut rest = rows;
    let mut sizes = cuts.iter().cycle();
    while !rest.is_empty() {
        let n = sizes.next().copied().unwrap_or(1).clamp(1, rest.len());
        out.push(Batch::from_rows(schema(), rest[..n].to_vec()));
        rest = &rest[n..];
    }
    out
}

fn run(source: Arc<dyn TableSource>, query: &str) -> Result<Vec<Vec<Value>>, String> {
    let catalog = OneTable(source);
    let options = RunOptions {
        now: Some(0),
        ..RunOptions::default()
    };
    kql_eval::run(query, &catalog, &options)
        .map(|tables| tables[0].rows().collect())
        .map_err(|e| e.message)
}

fn both(rows: &[Vec<Value>], cuts: &[usize], query: &str) -> [Result<Vec<Vec<Value>>, String>; 2] {
    let encoded = MemTable::new(schema(), batches(rows, cuts));
    let plain = PlainTable {
        schema: schema(),
        batches: batches(rows, cuts),
    };
    [run(Arc::new(encoded), query), run(Arc::new(plain), query)]
}

const QUERIES: [&str; 9] = [
    "T | where FileName in~ ('net.exe', 'NET1.EXE')",
    "T | where FileName has 'net' and N > 2",
    "T | extend Lower = tolower(FileName), Length = strlen(FileName) + N",
    "T | summarize count(), dcount(DeviceId) by FileName",
    "T | summarize Total = sum(N) by tolower(FileName), DeviceId",
    "T | summarize make_set(DeviceId) by FileName | order by FileName asc",
    "T | where isnotempty(FileName) | project FileName, N | take 7",
    "T | extend Kind = case(FileName startswith 'net', 'net', FileName == '', 'none', 'other')",
    "T | summarize arg_max(N, DeviceId) by FileName",
];

fn file_name() -> impl Strategy<Value = Value> {
    prop::sample::select(vec!["net.exe", "NET1.exe", "cmd.exe", "", "powershell.exe"])
        .prop_map(Value::str)
}

fn device() -> impl Strategy<Value = Value> {
    (0..6u8).prop_map(|d| Value::str(&format!("device-{d}")))
}

fn row() -> impl Strategy<Value = Vec<Value>> {
    (
        file_name(),
        device(),
        prop_oneof![Just(Value::Null), (0..5i64).prop_map(Value::Long)],
    )
        .prop_map(|(f, d, n)| vec![f, d, n])
}

proptest! {
    #[test]
    fn encoded_tables_answer_like_plain_ones(
        rows in prop::collection::vec(row(), 0..300),
        cuts in prop::collection::vec(1..80usize, 1..4),
    ) {
        for query in QUERIES {
            let [encoded, plain] = both(&rows, &cuts, query);
            prop_assert_eq!(encoded, plain, "{}", query);
        }
    }
}

#[test]
fn repeated_strings_are_stored_once() {
    let rows: Vec<Vec<Value>> = (0..100)
        .map(|i| {
            vec![
                Value::str(if i % 2 == 0 { "net.exe" } else { "cmd.exe" }),
                Value::str(&format!("unique-{i}")),
                Value::Long(i),
            ]
        })
        .collect();
    let table = MemTable::new(schema(), batches(&rows, &[50]));
    let scanned: Vec<Batch> = table
        .scan(&[0, 1])
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let (dict, _) = scanned[0].columns[0]
        .as_dict()
        .expect("FileName is encoded");
    assert_eq!(dict.len(), 2);
    assert!(
        Arc::ptr_eq(dict, scanned[1].columns[0].as_dict().unwrap().0),
        "the batches share one dictionary"
    );
    // all distinct: a dictionary would save nothing, but it is small enough to keep
    assert!(scanned[0].columns[1].as_dict().is_some());
}

#[test]
fn a_value_no_row_of_the_batch_holds_cannot_fail_it() {
    // a string past 256 MiB fails: the 300-character name repeated a million times would, "a"
    // would not
    let long = "x".repeat(300);
    let mut rows: Vec<Vec<Value>> = (0..8)
        .map(|i| vec![Value::str("a"), Value::str("d"), Value::Long(i)])
        .collect();
    rows.push(vec![Value::str(&long), Value::str("d"), Value::Long(9)]);
    let query = "T | where N < 8 | summarize sum(strlen(strrep(strrep(FileName, 1024), 1024)))";
    let [encoded, plain] = both(&rows, &[8], query);
    assert_eq!(encoded, Ok(vec![vec![Value::Long(8 << 20)]]));
    assert_eq!(encoded, plain);
    // and a row that does hold it fails the query the same way over both
    let query = "T | summarize sum(strlen(strrep(strrep(FileName, 1024), 1024)))";
    let [encoded, plain] = both(&rows, &[8], query);
    assert!(
        encoded.as_ref().is_err_and(|e| e.contains("256 MiB")),
        "{encoded:?}"
    );
    assert_eq!(encoded, plain);
}

#[test]
fn random_values_stay_one_per_row() {
    let rows: Vec<Vec<Value>> = (0..100)
        .map(|i| vec![Value::str("net.exe"), Value::str("d"), Value::Long(i)])
        .collect();
    let query = "T | extend R = strcat(FileName, tostring(rand())) | summarize dcount(R)";
    let [encoded, _] = both(&rows, &[100], query);
    assert_eq!(encoded, Ok(vec![vec![Value::Long(100)]]));
}
