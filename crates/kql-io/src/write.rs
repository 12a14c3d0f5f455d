//! Output writers: a result [`Table`] as Log Analytics JSON, NDJSON, CSV, TSV or Markdown.

use std::fmt;
use std::io::{self, BufWriter, Write};
use std::str::FromStr;

use kql_eval::Table;
#[cfg(doc)]
use kql_eval::Value;

/// The output formats a result can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// The Log Analytics query API response shape ([`write_json`]).
    Json,
    /// One JSON object per row ([`write_ndjson`]).
    Ndjson,
    /// RFC 4180 CSV with a header row ([`write_csv`]).
    Csv,
    /// Tab-separated values with a header row ([`write_tsv`]).
    Tsv,
    /// A GitHub-flavoured Markdown table ([`write_markdown`]).
    Markdown,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 5] = [
        OutputFormat::Json,
        OutputFormat::Ndjson,
        OutputFormat::Csv,
        OutputFormat::Tsv,
        OutputFormat::Markdown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Json => "json",
            OutputFormat::Ndjson => "ndjson",
            OutputFormat::Csv => "csv",
            OutputFormat::Tsv => "tsv",
            OutputFormat::Markdown => "markdown",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OutputFormat {
    type Err = String;

    /// `json`, `ndjson` (or `jsonl`), `csv`, `tsv`, `markdown` (or `md`), case-insensitive.
    fn from_str(s: &str) -> Result<OutputFormat, String> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(OutputFormat::Json),
            "ndjson" | "jsonl" => Ok(OutputFormat::Ndjson),
            "csv" => Ok(OutputFormat::Csv),
            "tsv" => Ok(OutputFormat::Tsv),
            "markdown" | "md" => Ok(OutputFormat::Markdown),
            _ => Err(format!(
                "unknown output format `{s}` (expected json, ndjson, csv, tsv or markdown)"
            )),
        }
    }
}

/// Writes `table` in `format`.
pub fn write_table<W: Write>(table: &Table, format: OutputFormat, out: W) -> io::Result<()> {
    match format {
        OutputFormat::Json => write_json(table, out),
        OutputFormat::Ndjson => write_ndjson(table, out),
        OutputFormat::Csv => write_csv(table, out),
        OutputFormat::Tsv => write_tsv(table, out),
        OutputFormat::Markdown => write_markdown(table, out),
    }
}

/// Writes the Log Analytics query API shape, one row per line:
///
/// ```text
/// {"tables":[{"name":"PrimaryResult","columns":[{"name":"X","type":"long"}],"rows":[
/// [1],
/// [2]
/// ]}]}
/// ```
///
/// Column types are Kusto type names; cells are [`Value::to_json`] (datetimes and timespans as
/// strings, dynamic values embedded, null as `null`).
pub fn write_json<W: Write>(table: &Table, out: W) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    w.write_all(br#"{"tables":[{"name":"PrimaryResult","columns":["#)?;
    for (i, field) in table.schema.fields.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(br#"{"name":"#)?;
        serde_json::to_writer(&mut w, &field.name)?;
        write!(w, r#","type":"{}"}}"#, field.ty.name())?;
    }
    w.write_all(br#"],"rows":["#)?;
    let mut first = true;
    for batch in &table.batches {
        for r in 0..batch.len {
            w.write_all(if first { b"\n[" } else { b",\n[" })?;
            first = false;
            for (c, column) in batch.columns.iter().enumerate() {
                if c > 0 {
                    w.write_all(b",")?;
                }
                serde_json::to_writer(&mut w, &column[r].to_json())?;
            }
            w.write_all(b"]")?;
        }
    }
    if !first {
        w.write_all(b"\n")?;
    }
    w.write_all(b"]}]}\n")?;
    w.flush()
}

/// Writes one JSON object per row, keys in column order.
pub fn write_ndjson<W: Write>(table: &Table, out: W) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    let keys: Vec<String> = table
        .schema
        .fields
        .iter()
        .map(|f| serde_json::to_string(&f.name))
        .collect::<Result<_, _>>()?;
    for batch in &table.batches {
        for r in 0..batch.len {
            w.write_all(b"{")?;
            for (c, (column, key)) in batch.columns.iter().zip(&keys).enumerate() {
                if c > 0 {
                    w.write_all(b",")?;
                }
                w.write_all(key.as_bytes())?;
                w.write_all(b":")?;
                serde_json::to_writer(&mut w, &column[r].to_json())?;
            }
            w.write_all(b"}\n")?;
        }
    }
    w.flush()
}

/// Writes a header row and one line per row (`\n`-terminated), RFC 4180 quoting: a cell with
/// `,`, `"`, CR or LF is quoted and its quotes doubled. Cells are [`Value::to_kql_string`]
/// (null is empty; dynamic values are JSON text).
pub fn write_csv<W: Write>(table: &Table, out: W) -> io::Result<()> {
    write_delimited(table, b',', out)
}

/// Like [`write_csv`] with tabs between cells: a cell with a tab, `"`, CR or LF is quoted and
/// its quotes doubled (so kql's CSV/TSV reader, and spreadsheets, read it back whole).
pub fn write_tsv<W: Write>(table: &Table, out: W) -> io::Result<()> {
    write_delimited(table, b'\t', out)
}

fn write_delimited<W: Write>(table: &Table, delimiter: u8, out: W) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    for (i, field) in table.schema.fields.iter().enumerate() {
        if i > 0 {
            w.write_all(&[delimiter])?;
        }
        write_csv_cell(&mut w, &field.name, delimiter)?;
    }
    w.write_all(b"\n")?;
    for batch in &table.batches {
        for r in 0..batch.len {
            for (c, column) in batch.columns.iter().enumerate() {
                if c > 0 {
                    w.write_all(&[delimiter])?;
                }
                write_csv_cell(&mut w, &column[r].to_kql_string(), delimiter)?;
            }
            w.write_all(b"\n")?;
        }
    }
    w.flush()
}

