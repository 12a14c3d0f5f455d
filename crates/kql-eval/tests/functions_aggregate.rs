//! Aggregation functions of the hunting corpus (issue 4), checked against the examples of
//! the Kusto documentation (`MicrosoftDocs/dataexplorer-docs`, `data-explorer/kusto/query/`;
//! each test names its page) and the naming rules of `kql-semantics.md` §A.8. Where the
//! documentation is silent the comment says `[INF]` and the test pins kql's choice.
//!
//! Summarize output rows have no defined order: tests with `by` sort them.

use kql_eval::source::EmptyCatalog;
use kql_eval::{RunOptions, Table, Value};

const NULL: &str = "(null)";

#[track_caller]
fn table(q: &str) -> Table {
    match kql_eval::run(q, &EmptyCatalog, &RunOptions::default()) {
        Ok(mut tables) => tables.pop().unwrap_or_else(|| panic!("no table: {q}")),
        Err(e) => panic!("query failed: {q}\n  {}: {}", e.code, e.message),
    }
}

fn cell(v: &Value) -> String {
    if v.is_null() {
        NULL.to_string()
    } else {
        v.to_kql_string()
    }
}

/// Rows of the result as a sorted multiset, cells as text.
#[track_caller]
fn sorted_rows(q: &str) -> Vec<Vec<String>> {
    let mut r: Vec<Vec<String>> = table(q)
        .rows()
        .map(|r| r.iter().map(cell).collect())
        .collect();
    r.sort();
    r
}

/// The only row of the result.
#[track_caller]
fn row(q: &str) -> Vec<String> {
    let mut r = sorted_rows(q);
    assert_eq!(r.len(), 1, "expected one row from {q}, got {r:?}");
    r.remove(0)
}

/// Column names and types of the result.
#[track_caller]
fn columns(q: &str) -> Vec<(String, String)> {
    table(q)
        .schema
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.ty.name().to_string()))
        .collect()
}

#[track_caller]
fn names(q: &str) -> Vec<String> {
    columns(q).into_iter().map(|(n, _)| n).collect()
}

