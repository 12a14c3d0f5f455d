use super::*;
use crate::report::OnError;
use crate::testutil::{Scratch, path_str, read, read_all};
use kql_eval::batch::BATCH_ROWS;
use kql_eval::datetime::format_datetime;
use kql_eval::{Batch, Field};

fn types(schema: &Schema) -> Vec<(String, Type)> {
    schema
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.ty))
        .collect()
}

fn field_types(pairs: &[(&str, Type)]) -> Vec<(String, Type)> {
    pairs.iter().map(|(n, t)| (n.to_string(), *t)).collect()
}

fn err_message(r: Result<impl std::fmt::Debug, Error>) -> String {
    let e = r.expect_err("expected an error");
    assert_eq!(e.code, "kql::data");
    e.message
}

fn s(v: &str) -> Value {
    Value::str(v)
}

fn dt(v: &str) -> Value {
    Value::DateTime(parse_datetime(v).expect("test datetime"))
}

#[test]
fn infers_types_in_first_seen_order() {
    let tmp = Scratch::new();
    let path = tmp.file(
        "t.json",
        r#"[
          {"b": true, "l": 1, "r": 1.5, "lr": 1, "t": "2026-11-25T10:03:12Z", "s": "x",
           "d": {"k": [1, 2]}, "a": [1], "n": null},
          {"b": false, "l": -7, "r": 2, "lr": 2.5, "t": "2026-11-25", "s": "2026-11-25T10:03:12Z",
           "d": [], "a": "str", "n": null, "late": 3, "ds": "2026-01-01T00:00:00Z"},
          {"sl": "1", "bl": true, "te": "", "ds": "not a date", "big": 18446744073709551615,
           "yearish": "2026-xx"},
          {"sl": 2, "bl": 1, "te": "2026-11-25T10:03:12Z", "emptyonly": ""}
        ]"#,
    );
    let schema = describe(&path, None).unwrap();
    assert_eq!(
        types(&schema),
        field_types(&[
            ("b", Type::Bool),
            ("l", Type::Long),
            ("r", Type::Real),
            ("lr", Type::Real),
            ("t", Type::DateTime),
            ("s", Type::String),
            ("d", Type::Dynamic),
            ("a", Type::Dynamic),
            ("n", Type::String),
            ("late", Type::Long),
            ("ds", Type::String),
            ("sl", Type::String),
            ("bl", Type::Dynamic),
            ("te", Type::DateTime),
            ("big", Type::Real),
            ("yearish", Type::String),
            ("emptyonly", Type::String),
        ])
    );
    let table = JsonTable::open(&path, None).unwrap();
    let rows = read_all(&table).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][0], Value::Bool(true));
    assert_eq!(rows[1][1], Value::Long(-7));
    assert_eq!(rows[1][2], Value::Real(2.0));
    assert_eq!(rows[0][4], dt("2026-11-25T10:03:12Z"));
    assert_eq!(rows[1][4], dt("2026-11-25T00:00:00Z"));
    assert_eq!(rows[0][6].to_kql_string(), r#"{"k":[1,2]}"#);
    assert_eq!(
        rows[1][7],
        Value::Dynamic(Arc::new(serde_json::json!("str")))
    );
    assert_eq!(rows[0][8], s(""));
    assert!(rows[0][9].is_null(), "missing long is null");
    assert_eq!(rows[2][10], s("not a date"));
    assert_eq!(rows[3][11], s("2"));
    assert!(
        rows[2][13].is_null(),
        "empty string in a datetime column is null"
    );
    assert_eq!(rows[3][16], s(""));
}

