//! Multi-table and reshaping operators against the documented examples of
//! `kql-semantics.md` Part B (section numbers in the comments).

use kql_eval::source::EmptyCatalog;
use kql_eval::{RunOptions, run};

fn rows(q: &str) -> Vec<Vec<String>> {
    let tables =
        run(q, &EmptyCatalog, &RunOptions::default()).unwrap_or_else(|e| panic!("{q}\n{e:?}"));
    tables
        .last()
        .expect("a result")
        .rows()
        .map(|r| {
            r.iter()
                .map(|v| {
                    if v.is_null() {
                        "<null>".to_string()
                    } else {
                        v.to_kql_string()
                    }
                })
                .collect()
        })
        .collect()
}

fn sorted(q: &str) -> Vec<Vec<String>> {
    let mut r = rows(q);
    r.sort();
    r
}

fn columns(q: &str) -> Vec<String> {
    let tables =
        run(q, &EmptyCatalog, &RunOptions::default()).unwrap_or_else(|e| panic!("{q}\n{e:?}"));
    tables
        .last()
        .unwrap()
        .schema
        .fields
        .iter()
        .map(|f| format!("{}:{}", f.name, f.ty))
        .collect()
}

fn table(lines: &[&[&str]]) -> Vec<Vec<String>> {
    let mut t: Vec<Vec<String>> = lines
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    t.sort();
    t
}

fn error_code(q: &str) -> &'static str {
    run(q, &EmptyCatalog, &RunOptions::default())
        .expect_err("an error")
        .code
}

const XY: &str = r#"let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4];
let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40];
"#;

#[test]
fn join_kinds() {
    // §B.1.14, the documented table (missing strings are "", missing longs null)
    let q = |kind: &str| format!("{XY}X | join {kind} Y on Key");
    assert_eq!(
        columns(&q("kind=inner")),
        ["Key:string", "Value1:long", "Key1:string", "Value2:long"]
    );
    // innerunique keeps one left row per key: b may pair as (b,2) or (b,3); kql keeps the first
    assert_eq!(
        sorted(&q("")),
        table(&[
            &["b", "2", "b", "10"],
            &["c", "4", "c", "20"],
            &["c", "4", "c", "30"]
        ])
    );
    assert_eq!(
        sorted(&q("kind=leftouter")),
        table(&[
            &["a", "1", "", "<null>"],
            &["b", "2", "b", "10"],
            &["b", "3", "b", "10"],
            &["c", "4", "c", "20"],
            &["c", "4", "c", "30"]
        ])
    );
    assert_eq!(
        sorted(&q("kind=rightouter")),
        table(&[
            &["b", "2", "b", "10"],
            &["b", "3", "b", "10"],
            &["c", "4", "c", "20"],
            &["c", "4", "c", "30"],
            &["", "<null>", "d", "40"]
        ])
    );
    assert_eq!(
        sorted(&q("kind=fullouter")),
        table(&[
            &["b", "3", "b", "10"],
            &["b", "2", "b", "10"],
            &["c", "4", "c", "20"],
            &["c", "4", "c", "30"],
            &["", "<null>", "d", "40"],
            &["a", "1", "", "<null>"]
        ])
    );
    assert_eq!(
        sorted(&q("kind=leftsemi")),
        table(&[&["b", "2"], &["b", "3"], &["c", "4"]])
    );
    assert_eq!(sorted(&q("kind=leftanti")), table(&[&["a", "1"]]));
    assert_eq!(sorted(&q("kind=anti")), table(&[&["a", "1"]]));
    assert_eq!(
        sorted(&q("kind=rightsemi")),
        table(&[&["b", "10"], &["c", "20"], &["c", "30"]])
    );
    assert_eq!(sorted(&q("kind=rightanti")), table(&[&["d", "40"]]));
    assert_eq!(columns(&q("kind=rightanti")), ["Key:string", "Value2:long"]);
    // join-inner.md: every matching pair
    let q = r#"let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'k',5,'c',4];
let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40,'k',50];
X | join kind=inner Y on Key"#;
    assert_eq!(
        sorted(q),
        table(&[
            &["b", "3", "b", "10"],
            &["b", "2", "b", "10"],
            &["c", "4", "c", "20"],
            &["c", "4", "c", "30"],
            &["k", "5", "k", "50"]
        ])
    );
}