#[track_caller]
fn error(q: &str) -> kql_eval::Error {
    match kql_eval::run(q, &EmptyCatalog, &RunOptions::default()) {
        Ok(_) => panic!("expected an error from {q}"),
        Err(e) => e,
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn cols(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

/// A real cell rounded to `digits` decimals, for values the docs print rounded.
fn rounded(s: &str, digits: i32) -> f64 {
    let x: f64 = s.parse().unwrap_or_else(|_| panic!("not a number: {s}"));
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

// ---------------------------------------------------------------------------------------------
// percentile, percentiles, percentiles_array

#[test]
fn percentile_is_exact_nearest_rank() {
    // percentiles-aggregation-function.md: nearest rank, the 0th percentile is the minimum.
    // [3P, per kql-semantics.md §B.3] exact nearest rank matched the emulator.
    let q = "range x from 1 to 100 step 1 | summarize p0 = percentile(x, 0), p1 = percentile(x, 1), p50 = percentile(x, 50), p95 = percentile(x, 95), p99_5 = percentile(x, 99.5), p100 = percentile(x, 100)";
    assert_eq!(row(q), strs(&["1", "1", "50", "95", "100", "100"]));
    // an even count: the lower middle value (nearest rank, not interpolation)
    let q = "datatable(x:real)[4.0, 1.0, 3.0, 2.0] | summarize m = percentile(x, 50)";
    assert_eq!(row(q), strs(&["2"]));
    // nulls are ignored
    let q = "datatable(x:long)[5, long(null), 1, long(null), 3] | summarize m = percentile(x, 50), top = percentile(x, 100)";
    assert_eq!(row(q), strs(&["3", "5"]));
    // one value per group with `by`
    let q = "datatable(k:string, x:long)['a', 1, 'a', 9, 'b', 7] | summarize p = percentile(x, 100) by k";
    assert_eq!(sorted_rows(q), vec![strs(&["a", "9"]), strs(&["b", "7"])]);
}

#[test]
fn percentile_result_types() {
    // [LS] the result has the argument's type, int widened to long
    assert_eq!(
        columns(
            "datatable(i:int, l:long, r:real, t:timespan, d:datetime)[1, 2, 3.5, 1h, datetime(2024-01-01)] | summarize a = percentile(i, 50), b = percentile(l, 50), c = percentile(r, 50), e = percentile(t, 50), f = percentile(d, 50)"
        ),
        cols(&[
            ("a", "long"),
            ("b", "long"),
            ("c", "real"),
            ("e", "timespan"),
            ("f", "datetime")
        ])
    );
    let q = "datatable(t:timespan, d:datetime)[1h, datetime(2024-01-01), 3h, datetime(2024-01-03), 2h, datetime(2024-01-02)] | summarize e = percentile(t, 50), f = percentile(d, 100)";
    assert_eq!(row(q), strs(&["02:00:00", "2024-01-03T00:00:00Z"]));
    let e = error("datatable(s:string)['a'] | summarize percentile(s, 50)");
    assert_eq!(e.code, "kql::bind::type");
}

#[test]
fn percentile_of_empty_input_is_null() {
    // summarize-operator.md: `percentile_x_55` is empty (null) over an empty table
    let q = "datatable(x:long)[] | summarize p = percentile(x, 55)";
    assert_eq!(row(q), strs(&[NULL]));
}

#[test]
fn percentile_argument_checks() {
    for q in [
        "range x from 1 to 3 step 1 | summarize percentile(x, 101)",
        "range x from 1 to 3 step 1 | summarize percentile(x, -1)",
        "range x from 1 to 3 step 1 | summarize percentile(x, x)",
        "range x from 1 to 3 step 1 | summarize percentile(x, 'a')",
    ] {
        assert_eq!(error(q).code, "kql::bind::argument", "{q}");
    }
}

#[test]
fn percentiles_with_one_percentile() {
    let q = "range x from 1 to 100 step 1 | summarize p = percentiles(x, 90)";
    assert_eq!(row(q), strs(&["90"]));
}

#[test]
fn percentiles_with_several_percentiles() {
    // percentiles-aggregation-function.md: one column per percentile, named
    // `percentile_x_5`, `percentile_x_50`, ... That needs the binder to name several
    // columns (aggregate::result_names); until it does, a clear error.
    let q = "range x from 1 to 100 step 1 | summarize percentiles(x, 5, 50, 95)";
    if kql_eval::aggregate::MULTI_COLUMN_PERCENTILES {
        assert_eq!(
            names(q),
            strs(&["percentile_x_5", "percentile_x_50", "percentile_x_95"])
        );
        assert_eq!(row(q), strs(&["5", "50", "95"]));
    } else {
        let e = error(q);
        assert_eq!(e.code, "kql::unsupported::argument");
        assert!(e.help.unwrap_or_default().contains("percentiles_array"));
    }
}

#[test]
fn percentile_default_names() {
    // percentiles-aggregation-function.md and summarize-operator.md (§A.8)
    assert_eq!(
        names("range x from 1 to 10 step 1 | summarize percentile(x, 95), percentile(x, 99.9)"),
        strs(&["percentile_x_95", "percentile_x_99_9"])
    );
}

#[test]
fn result_names_of_percentiles() {
    // the names the binder should give (language service: `percentile_` + the argument's
    // name + the literal with non-alphanumerics made `_`)
    use kql_parser::{Expr, ExprKind, Literal, Span};
    let lit = |l: Literal| Expr {
        kind: ExprKind::Literal(l),
        span: Span::new(0, 0),
    };
    let name = |n: &str| Expr {
        kind: ExprKind::Name(kql_parser::Ident {
            name: n.to_string(),
            span: Span::new(0, 0),
        }),
        span: Span::new(0, 0),
    };
    let names_of =
        |fname: &str, args: Vec<Expr>| kql_eval::aggregate::result_names(fname, Some("x"), &args);
    assert_eq!(
        names_of("percentile", vec![name("x"), lit(Literal::Long(95))]),
        Some(vec![Some("percentile_x_95".to_string())])
    );
    assert_eq!(
        names_of(
            "percentiles",
            vec![name("x"), lit(Literal::Int(5)), lit(Literal::Real(99.9))]
        ),
        Some(vec![
            Some("percentile_x_5".to_string()),
            Some("percentile_x_99_9".to_string())
        ])
    );
    // a percentile that is not a literal adds nothing after the last `_`
    assert_eq!(
        names_of("percentile", vec![name("x"), name("p")]),
        Some(vec![Some("percentile_x_".to_string())])
    );
    assert_eq!(names_of("sum", vec![name("x")]), None);
}

#[test]
fn percentiles_array() {
    // percentiles-aggregation-function.md: one dynamic column `percentiles_<x>`
    let q = "range x from 1 to 100 step 1 | summarize percentiles_array(x, 5, 50, 95)";
    assert_eq!(columns(q), cols(&[("percentiles_x", "dynamic")]));
    assert_eq!(row(q), strs(&["[5,50,95]"]));
    // the percentiles as a dynamic array
    let q = "range x from 1 to 100 step 1 | summarize p = percentiles_array(x, dynamic([25, 75]))";
    assert_eq!(row(q), strs(&["[25,75]"]));
    let q = "datatable(x:long)[] | summarize p = percentiles_array(x, 50)";
    assert_eq!(row(q), strs(&[NULL]));
}

// ---------------------------------------------------------------------------------------------
// stdev, variance

#[test]
fn stdev_and_variance_documented_examples() {
    // stdev-aggregation-function.md: 1.58113883008419 (printed rounded)
    let r = row("range x from 1 to 5 step 1 | summarize make_list(x), stdev(x)");
    assert_eq!(r[0], "[1,2,3,4,5]");
    assert_eq!(rounded(&r[1], 14), 1.58113883008419);
    // variance-aggregation-function.md
    assert_eq!(
        row("range x from 1 to 5 step 1 | summarize make_list(x), variance(x)"),
        strs(&["[1,2,3,4,5]", "2.5"])
    );
    // stdevif-aggregation-function.md: 29.1547594742265
    let r = row("range x from 1 to 100 step 1 | summarize stdevif(x, x % 2 == 0)");
    assert_eq!(rounded(&r[0], 13), 29.1547594742265);
    // varianceif-aggregation-function.md
    assert_eq!(
        row("range x from 1 to 100 step 1 | summarize varianceif(x, x%2 == 0)"),
        strs(&["850"])
    );
    // the population forms divide by n
    let r = row("range x from 1 to 5 step 1 | summarize variancep(x), stdevp(x)");
    assert_eq!(r[0], "2");
    assert_eq!(r[1].parse::<f64>().unwrap(), 2f64.sqrt());
}

#[test]
fn stdev_and_variance_names_types_and_defaults() {
    // §A.8 names, real results
    assert_eq!(
        columns(
            "range x from 1 to 5 step 1 | summarize stdev(x), stdevif(x, x > 1), stdevp(x), variance(x), varianceif(x, x > 1), variancep(x)"
        ),
        cols(&[
            ("stdev_x", "real"),
            ("stdevif_x", "real"),
            ("stdevp_x", "real"),
            ("variance_x", "real"),
            ("varianceif_x", "real"),
            ("variancep_x", "real"),
        ])
    );
    // summarize-operator.md: 0 over an empty input
    assert_eq!(
        row("datatable(x:long)[] | summarize stdev(x), variance(x)"),
        strs(&["0", "0"])
    );
    // [INF] one value: 0; nulls are ignored
    assert_eq!(
        row("datatable(x:real)[2.5, real(null)] | summarize stdev(x), variance(x)"),
        strs(&["0", "0"])
    );
    let e = error("datatable(s:string)['a'] | summarize stdev(s)");
    assert_eq!(e.code, "kql::bind::type");
    let e = error("range x from 1 to 5 step 1 | summarize stdevif(x, x)");
    assert_eq!(e.code, "kql::bind::type");
}

// ---------------------------------------------------------------------------------------------
// make_bag, make_bag_if, make_list_with_nulls

#[test]
fn make_bag_documented_example() {
    // make-bag-aggregation-function.md
    let q = r#"let T = datatable(prop:string, value:string)
[
    "prop01", "val_a",
    "prop02", "val_b",
    "prop03", "val_c",
];
T
| extend p = bag_pack(prop, value)
| summarize dict=make_bag(p)"#;
    assert_eq!(
        row(q),
        strs(&[r#"{"prop01":"val_a","prop02":"val_b","prop03":"val_c"}"#])
    );
}

#[test]
fn make_bag_if_documented_example() {
    // make-bag-if-aggregation-function.md
    let q = r#"let T = datatable(prop:string, value:string, predicate:bool)
[
    "prop01", "val_a", true,
    "prop02", "val_b", false,
    "prop03", "val_c", true
];
T
| extend p = bag_pack(prop, value)
| summarize dict=make_bag_if(p, predicate)"#;
    assert_eq!(row(q), strs(&[r#"{"prop01":"val_a","prop03":"val_c"}"#]));
}

#[test]
fn make_bag_rules() {
    // non-bag values are skipped (documented); [INF] a repeated key keeps its first value
    let q = "datatable(d:dynamic)[dynamic({'a':1}), dynamic([1,2]), dynamic(5), dynamic(null), dynamic({'a':2, 'b':3})] | summarize make_bag(d)";
    assert_eq!(columns(q), cols(&[("bag_d", "dynamic")]));
    assert_eq!(row(q), strs(&[r#"{"a":1,"b":3}"#]));
    // the size limit counts keys
    let q = "datatable(d:dynamic)[dynamic({'a':1}), dynamic({'b':2}), dynamic({'c':3})] | summarize b = make_bag(d, 2)";
    assert_eq!(row(q), strs(&[r#"{"a":1,"b":2}"#]));
    // kql-semantics.md §B.3: an empty group gives {}
    assert_eq!(
        row("datatable(d:dynamic)[] | summarize b = make_bag(d), i = make_bag_if(d, true)"),
        strs(&["{}", "{}"])
    );
    // a per-group bag
    let q = "datatable(k:string, d:dynamic)['x', dynamic({'a':1}), 'y', dynamic({'b':2}), 'x', dynamic({'c':3})] | summarize b = make_bag(d) by k";
    assert_eq!(
        sorted_rows(q),
        vec![strs(&["x", r#"{"a":1,"c":3}"#]), strs(&["y", r#"{"b":2}"#])]
    );
    let e = error("datatable(s:string)['a'] | summarize make_bag(s)");
    assert_eq!(e.code, "kql::bind::type");
    let e = error("datatable(d:dynamic)[] | summarize make_bag(d, 0)");
    assert_eq!(e.code, "kql::bind::argument");
    let e = error("datatable(d:dynamic)[] | summarize make_bag_if(d, 1)");
    assert_eq!(e.code, "kql::bind::type");
}

#[test]
fn make_list_with_nulls_keeps_nulls() {
    let q = "datatable(x:long)[1, long(null), 3] | summarize make_list_with_nulls(x), make_list(x)";
    assert_eq!(
        columns(q),
        cols(&[("list_x", "dynamic"), ("list_x1", "dynamic")])
    );
    assert_eq!(row(q), strs(&["[1,null,3]", "[1,3]"]));
}

// ---------------------------------------------------------------------------------------------
// Sketches kql does not produce

#[test]
fn hll_and_tdigest_are_clear_errors() {
    for f in [
        "hll(x)",
        "tdigest(x)",
        "hll_merge(x)",
        "tdigest_merge(x)",
        "percentilew(x, 1, 50)",
    ] {
        let e = error(&format!("range x from 1 to 3 step 1 | summarize {f}"));
        assert_eq!(e.code, "kql::unsupported::aggregate", "{f}");
        assert!(e.message.contains("not supported"), "{f}: {}", e.message);
    }
}

// ---------------------------------------------------------------------------------------------
// The aggregates that existed before, with the names of §A.8

#[test]
fn existing_conditional_aggregates() {
    let q = "datatable(k:string, x:long)['a', 1, 'a', 2, 'b', 3, 'b', 4, 'a', 2]
| summarize c = countif(x > 1), d = dcountif(x, x > 1), s = sumif(x, x > 1), a = avgif(x, x > 1), mn = minif(x, x > 1), mx = maxif(x, x > 1), st = make_set_if(x, x > 1), l = make_list_if(x, x > 1), cd = count_distinct(x) by k";
    assert_eq!(
        sorted_rows(q),
        vec![
            strs(&["a", "2", "1", "4", "2", "2", "2", "[2]", "[2,2]", "2"]),
            strs(&["b", "2", "2", "7", "3.5", "3", "4", "[3,4]", "[3,4]", "2"]),
        ]
    );
}

#[test]
fn count_distinct_is_named_after_itself() {
    // [LS] `count_distinct(x)` is `count_distinct_x`, not `dcount_x`
    assert_eq!(
        names(
            "datatable(x:long, y:bool)[1, true] | summarize count_distinct(x), count_distinctif(x, y), dcount(x)"
        ),
        strs(&["count_distinct_x", "count_distinctif_x", "dcount_x"])
    );
}

#[test]
fn any_and_arg_max_still_work() {
    let q = "datatable(k:string, x:long, s:string)['a', 1, 'p', 'a', 5, 'q', 'b', 2, 'r'] | summarize arg_max(x, s), arg_min(x, s) by k";
    assert_eq!(
        sorted_rows(q),
        vec![
            strs(&["a", "5", "q", "1", "p"]),
            strs(&["b", "2", "r", "2", "r"])
        ]
    );
    assert_eq!(
        names("datatable(x:long)[1] | summarize any(x)"),
        strs(&["any_x"])
    );
}

#[test]
fn aggregate_registry_lists_every_aggregate() {
    for name in kql_eval::aggregate::aggregate_names() {
        assert!(
            kql_eval::aggregate::lookup(name).is_some(),
            "{name} is listed but not an aggregate"
        );
        assert!(kql_eval::aggregate::aggregate_signature(name).is_some());
    }
    assert_eq!(
        kql_eval::aggregate::aggregate_signature("percentiles"),
        Some("percentiles(x, p1 [, p2, ...])")
    );
}