#[test]
fn known_schema_is_applied() {
    let tmp = Scratch::new();
    let path = tmp.file(
        "t.ndjson",
        concat!(
            r#"{"Extra": 1, "Port": "443", "Name": 42, "When": "2026-11-25T10:03:12Z", "Flag": 1, "Obj": {"a": [1, "x"]}}"#,
            "\n",
            r#"{"Port": "", "Name": true, "Flag": "FALSE", "When": "", "Obj": "text", "Id": "6F9619FF-8B86-D011-B42D-00CF4FC964FF", "Span": "1.02:03:04.5"}"#,
            "\n",
            r#"{"Port": 3000, "Name": null, "Flag": false, "Obj": "{\"k\": [1]}", "Real": "2.5", "Count": 3.0, "Span": null}"#,
            "\n",
        ),
    );
    let known = Schema::new(vec![
        Field::new("When", Type::DateTime),
        Field::new("Name", Type::String),
        Field::new("Port", Type::Int),
        Field::new("Flag", Type::Bool),
        Field::new("Obj", Type::Dynamic),
        Field::new("Absent", Type::Long),
        Field::new("Real", Type::Real),
        Field::new("Count", Type::Long),
        Field::new("Id", Type::Guid),
        Field::new("Span", Type::TimeSpan),
    ]);
    let schema = describe(&path, Some(&known)).unwrap();
    let mut expected = known.fields.clone();
    expected.push(Field::new("Extra", Type::Long));
    assert_eq!(schema.fields, expected);

    let table = JsonTable::open(&path, Some(&known)).unwrap();
    let rows = read_all(&table).unwrap();
    assert_eq!(rows.len(), 3);
    // row 0
    assert_eq!(rows[0][0], dt("2026-11-25T10:03:12Z"));
    assert_eq!(rows[0][1], s("42"));
    assert_eq!(rows[0][2], Value::Int(443));
    assert_eq!(rows[0][3], Value::Bool(true));
    assert_eq!(rows[0][4].to_kql_string(), r#"{"a":[1,"x"]}"#);
    assert!(rows[0][5].is_null());
    assert_eq!(rows[0][10], Value::Long(1));
    // row 1: "" is null in a column that is not a string; strings take JSON text
    assert!(rows[1][0].is_null());
    assert_eq!(rows[1][1], s("true"));
    assert!(rows[1][2].is_null());
    assert_eq!(rows[1][3], Value::Bool(false));
    assert_eq!(
        rows[1][4],
        Value::Dynamic(Arc::new(serde_json::json!("text")))
    );
    assert_eq!(
        rows[1][8].to_kql_string(),
        "6f9619ff-8b86-d011-b42d-00cf4fc964ff"
    );
    assert_eq!(
        rows[1][9],
        Value::TimeSpan(parse_timespan("1.02:03:04.5").unwrap())
    );
    assert!(
        rows[1][10].is_null(),
        "missing key of an inferred long column"
    );
    // row 2
    assert!(rows[2][0].is_null(), "missing datetime");
    assert_eq!(rows[2][1], s(""), "null string is empty");
    assert_eq!(rows[2][2], Value::Int(3000));
    assert_eq!(rows[2][3], Value::Bool(false));
    assert_eq!(
        rows[2][4],
        Value::Dynamic(Arc::new(serde_json::json!({"k": [1]}))),
        "a JSON-encoded object in a dynamic column is dynamic"
    );
    assert_eq!(rows[2][6], Value::Real(2.5));
    assert_eq!(rows[2][7], Value::Long(3));
    assert!(rows[2][8].is_null());
    assert!(rows[2][9].is_null());
}

#[test]
fn values_not_of_their_column_type_are_malformed_records() {
    let tmp = Scratch::new();
    let known = Schema::new(vec![
        Field::new("When", Type::DateTime),
        Field::new("Port", Type::Int),
    ]);
    let lines = tmp.file(
        "t.ndjson",
        concat!(
            "{\"Port\": 1, \"When\": \"2026-11-25T10:03:12Z\"}\n",
            "{\"Port\": \"not a number\"}\n",
            "{\"Port\": 3000000000}\n",
            "{\"When\": \"garbage\", \"Port\": 4}\n",
        ),
    );
    let p = path_str(&lines);
    let table = JsonTable::open(&lines, Some(&known)).unwrap();
    let e = read_all(&table).unwrap_err();
    assert_eq!(
        e.message,
        format!("{p}:2: column Port (int): cannot read `\"not a number\"` as int")
    );
    assert!(e.help.unwrap().contains("--on-error skip"));
    // only the columns a scan reads are checked
    let e = read(&table, &[0]).unwrap_err();
    assert_eq!(
        e.message,
        format!("{p}:4: column When (datetime): cannot read `\"garbage\"` as datetime")
    );

    let array = tmp.file(
        "t.json",
        "[\n  {\"Port\": 1},\n  {\"Port\": 2, \"When\": 5}\n]",
    );
    let table = JsonTable::open(&array, Some(&known)).unwrap();
    let e = read_all(&table).unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "{}:3:3: column When (datetime): cannot read `5` as datetime",
            path_str(&array)
        )
    );

    let skip = ReadOptions::new(OnError::Skip);
    let table = JsonTable::open_with(&lines, Some(&known), &skip).unwrap();
    let rows = read_all(&table).unwrap();
    assert_eq!(rows, vec![vec![dt("2026-11-25T10:03:12Z"), Value::Int(1)]]);
    // read twice: each record is counted once
    read_all(&table).unwrap();
    assert_eq!(skip.report.skipped_total(), 3);
    assert_eq!(
        skip.report.skipped()[0].first,
        format!("{p}:2: column Port (int): cannot read `\"not a number\"` as int")
    );
}

