//! Result tables on standard output.

use std::io::{self, BufWriter, Write};

use comfy_table::{CellAlignment, ContentArrangement, presets};
use kql_eval::{Schema, Table, Value};

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

/// How the interactive session shows a result table ([`render_table_view`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// The terminal's width, in columns.
    pub width: usize,
    /// At most this many rows are shown.
    pub max_rows: usize,
    /// Style with ANSI codes: bold headers, a grey `null`.
    pub color: bool,
}

/// What a null cell shows in a [`View`], so it differs from an empty string.
pub const NULL_MARK: &str = "null";

/// Columns are not narrowed below this width (or their own, if narrower) to fit.
const MIN_COLUMN_WIDTH: usize = 8;

/// The first `view.max_rows` rows of `table` as a text table that fits `view.width`, ending
/// with a newline: long cells are cut with `…`, each cell stays on one line (a line break
/// shows as `↵`), numbers are right-aligned and nulls show as `null` while empty strings stay
/// empty. Columns that do not fit even at a narrow width are left out: a last `…` column and
/// a line under the table name them.
pub fn render_table_view(table: &Table, view: &View) -> String {
    render_rows_view(&table.schema, table.rows(), view)
}

/// [`render_table_view`] of rows given one by one, with the columns of `schema`.
pub fn render_rows_view(
    schema: &Schema,
    rows: impl Iterator<Item = Vec<Value>>,
    view: &View,
) -> String {
    use unicode_width::UnicodeWidthStr;

    let fields = &schema.fields;
    if fields.is_empty() {
        return "(no columns)\n".to_string();
    }
    let headers: Vec<String> = fields.iter().map(|f| one_line(&f.name)).collect();
    let rows: Vec<Vec<Option<String>>> = rows
        .take(view.max_rows)
        .map(|row| {
            row.iter()
                .map(|v| (!v.is_null()).then(|| one_line(&v.to_kql_string())))
                .collect()
        })
        .collect();
    let natural: Vec<usize> = (0..fields.len())
        .map(|c| {
            let cells = rows.iter().map(|r| {
                r[c].as_deref()
                    .map_or(NULL_MARK.len(), UnicodeWidthStr::width)
            });
            cells.chain([headers[c].width()]).max().unwrap_or(1).max(1)
        })
        .collect();
    let widths = fit_widths(&natural, view.width);
    let shown = widths.len();
    let hidden = fields.len() - shown;

    let mut t = comfy_table::Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    if view.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    let mut header: Vec<comfy_table::Cell> = headers[..shown]
        .iter()
        .zip(&widths)
        .map(|(h, w)| styled(comfy_table::Cell::new(cut(h, *w)), view.color, true))
        .collect();
    if hidden > 0 {
        header.push(comfy_table::Cell::new("…"));
    }
    t.set_header(header);
    for row in &rows {
        let mut cells: Vec<comfy_table::Cell> = row[..shown]
            .iter()
            .zip(&widths)
            .map(|(cell, w)| match cell {
                Some(text) => comfy_table::Cell::new(cut(text, *w)),
                None => {
                    let mark = comfy_table::Cell::new(NULL_MARK);
                    if view.color {
                        mark.fg(comfy_table::Color::DarkGrey)
                    } else {
                        mark
                    }
                }
            })
            .collect();
        if hidden > 0 {
            cells.push(comfy_table::Cell::new("…"));
        }
        t.add_row(cells);
    }
    for (i, field) in fields[..shown].iter().enumerate() {
        if field.ty.is_numeric()
            && let Some(column) = t.column_mut(i)
        {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut text = t.to_string();
    text.push('\n');
    if hidden > 0 {
        let names: Vec<&str> = headers[shown..].iter().map(String::as_str).collect();
        let line = format!(
            "{hidden} more column{}: {}",
            if hidden == 1 { "" } else { "s" },
            names.join(", ")
        );
        text.push_str(&cut(&line, view.width.max(20)));
        text.push('\n');
    }
    text
}

fn styled(cell: comfy_table::Cell, color: bool, header: bool) -> comfy_table::Cell {
    if color && header {
        cell.add_attribute(comfy_table::Attribute::Bold)
    } else {
        cell
    }
}

/// A cell's text on one line: control characters escaped, line breaks as `↵`.
fn one_line(s: &str) -> String {
    let escaped = escape_controls(s);
    if escaped.contains('\n') {
        escaped.replace("\r\n", "↵").replace('\n', "↵")
    } else {
        escaped
    }
}

/// `s` cut to `width` display columns, ending with `…` when cut.
fn cut(s: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The widths of the columns that fit in `width` terminal columns, from the left: natural
/// widths if they all fit; else the widest are narrowed (not below [`MIN_COLUMN_WIDTH`]) and,
/// if that is not enough, the last columns are left out (leaving room for a `…` column).
fn fit_widths(natural: &[usize], width: usize) -> Vec<usize> {
    // `│ a ┆ b │`: one space either side of each cell, one rule between and around
    let total = |ws: &[usize]| 1 + ws.iter().map(|w| w + 3).sum::<usize>();
    if total(natural) <= width {
        return natural.to_vec();
    }
    let n = natural.len();
    let mins: Vec<usize> = natural.iter().map(|&w| w.min(MIN_COLUMN_WIDTH)).collect();
    let ellipsis = |k: usize| if k < n { 4 } else { 0 };
    let mut k = n;
    while k > 1 && total(&mins[..k]) + ellipsis(k) > width {
        k -= 1;
    }
    let budget = width.saturating_sub(1 + 3 * k + ellipsis(k));
    let at_cap = |cap: usize| -> usize { (0..k).map(|i| natural[i].min(mins[i].max(cap))).sum() };
    // the widest cap that fits, by bisection (at_cap grows with cap)
    let (mut lo, mut hi) = (0, natural[..k].iter().copied().max().unwrap_or(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if at_cap(mid) <= budget {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut widths: Vec<usize> = (0..k).map(|i| natural[i].min(mins[i].max(lo))).collect();
    if widths.iter().sum::<usize>() > budget {
        // a terminal too narrow even for the minimum: share what there is
        let each = (budget / k).max(1);
        widths.iter_mut().for_each(|w| *w = (*w).min(each));
    }
    // hand out what is left, one column each, to those still narrowed
    let mut left = budget.saturating_sub(widths.iter().sum());
    for (w, &nat) in widths.iter_mut().zip(natural) {
        if left == 0 {
            break;
        }
        if *w < nat {
            *w += 1;
            left -= 1;
        }
    }
    for w in &mut widths {
        *w = (*w).max(1);
    }
    widths
}

/// The first `n` rows of `table` (the rest of it as it is).
pub fn head(table: &Table, n: usize) -> Table {
    // a clone shares the column data
    let mut head = table.clone();
    let mut left = n;
    head.batches.retain_mut(|batch| {
        if left == 0 {
            return false;
        }
        *batch = batch.head(left);
        left -= batch.len;
        true
    });
    head
}

/// Cells of a text table longer than this many characters are cut (the table layout takes
/// time growing with the square of a cell's length; other formats write values whole).
pub const MAX_TABLE_CELL_CHARS: usize = 65_536;

fn cell_text(value: &Value) -> String {
    let text = value.to_kql_string();
    match text.char_indices().nth(MAX_TABLE_CELL_CHARS) {
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            let mut shown = escape_controls(&text[..cut]);
            shown.push_str(&format!(
                "…[{rest} more characters: --format csv or json writes them]"
            ));
            shown
        }
        None => escape_controls(&text),
    }
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
        Table::new(schema, vec![batch])
    }

    #[test]
    fn huge_cells_are_cut_in_text_tables_only() {
        let long = "é".repeat(MAX_TABLE_CELL_CHARS + 5);
        let t = table(
            vec![Field::new("s", Type::String)],
            vec![vec![Value::str(&long)]],
        );
        let started = std::time::Instant::now();
        let text = render_table(&t, false);
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        assert!(text.contains("…[5 more characters: --format csv or json writes them]"));
        let mut csv = Vec::new();
        write_results(std::slice::from_ref(&t), Format::Csv, &mut csv, false).unwrap();
        assert!(String::from_utf8(csv).unwrap().contains(&long));
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

    fn view(width: usize, max_rows: usize) -> View {
        View {
            width,
            max_rows,
            color: false,
        }
    }

    #[test]
    fn view_marks_nulls_and_cuts_to_the_width() {
        let t = table(
            vec![
                Field::new("Name", Type::String),
                Field::new("Count", Type::Long),
                Field::new("Note", Type::Dynamic),
            ],
            vec![
                vec![Value::str(""), Value::Long(12), Value::Null],
                vec![
                    Value::str("a very long command line\nwith a second line"),
                    Value::Null,
                    Value::str("x"),
                ],
            ],
        );
        insta::assert_snapshot!(render_table_view(&t, &view(100, 100)), @r"
        ┌─────────────────────────────────────────────┬───────┬──────┐
        │ Name                                        ┆ Count ┆ Note │
        ╞═════════════════════════════════════════════╪═══════╪══════╡
        │                                             ┆    12 ┆ null │
        │ a very long command line↵with a second line ┆  null ┆ x    │
        └─────────────────────────────────────────────┴───────┴──────┘
        ");
        let narrow = render_table_view(&t, &view(40, 100));
        insta::assert_snapshot!(narrow, @r"
        ┌───────────────────────┬───────┬──────┐
        │ Name                  ┆ Count ┆ Note │
        ╞═══════════════════════╪═══════╪══════╡
        │                       ┆    12 ┆ null │
        │ a very long command … ┆  null ┆ x    │
        └───────────────────────┴───────┴──────┘
        ");
        assert!(narrow.lines().all(|l| l.chars().count() <= 40));
        assert!(render_table_view(&t, &view(40, 1)).lines().count() == 5);
    }

    #[test]
    fn view_leaves_out_columns_that_cannot_fit() {
        let fields: Vec<Field> = (0..12)
            .map(|i| Field::new(format!("Column{i}"), Type::String))
            .collect();
        let row = (0..12)
            .map(|i| Value::str(&format!("value number {i}")))
            .collect();
        let t = table(fields, vec![row]);
        let text = render_table_view(&t, &view(60, 100));
        insta::assert_snapshot!(text, @r"
        ┌──────────┬──────────┬──────────┬──────────┬──────────┬───┐
        │ Column0  ┆ Column1  ┆ Column2  ┆ Column3  ┆ Column4  ┆ … │
        ╞══════════╪══════════╪══════════╪══════════╪══════════╪═══╡
        │ value n… ┆ value n… ┆ value n… ┆ value n… ┆ value n… ┆ … │
        └──────────┴──────────┴──────────┴──────────┴──────────┴───┘
        7 more columns: Column5, Column6, Column7, Column8, Column9…
        ");
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
    }

    #[test]
    fn widths_fit() {
        assert_eq!(fit_widths(&[5, 5], 100), vec![5, 5]);
        assert_eq!(fit_widths(&[50, 5], 30), vec![18, 5]);
        assert_eq!(fit_widths(&[50, 50], 30), vec![12, 11]);
        let w = fit_widths(&[100; 20], 80);
        assert!(
            1 + w.iter().map(|w| w + 3).sum::<usize>() + 4 <= 80,
            "{w:?}"
        );
        assert_eq!(fit_widths(&[100], 3), vec![1]);
    }

    #[test]
    fn head_takes_the_first_rows() {
        let schema = Arc::new(Schema::new(vec![Field::new("x", Type::Long)]));
        let batch = |from: i64| {
            Batch::from_rows(
                schema.clone(),
                (from..from + 3).map(|i| vec![Value::Long(i)]).collect(),
            )
        };
        let mut t = table(vec![Field::new("x", Type::Long)], vec![]);
        t.batches = vec![batch(0), batch(3)];
        assert_eq!(head(&t, 4).row_count(), 4);
        assert_eq!(head(&t, 4).rows().last(), Some(vec![Value::Long(3)]));
        assert_eq!(head(&t, 10).row_count(), 6);
        assert_eq!(head(&t, 0).row_count(), 0);
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
