//! Result tables on standard output.

use std::io::{self, BufWriter, Write};

use comfy_table::{CellAlignment, ContentArrangement, presets};
use kql_eval::{Table, Value};

use crate::cli::Format;

/// Writes every result of a query, in order, in `format`; `tty` says whether `out` is a
/// terminal (only the `table` format cares).
///
/// * `table`: one text table per result, a blank line between them;
/// * `json`: one Log Analytics document holding all results ([`write_json_tables`]);
/// * `ndjson`: the rows of each result in turn;
/// * `csv`, `tsv`: each result with its header row, a blank line between them;
/// * `markdown`: one Markdown table per result, a blank line between them.
pub fn write_results<W: Write>(
    tables: &[Table],
    format: Format,
    out: W,
    tty: bool,
) -> io::Result<()> {
    let mut out = BufWriter::new(out);
    match format {
        Format::Table => {
            for (i, table) in tables.iter().enumerate() {
                if i > 0 {
                    out.write_all(b"\n")?;
                }
                out.write_all(render_table(table, tty).as_bytes())?;
            }
        }
        Format::Json => write_json_tables(tables, &mut out)?,
        Format::Ndjson => {
            for table in tables {
                kql_io::write_ndjson(table, &mut out)?;
            }
        }
        Format::Csv | Format::Tsv | Format::Markdown => {
            let format = match format {
                Format::Csv => kql_io::OutputFormat::Csv,
                Format::Tsv => kql_io::OutputFormat::Tsv,
                _ => kql_io::OutputFormat::Markdown,
            };
            for (i, table) in tables.iter().enumerate() {
                if i > 0 {
                    out.write_all(b"\n")?;
                }
                kql_io::write_table(table, format, &mut out)?;
            }
        }
    }
    out.flush()
}