#[test]
fn malformed_records_can_be_skipped_and_are_counted() {
    let tmp = Scratch::new();
    let lines = tmp.file(
        "bad.ndjson",
        "{\"a\": 1}\n{\"a\": 2, \"b\" 3}\n[1]\n{\"a\": 4}\n",
    );
    let array = tmp.file("bad.json", "[{\"a\": 1}, {\"a\" 2}, 7, {\"a\": 4}]");
    for path in [&lines, &array] {
        let skip = ReadOptions::new(OnError::Skip);
        let table = JsonTable::open_with(path, None, &skip).unwrap();
        assert_eq!(
            read_all(&table).unwrap(),
            vec![vec![Value::Long(1)], vec![Value::Long(4)]],
            "{}",
            path.display()
        );
        assert_eq!(skip.report.skipped_total(), 2, "{}", path.display());
    }
    // a broken array cannot be read past: that stays an error
    let broken = tmp.file("broken.json", "[{\"a\": 1} {\"a\": 2}]");
    let skip = ReadOptions::new(OnError::Skip);
    assert!(JsonTable::open_with(&broken, None, &skip).is_err());
}

#[test]
fn timestamp_is_read_from_time_generated_when_missing() {
    let tmp = Scratch::new();
    let path = tmp.file(
        "t.json",
        r#"[{"TimeGenerated": "2026-11-25T10:03:12Z", "DeviceName": "a"}]"#,
    );
    let known = Schema::new(vec![
        Field::new("Timestamp", Type::DateTime),
        Field::new("DeviceName", Type::String),
    ]);
    let table = JsonTable::open(&path, Some(&known)).unwrap();
    assert_eq!(
        types(&table.schema()),
        field_types(&[
            ("Timestamp", Type::DateTime),
            ("DeviceName", Type::String),
            ("TimeGenerated", Type::DateTime),
        ])
    );
    let rows = read_all(&table).unwrap();
    assert_eq!(rows[0][0], dt("2026-11-25T10:03:12Z"));
    assert_eq!(rows[0][2], dt("2026-11-25T10:03:12Z"));
    // both columns present: each read from its own key
    let path = tmp.file(
        "u.json",
        r#"[{"TimeGenerated": "2026-11-25T10:03:12Z", "Timestamp": "2026-11-24T00:00:00Z"}]"#,
    );
    let table = JsonTable::open(&path, Some(&known)).unwrap();
    let rows = read_all(&table).unwrap();
    assert_eq!(rows[0][0], dt("2026-11-24T00:00:00Z"));
    assert_eq!(rows[0][2], dt("2026-11-25T10:03:12Z"));
}

#[test]
fn scan_returns_only_requested_columns_in_requested_order() {
    let tmp = Scratch::new();
    let path = tmp.file(
        "t.json",
        r#"[{"a": 1, "b": "x", "c": true, "d": {"deep": [1,2,{"e": null}]}},
            {"c": false, "a": 2, "zz": [], "b": "y"}]"#,
    );
    let table = JsonTable::open(&path, None).unwrap();
    let (schema, rows) = read(&table, &[2, 0]).unwrap();
    assert_eq!(
        types(&schema),
        field_types(&[("c", Type::Bool), ("a", Type::Long)])
    );
    assert_eq!(
        rows,
        vec![
            vec![Value::Bool(true), Value::Long(1)],
            vec![Value::Bool(false), Value::Long(2)],
        ]
    );
    // the same column twice
    let (_, rows) = read(&table, &[1, 1]).unwrap();
    assert_eq!(rows[1], vec![s("y"), s("y")]);
    // no columns: rows are still counted
    let batches: Vec<Batch> = table.scan(&[]).unwrap().map(Result::unwrap).collect();
    assert_eq!(batches.iter().map(|b| b.len).sum::<usize>(), 2);
    assert!(batches.iter().all(|b| b.columns.is_empty()));
    // an index out of range is an error, not a panic
    assert!(table.scan(&[9]).is_err());
}

