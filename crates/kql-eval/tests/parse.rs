//! The `parse` operator against the documented examples and measurements of
//! `kql-semantics.md` §A.1 (section numbers in the comments).

use kql_eval::source::EmptyCatalog;
use kql_eval::{RunOptions, run};

/// The rows of the last result as text (null as `<null>`), in output order.
fn rows(q: &str) -> Vec<Vec<String>> {
    let tables =
        run(q, &EmptyCatalog, &RunOptions::default()).unwrap_or_else(|e| panic!("{q}\n{e:?}"));
    let table = tables.last().expect("a result");
    table
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

/// Column names and types of the last result.
fn columns(q: &str) -> Vec<String> {
    let tables = run(q, &EmptyCatalog, &RunOptions::default()).unwrap();
    let table = tables.last().unwrap();
    table
        .schema
        .fields
        .iter()
        .map(|f| format!("{}:{}", f.name, f.ty))
        .collect()
}

fn error_code(q: &str) -> &'static str {
    run(q, &EmptyCatalog, &RunOptions::default())
        .expect_err("expected an error")
        .code
}

/// The single parsed value of `parse <mode> s with <pattern>` over one input.
fn parsed(mode_and_pattern: &str, input: &str) -> Vec<String> {
    let q = format!(
        "datatable(s:string)[{}] | parse {mode_and_pattern} | project-away s",
        quote(input)
    );
    rows(&q).remove(0)
}

fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

const TRACES: &str = r#"let Traces=datatable(EventText: string)
[
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=15, lockTime=02/17/2016 08:40:00, releaseTime=02/17/2016 08:40:00, previousLockTime=02/17/2016 08:39:00)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=20, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=22, lockTime=02/17/2016 08:41:01, releaseTime=02/17/2016 08:41:00, previousLockTime=02/17/2016 08:40:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=16, lockTime=02/17/2016 08:41:00, releaseTime=02/17/2016 08:41:00, previousLockTime=02/17/2016 08:40:00)"
];
"#;

fn sorted(mut r: Vec<Vec<String>>) -> Vec<Vec<String>> {
    r.sort();
    r
}

