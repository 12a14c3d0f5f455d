//! The documented examples of `/work/shared/docs/kql-semantics.md` (Part A except the
//! `parse` operator of §A.1, and the parts of Part B kql supports), one test per topic.
//!
//! Every expected value comes from the semantics file; each assertion cites its section.
//! Where the file marks a behaviour [UNKNOWN] or [INF], the comment says so and the test
//! pins the value kql chose. Results whose row order is undefined (summarize, distinct) are
//! compared as sorted multisets.
//!
//! Cells are compared as text (`Value::to_kql_string`), except that a null is written
//! `(null)` so it can be told apart from the empty string.

use kql_eval::source::EmptyCatalog;
use kql_eval::{RunOptions, Table, Value};

/// How a null cell is written in expected rows.
const NULL: &str = "(null)";

/// The instant `now()` is pinned to in the time tests.
const PINNED_NOW: &str = "2024-06-10T12:00:00Z";

fn pinned() -> RunOptions {
    RunOptions {
        now: Some(kql_eval::datetime::parse_datetime(PINNED_NOW).expect("a datetime")),
        ..RunOptions::default()
    }
}

#[track_caller]
fn tables_with(q: &str, options: &RunOptions) -> Vec<Table> {
    match kql_eval::run(q, &EmptyCatalog, options) {
        Ok(tables) => tables,
        Err(e) => panic!("query failed: {q}\n  {}: {}", e.code, e.message),
    }
}

/// The last table `q` produces.
#[track_caller]
fn table_with(q: &str, options: &RunOptions) -> Table {
    tables_with(q, options)
        .pop()
        .unwrap_or_else(|| panic!("no table: {q}"))
}

#[track_caller]
fn table(q: &str) -> Table {
    table_with(q, &RunOptions::default())
}

fn cell(v: &Value) -> String {
    if v.is_null() {
        NULL.to_string()
    } else {
        v.to_kql_string()
    }
}

fn rows_of(t: &Table) -> Vec<Vec<String>> {
    t.rows().map(|r| r.iter().map(cell).collect()).collect()
}

/// Rows of the result, cells as text, in result order.
#[track_caller]
fn rows(q: &str) -> Vec<Vec<String>> {
    rows_of(&table(q))
}

#[track_caller]
fn rows_at_now(q: &str) -> Vec<Vec<String>> {
    rows_of(&table_with(q, &pinned()))
}