#[test]
fn array_and_ndjson_are_detected_by_content() {
    let tmp = Scratch::new();
    let array = tmp.file("a.ndjson", "\n  \t[{\"x\": 1},\n{\"x\": 2}\n]\n");
    let lines = tmp.file("l.json", "\n\n{\"x\": 1}\n\n   \n{\"x\": 2}");
    let crlf = tmp.file("c.jsonl", "{\"x\": 1}\r\n\r\n{\"x\": 2}\r\n");
    let bom_array = tmp.file("b.json", b"\xEF\xBB\xBF[{\"x\": 1}, {\"x\": 2}]");
    let bom_lines = tmp.file("bl.json", b"\xEF\xBB\xBF{\"x\": 1}\n{\"x\": 2}\n");
    for path in [array, lines, crlf, bom_array, bom_lines] {
        let table = JsonTable::open(&path, None).unwrap();
        assert_eq!(
            types(&table.schema()),
            field_types(&[("x", Type::Long)]),
            "{}",
            path.display()
        );
        let rows = read_all(&table).unwrap();
        assert_eq!(
            rows,
            vec![vec![Value::Long(1)], vec![Value::Long(2)]],
            "{}",
            path.display()
        );
    }
}

#[test]
fn empty_inputs_are_empty_tables() {
    let tmp = Scratch::new();
    let known = Schema::new(vec![Field::new("A", Type::Long)]);
    for (name, content) in [
        ("empty.json", &b""[..]),
        ("ws.json", b" \n\t\r\n"),
        ("bom.json", b"\xEF\xBB\xBF"),
        ("arr.json", b"[]"),
        ("arr2.json", b" [ \n ] \n"),
    ] {
        let path = tmp.file(name, content);
        assert!(describe(&path, None).unwrap().is_empty(), "{name}");
        let table = JsonTable::open(&path, Some(&known)).unwrap();
        assert_eq!(*table.schema(), known, "{name}");
        assert!(read_all(&table).unwrap().is_empty(), "{name}");
    }
}

#[test]
fn batches_hold_at_most_batch_rows() {
    let tmp = Scratch::new();
    let n = BATCH_ROWS + 904;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("{{\"i\": {i}, \"s\": \"row {i}\"}}\n"));
    }
    let path = tmp.file("big.ndjson", &text);
    let table = JsonTable::open(&path, None).unwrap();
    let lens: Vec<usize> = table.scan(&[0]).unwrap().map(|b| b.unwrap().len).collect();
    assert_eq!(lens, vec![BATCH_ROWS, 904]);
    let array = format!(
        "[{}]",
        text.trim_end().lines().collect::<Vec<_>>().join(",\n")
    );
    let path = tmp.file("big.json", &array);
    let table = JsonTable::open(&path, None).unwrap();
    let (_, rows) = read(&table, &[1, 0]).unwrap();
    assert_eq!(rows.len(), n);
    assert_eq!(
        rows[n - 1],
        vec![s(&format!("row {}", n - 1)), Value::Long(n as i64 - 1)]
    );
}

#[test]
fn malformed_ndjson_line_reports_file_line_and_column() {
    let tmp = Scratch::new();
    let path = tmp.file(
        "bad.ndjson",
        "{\"a\": 1}\n\n{\"a\": 2, \"b\" 3}\n{\"a\": 4}\n",
    );
    let p = path_str(&path);
    let msg = err_message(describe(&path, None));
    assert_eq!(msg, format!("{p}:3:14: expected `:`"));
    // the scan reports the same error (here: the describe succeeded on a file changed since)
    let good = tmp.file("g.ndjson", "{\"a\": 1}\n{\"a\": 2}\n");
    let table = JsonTable::open(&good, None).unwrap();
    std::fs::copy(&path, &good).unwrap();
    let msg = err_message(read_all(&table));
    assert_eq!(msg, format!("{}:3:14: expected `:`", path_str(&good)));

    let truncated = tmp.file("t.ndjson", "{\"a\": 1}\n{\"a\": 2}\n{\"a\": [1, 2");
    let msg = err_message(describe(&truncated, None));
    assert_eq!(
        msg,
        format!("{}:3:11: EOF while parsing a list", path_str(&truncated))
    );

    let two = tmp.file("two.ndjson", "{\"a\": 1} {\"a\": 2}\n");
    let msg = err_message(describe(&two, None));
    assert_eq!(msg, format!("{}:1:10: trailing characters", path_str(&two)));
}