fn table(lines: &[&[&str]]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn r1_regex_literals_and_typed_columns() {
    // §A.1.6 R1: greedy string captures keep the trailing ", "
    let q = format!(
        r#"{TRACES}Traces
| parse kind=regex EventText with "(.*?)[a-zA-Z]*=" resourceName @", totalSlices=\s*\d+\s*.*?sliceNumber=" sliceNumber: long  ".*?(previous)?lockTime=" lockTime ".*?releaseTime=" releaseTime ".*?previousLockTime=" previousLockTime: date "\\)"
| project resourceName, sliceNumber, lockTime, releaseTime, previousLockTime"#
    );
    assert_eq!(
        columns(&q),
        [
            "resourceName:string",
            "sliceNumber:long",
            "lockTime:string",
            "releaseTime:string",
            "previousLockTime:datetime"
        ]
    );
    assert_eq!(
        sorted(rows(&q)),
        sorted(table(&[
            &[
                "PipelineScheduler",
                "15",
                "02/17/2016 08:40:00, ",
                "02/17/2016 08:40:00, ",
                "2016-02-17T08:39:00Z"
            ],
            &[
                "PipelineScheduler",
                "23",
                "02/17/2016 08:40:01, ",
                "02/17/2016 08:40:01, ",
                "2016-02-17T08:39:01Z"
            ],
            &[
                "PipelineScheduler",
                "20",
                "02/17/2016 08:40:01, ",
                "02/17/2016 08:40:01, ",
                "2016-02-17T08:39:01Z"
            ],
            &[
                "PipelineScheduler",
                "16",
                "02/17/2016 08:41:00, ",
                "02/17/2016 08:41:00, ",
                "2016-02-17T08:40:00Z"
            ],
            &[
                "PipelineScheduler",
                "22",
                "02/17/2016 08:41:01, ",
                "02/17/2016 08:41:00, ",
                "2016-02-17T08:40:01Z"
            ],
        ]))
    );
}

#[test]
fn r2_default_is_greedy_and_r3_u_flag_is_lazy() {
    // §A.1.6 R2: up to the last comma of each line
    let q = format!(
        r#"{TRACES}Traces | parse kind=regex EventText with * "resourceName=" resourceName ',' * | project resourceName"#
    );
    let expected: Vec<Vec<String>> = [
        "PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01",
        "PipelineScheduler, totalSlices=27, sliceNumber=15, lockTime=02/17/2016 08:40:00, releaseTime=02/17/2016 08:40:00",
        "PipelineScheduler, totalSlices=27, sliceNumber=20, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01",
        "PipelineScheduler, totalSlices=27, sliceNumber=22, lockTime=02/17/2016 08:41:01, releaseTime=02/17/2016 08:41:00",
        "PipelineScheduler, totalSlices=27, sliceNumber=16, lockTime=02/17/2016 08:41:00, releaseTime=02/17/2016 08:41:00",
    ]
    .iter()
    .map(|s| vec![s.to_string()])
    .collect();
    assert_eq!(rows(&q), expected);
    // §A.1.6 R3: `flags=Ui` — lazy and case-insensitive
    let q = format!(
        r#"{TRACES}Traces | parse kind=regex flags=Ui EventText with * "RESOURCENAME=" resourceName ',' * | project resourceName"#
    );
    assert_eq!(rows(&q), vec![vec!["PipelineScheduler".to_string()]; 5]);
}

#[test]
fn r4_s_flag_crosses_newlines() {
    let input = r#"let Traces=datatable(EventText: string)
[
"Event: NotifySliceRelease (resourceName=PipelineScheduler\ntotalSlices=27\nsliceNumber=23\nlockTime=02/17/2016 08:40:01\nreleaseTime=02/17/2016 08:40:01\npreviousLockTime=02/17/2016 08:39:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler\ntotalSlices=27\nsliceNumber=15\nlockTime=02/17/2016 08:40:00\nreleaseTime=02/17/2016 08:40:00\npreviousLockTime=02/17/2016 08:39:00)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler\ntotalSlices=27\nsliceNumber=20\nlockTime=02/17/2016 08:40:01\nreleaseTime=02/17/2016 08:40:01\npreviousLockTime=02/17/2016 08:39:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler\ntotalSlices=27\nsliceNumber=22\nlockTime=02/17/2016 08:41:01\nreleaseTime=02/17/2016 08:41:00\npreviousLockTime=02/17/2016 08:40:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler\ntotalSlices=27\nsliceNumber=16\nlockTime=02/17/2016 08:41:00\nreleaseTime=02/17/2016 08:41:00\npreviousLockTime=02/17/2016 08:40:00)"
];
"#;
    let pattern = r#"* "resourceName=" resourceName: string "(.*?)totalSlices=" totalSlices: long "(.*?)lockTime=" lockTime: datetime "(.*?)releaseTime=" releaseTime: datetime "(.*?)previousLockTime=" previousLockTime: datetime "\\)""#;
    let q = format!(
        "{input}Traces | parse kind=regex flags=s EventText with {pattern} | project-away EventText"
    );
    assert_eq!(
        columns(&q),
        [
            "resourceName:string",
            "totalSlices:long",
            "lockTime:datetime",
            "releaseTime:datetime",
            "previousLockTime:datetime"
        ]
    );
    // §A.1.6 R4: the capture keeps the newline
    assert_eq!(
        sorted(rows(&q)),
        sorted(table(&[
            &[
                "PipelineScheduler\n",
                "27",
                "2016-02-17T08:40:00Z",
                "2016-02-17T08:40:00Z",
                "2016-02-17T08:39:00Z"
            ],
            &[
                "PipelineScheduler\n",
                "27",
                "2016-02-17T08:40:01Z",
                "2016-02-17T08:40:01Z",
                "2016-02-17T08:39:01Z"
            ],
            &[
                "PipelineScheduler\n",
                "27",
                "2016-02-17T08:40:01Z",
                "2016-02-17T08:40:01Z",
                "2016-02-17T08:39:01Z"
            ],
            &[
                "PipelineScheduler\n",
                "27",
                "2016-02-17T08:41:00Z",
                "2016-02-17T08:41:00Z",
                "2016-02-17T08:40:00Z"
            ],
            &[
                "PipelineScheduler\n",
                "27",
                "2016-02-17T08:41:01Z",
                "2016-02-17T08:41:00Z",
                "2016-02-17T08:40:01Z"
            ],
        ]))
    );
    // §A.1.4 note 7: without `s`, no generated `.*` crosses a newline: no match, row kept
    let q = format!(
        "{input}Traces | parse kind=regex EventText with {pattern} | project-away EventText"
    );
    assert_eq!(
        rows(&q),
        vec![vec!["", "<null>", "<null>", "<null>", "<null>"]; 5]
    );
}

#[test]
fn r5_r6_parse_where_in_regex_mode() {
    let input = r#"let Traces = datatable(EventText: string)
[
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=non_valid_integer, sliceNumber=11, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=15, lockTime=02/17/2016 08:40:00, releaseTime=02/17/2016 08:40:00, previousLockTime=02/17/2016 08:39:00)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=non_valid_integer, sliceNumber=44, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=22, lockTime=02/17/2016 08:41:01, releaseTime=02/17/2016 08:41:00, previousLockTime=02/17/2016 08:40:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=16, lockTime=02/17/2016 08:41:00, releaseTime=02/17/2016 08:41:00, previousLockTime=02/17/2016 08:40:00)"
];
"#;
    // §A.1.6 R5: case-sensitive by default, so nothing matches and parse-where keeps nothing
    let r5 = format!(
        r#"{input}Traces | parse-where kind = regex EventText with * "RESOURCENAME=" resourceName "," * "totalSlices=" totalSlices: long "," * | project resourceName, totalSlices"#
    );
    assert_eq!(rows(&r5), Vec::<Vec<String>>::new());
    // §A.1.6 R6: with `flags=i`, the three rows with a valid integer
    let r6 = format!(
        r#"{input}Traces | parse-where kind = regex flags=i EventText with * "RESOURCENAME=" resourceName "," * "totalSlices=" totalSlices: long "," * | project resourceName, totalSlices"#
    );
    assert_eq!(rows(&r6), vec![vec!["PipelineScheduler", "27"]; 3]);
}