#[test]
fn join_keys_by_side_and_null_keys() {
    let q = r#"let L = datatable(a:string, n:long)['x',1,'y',2];
let R = datatable(b:string, m:long)['x',10];
L | join kind=inner R on $left.a == $right.b"#;
    assert_eq!(rows(q), table(&[&["x", "1", "x", "10"]]));
    // kql's choice where the docs are open (§B.1.14): a null key matches nothing
    let q = "datatable(k:long, v:long)[1,1, long(null),2] | join kind=inner (datatable(k:long, w:long)[long(null),3, 1,4]) on k";
    assert_eq!(rows(q), table(&[&["1", "1", "1", "4"]]));
    let q = "datatable(k:long, v:long)[long(null),2] | join kind=leftanti (datatable(k:long)[long(null)]) on k";
    assert_eq!(rows(q), table(&[&["<null>", "2"]]));
    assert_eq!(
        error_code(&format!("{XY}X | join kind=sideways Y on Key")),
        "kql::bind::join_kind"
    );
    assert_eq!(
        error_code(&format!("{XY}X | join Y on Value1")),
        "kql::bind::unknown_column"
    );
    assert_eq!(
        error_code(&format!("{XY}X | join Y on Key == Key")),
        "kql::bind::join_condition"
    );
}

#[test]
fn lookup_keeps_keys_once() {
    // §B.1.15
    let q = r#"let FactTable = datatable(Row:string, Personal:string, Family:string)["1", "Rowan", "Murphy", "2", "Ellis", "Alexander", "3", "Ellis", "Alexander", "4", "Alex", "Alexander"];
let DimTable = datatable(Personal:string, Family:string, Alias:string)["Rowan", "Murphy", "rowanm", "Ellis", "Alexander", "ellisa"];
FactTable | lookup kind=leftouter DimTable on Personal, Family"#;
    assert_eq!(
        columns(q),
        [
            "Row:string",
            "Personal:string",
            "Family:string",
            "Alias:string"
        ]
    );
    assert_eq!(
        sorted(q),
        table(&[
            &["1", "Rowan", "Murphy", "rowanm"],
            &["2", "Ellis", "Alexander", "ellisa"],
            &["3", "Ellis", "Alexander", "ellisa"],
            &["4", "Alex", "Alexander", ""]
        ])
    );
    let inner = q.replace("kind=leftouter", "kind=inner");
    assert_eq!(sorted(&inner).len(), 3);
}

#[test]
fn union_outer_inner_and_withsource() {
    // §B.1.13: a name with two types becomes one column per type
    let q = "let View_1 = view () { print x=1 }; let View_2 = view () { print x=toint(2) }; union withsource=TableName View_1, View_2";
    assert_eq!(columns(q), ["TableName:string", "x_long:long", "x_int:int"]);
    assert_eq!(
        rows(q),
        table(&[&["View_1", "1", "<null>"], &["View_2", "<null>", "2"]])
    );
    let q = "print a=1, b='x' | union kind=inner (print a=2, c=true)";
    assert_eq!(columns(q), ["a:long"]);
    assert_eq!(sorted(q), table(&[&["1"], &["2"]]));
    // duplicates are kept
    assert_eq!(rows("print a=1 | union (print a=1)").len(), 2);
}