/// `table` as a text table, ending with a newline: a header of column names, nulls as empty
/// cells, numbers right-aligned, control characters other than newline escaped (`\t`,
/// `\u{1b}`) so data cannot drive the terminal.
///
/// On a terminal (`tty`) the table is fitted to its width, wrapping cells; otherwise rows are
/// never wrapped, so the output does not depend on where it goes.
pub fn render_table(table: &Table, tty: bool) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    if tty {
        t.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        t.force_no_tty()
            .set_content_arrangement(ContentArrangement::Disabled);
    }
    t.set_header(table.schema.fields.iter().map(|f| escape_controls(&f.name)));
    for row in table.rows() {
        t.add_row(row.iter().map(cell_text));
    }
    for (i, field) in table.schema.fields.iter().enumerate() {
        if field.ty.is_numeric()
            && let Some(column) = t.column_mut(i)
        {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut text = t.to_string();
    text.push('\n');
    text
}

fn cell_text(value: &Value) -> String {
    escape_controls(&value.to_kql_string())
}

fn escape_controls(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Writes all `tables` as one Log Analytics query API response: the first is named
/// `PrimaryResult`, the next `Table_1`, `Table_2`, ... One row per line, as
/// [`kql_io::write_json`] writes a single table (for one table the output is the same).
pub fn write_json_tables<W: Write>(tables: &[Table], out: W) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    w.write_all(br#"{"tables":["#)?;
    for (t, table) in tables.iter().enumerate() {
        if t > 0 {
            w.write_all(b",")?;
        }
        let name = if t == 0 {
            "PrimaryResult".to_string()
        } else {
            format!("Table_{t}")
        };
        write!(w, r#"{{"name":"{name}","columns":["#)?;
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
        w.write_all(b"]}")?;
    }
    w.write_all(b"]}\n")?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use kql_eval::{Batch, Field, Schema, Type};

    use super::*;

    fn table(fields: Vec<Field>, rows: Vec<Vec<Value>>) -> Table {
        let schema = Arc::new(Schema::new(fields));
        let batch = Batch::from_rows(schema.clone(), rows);
        Table {
            schema,
            batches: vec![batch],
        }
    }

    fn sample() -> Table {
        table(
            vec![
                Field::new("Name", Type::String),
                Field::new("Count", Type::Long),
                Field::new("Ratio", Type::Real),
                Field::new("When", Type::DateTime),
            ],
            vec![
                vec![
                    Value::str("net.exe"),
                    Value::Long(12),
                    Value::Real(0.5),
                    Value::DateTime(0),
                ],
                vec![
                    Value::str("evil\x1b[31m\tx"),
                    Value::Long(3),
                    Value::Null,
                    Value::Null,
                ],
            ],
        )
    }

    #[test]
    fn text_table() {
        insta::assert_snapshot!(render_table(&sample(), false), @r"
        ┌───────────────────┬───────┬───────┬──────────────────────┐
        │ Name              ┆ Count ┆ Ratio ┆ When                 │
        ╞═══════════════════╪═══════╪═══════╪══════════════════════╡
        │ net.exe           ┆    12 ┆   0.5 ┆ 1970-01-01T00:00:00Z │
        │ evil\u{1b}[31m\tx ┆     3 ┆       ┆                      │
        └───────────────────┴───────┴───────┴──────────────────────┘
        ");
    }

    #[test]
    fn nulls_are_empty_and_numbers_right_aligned() {
        let t = table(
            vec![
                Field::new("User", Type::String),
                Field::new("Port", Type::Long),
                Field::new("Note", Type::Dynamic),
            ],
            vec![
                vec![Value::str("bob"), Value::Long(22), Value::Null],
                vec![Value::str("alice"), Value::Long(443), Value::Null],
            ],
        );
        insta::assert_snapshot!(render_table(&t, false), @"
        ┌───────┬──────┬──────┐
        │ User  ┆ Port ┆ Note │
        ╞═══════╪══════╪══════╡
        │ bob   ┆   22 ┆      │
        │ alice ┆  443 ┆      │
        └───────┴──────┴──────┘
        ");
    }

    #[test]
    fn json_of_one_table_is_kql_io_s() {
        let t = sample();
        let mut ours = Vec::new();
        write_json_tables(std::slice::from_ref(&t), &mut ours).unwrap();
        let mut theirs = Vec::new();
        kql_io::write_json(&t, &mut theirs).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs).unwrap()
        );
    }

    #[test]
    fn json_of_several_tables_names_them() {
        let one = table(
            vec![Field::new("x", Type::Long)],
            vec![vec![Value::Long(1)]],
        );
        let empty = table(vec![Field::new("s", Type::String)], vec![]);
        let mut out = Vec::new();
        write_json_tables(&[one.clone(), empty, one], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        insta::assert_snapshot!(text, @r#"
        {"tables":[{"name":"PrimaryResult","columns":[{"name":"x","type":"long"}],"rows":[
        [1]
        ]},{"name":"Table_1","columns":[{"name":"s","type":"string"}],"rows":[]},{"name":"Table_2","columns":[{"name":"x","type":"long"}],"rows":[
        [1]
        ]}]}
        "#);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["tables"].as_array().unwrap().len(), 3);
        let mut out = Vec::new();
        write_json_tables(&[], &mut out).unwrap();
        assert_eq!(out, b"{\"tables\":[]}\n");
    }

    #[test]
    fn several_results_in_turn() {
        let a = table(
            vec![Field::new("x", Type::Long)],
            vec![vec![Value::Long(1)]],
        );
        let b = table(
            vec![Field::new("y", Type::String)],
            vec![vec![Value::str("a,b")]],
        );
        let run = |format| {
            let mut out = Vec::new();
            write_results(&[a.clone(), b.clone()], format, &mut out, false).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(run(Format::Csv), "x\n1\n\ny\n\"a,b\"\n");
        assert_eq!(run(Format::Ndjson), "{\"x\":1}\n{\"y\":\"a,b\"}\n");
        insta::assert_snapshot!(run(Format::Table), @r"
        ┌───┐
        │ x │
        ╞═══╡
        │ 1 │
        └───┘

        ┌─────┐
        │ y   │
        ╞═════╡
        │ a,b │
        └─────┘
        ");
    }
}