/// Writes a GitHub-flavoured Markdown table: a header row, an alignment row (numbers
/// right-aligned), one row per line. `|` in a cell is escaped as `\|`, line breaks become
/// `<br>`; null is an empty cell.
pub fn write_markdown<W: Write>(table: &Table, out: W) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    let fields = &table.schema.fields;
    if fields.is_empty() {
        return w.flush();
    }
    w.write_all(b"|")?;
    for field in fields {
        write!(w, " {} |", markdown_cell(&field.name))?;
    }
    w.write_all(b"\n|")?;
    for field in fields {
        w.write_all(if field.ty.is_numeric() {
            b" ---: |"
        } else {
            b" --- |"
        })?;
    }
    w.write_all(b"\n")?;
    for batch in &table.batches {
        for r in 0..batch.len {
            w.write_all(b"|")?;
            for column in &batch.columns {
                let text = markdown_cell(&column[r].to_kql_string());
                if text.is_empty() {
                    w.write_all(b"  |")?;
                } else {
                    write!(w, " {text} |")?;
                }
            }
            w.write_all(b"\n")?;
        }
    }
    w.flush()
}

fn markdown_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

fn write_csv_cell<W: Write>(w: &mut W, text: &str, delimiter: u8) -> io::Result<()> {
    if text.contains([delimiter as char, '"', '\r', '\n']) {
        w.write_all(b"\"")?;
        w.write_all(text.replace('"', "\"\"").as_bytes())?;
        w.write_all(b"\"")
    } else {
        w.write_all(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use kql_eval::datetime::{parse_datetime, parse_timespan};
    use kql_eval::{Batch, Field, Schema, Type, Value};

    use super::*;

    fn sample() -> Table {
        let schema = Arc::new(Schema::new(vec![
            Field::new("When", Type::DateTime),
            Field::new("Took", Type::TimeSpan),
            Field::new("Bag", Type::Dynamic),
            Field::new("Count", Type::Long),
            Field::new("Text", Type::String),
            Field::new("Score", Type::Real),
            Field::new("Ok", Type::Bool),
        ]));
        let bag: serde_json::Value = serde_json::from_str(r#"{"b":[1,"x"],"a":null}"#).unwrap();
        let rows = [
            vec![
                Value::DateTime(parse_datetime("2026-11-25T10:03:12.1234567Z").unwrap()),
                Value::TimeSpan(parse_timespan("1.02:03:04.5").unwrap()),
                Value::Dynamic(Arc::new(bag)),
                Value::Null,
                Value::str(r#"a, "quoted" word"#),
                Value::Real(1.5),
                Value::Bool(true),
            ],
            vec![
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Long(-3),
                Value::str("line\nbreak"),
                Value::Null,
                Value::Null,
            ],
        ];
        let first = Batch::from_rows(schema.clone(), rows[..1].to_vec());
        let second = Batch::from_rows(schema.clone(), rows[1..].to_vec());
        Table::new(schema.clone(), vec![first, Batch::empty(schema), second])
    }

    fn render(f: impl Fn(&Table, &mut Vec<u8>) -> io::Result<()>, table: &Table) -> String {
        let mut out = Vec::new();
        f(table, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_has_the_log_analytics_shape() {
        let text = render(|t, o| write_json(t, o), &sample());
        assert_eq!(
            text,
            concat!(
                r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"When","type":"datetime"},"#,
                r#"{"name":"Took","type":"timespan"},{"name":"Bag","type":"dynamic"},"#,
                r#"{"name":"Count","type":"long"},{"name":"Text","type":"string"},"#,
                r#"{"name":"Score","type":"real"},{"name":"Ok","type":"bool"}],"rows":["#,
                "\n",
                r#"["2026-11-25T10:03:12.1234567Z","1.02:03:04.5000000",{"b":[1,"x"],"a":null},null,"a, \"quoted\" word",1.5,true],"#,
                "\n",
                r#"[null,null,null,-3,"line\nbreak",null,null]"#,
                "\n]}]}\n"
            )
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["tables"][0]["rows"][1][3], serde_json::json!(-3));
    }

    #[test]
    fn json_of_an_empty_table() {
        let schema = Arc::new(Schema::new(vec![Field::new("x", Type::Long)]));
        let table = Table {
            schema,
            batches: vec![],
            visualization: None,
        };
        let text = render(|t, o| write_json(t, o), &table);
        assert_eq!(
            text,
            "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[{\"name\":\"x\",\"type\":\"long\"}],\"rows\":[]}]}\n"
        );
    }

    #[test]
    fn ndjson_has_one_object_per_row_in_column_order() {
        let text = render(|t, o| write_ndjson(t, o), &sample());
        assert_eq!(
            text,
            concat!(
                r#"{"When":"2026-11-25T10:03:12.1234567Z","Took":"1.02:03:04.5000000","Bag":{"b":[1,"x"],"a":null},"Count":null,"Text":"a, \"quoted\" word","Score":1.5,"Ok":true}"#,
                "\n",
                r#"{"When":null,"Took":null,"Bag":null,"Count":-3,"Text":"line\nbreak","Score":null,"Ok":null}"#,
                "\n"
            )
        );
    }

    #[test]
    fn csv_quotes_per_rfc_4180() {
        let text = render(|t, o| write_csv(t, o), &sample());
        assert_eq!(
            text,
            concat!(
                "When,Took,Bag,Count,Text,Score,Ok\n",
                "2026-11-25T10:03:12.1234567Z,1.02:03:04.5000000,\"{\"\"b\"\":[1,\"\"x\"\"],\"\"a\"\":null}\",,",
                "\"a, \"\"quoted\"\" word\",1.5,true\n",
                ",,,-3,\"line\nbreak\",,\n"
            )
        );
    }

    #[test]
    fn format_names_round_trip() {
        for f in OutputFormat::ALL {
            assert_eq!(f.name().parse::<OutputFormat>(), Ok(f));
        }
        assert_eq!("JSONL".parse::<OutputFormat>(), Ok(OutputFormat::Ndjson));
        assert!("xml".parse::<OutputFormat>().is_err());
        let text = render(|t, o| write_table(t, OutputFormat::Csv, o), &sample());
        assert!(text.starts_with("When,"));
        assert_eq!("md".parse::<OutputFormat>(), Ok(OutputFormat::Markdown));
    }

    #[test]
    fn tsv_separates_with_tabs_and_quotes_like_csv() {
        let text = render(|t, o| write_tsv(t, o), &sample());
        assert_eq!(
            text,
            concat!(
                "When\tTook\tBag\tCount\tText\tScore\tOk\n",
                "2026-11-25T10:03:12.1234567Z\t1.02:03:04.5000000\t\"{\"\"b\"\":[1,\"\"x\"\"],\"\"a\"\":null}\"\t\t",
                "\"a, \"\"quoted\"\" word\"\t1.5\ttrue\n",
                "\t\t\t-3\t\"line\nbreak\"\t\t\n"
            )
        );
    }

    #[test]
    fn markdown_table() {
        let text = render(|t, o| write_markdown(t, o), &sample());
        assert_eq!(
            text,
            concat!(
                "| When | Took | Bag | Count | Text | Score | Ok |\n",
                "| --- | --- | --- | ---: | --- | ---: | --- |\n",
                "| 2026-11-25T10:03:12.1234567Z | 1.02:03:04.5000000 | {\"b\":[1,\"x\"],\"a\":null} |  | a, \"quoted\" word | 1.5 | true |\n",
                "|  |  |  | -3 | line<br>break |  |  |\n",
            )
        );
        let schema = Arc::new(Schema::new(vec![Field::new("p", Type::String)]));
        let t = Table::new(
            schema.clone(),
            vec![Batch::from_rows(schema, vec![vec![Value::str("a|b\\c")]])],
        );
        assert_eq!(
            render(|t, o| write_markdown(t, o), &t),
            "| p |\n| --- |\n| a\\|b\\\\c |\n"
        );
    }
}