#[test]
fn mv_expand() {
    // §B.1.16
    let q = "datatable (a: int, b: dynamic)[1, dynamic([10, 20]), 2, dynamic(['a', 'b'])] | mv-expand b";
    assert_eq!(
        rows(q),
        table(&[&["1", "10"], &["1", "20"], &["2", "a"], &["2", "b"]])
    );
    let q = r#"datatable (a: int, b: dynamic, c: dynamic)[1, dynamic({"prop1":"a", "prop2":"b"}), dynamic([5, 4, 3])] | mv-expand b, c"#;
    assert_eq!(
        rows(q),
        vec![
            vec!["1", r#"{"prop1":"a"}"#, "5"],
            vec!["1", r#"{"prop2":"b"}"#, "4"],
            vec!["1", "<null>", "3"]
        ]
    );
    // empty arrays give no row, null gives one
    let q = "datatable (a: int, b: dynamic)[1, dynamic([]), 2, dynamic(null)] | mv-expand b";
    assert_eq!(rows(q), table(&[&["2", "<null>"]]));
    let q =
        "print d = dynamic([1, 'x', 3]) | mv-expand with_itemindex=i v = d to typeof(long) limit 2";
    assert_eq!(columns(q), ["d:dynamic", "v:long", "i:long"]);
    assert_eq!(
        rows(q),
        vec![
            vec!["[1,\"x\",3]", "1", "0"],
            vec!["[1,\"x\",3]", "<null>", "1"]
        ]
    );
    let q = r#"print b = dynamic({"k": 1}) | mv-expand bagexpansion=array b"#;
    assert_eq!(rows(q), table(&[&[r#"["k",1]"#]]));
}

#[test]
fn user_functions() {
    // §B.1.21 documented examples
    let q = "let MultiplyByN = (val:long, n:long) { val * n }; range x from 1 to 5 step 1 | extend result = MultiplyByN(x, 5)";
    assert_eq!(
        rows(q).iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
        ["5", "10", "15", "20", "25"]
    );
    let q = r#"let TrimOnes = (s:string) { trim("1", s) }; range x from 10 to 15 step 1 | extend result = TrimOnes(tostring(x))"#;
    assert_eq!(
        rows(q).iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
        ["0", "", "2", "3", "4", "5"]
    );
    let q = "let foo1 = (_start:long, _end:long, _step:long) { range x from _start to _end step _step}; let foo2 = (_step:long) { foo1(1, 100, _step)}; foo2(2) | count";
    assert_eq!(rows(q), table(&[&["50"]]));
    // defaults, tabular parameters, invoke
    let q = "let f = (T:(x:long), n:long = 2) { T | where x > n }; range x from 1 to 4 step 1 | invoke f()";
    assert_eq!(rows(q), table(&[&["3"], &["4"]]));
    // a function body sees only what was defined before it: no recursion
    assert_eq!(
        error_code("let f = (x:long) { f(x) }; print f(1)"),
        "kql::bind::unknown_function"
    );
    assert_eq!(
        error_code("let f = (x:long) { x }; print f()"),
        "kql::bind::arity"
    );
    // a service function binds (the query is valid KQL) and fails only on rows
    assert_eq!(
        error_code("print x = 1 | invoke FileProfile(x)"),
        "kql::unsupported::service_function"
    );
    let q = "print x = 1 | where x > 1 | invoke FileProfile(x) | project GlobalPrevalence";
    assert_eq!(columns(q), ["GlobalPrevalence:long"]);
    assert_eq!(rows(q).len(), 0);
    assert_eq!(
        error_code("print g = geo_info_from_ip_address('1.2.3.4')"),
        "kql::unsupported::service_function"
    );
}

#[test]
fn subqueries_as_values() {
    // §B.1.22: `in` a tabular expression uses its first column
    let q = "let S = datatable(s:string)['a','c']; datatable(s:string, n:long)['a',1,'b',2,'c',3] | where s in (S) | project n";
    assert_eq!(rows(q), table(&[&["1"], &["3"]]));
    let q = "datatable(s:string)['a','b'] | where s !in ((datatable(x:string)['a'] | project x))";
    assert_eq!(rows(q), table(&[&["b"]]));
    let q = "let m = toscalar(range x from 1 to 10 step 1 | summarize max(x)); print m * 2";
    assert_eq!(rows(q), table(&[&["20"]]));
    let q = "let T = materialize(range x from 1 to 3 step 1); T | count";
    assert_eq!(rows(q), table(&[&["3"]]));
}

#[test]
fn window_functions() {
    let q = "range x from 1 to 4 step 1 | serialize | extend p = prev(x), n = next(x), r = row_number(), c = row_cumsum(x), d = x - prev(x, 1, 0)";
    assert_eq!(
        rows(q),
        vec![
            vec!["1", "<null>", "2", "1", "1", "1"],
            vec!["2", "1", "3", "2", "3", "1"],
            vec!["3", "2", "4", "3", "6", "1"],
            vec!["4", "3", "<null>", "4", "10", "1"],
        ]
    );
}

#[test]
fn make_series() {
    // §B.1.17: one row per group, arrays over the bins `from` .. `to` (exclusive), defaults
    let q = r#"datatable(t:datetime, k:string, v:long)[datetime(2024-01-01), 'a', 1, datetime(2024-01-01 12:00), 'a', 2, datetime(2024-01-03), 'a', 5, datetime(2024-01-02), 'b', 7]
| make-series total = sum(v) default = 0, n = count() on t from datetime(2024-01-01) to datetime(2024-01-04) step 1d by k"#;
    assert_eq!(
        columns(q),
        ["k:string", "total:dynamic", "n:dynamic", "t:dynamic"]
    );
    assert_eq!(
        rows(q),
        vec![
            vec![
                "a",
                "[3,0,5]",
                "[2,0,1]",
                r#"["2024-01-01T00:00:00Z","2024-01-02T00:00:00Z","2024-01-03T00:00:00Z"]"#
            ],
            vec![
                "b",
                "[0,7,0]",
                "[0,1,0]",
                r#"["2024-01-01T00:00:00Z","2024-01-02T00:00:00Z","2024-01-03T00:00:00Z"]"#
            ],
        ]
    );
}

#[test]
fn getschema_search_sample_evaluate() {
    // §B.1.18
    let q = "print s='a', n=1, r=1.5, d=now(), x=dynamic([1]) | getschema";
    assert_eq!(
        rows(q),
        vec![
            vec!["s", "0", "System.String", "string"],
            vec!["n", "1", "System.Int64", "long"],
            vec!["r", "2", "System.Double", "real"],
            vec!["d", "3", "System.DateTime", "datetime"],
            vec!["x", "4", "System.Object", "dynamic"],
        ]
    );
    // §B.1.19: a bare term is `* has term`; `col:"x"` is `col has "x"`
    let q = r#"datatable(a:string, b:string)['error here','x', 'ok','terror', 'fine','Error'] | search "error""#;
    assert_eq!(
        sorted(q),
        table(&[&["error here", "x"], &["fine", "Error"]])
    );
    let q = r#"datatable(a:string, b:string)['error here','x', 'ok','terror'] | search b:"terror""#;
    assert_eq!(rows(q), table(&[&["ok", "terror"]]));
    assert_eq!(rows("range x from 1 to 100 step 1 | sample 7").len(), 7);
    assert_eq!(
        rows("range x from 1 to 100 step 1 | extend k = x % 3 | sample-distinct 2 of k").len(),
        2
    );
    // bag_unpack: one column per key, in name order
    let q = r#"datatable(d:dynamic)[dynamic({"Name": "John", "Age":20}), dynamic({"Name": "Dave", "Age":40}), dynamic({"Name": "Jasmine", "Age":30})] | evaluate bag_unpack(d)"#;
    assert_eq!(columns(q), ["Age:long", "Name:string"]);
    assert_eq!(
        rows(q),
        vec![
            vec!["20", "John"],
            vec!["40", "Dave"],
            vec!["30", "Jasmine"]
        ]
    );
    assert_eq!(
        error_code("print x=1 | evaluate autocluster()"),
        "kql::unsupported"
    );
}

#[test]
fn render_and_as_pass_data_through() {
    assert_eq!(
        rows("range x from 1 to 3 step 1 | render timechart with (title='t')").len(),
        3
    );
    let q = "range x from 1 to 3 step 1 | as T | join kind=inner (T | where x > 1) on x | count";
    assert_eq!(rows(q), table(&[&["2"]]));
}

#[test]
fn pivot_and_ipv4_lookup() {
    // pivot: one column per distinct value (in text order), count() by the other columns
    let q = r#"datatable(Dept:string, Emoji:string)["a","x","a","y","b","x","a","x"] | evaluate pivot(Emoji)"#;
    assert_eq!(columns(q), ["Dept:string", "x:long", "y:long"]);
    assert_eq!(sorted(q), table(&[&["a", "2", "1"], &["b", "1", "0"]]));
    let q = r#"datatable(Dept:string, Emoji:string, n:long)["a","x",1,"a","y",2,"b","x",3,"a","x",4] | evaluate pivot(Emoji, sum(n), Dept)"#;
    assert_eq!(sorted(q), table(&[&["a", "5", "2"], &["b", "3", "0"]]));
    // ipv4_lookup: the first range holding the address; unmatched rows only when asked
    let lookup = r#"let Nets = datatable(net:string, label:string)["10.0.0.0/8","internal","192.168.1.0/24","home"];
datatable(ip:string)["10.1.2.3","8.8.8.8","192.168.1.7"]"#;
    let q = format!("{lookup} | evaluate ipv4_lookup(Nets, ip, net)");
    assert_eq!(
        rows(&q),
        table(&[
            &["10.1.2.3", "10.0.0.0/8", "internal"],
            &["192.168.1.7", "192.168.1.0/24", "home"]
        ])
    );
    let q = format!("{lookup} | evaluate ipv4_lookup(Nets, ip, net, return_unmatched = true)");
    assert_eq!(rows(&q).len(), 3);
}

#[test]
fn unsupported_functions_bind_and_fail_on_rows() {
    // valid KQL kql cannot compute: checking passes, running over rows names the function
    let q = "range x from 1 to 3 step 1 | summarize s = make_list(x) | extend (a, b, c) = series_decompose_anomalies(s)";
    assert_eq!(error_code(q), "kql::unsupported::function");
    let q = "range x from 1 to 3 step 1 | where x > 5 | extend u = parse_user_agent('x', 'browser') | count";
    assert_eq!(rows(q), table(&[&["0"]]));
    assert_eq!(
        rows("print j = jaccard_index(dynamic([1,2,3]), dynamic([2,3,4]))"),
        table(&[&["0.5"]])
    );
}

#[test]
fn top_nested() {
    // the top groups of each level within the level above, with their aggregates
    let q = r#"datatable(State:string, Source:string, n:long)["TX","a",5,"TX","b",1,"TX","a",2,"CA","c",10,"NY","d",1]
| top-nested 2 of State by sum(n), top-nested 1 of Source by Events = count()"#;
    assert_eq!(
        columns(q),
        [
            "State:string",
            "aggregated_State:long",
            "Source:string",
            "Events:long"
        ]
    );
    assert_eq!(
        rows(q),
        vec![vec!["CA", "10", "c", "1"], vec!["TX", "8", "a", "2"]]
    );
}

#[test]
fn where_with_and_keeps_the_rows_where_every_operand_is_true() {
    // `where` runs the operands of `and` one after another on the rows left: the rows kept
    // must be those where the whole predicate is true, nulls included (three-valued logic)
    let data = "datatable(x:long, y:long, b:bool)[1, 2, true, 2, long(null), true, 3, 1, bool(null), 4, 5, false, long(null), 1, true, 6, 0, true]";
    for predicate in [
        "x > 1 and y < 5",
        "x > 1 and y < 5 and b",
        "b and (x > 2 or y > 1) and isnotnull(y)",
        "not(x > 3) and b",
    ] {
        let split = rows(&format!("{data} | where {predicate}"));
        let whole = rows(&format!("{data} | where ({predicate}) == true"));
        assert_eq!(split, whole, "{predicate}");
    }
    assert_eq!(
        rows(&format!("{data} | where x > 1 and y < 5")),
        table(&[&["3", "1", "<null>"], &["6", "0", "true"]])
    );
}