#[test]
fn regex_mode_measurements() {
    // §A.1.3 [3P] table, row by row
    let cases: [(&str, &str, &[&str]); 15] = [
        (r#"kind=regex s with "a" v "c" *"#, "aXcYc", &["XcY"]),
        (r#"kind=regex flags=U s with "a" v "c" *"#, "aXcYc", &["X"]),
        (
            r#"kind=regex s with * "x=" v ",""#,
            "y=1,x=2,x=9,",
            &["2,x=9"],
        ),
        (
            r#"kind=regex flags=U s with * "x=" v ",""#,
            "y=1,x=2,x=9,",
            &["9"],
        ),
        (r#"kind=regex s with "a" v "b""#, "abcbd", &["bc"]),
        (r#"kind=regex s with "k=" v ",""#, "k=1,k=2,end", &["1,k=2"]),
        (r#"kind=regex s with "a" v "c""#, "aXc\n", &["X"]),
        (r#"kind=regex s with "a.b" v"#, "axbZ", &["Z"]),
        (
            r#"kind=regex s with "(foo)=" v "," "(bar)=" w"#,
            "foo=9,bar=8",
            &["9", "8"],
        ),
        (r#"kind=regex flags=m s with "^a=" v"#, "x\na=1", &["1"]),
        (r#"kind=regex flags=s s with "a=x." v"#, "a=x\ny", &["y"]),
        (r#"kind=regex flags=i s with "a=" v"#, "A=5", &["5"]),
        (r#"kind=regex s with "n=" n: long"#, "n=27x", &["27"]),
        (
            r#"kind=regex flags=U s with "n=" n: long"#,
            "n=27 junk",
            &["2"],
        ),
        // §A.1.4 note 3: literals are wrapped, so a top-level `|` stays inside the literal
        (r#"kind=regex s with "a|b=" v"#, "xb=1", &["1"]),
    ];
    for (pattern, input, expected) in cases {
        assert_eq!(
            parsed(pattern, input),
            expected,
            "parse {pattern} over {input:?}"
        );
    }
}

#[test]
fn seed_pattern_captures() {
    // §A.1.8: every row of the expected-captures table (rows marked † included)
    let pattern = r#"kind=regex flags=iU s with * "user " CreatedUser " " * "/ad""#;
    let cases = [
        ("net user hacker P@ssw0rd /add", "hacker"),
        ("net  user hacker P@ssw0rd /ad", "hacker"),
        ("NET.EXE USER Hacker P@ss /ADD", "Hacker"),
        ("net user hacker P@ssw0rd /add /domain", "hacker"),
        ("net user hacker /ad", "hacker"),
        ("net user hacker", ""),
        ("net user /add hacker pw", ""),
        ("net user  /add", ""),
        ("net localgroup administrators bob /add", ""),
        ("net user admin pass /active:yes /add", "admin"),
        ("net user /domain bob pw /add", "/domain"),
        ("net user user pass /add", "pass"),
        ("net user alice pw /add\nnet user bob pw /add", "alice"),
    ];
    for (input, expected) in cases {
        assert_eq!(parsed(pattern, input), [expected], "over {input:?}");
    }
    // for contrast, without `U` the capture is greedy
    let greedy = r#"kind=regex flags=i s with * "user " CreatedUser " " * "/ad""#;
    assert_eq!(
        parsed(greedy, "net user hacker P@ssw0rd /add"),
        ["hacker P@ssw0rd"]
    );
    assert_eq!(
        parsed(greedy, "net user admin pass /active:yes /add"),
        ["admin pass /active:yes"]
    );
}

#[test]
fn simple_and_relaxed_modes() {
    // §A.1.10 [3P]
    assert_eq!(parsed(r#"s with "a" v "c" *"#, "aXcYc"), ["X"]);
    assert_eq!(parsed(r#"s with "a" v "c""#, "aXcYc"), ["XcY"]);
    assert_eq!(parsed(r#"s with "a" v "b""#, "abcbd"), [""]);
    assert_eq!(parsed(r#"s with "a=" a"#, "a=1, b=xy"), ["1, b=xy"]);
    assert_eq!(parsed(r#"s with "a.b" v"#, "axbZ"), [""]);
    assert_eq!(
        parsed(r#"s with "n=" n: long * "m=" m: long"#, "n=27 junk m=23"),
        ["27", "23"]
    );
    for (input, expected) in [
        ("2", "2"),
        ("-3", "-3"),
        ("+5", "5"),
        (" 9", "9"),
        ("012", "12"),
        ("1.5", "<null>"),
        (".5", "<null>"),
        ("1e3", "<null>"),
        ("xx", "<null>"),
    ] {
        assert_eq!(
            parsed(r#"s with "v=" v: long"#, &format!("v={input}")),
            [expected],
            "long from {input:?}"
        );
    }
    for (input, expected) in [
        ("true", "true"),
        ("TRUE", "true"),
        ("false", "false"),
        ("2", "true"),
        ("-1", "true"),
        ("0", "false"),
        ("1.5", "<null>"),
        ("0.0", "<null>"),
        ("yes", "<null>"),
        ("", "<null>"),
    ] {
        assert_eq!(
            parsed(r#"s with "v=" v: bool"#, &format!("v={input}")),
            [expected],
            "bool from {input:?}"
        );
    }
    assert_eq!(
        parsed(r#"s with "d=" d: date"#, "d=02/17/2016 08:40:01"),
        ["2016-02-17T08:40:01Z"]
    );
    // §A.1.11 open question 1, kql's choice: simple patterns are anchored at the start
    assert_eq!(parsed(r#"s with "a=" v"#, "xa=1"), [""]);
}

#[test]
fn failures_blank_the_new_columns_and_keep_the_row() {
    // §A.1.5 [3P]
    let q = r#"datatable(s:string)['a=1, b=xy','nomatch'] | parse s with "a=" a ", b=" b"#;
    assert_eq!(
        rows(q),
        table(&[&["a=1, b=xy", "1", "xy"], &["nomatch", "", ""]])
    );
    // strict: an empty capture into a typed column fails the whole row
    let q = r#"datatable(s:string)['a=,b=2'] | parse s with "a=" a: long ",b=" b: long"#;
    assert_eq!(rows(q), table(&[&["a=,b=2", "<null>", "<null>"]]));
    // relaxed: only the failing column is null
    let q =
        r#"datatable(s:string)['a=x,b=2'] | parse kind=relaxed s with "a=" a: long ",b=" b: long"#;
    assert_eq!(rows(q), table(&[&["a=x,b=2", "<null>", "2"]]));
    // parse-where drops what parse would blank
    let q = r#"datatable(s:string)['a=x,b=2', 'a=1,b=2'] | parse-where s with "a=" a: long ",b=" b: long"#;
    assert_eq!(rows(q), table(&[&["a=1,b=2", "1", "2"]]));
}

#[test]
fn output_schema() {
    // §A.1.2: parsed columns appended in pattern order; a same-named column is replaced in place
    let q = r#"datatable(s:string, a:string)['a=1','zz'] | parse s with "a=" a"#;
    assert_eq!(columns(q), ["s:string", "a:string"]);
    assert_eq!(rows(q), table(&[&["a=1", "1"]]));
    let q = r#"print s="k=5;v=x" | parse s with "k=" k: long ";v=" v"#;
    assert_eq!(columns(q), ["s:string", "k:long", "v:string"]);
    // a non-string source is converted to string first
    assert_eq!(
        rows(r#"print n=12345 | parse n with "12" rest"#),
        table(&[&["12345", "345"]])
    );
}

#[test]
fn documented_simple_mode_examples() {
    // §A.1.10 "Parse and extend results"
    let q = format!(
        r#"{TRACES}Traces | parse EventText with * "resourceName=" resourceName ", totalSlices=" totalSlices: long * "sliceNumber=" sliceNumber: long * "lockTime=" lockTime ", releaseTime=" releaseTime: date "," * "previousLockTime=" previousLockTime: date ")" * | project resourceName, totalSlices, sliceNumber, lockTime, releaseTime, previousLockTime"#
    );
    let r = sorted(rows(&q));
    assert_eq!(r.len(), 5);
    assert!(r.contains(&vec![
        "PipelineScheduler".to_string(),
        "27".into(),
        "15".into(),
        "02/17/2016 08:40:00".into(),
        "2016-02-17T08:40:00Z".into(),
        "2016-02-17T08:39:00Z".into()
    ]));
    // "Extract email alias and DNS"
    let q = r#"datatable(Contacts:string)["Event: LeadContact (email=abi@fourthcoffee.com, Website=https:www.fourthcoffee.com)"]
| parse Contacts with * "email=" alias:string "@" domain: string ", Website=https:" WebsiteDomain: string ")"
| project EmailAddress=strcat(alias, "@", domain), EmailAlias=alias, WebsiteDomain"#;
    assert_eq!(
        rows(q),
        table(&[&["abi@fourthcoffee.com", "abi", "www.fourthcoffee.com"]])
    );
}

#[test]
fn static_rules_are_errors() {
    // §A.1.1
    assert_eq!(
        error_code(r#"print s="x" | parse s with "a" v w"#),
        "kql::bind::parse_pattern"
    );
    assert_eq!(
        error_code(r#"print s="x" | parse s with "a" v *"#),
        "kql::bind::parse_pattern"
    );
    assert_eq!(
        error_code(r#"print s="x" | parse s with * v"#),
        "kql::bind::parse_pattern"
    );
    assert_eq!(
        error_code(r#"print s="x" | parse s with "a" v "b" v"#),
        "kql::bind::parse_pattern"
    );
    assert_eq!(
        error_code(r#"print s="x" | parse s with "" v"#),
        "kql::bind::parse_pattern"
    );
    assert_eq!(
        error_code(r#"print s="x" | parse flags=i s with "a" v"#),
        "kql::bind::parse_flags"
    );
    assert_eq!(
        error_code(r#"print s="x" | parse kind=regex flags=I s with "a" v"#),
        "kql::bind::parse_flags"
    );
    assert_eq!(
        error_code(r#"print s="x" | parse-where kind=relaxed s with "a" v"#),
        "kql::bind::parse_kind"
    );
    assert_eq!(
        error_code(r#"print s="x" | parse kind=regex s with "(?<=a)" v"#),
        "kql::bind::regex"
    );
    // a typed column may be followed by `*`
    assert_eq!(
        parsed(r#"s with "n=" n: long * "m=" m"#, "n=1 x m=2"),
        ["1", "2"]
    );
}
