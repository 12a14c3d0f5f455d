//! Parser tests: small inputs with their AST (spans visible), canonical text and errors.

use crate::{ParseError, parse};

/// Parses `src` and returns its canonical text, checking it is a fixed point.
fn canonical(src: &str) -> String {
    let ast = parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    let text = ast.to_string();
    let again = parse(&text).unwrap_or_else(|e| panic!("reparse of {text}: {e:?}"));
    assert_eq!(again.to_string(), text, "display is not a fixed point");
    text
}

fn error(src: &str) -> ParseError {
    parse(src).expect_err("expected a syntax error")
}

#[test]
fn precedence_follows_kql_table() {
    insta::assert_snapshot!(canonical("T | where a or b and c == 1 + 2 * 3"), @r"
    T
    | where a or b and c == 1 + 2 * 3
    ");
    // string operators bind tighter than `==` and arithmetic (§A.9.5)
    let ast = parse("print a == b =~ c").unwrap();
    insta::assert_snapshot!(format!("{:?}", ast.statements[0].kind), @r#"Query(Expr { kind: Print([Assignment { name: None, more_names: [], expr: Expr { kind: Binary { op: Eq, lhs: Expr { kind: Name(Ident { name: "a", span: 6..7 }), span: 6..7 }, rhs: Expr { kind: Binary { op: EqCi, lhs: Expr { kind: Name(Ident { name: "b", span: 11..12 }), span: 11..12 }, rhs: Expr { kind: Name(Ident { name: "c", span: 16..17 }), span: 16..17 } }, span: 11..17 } }, span: 6..17 } }]), span: 0..17 })"#);
    insta::assert_snapshot!(canonical("print (1 + 2) * 3, -(a), not(x)"), @"print (1 + 2) * 3, -a, not(x)");
}

#[test]
fn non_associative_operators_need_parentheses() {
    let e = error("print a == b == c");
    assert_eq!(e.span.start, 13);
    assert_eq!(canonical("print (a == b) == c"), "print (a == b) == c");
}

#[test]
fn string_operators() {
    insta::assert_snapshot!(canonical(
        r#"T | where a contains "x" and b !contains_cs "y" and c has_cs "z" and d !startswith "p" and e endswith_cs "s" and f matches regex "a.*b" and g !~ "Q" and h in~ ("a", "b") and i !in (1, 2) and j has_any ("x") and k !between (1 .. 5)"#
    ), @r#"
    T
    | where a contains "x" and b !contains_cs "y" and c has_cs "z" and d !startswith "p" and e endswith_cs "s" and f matches regex "a.*b" and g !~ "Q" and h in~ ("a", "b") and i !in (1, 2) and j has_any ("x") and k !between (1 .. 5)
    "#);
}

#[test]
fn literals() {
    insta::assert_snapshot!(canonical(
        r#"print 1, 1.5, 1e3, 0x1F, true, "a\"b", 'c\'d', @"C:\x", "a" 'b', 3d, 1.5h, 100ms, 10microsecond, 2tick, -3d"#
    ), @r#"print 1, 1.5, 1000.0, 31, true, "a\"b", "c'd", "C:\\x", "ab", 3d, 90m, 100ms, 10microsecond, 2tick, -3d"#);
    insta::assert_snapshot!(canonical(
        "print datetime(2024-01-01 10:00), datetime(null), long(null), int(5), time(1d), timespan(2), timespan(0.12:34:56.7), dynamic([1, 'a', {\"k\": null}]), guid(74be27de-1e4e-49d9-b579-fe0b331d3642), real(nan), bool(true)"
    ), @r#"print datetime(2024-01-01 10:00), datetime(null), long(null), int(5), 1d, 2d, 45296700ms, dynamic([1, "a", {"k": null}]), guid(74be27de-1e4e-49d9-b579-fe0b331d3642), real(nan), true"#);
    insta::assert_snapshot!(canonical("print ```multi\nline```, @'a''b'"), @r#"print "multi\nline", "a'b""#);
}

#[test]
fn comments_anywhere_whitespace_may_stand() {
    insta::assert_snapshot!(canonical("T // source\n// a comment line\n| where x // trailing\n  > 1 // end"), @r"
    T
    | where x > 1
    ");
}

#[test]
fn statements() {
    insta::assert_snapshot!(canonical(
        "set query_now = datetime(2024-06-10T12:00:00Z);\nset notruncation;\nlet n = 5;\nlet ['my table'] = T | take n;\n['my table'] | count"
    ), @r#"
    set query_now = datetime(2024-06-10T12:00:00Z);
    set notruncation;
    let n = 5;
    let ["my table"] = T
    | take n;
    ["my table"]
    | count
    "#);
}

#[test]
fn tabular_operators() {
    insta::assert_snapshot!(canonical(
        "T | extend a = 1, b | project a, c = b + 1 | project-away x, y* | project-rename n = a | take 5 | limit 2 | summarize count(), s = sum(x) by k, bin(t, 1h) | sort by a desc nulls first, b | order by c asc | top 3 by x | distinct a, b | summarize by k"
    ), @r"
    T
    | extend a = 1, b
    | project a, c = b + 1
    | project-away x, y*
    | project-rename n = a
    | take 5
    | take 2
    | summarize count(), s = sum(x) by k, bin(t, 1h)
    | sort by a desc nulls first, b
    | sort by c asc
    | top 3 by x
    | distinct a, b
    | summarize by k
    ");
    insta::assert_snapshot!(canonical("datatable(a:long, b:string)[1, 'x', 2, 'y',] | where a > 1"), @r#"
    datatable(a:long, b:string)[1, "x", 2, "y"]
    | where a > 1
    "#);
    insta::assert_snapshot!(canonical("range x from 1 to 10 step 2 | count"), @r"
    range x from 1 to 10 step 2
    | count
    ");
}

#[test]
fn parse_operator() {
    let src = r#"T | parse kind = regex flags=iU ProcessCommandLine with * "user " CreatedUser " " * "/ad""#;
    insta::assert_snapshot!(canonical(src), @r#"
    T
    | parse kind=regex flags=iU ProcessCommandLine with * "user " CreatedUser " " * "/ad"
    "#);
    let ast = parse(src).unwrap();
    insta::assert_snapshot!(format!("{:#?}", ast.statements[0].kind), @r#"
    Query(
        Expr {
            kind: Pipe {
                input: Expr {
                    kind: Name(
                        Ident {
                            name: "T",
                            span: 0..1,
                        },
                    ),
                    span: 0..1,
                },
                op: Operator {
                    kind: Parse(
                        Parse {
                            drop_unmatched: false,
                            kind: Some(
                                Regex,
                            ),
                            flags: Some(
                                Ident {
                                    name: "iU",
                                    span: 29..31,
                                },
                            ),
                            source: Expr {
                                kind: Name(
                                    Ident {
                                        name: "ProcessCommandLine",
                                        span: 32..50,
                                    },
                                ),
                                span: 32..50,
                            },
                            pattern: [
                                Star(
                                    56..57,
                                ),
                                Literal(
                                    "user ",
                                    58..65,
                                ),
                                Column {
                                    name: Ident {
                                        name: "CreatedUser",
                                        span: 66..77,
                                    },
                                    ty: None,
                                },
                                Literal(
                                    " ",
                                    78..81,
                                ),
                                Star(
                                    82..83,
                                ),
                                Literal(
                                    "/ad",
                                    84..89,
                                ),
                            ],
                        },
                    ),
                    span: 4..89,
                },
            },
            span: 0..89,
        },
    )
    "#);
    insta::assert_snapshot!(canonical(r#"T | parse-where EventText with * "n=" n:long "," rest | take 1"#), @r#"
    T
    | parse-where EventText with * "n=" n:long "," rest
    | take 1
    "#);
}

#[test]
fn member_and_index_access() {
    insta::assert_snapshot!(canonical(r#"print d.a.b, d["k"][0], $left.x, a[-1]"#), @r#"print d.a.b, d["k"][0], $left.x, a[-1]"#);
}

#[test]
fn seed_query_parses_and_round_trips() {
    let src = include_str!("../../../../queries/create-account.kql");
    insta::assert_snapshot!(canonical(src), @r#"
    DeviceProcessEvents
    | where FileName in~ ("net.exe", "net1.exe") and Timestamp > ago(3d)
    | parse kind=regex flags=iU ProcessCommandLine with * "user " CreatedUser " " * "/ad"
    | where isnotempty(CreatedUser)
    | where not(FileName =~ "net1.exe" and InitiatingProcessFileName =~ "net.exe" and replace("net", "net1", InitiatingProcessCommandLine) =~ ProcessCommandLine)
    | extend CreatedOnLocalMachine = ProcessCommandLine !contains "/do"
    | where ProcessCommandLine !contains "/add" or CreatedOnLocalMachine == 0 and ProcessCommandLine !contains "/domain"
    | summarize MachineCount = dcount(DeviceName) by CreatedUser, CreatedOnLocalMachine, InitiatingProcessFileName, FileName, ProcessCommandLine, InitiatingProcessCommandLine
    "#);
}

#[test]
fn errors_point_at_the_problem() {
    let e = error("T | whereabouts x");
    insta::assert_snapshot!(format!("{} @ {:?} ({})", e.message, e.span, e.label), @"syntax error: expected a tabular operator (where, extend, project, summarize, join, union, ...) @ 4..15 (found `whereabouts`)");
    let e = error("T | fork (take 1)");
    insta::assert_snapshot!(format!("{} {} @ {:?}", e.code, e.message, e.span), @"kql::syntax::unsupported `fork` is not supported yet @ 4..8");
    let e = error("T | where (a > 1");
    insta::assert_snapshot!(format!("{} @ {:?} ({})", e.message, e.span, e.label), @"syntax error: expected `)` @ 15..16 (query ends here)");
    let e = error(r#"print "a\d""#);
    insta::assert_snapshot!(format!("{} @ {:?}", e.message, e.span), @"invalid escape sequence in string literal @ 8..10");
    let e = error("print \"abc");
    insta::assert_snapshot!(format!("{} @ {:?}", e.message, e.span), @"unterminated string literal @ 6..10");
    let e = error("T | where x > 1.5x");
    insta::assert_snapshot!(format!("{} @ {:?}", e.message, e.span), @"`1.5x` is not a valid number or timespan @ 14..18");
    let e = error("let f = (x:long) { x + 1 ; print f(1)");
    assert_eq!(e.span.start, 27);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!("print {}1{}", "(".repeat(5000), ")".repeat(5000));
    let e = error(&src);
    assert_eq!(e.code, "kql::syntax::too_deep");
    let ok = format!("print {}1{}", "(".repeat(50), ")".repeat(50));
    assert_eq!(canonical(&ok), "print 1");
    // 100 levels of parentheses are fine, around calls and signs too
    let ok = format!("print {}1{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(canonical(&ok), "print 1");
    let ok = format!("print {}1{}", "abs(-(".repeat(100), "))".repeat(100));
    assert!(canonical(&ok).starts_with("print abs(-abs(-abs("));
    // long chains deepen the tree as much as parentheses do: bounded the same way, with the
    // error at the operator where the limit is reached
    let chain = |n: usize, op: &str| format!("print {}", vec!["1"; n].join(op));
    assert!(parse(&chain(400, " + ")).is_ok());
    for op in [" + ", " or ", ".a", "[0]"] {
        let src = if op.starts_with(['.', '[']) {
            format!("print x{}", op.repeat(100_000))
        } else {
            chain(100_000, op)
        };
        let e = error(&src);
        assert_eq!(e.code, "kql::syntax::too_deep", "{op}");
        assert!(
            e.span.start > 400 && !e.span.is_empty(),
            "{op}: {:?}",
            e.span
        );
    }
    let pipes = format!("print x = 1{}", " | extend y = 1".repeat(100_000));
    assert_eq!(error(&pipes).code, "kql::syntax::too_deep");
    // sources and functions nested in themselves count too, each level one
    let forms = [
        ("", "range a from ", "1", " to 2 step 3"),
        ("", "union ", "T", ""),
        ("", "search in (", "T", ") x"),
        ("T | ", "mv-apply x on (", "take 1", ")"),
        ("", "let f = () { ", "1", " }; f"),
    ];
    for (start, open, inner, close) in forms {
        let nested = |n: usize| format!("{start}{}{inner}{}", open.repeat(n), close.repeat(n));
        let e = error(&nested(100_000));
        assert_eq!(e.code, "kql::syntax::too_deep", "{open}");
        // and read back within the limit when they are within it
        canonical(&nested(240));
    }
}

#[test]
fn join_lookup_union() {
    insta::assert_snapshot!(canonical(
        "T | join kind=leftouter hint.strategy=broadcast (U | where x > 1) on Key, $left.A == $right.B | lookup kind=inner Dim on Key | union withsource=Src U, Device*, (V | take 1)"
    ), @r"
    T
    | join kind=leftouter hint.strategy=broadcast (U
    | where x > 1) on Key, $left.A == $right.B
    | lookup kind=inner Dim on Key
    | union withsource=Src U, Device*, (V
    | take 1)
    ");
    insta::assert_snapshot!(canonical("union isfuzzy=true T, U | count"), @r"
    union isfuzzy=true T, U
    | count
    ");
    insta::assert_snapshot!(canonical("union * | count"), @r"
    union *
    | count
    ");
}

#[test]
fn functions_and_views() {
    insta::assert_snapshot!(canonical(
        "let f = (x:long, s:string = \"a\") { let y = x * 2; y + strlen(s) }; let g = (T:(k:string), n:long) { T | take n }; let v = view () { print 1 }; print f(1)"
    ), @r#"
    let f = (x:long, s:string = "a") {
    let y = x * 2;
    y + strlen(s)
    };
    let g = (T:(k:string), n:long) {
    T
    | take n
    };
    let v = view () {
    print 1
    };
    print f(1)
    "#);
}

#[test]
fn expansion_and_series_operators() {
    insta::assert_snapshot!(canonical(
        "T | mv-expand bagexpansion=array with_itemindex=I a, b = c to typeof(long) limit 10 | mv-apply x = arr to typeof(string) on (where x has \"a\" | project x) | make-series n = count() default = 0 on Timestamp from ago(7d) to now() step 1d by Dev | top-nested 3 of State by sum(x) desc, top-nested 2 of Src by count()"
    ), @r#"
    T
    | mv-expand bagexpansion=array with_itemindex=I a, b = c to typeof(long) limit 10
    | mv-apply x = arr to typeof(string) on (where x has "a" | project x)
    | make-series n = count() default = 0 on Timestamp from ago(7d) to now() step 1d by Dev
    | top-nested 3 of State by sum(x) desc, top-nested 2 of Src by count()
    "#);
}

#[test]
fn sources_and_plugins() {
    insta::assert_snapshot!(canonical(
        "externaldata(Sha1:string, n:long)[@\"https://example.com/x.csv\"] with (format=\"csv\", ignoreFirstRecord=true) | evaluate bag_unpack(d) | evaluate ipv4_lookup(Nets, ip, net, return_unmatched = true) | render timechart with (title=\"x\") | invoke f(1) | getschema | serialize n = row_number() | as Step | sample 5 | sample-distinct 3 of k"
    ), @r#"
    externaldata(Sha1:string, n:long)["https://example.com/x.csv"] with (format="csv", ignoreFirstRecord=true)
    | evaluate bag_unpack(d)
    | evaluate ipv4_lookup(Nets, ip, net, return_unmatched = true)
    | render timechart with (title="x")
    | invoke f(1)
    | getschema
    | serialize n = row_number()
    | as Step
    | sample 5
    | sample-distinct 3 of k
    "#);
    insta::assert_snapshot!(canonical(r#"search in (T, U) "ntds" and ActionType:"FileModified""#), @r#"search in (T, U) "ntds" and ActionType has "FileModified""#);
    insta::assert_snapshot!(canonical("search *"), @"search *");
}

#[test]
fn names_and_access_forms() {
    // a name may start with digits; `.[0]` indexes
    insta::assert_snapshot!(canonical("let 2022Top = dynamic([1]); print 2022Top.[0], d.['k']"), @r#"
    let 2022Top = dynamic([1]);
    print 2022Top[0], d["k"]
    "#);
    insta::assert_snapshot!(canonical("T | extend (a, b) = f(x)"), @r"
    T
    | extend (a, b) = f(x)
    ");
}

#[test]
fn non_ascii_text_keeps_offsets() {
    let src = "print \"☢️ RunMRU\", x = \"🛜\" | where x == \"🛜\"";
    let ast = parse(src).unwrap();
    insta::assert_snapshot!(ast.to_string(), @r#"
    print "☢️ RunMRU", x = "🛜"
    | where x == "🛜"
    "#);
    let e = error("print \"é\" | whereabouts");
    assert_eq!(e.span.text("print \"é\" | whereabouts"), "whereabouts");
}

/// What the fuzzer found (`fuzz/regressions/parse/`), in readable form: each canonical text
/// reads back as the same script.
#[test]
fn fuzz_findings_round_trip() {
    // dates and guids keep their text: spaces at its ends are quoted, quotes are errors
    insta::assert_snapshot!(canonical(r#"print datetime(" 2020-01-01 "), guid('')"#), @r#"print datetime(" 2020-01-01 "), guid("")"#);
    assert_eq!(
        error(r#"print guid('{"uses')"#).code,
        "kql::syntax::literal"
    );
    // a chain of `search` operands: the first operand of each predicate takes the parentheses
    // (around the whole predicate, each `search` would nest one level deeper)
    insta::assert_snapshot!(canonical("print -search(1)-search(0)--search(2)"), @"print -search (1) - search (0) - -search (2)");
    // a timespan whose days overflow is an error, not an overflow
    assert_eq!(
        error(r#"print timespan("1.444444444444444402:03:06.5")"#).code,
        "kql::syntax::literal"
    );
    // signs print without parentheses, which would count twice against the nesting limit
    insta::assert_snapshot!(canonical("print ++-+x, - -1, -(-x)"), @"print + + - +x, 1, - -x");
    // a digit-led property name after a number
    insta::assert_snapshot!(canonical("print 3 .2e1, 0.t"), @"print 3 .2e1, 0.t");
    insta::assert_snapshot!(canonical("s | render p a= 0.t"), @r"
    s
    | render p with (a=0.t)
    ");
    // property names that are keywords stay property names
    insta::assert_snapshot!(canonical("print x.by, x.and, x. ['a b']"), @r#"print x.by, x.and, x. ["a b"]"#);
    // names that would start a source where an expression starts
    insta::assert_snapshot!(canonical("print- contains; range-1"), @r#"
    ["print"] - ["contains"];
    ["range"] - 1
    "#);
    insta::assert_snapshot!(canonical("print [\"datetime\"](1)"), @r#"print ["datetime"](1)"#);
    // whole units of a timespan are exact, not rounded through a real
    let ast = parse("print 729465739384500ms").unwrap();
    assert!(format!("{ast:?}").contains("TimeSpan(7294657393845000000)"));
    // a pipeline inside a list or an operator's arguments keeps its parentheses
    insta::assert_snapshot!(canonical("datatable(a:long)[T | summarize by x, y, , 1]"), @r"
    datatable(a:long)[(T
    | summarize by x, y), 1]
    ");
    insta::assert_snapshot!(canonical("T | extend(x | extend y = 1)"), @r"
    T
    | extend (x
    | extend y = 1)
    ");
    // a call whose name is no plain word; a pipeline as a `range` bound
    insta::assert_snapshot!(canonical(r#"print pc([""](dynamic))"#), @r#"print pc([""](dynamic))"#);
    insta::assert_snapshot!(canonical("range x from 1 to 4 step(1 | serialize a, 1, 0)"), @r"
    range x from 1 to 4 step (1
    | serialize a, 1, 0)
    ");
    // a parenthesised name before `=~` is a comparison, not a tuple assignment
    insta::assert_snapshot!(canonical("print print =~ rs"), @"print (print) =~ rs");
    insta::assert_snapshot!(canonical("print (a) =~ b, (c) = 1"), @"print a =~ b, c = 1");
    // a digit-led table name after `union`
    insta::assert_snapshot!(canonical("print union(0m30), 7"), @"print union (0m30), (7)");
    // a call whose name would read as a number keeps its brackets
    insta::assert_snapshot!(canonical(r#"pc(["2"](dV))"#), @r#"pc(["2"](dV))"#);
    // a `search` operand whose predicate prints in parentheses reads back as a search
    insta::assert_snapshot!(canonical("print e * search kindx in() / 2"), @"print e * search (kindx in ()) / 2");
    // a source typed without parentheses after a sign or `=` prints without them: each pair
    // would count against the nesting limit
    insta::assert_snapshot!(canonical("print -+print a=print d = -x"), @"print - +print a = print d = -x");
    assert!(canonical(&format!("{}print 1", "-".repeat(498))).ends_with(" -print 1"));
    // the error for a missing parse pattern points at `with`, inside the text
    let e = error("T | parse x with\n");
    assert_eq!((e.span.start, e.span.end), (12, 16));
}

/// Forms akin to the fuzz findings: names that would read as something else, sources inside
/// expressions, `search` with a parenthesised predicate.
#[test]
fn canonical_names_and_sources_read_back() {
    // names and call names that would read as numbers, literals or keywords keep brackets
    insta::assert_snapshot!(canonical(r#"print ["1d"], ["2e5x"], ["0xg"], 2a, ["1d"](x), ["true"](x), ["٣"](x), x. ["٣x"], not(x)"#), @r#"print ["1d"], ["2e5x"], ["0xg"], 2a, ["1d"](x), ["true"](x), ["٣"](x), x. ["٣x"], not(x)"#);
    insta::assert_snapshot!(canonical(r#"["let"](x); ["set"](1); let a = ["view"] + ["view"](x); T | summarize ["by"](x)"#), @r#"
    ["let"](x);
    ["set"](1);
    let a = ["view"] + ["view"](x);
    T
    | summarize ["by"](x)
    "#);
    // a named argument's value that would take in the arguments after it keeps parentheses
    insta::assert_snapshot!(canonical("print f(a = (print x), b), f(b, a = print x, y)"), @"print f(a = (print x), b), f(b, a = print x, y)");
    insta::assert_snapshot!(canonical("print f(a = (T | summarize by x), b)"), @r"
    print f(a = (T
    | summarize by x), b)
    ");
    // sources inside sources and operators, bare where nothing follows them
    insta::assert_snapshot!(canonical("range a from range b from 1 to 2 step 3 to 4 step -print 5"), @"range a from range b from 1 to 2 step 3 to 4 step -print 5");
    insta::assert_snapshot!(canonical("range a from (print) to 1 step 2"), @"range a from (print) to 1 step 2");
    insta::assert_snapshot!(canonical("union union T, union U; print (union T), 1 + print 2 | take 1"), @r"
    union union T, union U;
    print (union T), 1 + print 2
    | take 1
    ");
    insta::assert_snapshot!(canonical("print -(print 1)[0], (print) + 1, -(print), 2"), @"print -(print 1)[0], (print) + 1, -(print), 2");
    // a pipeline as a `between` bound keeps its parentheses; `$left` may come first in a union
    insta::assert_snapshot!(canonical("print x between ((T | take 1) .. print 2); union ($left), T"), @r"
    print x between ((T
    | take 1) .. print 2);
    union $left, T
    ");
    // operands read without pipelines keep the parentheses of one, whatever their place
    insta::assert_snapshot!(canonical("T | distinct a, (U | take 1) | join (U) on (U | take 1) | search (U | take 1) | invoke (U | take 1) | sample (U | count); search in ((a + b)) x"), @r"
    T
    | distinct a, (U
    | take 1)
    | join U on (U
    | take 1)
    | search (U
    | take 1)
    | invoke (U
    | take 1)
    | sample (U
    | count);
    search in ((a + b)) x
    ");
    // `search (`: a parenthesised predicate, not a call of a function `search`
    insta::assert_snapshot!(canonical("search (x) + 1"), @"search (x) + 1");
    insta::assert_snapshot!(canonical(r#"search "a" in () / 2; search kindx + search kindy"#), @r#"
    search ("a" in ()) / 2;
    search kindx + search kindy
    "#);
}