/// Rows as a sorted multiset, for results whose order is undefined.
#[track_caller]
fn sorted_rows(q: &str) -> Vec<Vec<String>> {
    let mut r = rows(q);
    r.sort();
    r
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

/// Column names of the result.
#[track_caller]
fn names(q: &str) -> Vec<String> {
    columns(q).into_iter().map(|(n, _)| n).collect()
}

/// The only row of the result.
#[track_caller]
fn row(q: &str) -> Vec<String> {
    let mut r = rows(q);
    assert_eq!(r.len(), 1, "expected one row from {q}, got {r:?}");
    r.remove(0)
}

/// The only cell of the result.
#[track_caller]
fn one(q: &str) -> String {
    let mut r = row(q);
    assert_eq!(r.len(), 1, "expected one column from {q}, got {r:?}");
    r.remove(0)
}

/// The error `q` fails with.
#[track_caller]
fn error(q: &str) -> kql_eval::Error {
    match kql_eval::run(q, &EmptyCatalog, &RunOptions::default()) {
        Ok(t) => panic!(
            "expected an error from {q}, got {:?}",
            t.iter().map(rows_of).collect::<Vec<_>>()
        ),
        Err(e) => e,
    }
}

/// Evaluates each scalar expression with `print` and reports every one whose text differs
/// from the expected value (all mismatches at once).
#[track_caller]
fn check_exprs(cases: &[(&str, &str)]) {
    let mut wrong = Vec::new();
    for (expr, want) in cases {
        let q = format!("print r = {expr}");
        match kql_eval::run(&q, &EmptyCatalog, &RunOptions::default()) {
            Ok(mut t) => {
                let got = t.pop().map(|t| rows_of(&t)).unwrap_or_default();
                if got != vec![vec![want.to_string()]] {
                    wrong.push(format!("{expr}  =>  {got:?}, expected {want:?}"));
                }
            }
            Err(e) => wrong.push(format!("{expr}  =>  error {}: {}", e.code, e.message)),
        }
    }
    assert!(wrong.is_empty(), "wrong results:\n  {}", wrong.join("\n  "));
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn table_of(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter().map(|r| strs(r)).collect()
}

fn cols(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// §A.2 replace / replace_regex / replace_string

#[test]
fn replace_regex_documented_example() {
    // §A.2 [DOC] + [INF]: with a long `x`, str = "Number is 1", replaced = "Number was: 1", ...
    let expected: Vec<Vec<String>> = (1..=5)
        .map(|x| {
            vec![
                x.to_string(),
                format!("Number is {x}"),
                format!("Number was: {x}"),
            ]
        })
        .collect();
    assert_eq!(
        rows(
            r#"range x from 1 to 5 step 1 | extend str=strcat('Number is ', tostring(x)) | extend replaced=replace_regex(str, @'is (\d+)', @'was: \1')"#
        ),
        expected
    );
    // §A.2 [DOC]: the legacy form, regex first and text last
    assert_eq!(
        rows(
            r#"range x from 1 to 5 step 1 | extend str=strcat('Number is ', tostring(x)) | extend replaced=replace(@'is (\d+)', @'was: \1', str)"#
        ),
        expected
    );
    // §A.2 [LS]: the result is a string
    assert_eq!(
        columns(r#"print r = replace(@'is (\d+)', @'was: \1', "is 1")"#),
        cols(&[("r", "string")])
    );
}

#[test]
fn replace_legacy_seed_usage() {
    check_exprs(&[
        // §A.2 seed usage: every lower-case `net` becomes `net1`
        (
            r#"replace("net", "net1", "net user a b /ad")"#,
            "net1 user a b /ad",
        ),
        (
            r#"replace("net", "net1", @"C:\Windows\system32\net.exe user")"#,
            r"C:\Windows\system32\net1.exe user",
        ),
        (r#"replace("net", "net1", "netsh")"#, "net1sh"),
        // §A.2: the regex is case-sensitive
        (r#"replace("net", "net1", "NET USER")"#, "NET USER"),
        // §A.2 [DOC]: all non-overlapping matches are replaced
        (r#"replace("net", "net1", "net net")"#, "net1 net1"),
        // §A.2 [DOC]: `(?i)` makes the regex case-insensitive
        (r#"replace("(?i)net", "x", "NET net")"#, "x x"),
        // §A.2 [DOC]: `\0` is the whole match
        (r#"replace_regex("abc", "b", @"[\0]")"#, "a[b]c"),
    ]);
}

#[test]
fn replace_regex_rewrite_dollar_and_backslash() {
    // §A.2 [UNKNOWN]: a `$` in the rewrite is literal (kql translates it to `$$` for the
    // regex crate), so `$0` is not a group reference: "a$b" -> "a$$0"
    assert_eq!(one(r#"print replace_regex("a$b", "b", "$0")"#), "a$$0");
    // §A.2 [UNKNOWN]: kql chose: a backslash not followed by a digit is literal, and the
    // `\1` after it is still a group reference, so @"\\1" rewrites "b" to `\b` ("a\b").
    // (RE2, the former engine, read `\\` as one literal backslash and would give `a\1`.)
    assert_eq!(one(r#"print replace_regex("ab", "(b)", @"\\1")"#), r"a\b");
    // §A.2 [DOC]: `\1` and `\0` back-references
    assert_eq!(one(r#"print replace_regex("ab", "(b)", @"\1\0")"#), "abb");
    // §A.2 [UNKNOWN] empty matches: kql follows the regex crate and inserts the rewrite at
    // every empty match
    assert_eq!(one(r#"print replace_regex("abc", "x*", "-")"#), "-a-b-c-");
}

#[test]
fn replace_string_examples() {
    check_exprs(&[
        // §A.2 [DOC]
        (
            r#"replace_string("A magic trick can turn a cat into a dog", "cat", "hamster")"#,
            "A magic trick can turn a hamster into a dog",
        ),
        // §A.2 [DOC]: plain text, not a regex; case-sensitive; replace-all
        (r#"replace_string("a.c abc a.c", "a.c", "x")"#, "x abc x"),
        (r#"replace_string("Cat cat", "cat", "dog")"#, "Cat dog"),
        // §A.2 [UNKNOWN] empty lookup: kql chose to return the text unchanged
        (r#"replace_string("abc", "", "x")"#, "abc"),
    ]);
}

// ---------------------------------------------------------------------------------------------
// §A.3 comparison and string operators

#[test]
fn string_operator_documented_examples_are_true() {
    check_exprs(&[
        // §A.3.1 [DOC]: every example yields true
        (r#""aBc" == "aBc""#, "true"),
        (r#""abc" != "ABC""#, "true"),
        (r#""abc" =~ "ABC""#, "true"),
        (r#""aBc" !~ "xyz""#, "true"),
        (r#""FabriKam" contains "BRik""#, "true"),
        (r#""Fabrikam" !contains "xyz""#, "true"),
        (r#""FabriKam" contains_cs "Kam""#, "true"),
        (r#""Fabrikam" startswith "fab""#, "true"),
        (r#""Fabrikam" endswith "Kam""#, "true"),
        (r#""North America" has "america""#, "true"),
        (r#""North America" !has "amer""#, "true"),
        (r#""North America" has_cs "America""#, "true"),
        (
            r#""North and South America" has_all("south", "north")"#,
            "true",
        ),
        (r#""North America" has_any("south", "north")"#, "true"),
        (r#""abc" in ("123", "345", "abc")"#, "true"),
        (r#""bca" !in ("123", "345", "abc")"#, "true"),
        (r#""Abc" in~ ("123", "345", "abc")"#, "true"),
        (r#""bCa" !in~ ("123", "345", "ABC")"#, "true"),
        (r#""Fabrikam" matches regex "b.*k""#, "true"),
        // §A.3.1 [DOC]: `has` looks for whole terms, `contains` for substrings
        (r#""KustoExplorerQueryRun" has "Explorer""#, "false"),
        (r#""KustoExplorerQueryRun" contains "Explorer""#, "true"),
        // §A.3.1 [DOC-EX]: `matches regex` searches (unanchored)
        (r#""LAKE SUPERIOR" matches regex "K.*S""#, "true"),
        // §A.3.1 table: `matches regex` is case-sensitive unless `(?i)`
        (r#""fabrikam" matches regex "B.*K""#, "false"),
        (r#""fabrikam" matches regex "(?i)B.*K""#, "true"),
    ]);
}

#[test]
fn string_operator_table() {
    check_exprs(&[
        // §A.3.1 table: case sensitivity of each operator
        (r#""aBc" == "abc""#, "false"),
        (r#""abc" !~ "ABC""#, "false"),
        (r#""FabriKam" contains_cs "kam""#, "false"),
        (r#""FabriKam" !contains_cs "kam""#, "true"),
        (r#""Fabrikam" !contains "BRIK""#, "false"),
        (r#""Fabrikam" !startswith "FAB""#, "false"),
        (r#""Fabrikam" startswith_cs "fab""#, "false"),
        (r#""Fabrikam" !startswith_cs "fab""#, "true"),
        (r#""Fabrikam" !endswith "KAM""#, "false"),
        (r#""Fabrikam" endswith_cs "Kam""#, "false"),
        (r#""Fabrikam" !endswith_cs "Kam""#, "true"),
        (r#""North America" has_cs "america""#, "false"),
        (r#""North America" !has_cs "america""#, "true"),
        (r#""North America" !has "america""#, "false"),
        // §A.3.1: hasprefix / hassuffix look at the start / end of some term
        (r#""North America" hasprefix "amer""#, "true"),
        (r#""North America" hasprefix "meri""#, "false"),
        (r#""North America" hassuffix "RICA""#, "true"),
        (r#""North America" hassuffix_cs "RICA""#, "false"),
        (r#""North America" hasprefix_cs "Amer""#, "true"),
        (r#""North America" !hasprefix "amer""#, "false"),
        (r#""North America" !hassuffix "orth""#, "false"),
        // §A.3.1: has_all needs every element, has_any one
        (r#""North America" has_all("south", "north")"#, "false"),
        (r#""North America" has_any("south", "west")"#, "false"),
        // §A.3.1: `in` is case-sensitive, `in~` is not
        (r#""Abc" in ("123", "345", "abc")"#, "false"),
        (r#""bCa" !in~ ("123", "345", "BCA")"#, "false"),
        // §A.3.1 note: `!contains` is the negation of `contains` (case-insensitive)
        (r#""Fabrikam" !contains "RIK""#, "false"),
    ]);
}

#[test]
fn case_folding_is_ascii_only() {
    check_exprs(&[
        // §A.3.2 [DOC][INF: all operators]: non-ASCII characters compare exactly
        (r#""\u00C9" =~ "\u00E9""#, "false"),
        (r#""\u00C9" !~ "\u00E9""#, "true"),
        (r#""x\u00C9" contains "\u00E9""#, "false"),
        (r#""\u00C9" in~ ("\u00E9")"#, "false"),
        (r#""a\u00C9" endswith "\u00E9""#, "false"),
        (r#""\u00E9t\u00E9" has "\u00C9T\u00C9""#, "false"),
        // §A.3.2: the ASCII letters around them still fold
        (r#""A\u00C9" =~ "a\u00C9""#, "true"),
        // §A.3.2: `(?i)` in a regex is the regex engine's Unicode-aware folding
        (r#""\u00C9" matches regex "(?i)\u00E9""#, "true"),
    ]);
}

#[test]
fn case_folding_is_ascii_only_literal_text() {
    // §A.3.2 [DOC][INF]: the doc's test written with literal characters
    assert_eq!(one(r#"print "É" =~ "é""#), "false");
    assert_eq!(one(r#"print "É" =~ "É""#), "true");
    // §A.3.3 [3P]: non-ASCII letters are term characters
    assert_eq!(one(r#"print "éa" has "a""#), "false");
}

#[test]
fn has_terms() {
    check_exprs(&[
        // §A.3.3 [DOC]: the documented terms of this string
        (
            r#""Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun" has_all("Kusto", "ad67d136", "c1db", "4f9f", "88ef", "d94f3b6b0b5a", "KustoExplorerQueryRun")"#,
            "true",
        ),
        (
            r#""Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun" has "d94f3b""#,
            "false",
        ),
        (
            r#""Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun" has "Explorer""#,
            "false",
        ),
        // §A.3.3 [DOC]: terms shorter than 3 characters still match (the index limit is
        // only a performance detail)
        (r#""a b-cd" has "cd""#, "true"),
        (r#""a b-cd" has "a""#, "true"),
        // §A.3.3 [3P]: `_` is a delimiter
        (r#""a_b" has "a""#, "true"),
        // §A.3.3 [3P]: non-ASCII letters and digits are term characters
        (r#""\u00E9a" has "a""#, "false"),
        (r#""a1" has "a""#, "false"),
        // §A.3.3 [3P]: a needle with delimiters matches as a phrase, checked at its
        // term-character edges only
        (r#""x a-b y" has "a-b""#, "true"),
        (r#""x ab y" has "a-b""#, "false"),
        (r#""a b" has "a ""#, "true"),
        (r#""xa b" has "a ""#, "false"),
        (r#""no_spaces" has " ""#, "false"),
        (r#""a b" has " ""#, "true"),
        (r#""x" has """#, "true"),
        (r#""" has """#, "true"),
        // §A.3.3: `has` is case-insensitive, `has_cs` is not
        (r#""x a-b y" has "A-B""#, "true"),
        (r#""x a-b y" has_cs "A-B""#, "false"),
    ]);
}

#[test]
fn has_any_and_has_all_forms() {
    // §A.3.3 [DOC]: a dynamic array (flattened) or a `let`-bound array as the list
    check_exprs(&[
        (
            r#""North America" has_any(dynamic(["south", ["north"]]))"#,
            "true",
        ),
        (
            r#""North and South America" has_all(dynamic(["south", "north"]))"#,
            "true",
        ),
        (
            r#""North America" has_all(dynamic(["south", "north"]))"#,
            "false",
        ),
    ]);
    assert_eq!(
        one(
            r#"let words = dynamic(["south", "north"]); print r = "North America" has_any (words)"#
        ),
        "true"
    );
    // (the tabular-expression form of §A.3.3 is not supported by kql yet: not tested)
    // §A.3.3 [3P]: there is no `!has_any` and no `has_any_cs`
    error(r#"print "a" !has_any ("a")"#);
    error(r#"print "a" has_any_cs ("a")"#);
}

#[test]
fn in_operators() {
    check_exprs(&[
        // §A.3.4 [DOC]: nested arrays on the right are flattened
        ("2 in (dynamic([1, [2, 3]]))", "true"),
        ("3 in (dynamic([1, [2, 3]]))", "true"),
        ("4 in (dynamic([1, [2, 3]]))", "false"),
        ("4 !in (dynamic([1, [2, 3]]))", "true"),
        // §A.3.4: scalars and arrays can be mixed in the list
        ("5 in (4, dynamic([5]))", "true"),
        // §A.3.4 seed: in~ is case-insensitive equality with any element
        (r#""NET.EXE" in~ ("net.exe", "net1.exe")"#, "true"),
        (r#""Net1.Exe" in~ ("net.exe", "net1.exe")"#, "true"),
        (r#""net.exe " in~ ("net.exe", "net1.exe")"#, "false"),
        (r#""net2.exe" in~ ("net.exe", "net1.exe")"#, "false"),
        (r#""net2.exe" !in~ ("net.exe", "net1.exe")"#, "true"),
        (r#""NET.EXE" !in~ ("net.exe", "net1.exe")"#, "false"),
        // §A.3.4 [DOC]: `in` is an OR of `==`, `!in` an AND of `!=` (one null operand:
        // `==` false, `!=` true)
        ("long(null) in (1, 2)", "false"),
        ("long(null) !in (1, 2)", "true"),
        ("1 in (long(null), 1)", "true"),
    ]);
    // (the `let` table / tabular-expression form of §A.3.4 is not supported by kql yet:
    // not tested)
}

#[test]

fn in_with_a_dynamic_array_column() {
    // §A.3.4 [DOC] / §B.2 dynamic access: `x in dynamicArray` compares the elements
    assert_eq!(
        rows(
            "print s = dynamic([1, 2]) | project has1 = 1 in (s), has3 = 3 in (s), not2 = 2 !in (s)"
        ),
        table_of(&[&["true", "false", "false"]])
    );
    assert_eq!(
        rows(
            r#"datatable(x:long)[2, 1] | summarize s = make_set(x) | project has1 = 1 in (s), has2 = 2 in (s)"#
        ),
        table_of(&[&["true", "true"]])
    );
}

#[test]
fn empty_and_null_operands() {
    check_exprs(&[
        // §A.3.5: strings are never null; "" is just an empty string
        (r#""" contains "x""#, "false"),
        (r#""" !contains "x""#, "true"),
        (r#"isempty("")"#, "true"),
        // §A.3.5 [UNKNOWN] empty needle: kql chose true (as for `has ""` [3P])
        (r#""x" contains """#, "true"),
        (r#""" contains """#, "true"),
        (r#""x" startswith """#, "true"),
        (r#""x" endswith """#, "true"),
        // §A.3.5 [3P]: one null operand: the positive family is false ...
        ("long(null) == 1", "false"),
        ("1 == long(null)", "false"),
        (r#"dynamic(null) =~ "x""#, "false"),
        ("long(null) in (1)", "false"),
        (r#"dynamic(null) contains "x""#, "false"),
        (r#"dynamic(null) has "x""#, "false"),
        (r#"dynamic(null) startswith "x""#, "false"),
        (r#"dynamic(null) endswith "x""#, "false"),
        (r#"dynamic(null) matches regex "x""#, "false"),
        // ... and the negated family is true
        ("long(null) != 1", "true"),
        (r#"dynamic(null) !~ "x""#, "true"),
        ("long(null) !in (1)", "true"),
        (r#"dynamic(null) !contains "x""#, "true"),
        (r#"dynamic(null) !has "x""#, "true"),
        (r#"dynamic(null) !startswith "x""#, "true"),
        // §A.3.5 [3P]: both null: `==` / `!=` are null
        ("long(null) == long(null)", NULL),
        ("long(null) != long(null)", NULL),
        // §A.3.5 [3P]: ordering comparisons with a null are null
        ("long(null) < 1", NULL),
        ("1 <= long(null)", NULL),
        ("datetime(null) > datetime(2020-01-01)", NULL),
        ("real(null) >= 1.0", NULL),
    ]);
}

// ---------------------------------------------------------------------------------------------
// §A.4 dcount, dcountif, count, countif

#[test]
fn dcount_counts_distinct_non_null_values() {
    // §A.4 [INF]: "" is one distinct value; the name is `dcount_<expr>`, the type long
    assert_eq!(
        columns(r#"datatable(s:string)["a",""] | summarize dcount(s)"#),
        cols(&[("dcount_s", "long")])
    );
    assert_eq!(
        one(r#"datatable(s:string)["a",""] | summarize dcount(s)"#),
        "2"
    );
    // §A.4 [DOC]: nulls are ignored; exact for small cardinalities
    assert_eq!(
        one("datatable(x:long)[1, 2, 2, long(null), 3, 1] | summarize dcount(x)"),
        "3"
    );
    // §A.4 [DOC]: the optional accuracy argument does not change small counts
    assert_eq!(
        one("datatable(x:long)[1, 2, 2, long(null), 3, 1] | summarize dcount(x, 2)"),
        "3"
    );
    // §A.4: one count per group (the seed's `MachineCount=dcount(DeviceName) by ...`)
    assert_eq!(
        sorted_rows(
            r#"datatable(User:string, DeviceName:string)["u1","d1", "u1","d2", "u1","d1", "u2","d1"] | summarize MachineCount=dcount(DeviceName) by User"#
        ),
        table_of(&[&["u1", "2"], &["u2", "1"]])
    );
    assert_eq!(
        columns(
            r#"datatable(User:string, DeviceName:string)["u1","d1"] | summarize MachineCount=dcount(DeviceName) by User"#
        ),
        cols(&[("User", "string"), ("MachineCount", "long")])
    );
}

#[test]
fn dcountif_counts_where_the_predicate_is_true() {
    // §A.4 [DOC]: distinct values over rows whose predicate is true (null/false excluded);
    // the name is `dcountif_<expr>` (modelled on the doc's StormEvents example)
    let q = r#"datatable(State:string, EventType:string, DeathsDirect:long, DeathsIndirect:long)
        ["TEXAS","Flood",1,0, "TEXAS","Hail",0,0, "TEXAS","Flood",0,2, "TEXAS","Heat",long(null),1,
         "OHIO","Hail",0,0]"#;
    assert_eq!(
        sorted_rows(&format!(
            "{q} | summarize DifferentFatalEvents=dcountif(EventType,(DeathsDirect + DeathsIndirect)>0) by State"
        )),
        table_of(&[&["OHIO", "0"], &["TEXAS", "1"]])
    );
    assert_eq!(
        names(&format!(
            "{q} | summarize dcountif(EventType, DeathsDirect > 0)"
        )),
        strs(&["dcountif_EventType"])
    );
    // §A.4 [DOC]: nulls of the expression are ignored
    assert_eq!(
        one("datatable(x:long)[1, long(null), 2] | summarize dcountif(x, true)"),
        "2"
    );
}

#[test]
fn count_and_countif() {
    // §A.4 [DOC-EX, LS]: count() is named `count_` and counts rows
    assert_eq!(
        columns("range x from 1 to 3 step 1 | summarize count()"),
        cols(&[("count_", "long")])
    );
    assert_eq!(one("range x from 1 to 3 step 1 | summarize count()"), "3");
    // §A.4 [DOC-EX]: the obsolete count(expr) counts rows, nulls included; named count_y
    let q = "range x from 1 to 2 step 1 | extend y = iff(x == 1, real(null), real(5)) | summarize count(y)";
    assert_eq!(columns(q), cols(&[("count_y", "long")]));
    assert_eq!(one(q), "2");
    // §A.4 [DOC-EX]: countif over John, Paul, George, Ringo -> `countif_` = 2
    let q = r#"datatable(name:string)["John", "Paul", "George", "Ringo"] | summarize countif(strlen(name) > 4)"#;
    assert_eq!(columns(q), cols(&[("countif_", "long")]));
    assert_eq!(one(q), "2");
    // §A.4 [DOC]: rows where the predicate is true; null and false are not counted
    assert_eq!(
        one("datatable(x:long)[1, long(null), -1, 5] | summarize countif(x > 0)"),
        "2"
    );
}

#[test]
fn aggregates_over_empty_input() {
    // §A.4 [DOC], §A.8 [DOC]: without `by`, one row with the defaults: 0 for the counts and
    // sums, NaN for avg, [] for make_*, null otherwise
    let q = "datatable(x:long)[] | summarize count(), countif(x > 0), dcount(x), dcountif(x, x > 0), sum(x), sumif(x, x > 0), avg(x), make_set(x), make_list(x), min(x), max(x)";
    assert_eq!(
        rows(q),
        table_of(&[&["0", "0", "0", "0", "0", "0", "NaN", "[]", "[]", NULL, NULL]])
    );
    // same over an input emptied by a filter
    assert_eq!(
        rows("range x from 1 to 3 step 1 | where x > 10 | summarize count(), sum(x)"),
        table_of(&[&["0", "0"]])
    );
    // §A.4 [DOC]: with `by`, no rows
    assert_eq!(
        rows("datatable(x:long, k:string)[] | summarize count(), dcount(x), sum(x) by k"),
        Vec::<Vec<String>>::new()
    );
    assert_eq!(
        names("datatable(x:long, k:string)[] | summarize count(), dcount(x), sum(x) by k"),
        strs(&["k", "count_", "dcount_x", "sum_x"])
    );
}

// ---------------------------------------------------------------------------------------------
// §A.5 bool vs numbers; tobool, tolong

#[test]
fn bool_compared_with_numbers() {
    check_exprs(&[
        // §A.5 [LS][INF]: a bool compares as 1/0 with a number
        ("true == 1", "true"),
        ("false == 0", "true"),
        ("true == 2", "false"),
        ("true == 1.0", "true"),
        ("false != 0", "false"),
        ("true != 0", "true"),
        // §A.5 says [INF] "null bool -> null"; §A.10 [DOC] and §A.3.5 [3P] say `==` with one
        // null operand is false. The documented rule wins; either way `where` drops the row.
        ("bool(null) == 0", "false"),
    ]);
    // §A.5 seed: `CreatedOnLocalMachine == 0` holds exactly for false
    assert_eq!(
        rows(
            "datatable(CreatedOnLocalMachine:bool, n:long)[true, 1, false, 2, bool(null), 3] | where CreatedOnLocalMachine == 0 | project n"
        ),
        table_of(&[&["2"]])
    );
    // §A.0 step 6 / §A.5: `!contains` gives a bool column compared with `0`
    assert_eq!(
        rows(
            r#"datatable(ProcessCommandLine:string)["net user a /add", "net user b /add /domain", "net user c /ADD /DO"]
            | extend CreatedOnLocalMachine=(ProcessCommandLine !contains "/do")
            | where ProcessCommandLine !contains "/add" or (CreatedOnLocalMachine == 0 and ProcessCommandLine !contains "/domain")"#
        ),
        table_of(&[&["net user c /ADD /DO", "false"]])
    );
}

#[test]
fn arithmetic_typing() {
    // §A.5 [DOC]: int op int -> long; any real -> real
    assert_eq!(
        columns(
            "print a = toint(1) + toint(2), b = 1 + 2.0, c = 1 / 2, d = 1.0 / 2, e = toint(7) % toint(4)"
        ),
        cols(&[
            ("a", "long"),
            ("b", "real"),
            ("c", "long"),
            ("d", "real"),
            ("e", "long"),
        ])
    );
    check_exprs(&[
        // §A.5 [DOC] integer division
        ("1 / 2", "0"),
        ("1.0 / 2", "0.5"),
        // §A.5 [DOC]: the modulo result is in [0, |D|)
        ("-14 % 12", "10"),
        ("14 % -12", "2"),
        ("14 % 12", "2"),
        // §A.5: integer literals are long
        ("toint(1) + toint(2)", "3"),
    ]);
    // §A.5 [3P]: iff branches must share a type: long and real do not
    error("print iff(true, 1, 2.0)");
    error("print case(true, 1, 2.0)");
    // ... but dynamic pairs with anything
    assert_eq!(
        columns("print r = iff(true, dynamic(1), 2)"),
        cols(&[("r", "dynamic")])
    );
    // ... and int and long count as one
    assert_eq!(
        columns("print r = iff(true, toint(1), 2)"),
        cols(&[("r", "long")])
    );
}

#[test]
fn tobool_tolong_toint() {
    check_exprs(&[
        // §A.5 [DOC]
        (r#"tobool("true") == true"#, "true"),
        (r#"tobool("false") == false"#, "true"),
        ("tobool(1) == true", "true"),
        ("tobool(123) == true", "true"),
        // §A.5 [3P]: true/false in any case, integer text
        (r#"tobool("TRUE")"#, "true"),
        (r#"tobool("False")"#, "false"),
        (r#"tobool("1")"#, "true"),
        (r#"tobool("0")"#, "false"),
        // §A.5 [3P]: these fail -> null
        (r#"tobool("1.5")"#, NULL),
        (r#"tobool("0.0")"#, NULL),
        (r#"tobool("yes")"#, NULL),
        (r#"tobool("")"#, NULL),
        // §A.5 [DOC]
        (r#"tolong("123") == 123"#, "true"),
        ("toint(2.3)", "2"),
        (r#"tolong("abc")"#, NULL),
        (r#"toint("abc")"#, NULL),
        // §A.5 [UNKNOWN]: kql chose the doc's "truncate" for reals
        ("tolong(1.5)", "1"),
        ("toint(2.7)", "2"),
        ("tolong(-1.5)", "-1"),
        // §A.5 [3P]: a string with a fraction is null
        (r#"tolong("1.5")"#, NULL),
        // §A.5 [UNKNOWN]: kql chose to accept surrounding spaces and a leading `+`
        (r#"tolong(" 9")"#, "9"),
        (r#"tolong("+5")"#, "5"),
        // §A.5 [INF]: bools are 1 / 0
        ("tolong(true)", "1"),
        ("toint(false)", "0"),
    ]);
}

// ---------------------------------------------------------------------------------------------
// §A.6 time

#[test]
fn now_and_ago_with_a_pinned_now() {
    // §A.6 [DOC]: now() is the (pinned) current time, ago(ts) = now() - ts, now(offset)
    assert_eq!(
        rows_at_now(
            "print n = now(), a = ago(3d), o = now(-2d), p = now(1h) == ago(-1h), same = now() == now()"
        ),
        table_of(&[&[
            "2024-06-10T12:00:00Z",
            "2024-06-07T12:00:00Z",
            "2024-06-08T12:00:00Z",
            "true",
            "true",
        ]])
    );
    // §A.6 [DOC]: `set query_now = datetime(...)` overrides now(), and ago() with it
    assert_eq!(
        rows_at_now("set query_now = datetime(2024-01-01T00:00:00Z); print now(), ago(1d)"),
        table_of(&[&["2024-01-01T00:00:00Z", "2023-12-31T00:00:00Z"]])
    );
    // §A.6: `Timestamp > ago(3d)` is strict, and a null Timestamp drops the row
    assert_eq!(
        rows_at_now(
            "datatable(n:long, Timestamp:datetime)[1, datetime(2024-06-07T12:00:00Z), 2, datetime(2024-06-07T12:00:01Z), 3, datetime(null), 4, datetime(2024-06-01)] | where Timestamp > ago(3d) | project n"
        ),
        table_of(&[&["2"]])
    );
}

#[test]
fn timespan_literals() {
    check_exprs(&[
        // §A.6 [DOC] timespan literal table, shown as [d.]hh:mm:ss[.fffffff]
        ("2d", "2.00:00:00"),
        ("1.5h", "01:30:00"),
        ("30m", "00:30:00"),
        ("10s", "00:00:10"),
        ("100ms", "00:00:00.1000000"),
        ("10microsecond", "00:00:00.0000100"),
        ("1tick", "00:00:00.0000001"),
        ("timespan(15 seconds)", "00:00:15"),
        ("timespan(2)", "2.00:00:00"),
        ("timespan(0.12:34:56.7)", "12:34:56.7000000"),
        ("time(1d)", "1.00:00:00"),
        ("time(00:01:00)", "00:01:00"),
        ("timespan(null)", NULL),
        // §A.6 [DOC]: display forms
        ("30d", "30.00:00:00"),
        ("1h", "01:00:00"),
        ("1m", "00:01:00"),
    ]);
    // §A.6 [LS]: every suffix spelling
    check_exprs(&[
        ("1d == 1day and 1d == 1days", "true"),
        (
            "1h == 1hr and 1h == 1hrs and 1h == 1hour and 1h == 1hours",
            "true",
        ),
        (
            "1m == 1min and 1m == 1minute and 1m == 1minutes and 1m == 60s",
            "true",
        ),
        (
            "1s == 1sec and 1s == 1second and 1s == 1seconds and 1s == 1000ms",
            "true",
        ),
        (
            "1ms == 1milli and 1ms == 1millis and 1ms == 1millisec and 1ms == 1millisecond and 1ms == 1milliseconds",
            "true",
        ),
        (
            "1000micro == 1ms and 1micros == 1microsec and 1microsecond == 1microseconds and 1micro == 10tick",
            "true",
        ),
        (
            "100nano == 1tick and 100nanos == 1tick and 100nanosec == 1tick and 100nanosecond == 1tick and 100nanoseconds == 1tick",
            "true",
        ),
        ("2ticks == 2tick", "true"),
    ]);
    // §A.6 [DOC]: there is no week suffix
    error("print 1w");
    error("print 2weeks");
}

#[test]
fn timespan_arithmetic() {
    check_exprs(&[
        // §A.6 [DOC]
        ("1d / 5h", "4.8"),
        ("1h / 1s", "3600"),
        ("datetime(2024-01-02) - datetime(2024-01-01)", "1.00:00:00"),
        ("datetime(2024-01-01) + 1h", "2024-01-01T01:00:00Z"),
        ("datetime(2024-01-01) - 1d", "2023-12-31T00:00:00Z"),
        ("1h + 30m", "01:30:00"),
        ("1h - 30m", "00:30:00"),
        ("1.5 * 1h", "01:30:00"),
    ]);
    // §A.6 [DOC]: the types
    assert_eq!(
        columns(
            "print a = 1d / 5h, b = datetime(2024-01-02) - datetime(2024-01-01), c = datetime(2024-01-01) + 1h, d = 1h + 1h, e = 1.5 * 1h"
        ),
        cols(&[
            ("a", "real"),
            ("b", "timespan"),
            ("c", "datetime"),
            ("d", "timespan"),
            ("e", "timespan"),
        ])
    );
    // §A.6 [DOC]: datetime + datetime is not allowed
    error("print datetime(2024-01-01) + datetime(2024-01-01)");
}

#[test]
fn datetime_literals() {
    check_exprs(&[
        // §A.6 [DOC datetime.md] literal forms
        // (the text form of fractional seconds is not specified, §B.2 tostring [UNKNOWN]:
        // compare those values arithmetically)
        (
            "datetime(2015-12-31 23:59:59.9) == datetime(2015-12-31) + 23h + 59m + 59s + 900ms",
            "true",
        ),
        ("datetime(2015-12-31)", "2015-12-31T00:00:00Z"),
        (
            "datetime(2014-05-25T08:20:03.123456Z) == datetime(2014-05-25 08:20:03) + 123456microseconds",
            "true",
        ),
        ("datetime(2014-05-25T08:20)", "2014-05-25T08:20:00Z"),
        ("datetime(2014-11-08 15:55:55)", "2014-11-08T15:55:55Z"),
        ("datetime(null)", NULL),
        // §A.6 [DOC-EX]
        ("todatetime('12-02-2022') == datetime('12-02-2022')", "true"),
        (
            r#"todatetime("2015-12-31 23:59:59.9") == datetime(2015-12-31 23:59:59.9)"#,
            "true",
        ),
    ]);
}

// ---------------------------------------------------------------------------------------------
// §A.7 isempty, isnotempty, isnull, isnotnull

#[test]
fn emptiness_and_nullness_table() {
    // §A.7 table: x | isempty | isnotempty | isnull | isnotnull
    let table: [(&str, [&str; 4]); 9] = [
        (r#""""#, ["true", "false", "false", "true"]),
        (r#""x""#, ["false", "true", "false", "true"]),
        (r#"parse_json("")"#, ["true", "false", "true", "false"]),
        (r#"parse_json("[]")"#, ["false", "true", "false", "true"]),
        (r#"parse_json("{}")"#, ["false", "true", "false", "true"]),
        // [INF from the definitions]
        ("long(null)", ["true", "false", "true", "false"]),
        ("datetime(null)", ["true", "false", "true", "false"]),
        ("5", ["false", "true", "false", "true"]),
        ("now()", ["false", "true", "false", "true"]),
    ];
    let mut cases = Vec::new();
    for (x, want) in &table {
        for (f, w) in ["isempty", "isnotempty", "isnull", "isnotnull"]
            .iter()
            .zip(want)
        {
            cases.push((format!("{f}({x})"), *w));
        }
    }
    let cases: Vec<(&str, &str)> = cases.iter().map(|(e, w)| (e.as_str(), *w)).collect();
    check_exprs(&cases);
    check_exprs(&[
        // §A.7 [DOC]: deprecated aliases
        (r#"notempty("")"#, "false"),
        ("notnull(long(null))", "false"),
        // §A.7 [DOC]: a single space is not empty
        (r#"isempty(" ")"#, "false"),
        (r#"strlen(" ")"#, "1"),
        // §A.7 [DOC]: never null themselves
        ("isnull(real(null))", "true"),
        ("isnotempty(bool(null))", "false"),
    ]);
    // §A.7 seed: isnotempty removes the rows whose string is ""
    assert_eq!(
        rows(r#"datatable(CreatedUser:string)["a", "", "b"] | where isnotempty(CreatedUser)"#),
        table_of(&[&["a"], &["b"]])
    );
}

// ---------------------------------------------------------------------------------------------
// §A.8 summarize: column order and naming

#[test]
fn summarize_column_order() {
    // §A.8 [LS][DOC-EX]: by-columns first in source order, then the aggregates
    let q = r#"datatable(EventType:string, Duration:timespan)["a", 1h, "a", 25h, "b", 2d, "a", 2h]
        | summarize EventCount=count() by EventType, Length=bin(Duration, 1d)"#;
    assert_eq!(
        columns(q),
        cols(&[
            ("EventType", "string"),
            ("Length", "timespan"),
            ("EventCount", "long"),
        ])
    );
    assert_eq!(
        sorted_rows(q),
        table_of(&[
            &["a", "00:00:00", "2"],
            &["a", "1.00:00:00", "1"],
            &["b", "2.00:00:00", "1"],
        ])
    );
    // §A.8: the seed's output columns
    assert_eq!(
        names(
            r#"datatable(CreatedUser:string, CreatedOnLocalMachine:bool, InitiatingProcessFileName:string, FileName:string, ProcessCommandLine:string, InitiatingProcessCommandLine:string, DeviceName:string)[]
            | summarize MachineCount=dcount(DeviceName) by CreatedUser, CreatedOnLocalMachine, InitiatingProcessFileName, FileName, ProcessCommandLine, InitiatingProcessCommandLine"#
        ),
        strs(&[
            "CreatedUser",
            "CreatedOnLocalMachine",
            "InitiatingProcessFileName",
            "FileName",
            "ProcessCommandLine",
            "InitiatingProcessCommandLine",
            "MachineCount",
        ])
    );
}

#[test]
fn summarize_aggregate_names() {
    // §A.8 [LS][DOC]: `prefix_` + the name of the first argument
    assert_eq!(
        names(
            "datatable(x:long, y:long)[1, 2] | summarize count(), count(x), countif(x > 0), dcount(x), dcountif(x, y > 0), sum(x), avg(x), max(x), min(x), make_set(x), make_list(x)"
        ),
        strs(&[
            "count_",
            "count_x",
            "countif_",
            "dcount_x",
            "dcountif_x",
            "sum_x",
            "avg_x",
            "max_x",
            "min_x",
            "set_x",
            "list_x",
        ])
    );
    // §A.8 [LS, 3P]: take_any(x) is `x`; the deprecated any(x) is `any_x`
    assert_eq!(
        names("datatable(x:long, y:long)[1, 2] | summarize take_any(x), any(y)"),
        strs(&["x", "any_y"])
    );
    // §A.8 [DOC-EX]: `Name = expr` names the column
    assert_eq!(
        names("datatable(x:long)[1] | summarize Total = sum(x), n = count()"),
        strs(&["Total", "n"])
    );
    // §A.8 [DOC-EX]: name clashes get a numeric suffix
    assert_eq!(
        names("datatable(y:long)[1] | summarize make_set(y), make_set(y)"),
        strs(&["set_y", "set_y1"])
    );
    assert_eq!(
        names("datatable(y:long)[1] | summarize sum(y), sum(y), sum(y)"),
        strs(&["sum_y", "sum_y1", "sum_y2"])
    );
    // §A.8 [DOC-EX arg_max page]: arg_max(BeginLat, BeginLocation) by State
    let q = r#"datatable(State:string, BeginLat:real, BeginLocation:string)["TX", 1.0, "a", "TX", 2.0, "b", "OH", 3.5, "c"]
        | summarize arg_max(BeginLat, BeginLocation) by State"#;
    assert_eq!(names(q), strs(&["State", "BeginLat", "BeginLocation"]));
    assert_eq!(
        sorted_rows(q),
        table_of(&[&["OH", "3.5", "c"], &["TX", "2", "b"]])
    );
}

#[test]
fn summarize_by_key_names() {
    // §A.8 [LS]: these functions keep the name of their first argument; the bin key keeps
    // the column name
    let q = r#"datatable(Timestamp:datetime, x:long, s:string, r:real)[datetime(2024-01-01 10:30), 1, "2024-01-01", 1.5]
        | summarize count() by bin(Timestamp, 1h)"#;
    assert_eq!(names(q), strs(&["Timestamp", "count_"]));
    assert_eq!(rows(q), table_of(&[&["2024-01-01T10:00:00Z", "1"]]));
    let q = r#"datatable(t:datetime, x:long, s:string, r:real)[datetime(2024-01-01 10:30), 1, "2024-01-01", 1.5]"#;
    assert_eq!(
        names(&format!("{q} | summarize count() by floor(r, 1.0)")),
        strs(&["r", "count_"])
    );
    assert_eq!(
        names(&format!("{q} | summarize count() by tostring(x)")),
        strs(&["x", "count_"])
    );
    assert_eq!(
        names(&format!("{q} | summarize count() by todatetime(s)")),
        strs(&["s", "count_"])
    );
    assert_eq!(
        names(&format!("{q} | summarize count() by startofday(t)")),
        strs(&["t", "count_"])
    );
    assert_eq!(
        names(&format!(
            r#"{q} | summarize count() by format_datetime(t, "yyyy")"#
        )),
        strs(&["t", "count_"])
    );
    // §A.8 [LS]: strlen(s) is `strlen_s`
    assert_eq!(
        names(&format!("{q} | summarize count() by strlen(s)")),
        strs(&["strlen_s", "count_"])
    );
    // (anything else is Column1, ...: see summarize_by_key_column_n_names)
    // §A.8 [LS]: a name clash with a by-key gets a suffix
    assert_eq!(
        names(&format!("{q} | summarize count() by x, tostring(x)")),
        strs(&["x", "x1", "count_"])
    );
    // §A.8 [LS]: a dynamic path `d.a.b` is named `d_a_b` (dynamic cannot be a group key, so
    // shown with project / extend)
    assert_eq!(
        names(r#"print d = dynamic({"a":{"b":1}}) | project d.a.b"#),
        strs(&["d_a_b"])
    );
}

#[test]

fn summarize_by_key_column_n_names() {
    // §A.8 [LS]: `Column1`, `Column2`, ... (first unused) for unnamed expression keys
    assert_eq!(
        names(r#"datatable(s:string, x:long)["a", 1] | summarize count() by x + 1"#),
        strs(&["Column1", "count_"])
    );
    let q = r#"datatable(s:string, x:long)["a", 1] | summarize count() by x + 1, iff(x > 0, 1, 2), tolower(s)"#;
    assert_eq!(names(q), strs(&["Column1", "Column2", "Column3", "count_"]));
    // §B.1.9 + §A.8: distinct names its keys the same way
    assert_eq!(
        names(r#"datatable(s:string, x:long)["a", 1] | distinct x + 1, tolower(s)"#),
        strs(&["Column1", "Column2"])
    );
}

#[test]
fn summarize_groups_and_nulls() {
    // §A.8 [3P]: null keys form their own group; "" is just a value
    assert_eq!(
        sorted_rows(
            r#"datatable(k:long, s:string, v:long)[1, "", 1, long(null), "a", 2, long(null), "", 3, 1, "", 4]
            | summarize sum(v) by k"#
        ),
        table_of(&[&["(null)", "5"], &["1", "5"]])
    );
    assert_eq!(
        sorted_rows(
            r#"datatable(s:string, v:long)["", 1, "a", 2, "", 3] | summarize count() by s"#
        ),
        table_of(&[&["", "2"], &["a", "1"]])
    );
    // §A.8 [DOC-EX]: aggregates ignore nulls
    assert_eq!(
        rows(
            "range x from 1 to 4 step 1 | extend y = iff(x == 1, real(null), real(5)) | summarize sum(y), avg(y)"
        ),
        table_of(&[&["15", "5"]])
    );
    // §A.8 [3P]: an all-null group: sum 0, avg NaN, make_list []
    assert_eq!(
        rows(
            "datatable(k:long, v:long)[1, long(null)] | summarize sum(v), avg(v), make_list(v) by k"
        ),
        table_of(&[&["1", "0", "NaN", "[]"]])
    );
    // §A.8: bool keys are fine
    assert_eq!(
        sorted_rows("datatable(b:bool)[true, false, true] | summarize count() by b"),
        table_of(&[&["false", "1"], &["true", "2"]])
    );
    // §A.8 [LS]: dynamic keys are not
    error("print d = dynamic([1]) | summarize count() by d");
}

// ---------------------------------------------------------------------------------------------
// §A.9 extend, where, not(), precedence, literals, comments, identifiers

#[test]
fn extend_replaces_in_place_and_appends() {
    // §A.9.1 [UNKNOWN doc vs LS]: kql chose the language service's replace-in-place, so the
    // columns stay `a, b` (not `b, a`)
    let q = "print a=1, b=2 | extend a=3";
    assert_eq!(columns(q), cols(&[("a", "long"), ("b", "long")]));
    assert_eq!(rows(q), table_of(&[&["3", "2"]]));
    // §A.9.1 [DOC]: new names are appended in order; the row count is unchanged
    assert_eq!(names("print a=1 | extend c=2, b=3"), strs(&["a", "c", "b"]));
    assert_eq!(
        rows("range x from 1 to 3 step 1 | extend y = x * 2"),
        table_of(&[&["1", "2"], &["2", "4"], &["3", "6"]])
    );
    // §A.9.1 + §A.8: unnamed expressions are named by the §A.8 rules
    assert_eq!(
        names(r#"print a=1, s="X" | extend a + 1, tolower(s), strlen(s)"#),
        strs(&["a", "s", "Column1", "Column2", "strlen_s"])
    );
    // §A.9.1: the seed's parenthesised bool
    assert_eq!(
        columns(
            r#"print ProcessCommandLine="net user x /add" | extend CreatedOnLocalMachine=(ProcessCommandLine !contains "/do")"#
        ),
        cols(&[
            ("ProcessCommandLine", "string"),
            ("CreatedOnLocalMachine", "bool"),
        ])
    );
}

#[test]
fn where_keeps_only_true() {
    // §A.9.2 [DOC]: false and null drop the row; order is preserved
    assert_eq!(
        rows("datatable(x:long)[3, long(null), 1, 5] | where x > 1"),
        table_of(&[&["3"], &["5"]])
    );
    // §A.9.2: `filter` is an alias
    assert_eq!(
        rows("datatable(x:long)[3, long(null), 1, 5] | filter x < 4"),
        table_of(&[&["3"], &["1"]])
    );
    // §A.9.2 [LS]: a non-bool predicate is an error
    error("print x = 1 | where x");
}

#[test]
fn not_function() {
    check_exprs(&[
        // §A.9.3 [DOC]: not(null) is null
        ("not(true)", "false"),
        ("not(false)", "true"),
        ("not(bool(null))", NULL),
        // §A.9.3: whitespace before `(` is allowed
        ("not (1 == 1)", "false"),
    ]);
    // §A.9.3 [DOC]: there is no `!` prefix operator
    error("print !true");
    // §A.9.3 [DOC-EX]
    assert_eq!(
        rows(
            r#"datatable(EventType:string, State:string)["Hail","TEXAS", "Flood","Alaska", "Flood","TEXAS", "Hail","Alaska"]
            | where not(EventType == "Hail" or State == "Alaska")"#
        ),
        table_of(&[&["Flood", "TEXAS"]])
    );
}

#[test]
fn three_valued_and_or() {
    check_exprs(&[
        // §A.9.4 [DOC null-values.md]
        ("false and bool(null)", "false"),
        ("bool(null) and false", "false"),
        ("true or bool(null)", "true"),
        ("bool(null) or true", "true"),
        ("true and bool(null)", NULL),
        ("false or bool(null)", NULL),
        ("bool(null) and bool(null)", NULL),
        ("bool(null) or bool(null)", NULL),
        ("true and true", "true"),
        ("false or false", "false"),
    ]);
    // §A.9.4 [DOC-EX]: iff(null, a, b) is b
    let q = "print print=iff(bool(null) and true, true, false)";
    assert_eq!(columns(q), cols(&[("print", "bool")]));
    assert_eq!(one(q), "false");
}

#[test]
fn operator_precedence() {
    check_exprs(&[
        // §A.9.4 [DOC]: `and` binds tighter than `or`
        ("true or true and false", "true"),
        ("false and false or true", "true"),
        ("false and (false or true)", "false"),
        // §A.9.5 [LS]: string operators bind tighter than `==`: a == (b =~ c)
        (r#"true == "a" =~ "A""#, "true"),
        (r#"false == "a" contains "b""#, "true"),
        // §A.9.5: `*` `/` `%` before `+` `-`, both left-associative
        ("1 + 2 * 3", "7"),
        ("10 - 2 - 3", "5"),
        ("8 / 4 / 2", "1"),
        ("7 - 5 % 3", "5"),
        // §A.9.5: unary minus applies to a level-1 expression
        ("-1 + 2", "1"),
        ("- 2 * 3", "-6"),
        // §A.9.5: arithmetic before ordering before equality
        ("1 + 1 < 3", "true"),
        ("1 < 2 == true", "true"),
        ("1 + 1 == 2", "true"),
        ("1 + 1 in (2)", "true"),
        ("1 == 1 and 2 == 2", "true"),
        ("2 * 3 between (5 .. 6)", "true"),
    ]);
}

#[test]
fn string_literal_forms() {
    check_exprs(&[
        // §A.9.6 [DOC-EX]
        (
            r#"'\\n.*(>|\'|=|\")[a-zA-Z0-9/+]{86}=='"#,
            r#"\n.*(>|'|=|")[a-zA-Z0-9/+]{86}=="#,
        ),
        // §A.9.6 [DOC-EX]: adjacent literals are concatenated
        (r#"strlen("Hello"', '@"world!")"#, "13"),
        (r#""Hello"', '@"world!""#, "Hello, world!"),
        // §A.9.6 [DOC-EX]: \u00A0 is a no-break space, not a space
        (r#""Hello\u00A0World" == "Hello World""#, "false"),
        (r#"strlen("Hello\u00A0World")"#, "11"),
        (r#"indexof("Hello\u00A0World", "\u00A0")"#, "5"),
        // §A.9.6 [DOC]: escapes
        (r#"strlen("\t\n\r")"#, "3"),
        (r#""\"\'\\""#, r#""'\"#),
        (r#"'\'x\''"#, "'x'"),
        (r#""a\tb" == "a	b""#, "true"),
        // §A.9.6 [DOC]: verbatim strings
        (r#"@'C:\Folder\filename.txt'"#, r"C:\Folder\filename.txt"),
        (r#"@"a""b""#, r#"a"b"#),
        (r#"@'it''s'"#, "it's"),
        // §A.9.6 [DOC]: obfuscated strings have the same value
        (r#"h"secret""#, "secret"),
        (r#"H'secret'"#, "secret"),
        (r#"h@"c:\d""#, r"c:\d"),
    ]);
    // §A.9.6 [DOC, LS]: multi-line strings between ``` (and ~~~), no escapes
    assert_eq!(
        row("print x = ```a\\nb\nc```, y = ~~~d~~~"),
        strs(&["a\\nb\nc", "d"])
    );
    // §A.9.6 [LS]: `\d` is not an escape; a raw newline ends the token
    error(r#"print "\d""#);
    error("print \"a\nb\"");
}

#[test]
fn comments() {
    // §A.9.7 [DOC]: `//` to the end of the line, between pipes and at line ends
    assert_eq!(
        rows(
            "// a comment line\nprint x = 1 // trailing\n// between pipes\n| extend y = 2 // \"kind=regex flags=i\"\n"
        ),
        table_of(&[&["1", "2"]])
    );
    // §A.9.7 [LS]: no block comments
    error("print x = 1 /* no */");
}

#[test]
fn identifiers_are_case_sensitive() {
    // §A.9.8 [DOC]: column names are case-sensitive
    error("print a = 1 | project A");
    assert_eq!(
        names("print a = 1, A = 2 | project A, a"),
        strs(&["A", "a"])
    );
    // §A.9.8 [DOC]: keywords are lower-case
    error("print a = 1 | Where a == 1");
    error("print true AND false");
    // §A.9.8 [DOC]: quoted names
    assert_eq!(
        columns(r#"print ['some number'] = 20, ["where"] = 1"#),
        cols(&[("some number", "long"), ("where", "long")])
    );
    assert_eq!(
        one("let ['some number'] = 20; print x = ['some number']"),
        "20"
    );
}

// ---------------------------------------------------------------------------------------------
// §A.10 null / empty semantics

#[test]
fn documented_null_examples() {
    // §A.10 [DOC-EX]
    let q = "datatable(val:int)[5, int(null)] | extend IsBiggerThan3 = val > 3 | extend IsBiggerThan3OrNull = val > 3 or isnull(val) | extend IsEqualToNull = val == int(null) | extend IsNotEqualToNull = val != int(null)";
    assert_eq!(
        rows(q),
        table_of(&[
            &["5", "true", "true", "false", "true"],
            &[NULL, NULL, "true", NULL, NULL],
        ])
    );
    // §A.10 [DOC-EX]: arithmetic propagates null
    assert_eq!(
        rows("datatable(val:int)[5, int(null)] | extend Add = val + 10, Multiply = val * 10"),
        table_of(&[&["5", "15", "50"], &[NULL, NULL, NULL]])
    );
    // §A.10 [DOC-EX]: `null != 5` is true, so where keeps that row
    assert_eq!(
        rows(r#"datatable(ival:int, sval:string)[5, "a", int(null), "b"] | where ival != 5"#),
        table_of(&[&[NULL, "b"]])
    );
}

#[test]
fn null_rules() {
    check_exprs(&[
        // §A.10 [DOC]: every type but string has a null
        ("isnull(bool(null))", "true"),
        ("isnull(int(null))", "true"),
        ("isnull(long(null))", "true"),
        ("isnull(real(null))", "true"),
        ("isnull(double(null))", "true"),
        ("isnull(datetime(null))", "true"),
        ("isnull(timespan(null))", "true"),
        ("isnull(guid(null))", "true"),
        ("isnull(dynamic(null))", "true"),
        // §A.10 [DOC]: strings are never null: tostring(null) is ""
        ("tostring(long(null))", ""),
        ("isnull(tostring(long(null)))", "false"),
        ("isempty(tostring(long(null)))", "true"),
        // §A.10 [DOC]: an extract without a match is ""
        (r#"extract("x(\\d)", 1, "abc")"#, ""),
        (r#"isnull(extract("x(\\d)", 1, "abc"))"#, "false"),
        // §A.10 [DOC]: binary operators propagate null
        ("long(null) + 1", NULL),
        ("2 * real(null)", NULL),
        ("datetime(null) + 1d", NULL),
        // ... except == / != with one null, and false-and / true-or
        ("int(null) == 1", "false"),
        ("int(null) != 1", "true"),
        ("int(null) == int(null)", NULL),
        ("false and bool(null)", "false"),
        ("true or bool(null)", "true"),
        // §A.10 [DOC]: not(null) is null
        ("not(bool(null))", NULL),
        // §A.10 [DOC]: `in` is an OR of `==`, `!in` an AND of `!=`
        ("int(null) in (1, 2)", "false"),
        ("int(null) !in (1, 2)", "true"),
    ]);
    // §A.10 [DOC]: aggregates ignore nulls; count() counts rows (make_list keeps the order
    // of a sorted input, §B.3)
    assert_eq!(
        rows(
            "datatable(x:long)[2, long(null), 1, long(null)] | order by x asc | summarize count(), dcount(x), dcountif(x, true), sum(x), sumif(x, true), make_list(x)"
        ),
        table_of(&[&["4", "2", "2", "3", "3", "[1,2]"]])
    );
    // (make_set's order is undefined, §B.3: check its size and members)
    assert_eq!(
        rows(
            r#"datatable(x:long)[2, long(null), 1, long(null)] | summarize s = make_set(x) | project n = array_length(s), members = tostring(s) in ("[1,2]", "[2,1]")"#
        ),
        table_of(&[&["2", "true"]])
    );
    // §A.10: string predicates over string columns always give a definite bool
    assert_eq!(
        rows(
            r#"datatable(s:string)["", "a"] | extend c = s contains "a", n = s !contains "/do" | project isnull(c), isnull(n)"#
        ),
        table_of(&[&["false", "false"], &["false", "false"]])
    );
}

// ---------------------------------------------------------------------------------------------
// §B.1 tabular operators

#[test]
fn project_operator() {
    // §B.1.1 [DOC]: exactly these columns, in this order; unnamed expressions auto-named
    assert_eq!(
        columns("print a=1, b=2 | project b, c = a + 1, a * 2"),
        cols(&[("b", "long"), ("c", "long"), ("Column1", "long")])
    );
    assert_eq!(
        rows("print a=1, b=2 | project b, c = a + 1, a * 2"),
        table_of(&[&["2", "2", "2"]])
    );
    // §B.1.1 [DOC-EX]
    assert_eq!(
        rows(
            r#"datatable(BeginLocation:string, InjuriesDirect:long, InjuriesIndirect:long)["A", 1, 2, "B", 5, 3, "C", 6, 0]
            | project StartLocation = BeginLocation, TotalInjuries = InjuriesDirect + InjuriesIndirect
            | where TotalInjuries > 5"#
        ),
        table_of(&[&["B", "8"], &["C", "6"]])
    );
    // §B.1.1: a missing column is an error, and so is a duplicate output name [LS]
    error("print a=1 | project b");
    error("print a=1, b=2 | project a, a = b");
}

#[test]
fn project_away_rename_reorder() {
    // §B.1.2 [DOC]: removes the listed columns (wildcards allowed), the rest keep their order
    assert_eq!(
        names("print session_id=1, x=0, session_x=2, y=3 | project-away session*"),
        strs(&["x", "y"])
    );
    assert_eq!(
        names("print a=1, b=2, c=3 | project-away b"),
        strs(&["a", "c"])
    );
    // §B.1.3 [DOC-EX]
    let q = "print a='alpha', b='bravo', c='charlie' | project-rename new_a=a, new_b=b, new_c=c";
    assert_eq!(names(q), strs(&["new_a", "new_b", "new_c"]));
    assert_eq!(rows(q), table_of(&[&["alpha", "bravo", "charlie"]]));
    // §B.1.3: order unchanged
    assert_eq!(
        names("print a=1, b=2, c=3 | project-rename z = b"),
        strs(&["a", "z", "c"])
    );
    // §B.1.4 [DOC-EX]
    let q = "print a='a', b='b', c='c' | project-reorder b";
    assert_eq!(names(q), strs(&["b", "a", "c"]));
    assert_eq!(rows(q), table_of(&[&["b", "a", "c"]]));
    // §B.1.4 [DOC]: a pattern's matches in source order unless asc/desc
    assert_eq!(
        names("print b='b', a2='a2', a3='a3', a1='a1' | project-reorder a*"),
        strs(&["a2", "a3", "a1", "b"])
    );
}

#[test]

fn project_reorder_pattern_order() {
    // §B.1.4 [DOC-EX]
    assert_eq!(
        names("print b='b', a2='a2', a3='a3', a1='a1' | project-reorder a* asc"),
        strs(&["a1", "a2", "a3", "b"])
    );
    // §B.1.4 [DOC]
    assert_eq!(
        names("print b='b', a2='a2', a3='a3', a1='a1' | project-reorder a* desc"),
        strs(&["a3", "a2", "a1", "b"])
    );
}

#[test]
fn take_and_limit() {
    // §B.1.5 [DOC]: up to N rows; which ones is unspecified unless sorted
    assert_eq!(rows("range x from 1 to 5 step 1 | take 3").len(), 3);
    assert_eq!(rows("range x from 1 to 5 step 1 | limit 10").len(), 5);
    assert_eq!(rows("range x from 1 to 5 step 1 | take 0").len(), 0);
    // §B.1.5: after sort, the first N
    assert_eq!(
        rows("range x from 1 to 5 step 1 | sort by x desc | take 2"),
        table_of(&[&["5"], &["4"]])
    );
    assert_eq!(
        rows("range x from 1 to 5 step 1 | order by x asc | limit 2"),
        table_of(&[&["1"], &["2"]])
    );
}

#[test]
fn top_operator() {
    let t = "datatable(x:long, s:string)[1, 'a', long(null), 'n', 3, 'c', 2, 'b']";
    // §B.1.6 [DOC]: default desc, nulls last
    assert_eq!(
        rows(&format!("{t} | top 2 by x")),
        table_of(&[&["3", "c"], &["2", "b"]])
    );
    assert_eq!(
        rows(&format!("{t} | top 10 by x")),
        table_of(&[&["3", "c"], &["2", "b"], &["1", "a"], &[NULL, "n"]])
    );
    // §B.1.6 [DOC]: asc puts nulls first
    assert_eq!(
        rows(&format!("{t} | top 2 by x asc")),
        table_of(&[&[NULL, "n"], &["1", "a"]])
    );
    // §B.1.6 [DOC]: explicit null placement
    assert_eq!(
        rows(&format!("{t} | top 2 by x desc nulls first")),
        table_of(&[&[NULL, "n"], &["3", "c"]])
    );
    assert_eq!(
        rows(&format!("{t} | top 2 by x asc nulls last")),
        table_of(&[&["1", "a"], &["2", "b"]])
    );
}

#[test]
fn sort_operator() {
    let t = "datatable(x:long)[1, long(null), 3, 2]";
    // §B.1.7 [DOC]: default desc with nulls last
    assert_eq!(
        rows(&format!("{t} | sort by x")),
        table_of(&[&["3"], &["2"], &["1"], &[NULL]])
    );
    // §B.1.7 [DOC]: asc with nulls first; `order by` is an alias
    assert_eq!(
        rows(&format!("{t} | order by x asc")),
        table_of(&[&[NULL], &["1"], &["2"], &["3"]])
    );
    assert_eq!(
        rows(&format!("{t} | sort by x asc nulls last")),
        table_of(&[&["1"], &["2"], &["3"], &[NULL]])
    );
    assert_eq!(
        rows(&format!("{t} | sort by x desc nulls first")),
        table_of(&[&[NULL], &["3"], &["2"], &["1"]])
    );
    // §B.1.7 [DOC]: reals, nulls-first asc: null, NaN, -inf, -5, 0, 5, +inf
    assert_eq!(
        rows(
            "datatable(x:real)[5.0, real(null), -5.0, 0.0, real(nan), real(-inf), real(+inf)] | sort by x asc nulls first"
        ),
        table_of(&[
            &[NULL],
            &["NaN"],
            &["-Infinity"],
            &["-5"],
            &["0"],
            &["5"],
            &["Infinity"],
        ])
    );
    // §B.1.7 [DOC]: reals, nulls-last desc: +inf, 5, 0, -5, NaN, null
    assert_eq!(
        rows(
            "datatable(x:real)[5.0, real(null), -5.0, 0.0, real(nan), real(+inf)] | sort by x desc nulls last"
        ),
        table_of(&[&["Infinity"], &["5"], &["0"], &["-5"], &["NaN"], &[NULL]])
    );
    // §B.1.7 [UNKNOWN string order]: kql sorts ordinally (UTF-8 bytes) [INF]: "B" < "a"
    assert_eq!(
        rows(r#"datatable(s:string)["a", "B", "b", "A"] | sort by s asc"#),
        table_of(&[&["A"], &["B"], &["a"], &["b"]])
    );
    // §B.1.7: several keys
    assert_eq!(
        rows(r#"datatable(k:string, v:long)["a", 1, "b", 2, "a", 3] | sort by k asc, v desc"#),
        table_of(&[&["a", "3"], &["a", "1"], &["b", "2"]])
    );
    // §B.1.7: sort keys may be dates and timespans
    assert_eq!(
        rows(
            "datatable(d:datetime, t:timespan)[datetime(2024-01-02), 1h, datetime(2024-01-01), 2h] | sort by d asc"
        ),
        table_of(&[
            &["2024-01-01T00:00:00Z", "02:00:00"],
            &["2024-01-02T00:00:00Z", "01:00:00"],
        ])
    );
}

#[test]

fn sort_groups_nan_with_null() {
    // §B.1.7 [DOC] "null and NaN are grouped together"; the order inside the group [INF]
    // mirrors the documented orders (null outermost)
    assert_eq!(
        rows(
            "datatable(x:real)[5.0, real(null), -5.0, 0.0, real(nan), real(-inf), real(+inf)] | sort by x asc nulls last"
        ),
        table_of(&[
            &["-Infinity"],
            &["-5"],
            &["0"],
            &["5"],
            &["Infinity"],
            &["NaN"],
            &[NULL],
        ])
    );
    assert_eq!(
        rows(
            "datatable(x:real)[5.0, real(null), -5.0, 0.0, real(nan), real(-inf), real(+inf)] | sort by x desc nulls first"
        ),
        table_of(&[
            &[NULL],
            &["NaN"],
            &["Infinity"],
            &["5"],
            &["0"],
            &["-5"],
            &["-Infinity"],
        ])
    );
}

#[test]
fn count_operator() {
    // §B.1.8 [DOC]: one row, one long column `Count`
    assert_eq!(
        columns("range x from 1 to 10 step 1 | count"),
        cols(&[("Count", "long")])
    );
    assert_eq!(one("range x from 1 to 10 step 1 | count"), "10");
    assert_eq!(
        one("range x from 1 to 10 step 1 | where x > 100 | count"),
        "0"
    );
}

#[test]
fn distinct_operator() {
    let t = r#"datatable(a:long, b:string)[1, "x", 1, "x", 2, "y", 1, "z"]"#;
    // §B.1.9 [DOC]: distinct combinations; order unspecified
    assert_eq!(
        sorted_rows(&format!("{t} | distinct a")),
        table_of(&[&["1"], &["2"]])
    );
    assert_eq!(
        sorted_rows(&format!("{t} | distinct a, b")),
        table_of(&[&["1", "x"], &["1", "z"], &["2", "y"]])
    );
    assert_eq!(
        sorted_rows(&format!("{t} | distinct *")),
        table_of(&[&["1", "x"], &["1", "z"], &["2", "y"]])
    );
    assert_eq!(names(&format!("{t} | distinct b, a")), strs(&["b", "a"]));
    // §B.1.9 [LS]: dynamic keys are not allowed
    error("print d = dynamic([1]) | distinct d");
}

#[test]
fn datatable_operator() {
    // §B.1.10 [DOC]: row-major values, a trailing comma is accepted
    let q = r#"datatable(a:long, b:string, c:real)[1, "x", 1.5, 2, "y", real(null),]"#;
    assert_eq!(
        columns(q),
        cols(&[("a", "long"), ("b", "string"), ("c", "real")])
    );
    assert_eq!(rows(q), table_of(&[&["1", "x", "1.5"], &["2", "y", NULL]]));
    // §B.1.10: typed nulls
    assert_eq!(
        rows(
            "datatable(i:int, d:datetime, t:timespan, b:bool)[int(null), datetime(null), timespan(null), bool(null)]"
        ),
        table_of(&[&[NULL, NULL, NULL, NULL]])
    );
}

#[test]
fn print_operator() {
    // §B.1.11 [DOC-EX]
    let q = r#"print 0 + 1 + 2 + 3 + 4 + 5, x = "Wow!""#;
    assert_eq!(columns(q), cols(&[("print_0", "long"), ("x", "string")]));
    assert_eq!(rows(q), table_of(&[&["15", "Wow!"]]));
    // §B.1.11 [DOC]: unnamed columns are named by position
    assert_eq!(
        names("print 1, x = 2, 3"),
        strs(&["print_0", "x", "print_2"])
    );
}

#[test]
fn range_operator() {
    // §B.1.12 [DOC-EX]
    assert_eq!(
        rows("range y from 0 to 20 step 5"),
        table_of(&[&["0"], &["5"], &["10"], &["15"], &["20"]])
    );
    let q = "range x from 1 to 5 step 1";
    assert_eq!(columns(q), cols(&[("x", "long")]));
    assert_eq!(rows(q), table_of(&[&["1"], &["2"], &["3"], &["4"], &["5"]]));
    // §B.1.12 [DOC]: stop is inclusive only when hit
    assert_eq!(
        rows("range x from 1 to 6 step 3"),
        table_of(&[&["1"], &["4"]])
    );
    // §B.1.12 [DOC]: real, datetime and timespan ranges
    assert_eq!(
        rows("range x from 1.0 to 2.0 step 0.5"),
        table_of(&[&["1"], &["1.5"], &["2"]])
    );
    assert_eq!(
        columns("range x from 1.0 to 2.0 step 0.5"),
        cols(&[("x", "real")])
    );
    assert_eq!(
        rows("range d from datetime(2024-01-01) to datetime(2024-01-03) step 1d"),
        table_of(&[
            &["2024-01-01T00:00:00Z"],
            &["2024-01-02T00:00:00Z"],
            &["2024-01-03T00:00:00Z"],
        ])
    );
    assert_eq!(
        rows("range t from 1h to 3h step 1h"),
        table_of(&[&["01:00:00"], &["02:00:00"], &["03:00:00"]])
    );
}

// ---------------------------------------------------------------------------------------------
// §B.2 scalar functions

#[test]
fn extract_function() {
    // §B.2 extract [DOC-EX]
    let q = r#"datatable(Text:string)["User: James, Email: James@example.com, Age: 29", "User: David, Age: 35"]
        | project a = extract("User: ([^,]+)", 1, Text), b = extract(@"Email: (\S+),", 1, Text), c = extract(@"\d+", 0, Text)"#;
    assert_eq!(
        rows(q),
        table_of(&[&["James", "James@example.com", "29"], &["David", "", "35"]])
    );
    assert_eq!(
        columns(q),
        cols(&[("a", "string"), ("b", "string"), ("c", "string")])
    );
}

#[test]

fn extract_with_a_type() {
    // §B.2 extract [DOC-EX]
    assert_eq!(
        row(
            r#"print a = extract(@"-(\d{2})-", 1, "15-12-2024", typeof(int)), b = extract(@"-(\d{2})-", 1, "21-07-2023", typeof(int))"#
        ),
        strs(&["12", "7"])
    );
    assert_eq!(
        columns(r#"print a = extract(@"-(\d{2})-", 1, "15-12-2024", typeof(int))"#),
        cols(&[("a", "int")])
    );
}

#[test]
fn extract_all_function() {
    check_exprs(&[
        // §B.2 extract_all [DOC-EX]
        (
            r#"extract_all(@"(\d+)", "a set of numbers: 123, 567 and 789")"#,
            r#"["123","567","789"]"#,
        ),
        (
            r#"extract_all(@"(\w)(\w+)(\w)", dynamic([1,3]), "82b8be2d-dfa7-4bd1-8f63-24ad26d31449")"#,
            r#"[["8","d"],["d","7"],["4","1"],["8","3"],["2","9"]]"#,
        ),
        // §B.2 [DOC]: several groups -> an array of arrays; no match -> null
        (
            r#"extract_all(@"(\w)=(\d)", "a=1 b=2")"#,
            r#"[["a","1"],["b","2"]]"#,
        ),
        (r#"extract_all(@"(\d+)", "none")"#, NULL),
    ]);
    // §B.2 [DOC]: the regex must have 1 to 16 groups
    error(r#"print extract_all(@"\d+", "123")"#);
}

#[test]
fn split_strcat_strlen() {
    check_exprs(&[
        // §B.2 split [DOC-EX]
        (r#"split("aa_bb", "_")"#, r#"["aa","bb"]"#),
        (r#"split("aaa_bbb_ccc", "_", 1)"#, r#"["bbb"]"#),
        (r#"split("", "_")"#, r#"[""]"#),
        (r#"split("a__b", "_")"#, r#"["a","","b"]"#),
        (r#"split("aabbcc", "bb")"#, r#"["aa","cc"]"#),
        // §B.2 strcat [DOC-EX]; non-strings through tostring, null -> ""
        (r#"strcat("hello", " ", "world")"#, "hello world"),
        (r#"strcat("a", 1, long(null), true)"#, "a1true"),
        // §B.2 strlen [DOC-EX]: Unicode code points
        (r#"strlen("hello")"#, "5"),
        (r#"strlen("\u24A6\u24B0\u24AE\u24AF\u24AA")"#, "5"),
        // 'Çedilla' written with a combining cedilla (C + U+0327) is 8 code points
        (r#"strlen('C\u0327edilla')"#, "8"),
    ]);
    assert_eq!(
        columns(r#"print s = split("a_b", "_"), n = strlen("x"), c = strcat("a")"#),
        cols(&[("s", "dynamic"), ("n", "long"), ("c", "string")])
    );
}

#[test]
fn strlen_with_literal_non_ascii_text() {
    // §B.2 strlen [DOC-EX], written with the literal characters
    assert_eq!(one(r#"print strlen("⒦⒰⒮⒯⒪")"#), "5");
    assert_eq!(one("print strlen('C\u{0327}edilla')"), "8");
}

#[test]
fn substring_case_and_trim() {
    check_exprs(&[
        // §B.2 substring [DOC-EX]
        (r#"substring("123456", 1)"#, "23456"),
        (r#"substring("123456", 2, 2)"#, "34"),
        (r#"substring("ABCD", 0, 2)"#, "AB"),
        (r#"substring("123456", -2, 2)"#, "56"),
        // §B.2 [3P]: out of range is clamped, not an error (exact rules [UNKNOWN]: kql
        // clamps to the string)
        (r#"substring("123456", 4, 10)"#, "56"),
        (r#"substring("123456", 10)"#, ""),
        // §B.2 tolower / toupper
        (r#"tolower("Hello") == "hello""#, "true"),
        (r#"toupper("Hello")"#, "HELLO"),
        // §B.2 [INF: Unicode]
        (r#"tolower("\u00C9") == "\u00E9""#, "true"),
        // §B.2 trim [DOC-EX]
        (r#"trim("--", "--https://bing.com--")"#, "https://bing.com"),
        (r#"trim(@"[^\w]+", "-  Te st1// $")"#, "Te st1"),
        (r#"trim(@"\s+", "    Hello, world!    ")"#, "Hello, world!"),
        (r#"trim("1", "11")"#, ""),
        // §B.2: trim_start / trim_end remove one side only
        (r#"trim_start("-", "--a--")"#, "a--"),
        (r#"trim_end("-", "--a--")"#, "--a"),
    ]);
}

#[test]
fn indexof_function() {
    check_exprs(&[
        // §B.2 indexof [DOC-EX]: all nine examples
        (r#"indexof("abcdefg","cde")"#, "2"),
        (r#"indexof("abcdefg","cde",1,4)"#, "2"),
        (r#"indexof("abcdefg","cde",1,2)"#, "-1"),
        (r#"indexof("abcdefg","cde",3,4)"#, "-1"),
        (r#"indexof("abcdefg","cde",-5)"#, "2"),
        ("indexof(1234567,5,1,4)", "4"),
        (r#"indexof("abcdefg","cde",2,-1)"#, "2"),
        (r#"indexof("abcdefgabcdefg","cde",1,10,2)"#, "9"),
        (r#"indexof("abcdefgabcdefg","cde",1,-1,3)"#, "-1"),
        // §B.2: case-sensitive
        (r#"indexof("abcdefg","CDE")"#, "-1"),
    ]);
}

#[test]
fn iff_case_coalesce() {
    check_exprs(&[
        // §B.2 iff / iif: null and false take the else branch
        (r#"iff(true, "a", "b")"#, "a"),
        ("iif(false, 1, 2)", "2"),
        ("iff(bool(null), 1, 2)", "2"),
        // §B.2 coalesce [DOC-EX]
        (
            r#"coalesce(tolong("not a number"), tolong("42"), 33)"#,
            "42",
        ),
        // §B.2 [DOC]: for strings, the first non-empty
        (r#"coalesce("", "x", "y")"#, "x"),
        ("coalesce(long(null), long(null))", NULL),
    ]);
    // §B.2 case [DOC-EX]
    assert_eq!(
        rows(
            r#"range Size from 1 to 15 step 2 | extend bucket = case(Size <= 3, "Small", Size <= 10, "Medium", "Large")"#
        ),
        table_of(&[
            &["1", "Small"],
            &["3", "Small"],
            &["5", "Medium"],
            &["7", "Medium"],
            &["9", "Medium"],
            &["11", "Large"],
            &["13", "Large"],
            &["15", "Large"],
        ])
    );
}

#[test]
fn tostring_and_conversions() {
    check_exprs(&[
        // §B.2 tostring [DOC]: null -> ""
        ("tostring(long(null))", ""),
        // §B.2 tostring [UNKNOWN formats; observed forms, INF]: kql writes ISO datetimes,
        // [d.]hh:mm:ss timespans, compact JSON and true/false
        (
            "tostring(datetime(2016-02-17 08:40:00))",
            "2016-02-17T08:40:00Z",
        ),
        ("tostring(1h)", "01:00:00"),
        ("tostring(4d)", "4.00:00:00"),
        (r#"tostring(dynamic({"a":[1,2]}))"#, r#"{"a":[1,2]}"#),
        ("tostring(true)", "true"),
        ("tostring(1.5)", "1.5"),
        ("tostring(123)", "123"),
        // §B.2 conversions [DOC-EX]
        (
            r#"todatetime("2015-12-31 23:59:59.9") == datetime(2015-12-31 23:59:59.9)"#,
            "true",
        ),
        (r#"totimespan("0.00:03:00")"#, "00:03:00"),
        ("totimespan(4d)", "4.00:00:00"),
        (r#"toreal("123.4") == 123.4"#, "true"),
        (r#"todouble("123.4") == 123.4"#, "true"),
        (r#"toint("123") == 123"#, "true"),
        ("toint(2.3)", "2"),
        (r#"totime("00:01:00")"#, "00:01:00"),
        // §B.2 [DOC]: a failed conversion is null, never an error
        (r#"todouble("x")"#, NULL),
        (r#"todatetime("x")"#, NULL),
        (r#"totimespan("x")"#, NULL),
        (r#"toguid("x")"#, NULL),
        (r#"tobool("x")"#, NULL),
    ]);
    assert_eq!(
        columns(
            r#"print a = toint("1"), b = tolong("1"), c = toreal("1"), d = todatetime("2020-01-01"), e = totimespan("1:00:00"), f = tobool("true"), g = toguid("00000000-0000-0000-0000-000000000000"), h = todynamic("[1]")"#
        ),
        cols(&[
            ("a", "int"),
            ("b", "long"),
            ("c", "real"),
            ("d", "datetime"),
            ("e", "timespan"),
            ("f", "bool"),
            ("g", "guid"),
            ("h", "dynamic"),
        ])
    );
}

#[test]
fn parse_json_and_dynamic_access() {
    check_exprs(&[
        // §B.2 parse_json [DOC-EX]
        (
            r#"parse_json(tostring(parse_json('{"a":123, "b":"{\\"c\\":456}"}').b)).c"#,
            "456",
        ),
        // §B.2 [DOC]: invalid JSON gives a dynamic string holding the text
        (r#"parse_json("not json")"#, "not json"),
        (r#"isnull(parse_json("not json"))"#, "false"),
        // §B.2 [DOC]: a dynamic input is returned as is; aliases
        ("parse_json(dynamic([1]))", "[1]"),
        (r#"todynamic("[1]")"#, "[1]"),
        (r#"parsejson('{"a":1}').a"#, "1"),
        // §B.2 dynamic access [DOC-EX]
        ("parse_json('[100,101,102]')[0]", "100"),
        ("toint(parse_json('[100,101,102]')[1])", "101"),
        // §B.2 [DOC]: negative indexes count from the end
        ("parse_json('[100,101,102]')[-1]", "102"),
        ("parse_json('[100,101,102]')[(-1)]", "102"),
        // §B.2 [INF, 3P]: missing keys and out-of-range indexes are null
        ("parse_json('[100,101,102]')[5]", NULL),
        (r#"parse_json('{"a":1}').b"#, NULL),
        // §B.2 [DOC]: d.key == d["key"] == d['key']; keys with spaces and keywords
        (r#"parse_json('{"k":{"x":3}}').k.x"#, "3"),
        (r#"parse_json('{"k":{"x":3}}')["k"]["x"]"#, "3"),
        (r#"parse_json('{"k":{"x":3}}')['k'].x"#, "3"),
        (r#"parse_json('{"a b c":1}')["a b c"]"#, "1"),
        (r#"parse_json('{"where":2}')['where']"#, "2"),
    ]);
    // §B.2 [DOC]: the results are dynamic
    assert_eq!(
        columns("print d = parse_json('[100,101,102]') | project a = d[0], b = toint(d[1])"),
        cols(&[("a", "dynamic"), ("b", "int")])
    );
    // §B.2 [DOC]: column-valued subscripts
    assert_eq!(
        rows(
            r#"datatable(d:dynamic, i:long, k:string)[dynamic([10, 20, 30]), 1, "a", dynamic({"a": 5}), 0, "a"]
            | project x = d[i], y = d[k]"#
        ),
        table_of(&[&["20", NULL], &[NULL, "5"]])
    );
}

#[test]
fn array_length_and_bag_pack() {
    check_exprs(&[
        // §B.2 array_length [DOC-EX]; null if not an array
        (r#"array_length(dynamic([1, 2, 3, "four"]))"#, "4"),
        (r#"array_length(dynamic({"a":1}))"#, NULL),
        ("array_length(dynamic([]))", "0"),
        // §B.2 bag_pack [DOC-EX] (pack and pack_dictionary are aliases)
        (
            r#"bag_pack("Level", "Information", "ProcessID", 1234, "Data", bag_pack("url", "www.bing.com"))"#,
            r#"{"Level":"Information","ProcessID":1234,"Data":{"url":"www.bing.com"}}"#,
        ),
        (r#"pack("a", 1)"#, r#"{"a":1}"#),
        (r#"pack_dictionary("a", 1)"#, r#"{"a":1}"#),
    ]);
}

#[test]
fn bin_and_startofday() {
    check_exprs(&[
        // §B.2 bin [DOC-EX]
        ("bin(4.5, 1)", "4"),
        ("bin(time(16d), 7d)", "14.00:00:00"),
        (
            "bin(datetime(1970-05-11 13:45:07), 1d)",
            "1970-05-11T00:00:00Z",
        ),
        // §B.2 [DOC]: null value, null or negative size -> null
        ("bin(long(null), 1)", NULL),
        ("bin(5, -1)", NULL),
        ("bin(5, long(null))", NULL),
        // §B.2 [DOC]: floor is the same function
        ("floor(4.5, 1)", "4"),
        // §B.2 [3P]: datetime bins are multiples from the Unix epoch
        ("bin(datetime(1970-01-10), 7d)", "1970-01-08T00:00:00Z"),
    ]);
    // §B.2 startofday [DOC-EX]
    assert_eq!(
        rows(
            "range offset from -1 to 1 step 1 | project dayStart = startofday(datetime(2017-01-01 10:10:17), offset)"
        ),
        table_of(&[
            &["2016-12-31T00:00:00Z"],
            &["2017-01-01T00:00:00Z"],
            &["2017-01-02T00:00:00Z"],
        ])
    );
}

#[test]
fn datetime_diff_and_format_datetime() {
    check_exprs(&[
        // §B.2 datetime_diff [DOC-EX]
        (
            "datetime_diff('year',datetime(2017-01-01),datetime(2000-12-31))",
            "17",
        ),
        (
            "datetime_diff('quarter',datetime(2017-07-01),datetime(2017-03-30))",
            "2",
        ),
        (
            "datetime_diff('month',datetime(2017-01-01),datetime(2015-12-30))",
            "13",
        ),
        (
            "datetime_diff('week',datetime(2017-10-29 00:00),datetime(2017-09-30 23:59))",
            "5",
        ),
        (
            "datetime_diff('day',datetime(2017-10-29 00:00),datetime(2017-09-30 23:59))",
            "29",
        ),
        (
            "datetime_diff('hour',datetime(2017-10-31 01:00),datetime(2017-10-30 23:59))",
            "2",
        ),
        (
            "datetime_diff('minute',datetime(2017-10-30 23:05:01),datetime(2017-10-30 23:00:59))",
            "5",
        ),
        (
            "datetime_diff('second',datetime(2017-10-30 23:00:10.100),datetime(2017-10-30 23:00:00.900))",
            "10",
        ),
        (
            "datetime_diff('millisecond',datetime(2017-10-30 23:00:00.200100),datetime(2017-10-30 23:00:00.100900))",
            "100",
        ),
        (
            "datetime_diff('microsecond',datetime(2017-10-30 23:00:00.1009001),datetime(2017-10-30 23:00:00.1008009))",
            "100",
        ),
        (
            "datetime_diff('nanosecond',datetime(2017-10-30 23:00:00.0000000),datetime(2017-10-30 23:00:00.0000007))",
            "-700",
        ),
        // §B.2 [DOC]: period names are case-insensitive
        (
            "datetime_diff('YEAR',datetime(2017-01-01),datetime(2000-12-31))",
            "17",
        ),
        // §B.2 format_datetime [DOC-EX]
        (
            "format_datetime(datetime(2017-01-29 09:00:05), 'yy-MM-dd [HH:mm:ss]')",
            "17-01-29 [09:00:05]",
        ),
        (
            "format_datetime(datetime(2017-01-29 09:00:05), 'yyyy-M-dd [H:mm:ss]')",
            "2017-1-29 [9:00:05]",
        ),
    ]);
}

#[test]
fn between_operator() {
    // §B.2 between [DOC-EX]: inclusive
    assert_eq!(
        rows("range x from 1 to 100 step 1 | where x between (50 .. 55)"),
        table_of(&[&["50"], &["51"], &["52"], &["53"], &["54"], &["55"]])
    );
    check_exprs(&[
        // §B.2 [DOC]: for datetimes the upper bound may be a timespan
        (
            "datetime(2024-01-02) between (datetime(2024-01-01) .. 1d)",
            "true",
        ),
        (
            "datetime(2024-01-03) between (datetime(2024-01-01) .. 1d)",
            "false",
        ),
        // §B.2 [DOC]: !between is the negation
        ("5 !between (1 .. 4)", "true"),
        ("4 !between (1 .. 4)", "false"),
    ]);
}

// ---------------------------------------------------------------------------------------------
// §B.3 aggregation functions

/// The elements of a dynamic array's JSON text, sorted (for sets, whose order is undefined).
fn sorted_elements(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let mut items: Vec<String> = v
        .as_array()
        .expect("an array")
        .iter()
        .map(|i| i.to_string())
        .collect();
    items.sort();
    items
}

#[test]
fn make_set_flattens_arrays() {
    // §B.3 make_set [DOC-EX]
    let r = row(
        r#"datatable (Val: int, Arr1: dynamic)[1, dynamic(['A1','A2','A3']), 5, dynamic(['A2','C1']), 7, dynamic(['C2','A3']), 5, dynamic(['C2','A1'])]
        | summarize Val_set=make_set(Val), Arr1_set=make_set(Arr1)"#,
    );
    assert_eq!(sorted_elements(&r[0]), strs(&["1", "5", "7"]));
    assert_eq!(
        sorted_elements(&r[1]),
        strs(&[r#""A1""#, r#""A2""#, r#""A3""#, r#""C1""#, r#""C2""#])
    );
    // §B.3 [DOC]: nulls are ignored; the name is set_x
    let q = "datatable(x:long)[1, long(null), 1] | summarize make_set(x)";
    assert_eq!(columns(q), cols(&[("set_x", "dynamic")]));
    assert_eq!(one(q), "[1]");
    // §B.3 [DOC]: the max argument caps the size
    assert_eq!(
        sorted_elements(&one(
            "datatable(x:long)[1, 2, 3] | summarize make_set(x, 2)"
        ))
        .len(),
        2
    );
}

#[test]
fn make_list_keeps_duplicates() {
    // §B.3 make_list [DOC-EX]: shapes grouped by isEvenSideCount (input sorted, so order kept)
    let q = r#"datatable (name: string, sideCount: int)
        ["triangle", int(3), "square", int(4), "rectangle", int(4), "pentagon", int(5), "hexagon", int(6),
         "heptagon", int(7), "octagon", int(8), "nonagon", int(9), "decagon", int(10)]
        | order by sideCount asc
        | summarize mylist = make_list(name) by isEvenSideCount = sideCount % 2 == 0"#;
    let mut r = rows(q);
    r.sort();
    assert_eq!(
        r,
        table_of(&[
            &["false", r#"["triangle","pentagon","heptagon","nonagon"]"#],
            &[
                "true",
                r#"["square","rectangle","hexagon","octagon","decagon"]"#
            ],
        ])
    );
    // §B.3 [DOC]: duplicates kept, nulls ignored; the name is list_x; the max caps it
    let q = "datatable(x:long)[1, long(null), 1] | order by x asc | summarize make_list(x)";
    assert_eq!(columns(q), cols(&[("list_x", "dynamic")]));
    assert_eq!(one(q), "[1,1]");
    assert_eq!(
        one("datatable(x:long)[1, 2, 3] | order by x asc | summarize make_list(x, 2)"),
        "[1,2]"
    );
    // §B.3 [DOC]: an empty group gives []
    assert_eq!(one("datatable(x:long)[] | summarize make_list(x)"), "[]");
}

#[test]
fn arg_max_arg_min_with_nulls() {
    let t = r#"datatable(Fruit: string, Color: string, Version: int)["Apple","Red",1,"Apple","Green",int(null),"Banana","Yellow",int(null),"Banana","Green",int(null),"Pear","Brown",1,"Pear","Green",2]"#;
    // §B.3 arg_max [DOC-EX] with named columns (the `*` form is in arg_max_star_columns)
    assert_eq!(
        sorted_rows(&format!("{t} | summarize arg_max(Version, Color) by Fruit")),
        table_of(&[
            &["Apple", "1", "Red"],
            &["Banana", NULL, "Yellow"],
            &["Pear", "2", "Green"],
        ])
    );
    // §B.3 arg_min [DOC-EX]
    assert_eq!(
        sorted_rows(&format!("{t} | summarize arg_min(Version, Color) by Fruit")),
        table_of(&[
            &["Apple", "1", "Red"],
            &["Banana", NULL, "Yellow"],
            &["Pear", "1", "Brown"],
        ])
    );
}

#[test]

fn arg_max_star_columns() {
    let t = r#"datatable(Fruit: string, Color: string, Version: int)["Apple","Red",1,"Apple","Green",int(null),"Banana","Yellow",int(null),"Banana","Green",int(null),"Pear","Brown",1,"Pear","Green",2]"#;
    // §B.3 arg_max [DOC-EX]: `*` = the non-key columns, the expression's column once
    let q = format!("{t} | summarize arg_max(Version, *) by Fruit");
    assert_eq!(names(&q), strs(&["Fruit", "Version", "Color"]));
    assert_eq!(
        sorted_rows(&q),
        table_of(&[
            &["Apple", "1", "Red"],
            &["Banana", NULL, "Yellow"],
            &["Pear", "2", "Green"],
        ])
    );
    // §B.3 arg_min [DOC-EX]
    assert_eq!(
        sorted_rows(&format!("{t} | summarize arg_min(Version, *) by Fruit")),
        table_of(&[
            &["Apple", "1", "Red"],
            &["Banana", NULL, "Yellow"],
            &["Pear", "1", "Brown"],
        ])
    );
}

#[test]
fn min_max_sum_avg_with_nulls() {
    // §B.3 [DOC]: nulls are ignored
    assert_eq!(
        rows("datatable(x:long)[1, long(null), 5] | summarize min(x), max(x), sum(x), avg(x)"),
        table_of(&[&["1", "5", "6", "3"]])
    );
    // §B.3 [DOC-EX]: sum(y), avg(y) over (null, 5, 5, 5) -> 15, 5
    assert_eq!(
        rows(
            "range x from 1 to 4 step 1 | extend y = iff(x == 1, real(null), real(5)) | summarize sum(y), avg(y)"
        ),
        table_of(&[&["15", "5"]])
    );
    // §B.3 [DOC]: nothing -> sum 0, avg NaN, min/max null
    assert_eq!(
        rows("datatable(x:long)[] | summarize min(x), max(x), sum(x), avg(x)"),
        table_of(&[&[NULL, NULL, "0", "NaN"]])
    );
    assert_eq!(
        rows(
            "datatable(k:long, x:long)[1, long(null)] | summarize min(x), max(x), sum(x), avg(x) by k"
        ),
        table_of(&[&["1", NULL, NULL, "0", "NaN"]])
    );
    // §B.3 [DOC]: avg of ints is real
    let q = "datatable(x:int)[1, 2] | summarize avg(x), sum(x), min(x)";
    assert_eq!(rows(q), table_of(&[&["1.5", "3", "1"]]));
    assert_eq!(columns(q)[0], ("avg_x".to_string(), "real".to_string()));
    // min/max of strings and datetimes
    assert_eq!(
        rows(
            r#"datatable(s:string, d:datetime)["b", datetime(2024-01-02), "a", datetime(2024-01-01)] | summarize min(s), max(d)"#
        ),
        table_of(&[&["a", "2024-01-02T00:00:00Z"]])
    );
}