#[test]
fn non_object_records_are_errors() {
    let tmp = Scratch::new();
    let line = tmp.file("l.ndjson", "{\"a\": 1}\n{\"a\": 2}\n[1, 2]\n");
    let msg = err_message(describe(&line, None));
    assert_eq!(
        msg,
        format!(
            "{}:3:1: expected a JSON object (one record), found an array",
            path_str(&line)
        )
    );
    let arr = tmp.file("a.json", "[\n  {\"a\": 1},\n  \"text\",\n  {\"a\": 2}\n]");
    let msg = err_message(describe(&arr, None));
    assert_eq!(
        msg,
        format!(
            "{}:3:3: expected a JSON object (one record), found string \"text\"",
            path_str(&arr)
        )
    );
    let arr = tmp.file("b.json", "[{\"a\": 1}, 5, null]");
    let msg = err_message(describe(&arr, None));
    assert_eq!(
        msg,
        format!(
            "{}:1:12: expected a JSON object (one record), found integer `5`",
            path_str(&arr)
        )
    );
    let nul = tmp.file("n.ndjson", "{\"a\": 1}\n  null\n");
    let msg = err_message(describe(&nul, None));
    assert_eq!(
        msg,
        format!(
            "{}:2:3: expected a JSON object (one record), found null",
            path_str(&nul)
        )
    );
    let top = tmp.file("n.json", "\n 42");
    let msg = err_message(describe(&top, None));
    assert_eq!(
        msg,
        format!(
            "{}:2:2: expected a JSON array of objects or one JSON object per line (NDJSON), found `4`",
            path_str(&top)
        )
    );
}

#[test]
fn malformed_arrays_report_file_line_and_column() {
    let tmp = Scratch::new();
    let cases: &[(&str, &str)] = &[
        // truncated inside an element
        (
            "[\n  {\"a\": 1},\n  {\"a\": \"x",
            "3:10: EOF while parsing a string",
        ),
        // truncated between elements
        (
            "[\n  {\"a\": 1},\n  {\"a\": 2}",
            "3:11: EOF while parsing a list (the JSON array is not closed by `]`)",
        ),
        (
            "[{\"a\": 1},",
            "1:11: EOF while parsing a list (the JSON array is not closed by `]`)",
        ),
        (
            "[",
            "1:2: EOF while parsing a list (the JSON array is not closed by `]`)",
        ),
        // an error in an element on the first line of the element, then on a later line
        ("[{\"a\": 1},   {\"a\" 1}]", "1:19: expected `:`"),
        ("[{\"a\": 1},\n {\"a\":\n  tru}]", "3:6: expected ident"),
        (
            "[{\"a\": 1} {\"a\": 2}]",
            "1:11: expected `,` or `]` after an array element",
        ),
        ("[{\"a\": 1},]", "1:11: expected a value"),
        ("[,]", "1:2: expected a value"),
        ("[{\"a\": 1},,{}]", "1:11: expected a value"),
        (
            "[{\"a\": \"]}\\\"[,{\", \"b\": [1, {\"c\": \"\\\\\"}]}, {\"a\" 2}]",
            "1:48: expected `:`",
        ),
        (
            "[{\"a\": 1}] x",
            "1:12: trailing characters after the JSON array",
        ),
        (
            "[{\"a\": 1}]]",
            "1:11: trailing characters after the JSON array",
        ),
    ];
    for (i, (content, expected)) in cases.iter().enumerate() {
        let path = tmp.file(&format!("{i}.json"), content);
        let msg = err_message(describe(&path, None));
        assert_eq!(
            msg,
            format!("{}:{expected}", path_str(&path)),
            "case {i}: {content:?}"
        );
    }
}

#[test]
fn missing_file_is_an_error() {
    let tmp = Scratch::new();
    let path = tmp.dir.join("nope.json");
    let msg = err_message(describe(&path, None));
    assert!(
        msg.starts_with(&format!("cannot read {}: ", path_str(&path))),
        "{msg}"
    );
}

/// Every prefix of a valid file, and garbage, must give a table or an error, never a panic.
#[test]
fn never_panics_on_truncated_or_garbage_input() {
    let tmp = Scratch::new();
    let array = concat!(
        "\u{feff}[\n {\"a\": 1, \"b\": \"x\\\"y\\u00e9\", \"c\": [1, {\"d\": null}], ",
        "\"t\": \"2026-11-25T10:03:12.5Z\", \"r\": -1.5e3, \"f\": false},\n",
        " {\"a\": 18446744073709551616, \"b\": \"\", \"c\": {}, \"t\": \"2026-\"}\n]\n"
    );
    let ndjson = array
        .trim_start_matches('\u{feff}')
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .replace("},\n", "}\n");
    let known = Schema::new(vec![
        Field::new("a", Type::Int),
        Field::new("t", Type::DateTime),
        Field::new("c", Type::Guid),
    ]);
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for text in [array.as_bytes(), ndjson.as_bytes()] {
        for n in 0..=text.len() {
            inputs.push(text[..n].to_vec());
        }
    }
    // pseudo-random garbage and single-byte corruptions
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..200 {
        let len = (rand() % 64) as usize;
        inputs.push((0..len).map(|_| rand() as u8).collect());
        let mut corrupted = array.as_bytes().to_vec();
        let at = (rand() as usize) % corrupted.len();
        corrupted[at] = rand() as u8;
        inputs.push(corrupted);
    }
    inputs.push(b"[".repeat(10_000));
    inputs.push(b"{\"a\":".repeat(10_000));
    inputs.push(b"[{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[".to_vec());
    for (i, input) in inputs.iter().enumerate() {
        let path = tmp.file("fuzz.json", input);
        for known in [None, Some(&known)] {
            if let Ok(table) = JsonTable::open(&path, known) {
                let all: Vec<usize> = (0..table.schema().len()).collect();
                let _ = read(&table, &all);
                let _ = read(&table, &[]);
            } else {
                let e = describe(&path, known).unwrap_err();
                assert!(e.message.contains("fuzz.json"), "input {i}: {}", e.message);
            }
        }
    }
}

#[test]
fn converts_json_values_to_column_types() {
    use serde_json::json;
    let cases: Vec<(serde_json::Value, Type, Value)> = vec![
        (json!("abc"), Type::String, s("abc")),
        (json!(1.5), Type::String, s("1.5")),
        (json!(false), Type::String, s("false")),
        (
            json!({"b": 1, "a": [null]}),
            Type::String,
            s(r#"{"b":1,"a":[null]}"#),
        ),
        (json!(null), Type::String, s("")),
        (json!(-12), Type::Long, Value::Long(-12)),
        (json!(" 12 "), Type::Long, Value::Long(12)),
        (json!(12.5), Type::Long, Value::Null),
        (json!(true), Type::Long, Value::Null),
        (json!(2147483648i64), Type::Int, Value::Null),
        (json!("-5"), Type::Int, Value::Int(-5)),
        (json!(3), Type::Real, Value::Real(3.0)),
        (json!("1e3"), Type::Real, Value::Real(1000.0)),
        (json!(0), Type::Bool, Value::Bool(false)),
        (json!(1), Type::Bool, Value::Bool(true)),
        (json!(2), Type::Bool, Value::Null),
        (json!("TRUE"), Type::Bool, Value::Bool(true)),
        (
            json!("2026-11-25T10:03:12.1234567Z"),
            Type::DateTime,
            dt("2026-11-25T10:03:12.1234567Z"),
        ),
        (json!(5), Type::DateTime, Value::Null),
        (
            json!("00:00:01"),
            Type::TimeSpan,
            Value::TimeSpan(10_000_000),
        ),
        (json!("x"), Type::Guid, Value::Null),
        (json!(null), Type::Dynamic, Value::Null),
        (
            json!([1]),
            Type::Dynamic,
            Value::Dynamic(Arc::new(json!([1]))),
        ),
    ];
    for (json, ty, expected) in cases {
        let got = json_to_value(json.clone(), ty);
        assert_eq!(got, expected, "{json} as {ty}");
        assert_eq!(
            std::mem::discriminant(&got),
            std::mem::discriminant(&expected),
            "{json} as {ty}: {got:?}"
        );
    }
    assert_eq!(
        format_datetime(
            json_to_value(json!("2026-11-25T10:03:12.1234567Z"), Type::DateTime).as_i64_ticks()
        ),
        "2026-11-25T10:03:12.1234567Z"
    );
}

trait Ticks {
    fn as_i64_ticks(&self) -> i64;
}

impl Ticks for Value {
    fn as_i64_ticks(&self) -> i64 {
        match self {
            Value::DateTime(t) | Value::TimeSpan(t) => *t,
            _ => panic!("not a datetime: {self:?}"),
        }
    }
}
