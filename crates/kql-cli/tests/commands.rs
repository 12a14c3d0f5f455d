//! `kql check`, `kql test`, rule files and the output options of `kql run`, end to end.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{assert_status, kql_command, kql_in, scratch, stderr, stdout, with_input};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sample(name: &str) -> String {
    root()
        .join("crates/kql-io/tests/samples")
        .join(format!("DeviceProcessEvents.{name}"))
        .display()
        .to_string()
}

/// A rule file of our own, in the layout of the Sentinel and Defender repositories: the
/// Create-account query, indented under `query: |`.
fn rule_yaml() -> String {
    let query = std::fs::read_to_string(root().join("queries/create-account.kql")).unwrap();
    let mut yaml = String::from(
        "id: 3f0c9d1e-0000-4000-8000-00000000c0de\nname: Account created with net user\n\
         description: |\n  Accounts created with `net user ... /ad`.\n\
         requiredDataConnectors:\n- connectorId: Microsoft365Defender\n  dataTypes:\n  \
         - DeviceProcessEvents\ntactics:\n- Persistence\nquery: |\n",
    );
    for line in query.lines() {
        yaml.push_str("  ");
        yaml.push_str(line);
        yaml.push('\n');
    }
    yaml.push_str("version: 1.0.0\n");
    yaml
}

#[test]
fn rule_files_run_unchanged_over_a_portal_csv_export() {
    let dir = scratch("rule-run");
    std::fs::write(dir.join("Create account.yaml"), rule_yaml()).unwrap();
    let run = |table: &str| {
        let spec = format!("DeviceProcessEvents={table}");
        let out = kql_in(
            &dir,
            &[
                "run",
                "Create account.yaml",
                "--data",
                ".",
                "--table",
                &spec,
                "--now",
                "2026-03-28T12:00:00Z",
                "--format",
                "csv",
            ],
        );
        assert_status(&out, 0);
        let mut lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let baseline = run(&sample("ndjson"));
    assert_eq!(baseline.len(), 8, "{baseline:?}");
    assert_eq!(run(&sample("portal-export.csv")), baseline);
    assert_eq!(run(&sample("la.json")), baseline);
}

#[test]
fn a_rule_whose_table_is_missing_says_which() {
    let dir = scratch("rule-missing");
    std::fs::write(dir.join("rule.yaml"), rule_yaml()).unwrap();
    let out = kql_in(&dir, &["run", "rule.yaml", "--data", "."]);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("DeviceProcessEvents"), "{err}");
    assert!(
        err.contains("the rule's requiredDataConnectors list: DeviceProcessEvents"),
        "{err}"
    );
}

#[test]
fn check_reports_every_file_and_exits_1_on_any_error() {
    let dir = scratch("check");
    std::fs::create_dir(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/good.kql"), "DeviceProcessEvents | take 1\n").unwrap();
    std::fs::write(dir.join("rules/rule.yaml"), rule_yaml()).unwrap();
    std::fs::write(
        dir.join("rules/bad.kql"),
        "DeviceProcessEvents\n| where NoSuchColumn == 1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("rules/needs-more.yaml"),
        "requiredDataConnectors:\n- connectorId: Custom\n  dataTypes:\n  - MyCustomTable_CL\nquery: |\n  print 1\n",
    )
    .unwrap();
    std::fs::write(dir.join("rules/settings.yml"), "name: not a rule\n").unwrap();
    let out = kql_in(&dir, &["check", "rules", "--data", "."]);
    assert_status(&out, 1);
    let text = stdout(&out);
    let rules = Path::new("rules");
    for line in [
        format!("error   {}", rules.join("bad.kql").display()),
        format!(
            "ok      {}  reads DeviceProcessEvents (built-in schema, no rows)",
            rules.join("good.kql").display()
        ),
        format!("error   {}", rules.join("needs-more.yaml").display()),
        format!(
            "ok      {}  reads DeviceProcessEvents (built-in schema, no rows); requires \
             DeviceProcessEvents (Microsoft365Defender)",
            rules.join("rule.yaml").display()
        ),
        format!(
            "skipped {}: no top-level `query:`",
            rules.join("settings.yml").display()
        ),
        "checked 4 files: 2 valid, 2 with errors (1 skipped)".to_string(),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line:?} missing from\n{text}"
        );
    }
    let err = stderr(&out);
    assert!(err.contains("NoSuchColumn"), "{err}");
    assert!(
        err.contains("[rules/bad.kql:2:9]") || err.contains("bad.kql:2:9"),
        "{err}"
    );
    assert!(
        err.contains("requiredDataConnectors list data type MyCustomTable_CL (connector Custom), but no table MyCustomTable_CL is available"),
        "{err}"
    );
    // one valid file: exit 0, with a data file described (not run)
    std::fs::write(dir.join("MyCustomTable_CL.csv"), "a,b\n1,x\n").unwrap();
    let out = kql_in(
        &dir,
        &[
            "check",
            "rules/needs-more.yaml",
            "rules/good.kql",
            "--data",
            ".",
        ],
    );
    assert_status(&out, 0);
    assert!(stdout(&out).ends_with("checked 2 files: 2 valid, 0 with errors\n"));
    // a file named directly must be a query
    let out = kql_in(&dir, &["check", "rules/settings.yml"]);
    assert_status(&out, 1);
}

#[test]
fn output_formats_and_atomic_output_files() {
    let dir = scratch("output");
    let q = "print n = 1, s = 'a|b', t = 'x\ty'";
    let out = kql_in(&dir, &["run", "--format", "tsv", "-e", q]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "n\ts\tt\n1\ta|b\t\"x\ty\"\n");
    let out = kql_in(&dir, &["run", "--format", "markdown", "-e", q]);
    assert_status(&out, 0);
    assert_eq!(
        stdout(&out),
        "| n | s | t |\n| ---: | --- | --- |\n| 1 | a\\|b | x\ty |\n"
    );
    // -o writes the file and nothing to stdout
    let out = kql_in(
        &dir,
        &["run", "--format", "json", "-o", "out.json", "-e", q],
    );
    assert_status(&out, 0);
    assert!(stdout(&out).is_empty());
    let written = std::fs::read_to_string(dir.join("out.json")).unwrap();
    assert!(
        written.starts_with("{\"tables\":[{\"name\":\"PrimaryResult\""),
        "{written}"
    );
    // a failing query leaves the file as it was, and no temporary file behind
    let out = kql_in(
        &dir,
        &["run", "-o", "out.json", "-e", "NoSuchTable | take 1"],
    );
    assert_status(&out, 1);
    assert_eq!(
        std::fs::read_to_string(dir.join("out.json")).unwrap(),
        written
    );
    let out = kql_in(&dir, &["run", "-o", "new.csv", "-e", "print 1 | where x"]);
    assert_status(&out, 1);
    assert!(!dir.join("new.csv").exists());
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out.json"]);
    // the JSON output reads back as a table, types and all
    let out = kql_in(
        &dir,
        &[
            "run",
            "--table",
            "T=out.json",
            "--format",
            "json",
            "-e",
            "T",
        ],
    );
    assert_status(&out, 0);
    assert_eq!(stdout(&out), written);
}

#[test]
fn on_error_skip_counts_what_it_skipped() {
    let dir = scratch("on-error");
    std::fs::write(
        dir.join("T.csv"),
        "When [UTC],N\n\"26/03/2026, 15:18:18.790\",1\n\"27/03/2026, 9h\",2\n\"28/03/2026, 10:00:00.000\",3,extra\n\"28/03/2026, 11:00:00.000\",4\n",
    )
    .unwrap();
    let q = "T | project When, N";
    let out = kql_in(&dir, &["run", "--data", ".", "--format", "csv", "-e", q]);
    assert_status(&out, 1);
    let err = stderr(&out);
    // the file is described first: the record with a cell too many is found then
    assert!(
        err.contains("T.csv:4: expected 2 cells (one per column of the header), found 3"),
        "{err}"
    );
    std::fs::write(
        dir.join("U.csv"),
        "When [UTC],N\n\"26/03/2026, 15:18:18.790\",1\n\"27/03/2026, 9h\",2\n",
    )
    .unwrap();
    let out = kql_in(&dir, &["run", "--data", ".", "-e", "U | project When"]);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("U.csv:3: column When (datetime): cannot read `27/03/2026, 9h` as datetime"),
        "{err}"
    );
    let out = kql_in(
        &dir,
        &[
            "run",
            "--data",
            ".",
            "--format",
            "csv",
            "--on-error",
            "skip",
            "-e",
            q,
        ],
    );
    assert_status(&out, 0);
    assert_eq!(
        stdout(&out),
        "When,N\n2026-03-26T15:18:18.79Z,1\n2026-03-28T11:00:00Z,4\n"
    );
    let err = stderr(&out);
    assert!(
        err.contains("warning: skipped 2 malformed records in ./T.csv (the first: "),
        "{err}"
    );
    let out = kql_in(&dir, &["run", "--on-error", "sometimes", "-e", "print 1"]);
    assert_status(&out, 2);
}

#[test]
fn kql_test_compares_updates_and_diffs() {
    let dir = scratch("test");
    std::fs::create_dir_all(dir.join("rules/count.fixtures")).unwrap();
    std::fs::write(
        dir.join("rules/count.kql"),
        "Events | summarize n = count() by User",
    )
    .unwrap();
    std::fs::write(
        dir.join("rules/count.fixtures/Events.ndjson"),
        "{\"User\": \"a\"}\n{\"User\": \"b\"}\n{\"User\": \"a\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("rules/sorted.yaml"),
        "query: |\n  print x = now()\n",
    )
    .unwrap();
    std::fs::write(dir.join("rules/untested.kql"), "Nothing | take 1").unwrap();
    // no expectation yet
    let out = kql_in(&dir, &["test", "rules"]);
    assert_status(&out, 1);
    assert!(
        stdout(&out).contains("no expected output"),
        "{}",
        stdout(&out)
    );
    // create them, pinning now
    let out = kql_in(
        &dir,
        &[
            "test",
            "rules",
            "rules/sorted.yaml",
            "--update",
            "--now",
            "2026-03-28T12:00:00Z",
        ],
    );
    assert_status(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("created rules/count.expected.txt") || text.contains("created rules"),
        "{text}"
    );
    let expected = std::fs::read_to_string(dir.join("rules/count.expected.txt")).unwrap();
    assert!(
        expected.contains(
            "now: 2026-03-28T12:00:00Z\n\nUser:string | n:long\na | 2\nb | 1\n(2 rows)\n"
        ),
        "{expected}"
    );
    let sorted = std::fs::read_to_string(dir.join("rules/sorted.expected.txt")).unwrap();
    assert!(
        sorted.ends_with("x:datetime\n2026-03-28T12:00:00Z\n(1 rows)\n"),
        "{sorted}"
    );
    let out = kql_in(&dir, &["test", "rules", "rules/sorted.yaml"]);
    assert_status(&out, 0);
    assert!(
        stdout(&out).ends_with("\n2 passed, 0 failed\n"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("untested"));
    // rows in another order still pass (the query does not sort); a changed count fails
    std::fs::write(
        dir.join("rules/count.expected.txt"),
        expected.replace("a | 2\nb | 1\n", "b | 1\na | 3\n"),
    )
    .unwrap();
    let out = kql_in(&dir, &["test", "rules"]);
    assert_status(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("- a | 3\n+ a | 2\n"), "{text}");
    assert!(text.ends_with("\n1 passed, 1 failed\n"), "{text}");
    // the JSON form
    std::fs::remove_file(dir.join("rules/count.expected.txt")).unwrap();
    std::fs::write(
        dir.join("rules/count.expected.json"),
        "{\"now\": \"2026-03-28T12:00:00Z\", \"tables\": [{\"name\": \"PrimaryResult\", \"columns\": [{\"name\": \"User\", \"type\": \"string\"}, {\"name\": \"n\", \"type\": \"long\"}], \"rows\": [[\"b\", 1], [\"a\", 2]]}]}",
    )
    .unwrap();
    let out = kql_in(&dir, &["test", "rules"]);
    assert_status(&out, 0);
}

// ---------------------------------------------------------------------------------------------
// Offline stand-ins for the Kusto service: local copies of web externaldata, a GeoIP database

#[path = "../../kql-io/tests/support/mmdb.rs"]
mod mmdb;

/// `kql` in `dir` with `KQL_GEOIP` set to `geoip`, or unset.
fn kql_geo(dir: &Path, args: &[&str], geoip: Option<&Path>) -> Output {
    let mut command = kql_command(dir, args);
    if let Some(path) = geoip {
        command.env("KQL_GEOIP", path);
    }
    command.output().expect("kql runs")
}

const IOC_URL: &str = "https://raw.example.com/iocs/list.csv?sv=2024-05-04&sig=a%2Bb%3D";
const IOC_QUERY: &str = r#"let IOCs = externaldata (Domain: string, Score: long)
    [h@"https://raw.example.com/iocs/list.csv?sv=2024-05-04&sig=a%2Bb%3D"]
    with (format="csv", ignoreFirstRecord=true);
IOCs | where Score > 50 | order by Domain asc"#;

#[test]
fn web_externaldata_reads_the_local_copy_given_with_external() {
    let dir = scratch("external");
    std::fs::create_dir_all(dir.join("copies")).unwrap();
    std::fs::write(
        dir.join("copies/iocs.csv"),
        "Domain,Score\nevil.example,90\nmeh.example,10\n\"bad, inc.example\",70\n",
    )
    .unwrap();
    std::fs::write(dir.join("hunt.kql"), IOC_QUERY).unwrap();
    let mapping = format!("{IOC_URL}=copies/iocs.csv");
    let out = kql_in(
        &dir,
        &["run", "hunt.kql", "--external", &mapping, "--format", "csv"],
    );
    assert_status(&out, 0);
    assert_eq!(
        stdout(&out),
        "Domain,Score\n\"bad, inc.example\",70\nevil.example,90\n"
    );
    assert_eq!(stderr(&out), "");

    // without the mapping: the network error, pointing at --external
    let out = kql_in(&dir, &["run", "hunt.kql"]);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(err.starts_with("kql::external_data::network\n"), "{err}");
    // (the message wraps at 100 columns)
    assert!(
        err.contains(&format!("× externaldata from {IOC_URL}: kql does\n")),
        "{err}"
    );
    assert!(
        err.contains("help: download it and pass --external URL=PATH to read the local copy"),
        "{err}"
    );
    // a copy given for the address without its query string: matched exactly, so refused,
    // with a hint
    let out = kql_in(
        &dir,
        &[
            "run",
            "hunt.kql",
            "--external",
            "https://raw.example.com/iocs/list.csv=copies/iocs.csv",
        ],
    );
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("--external maps `https://raw.example.com/iocs/list.csv`, which is not"),
        "{err}"
    );
    // every address must be mapped
    let two = format!(
        "externaldata (Domain: string, Score: long) [h@'{IOC_URL}', 'https://example.com/more.csv'] \
         with (ignoreFirstRecord=true)"
    );
    let out = kql_in(&dir, &["run", "-e", &two, "--external", &mapping]);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("externaldata from https://example.com/more.csv: kql does not fetch"),
        "{err}"
    );
    // a malformed mapping is a usage error
    let out = kql_in(&dir, &["run", "hunt.kql", "--external", "copies/iocs.csv"]);
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains("expected URL=PATH"),
        "{}",
        stderr(&out)
    );

    // kql check reads (and so checks) the copy; without it, an empty table and a warning
    let out = kql_in(&dir, &["check", "hunt.kql", "--external", &mapping]);
    assert_status(&out, 0);
    assert_eq!(stderr(&out), "");
    let out = kql_in(&dir, &["check", "hunt.kql"]);
    assert_status(&out, 0);
    assert!(
        stderr(&out).contains("read as an empty table: kql does not fetch from the network"),
        "{}",
        stderr(&out)
    );

    // the session
    let out = with_input(
        kql_command(&dir, &["repl", "--external", &mapping]),
        &format!(".format csv\n{IOC_QUERY}\n\n"),
    );
    assert_status(&out, 0);
    assert!(
        stdout(&out).ends_with("Domain,Score\n\"bad, inc.example\",70\nevil.example,90\n"),
        "{}",
        stdout(&out)
    );

    // kql test: the rule's fixtures map the address
    std::fs::create_dir_all(dir.join("rules/iocs.fixtures")).unwrap();
    std::fs::write(dir.join("rules/iocs.kql"), IOC_QUERY).unwrap();
    std::fs::copy(
        dir.join("copies/iocs.csv"),
        dir.join("rules/iocs.fixtures/iocs.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.join("rules/iocs.expected.txt"),
        "now: 2026-03-28T12:00:00Z\n\nDomain:string | Score:long\nbad, inc.example | 70\n\
         evil.example | 90\n(2 rows)\n",
    )
    .unwrap();
    let out = kql_in(&dir, &["test", "rules"]);
    assert_status(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains("kql::external_data::network")
            && text.contains("help: put a local copy in rules/iocs.fixtures and a line URL=FILE"),
        "{text}"
    );
    std::fs::write(
        dir.join("rules/iocs.fixtures/externaldata.txt"),
        format!("# the IOC list, as of 2026-03-28\n{IOC_URL}=iocs.csv\n"),
    )
    .unwrap();
    let out = kql_in(&dir, &["test", "rules"]);
    assert_status(&out, 0);
    assert!(
        stdout(&out).ends_with("\n1 passed, 0 failed\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn geo_info_from_ip_address_reads_the_geoip_database() {
    let dir = scratch("geoip");
    let db = dir.join("GeoLite2-City.mmdb");
    std::fs::write(&db, mmdb::test_city_database()).unwrap();
    let query = "datatable(ip: string) ['20.53.203.50', '2a03:2880:f12c:83:face:b00c::25de', \
                 '10.0.0.1', 'not an ip'] | extend g = geo_info_from_ip_address(ip) \
                 | extend Country = tostring(g.country)";
    let expected = "ip,g,Country\n\
        20.53.203.50,\"{\"\"country\"\":\"\"Australia\"\",\"\"state\"\":\"\"New South Wales\"\",\
        \"\"city\"\":\"\"Sydney\"\",\"\"latitude\"\":-33.8715,\"\"longitude\"\":151.2006}\",Australia\n\
        2a03:2880:f12c:83:face:b00c::25de,\"{\"\"country\"\":\"\"United States\"\",\"\"state\"\":\
        \"\"Florida\"\",\"\"city\"\":\"\"Boca Raton\"\",\"\"latitude\"\":26.3594,\"\"longitude\"\":\
        -80.0771}\",United States\n\
        10.0.0.1,{},\n\
        not an ip,,\n";
    let out = kql_geo(
        &dir,
        &[
            "run",
            "-e",
            query,
            "--geoip",
            "GeoLite2-City.mmdb",
            "--format",
            "csv",
        ],
        None,
    );
    assert_status(&out, 0);
    assert_eq!(stdout(&out), expected);
    // from the environment
    let out = kql_geo(&dir, &["run", "-e", query, "--format", "csv"], Some(&db));
    assert_status(&out, 0);
    assert_eq!(stdout(&out), expected);
    // kql check and kql test take it too
    std::fs::write(dir.join("geo.kql"), query).unwrap();
    let out = kql_geo(
        &dir,
        &["check", "geo.kql", "--geoip", "GeoLite2-City.mmdb"],
        None,
    );
    assert_status(&out, 0);
    let out = kql_geo(
        &dir,
        &[
            "test",
            "geo.kql",
            "--update",
            "--now",
            "2026-03-28T12:00:00Z",
            "--geoip",
            "GeoLite2-City.mmdb",
        ],
        None,
    );
    assert_status(&out, 0);
    let expected_txt = std::fs::read_to_string(dir.join("geo.expected.txt")).unwrap();
    assert!(
        expected_txt.contains("10.0.0.1 | {} | \n"),
        "{expected_txt}"
    );
    let out = kql_geo(&dir, &["test", "geo.kql"], Some(&db));
    assert_status(&out, 0);

    // the session, given the database by the environment
    let mut repl = kql_command(&dir, &["repl"]);
    repl.env("KQL_GEOIP", &db);
    let out = with_input(
        repl,
        ".format csv\nprint City = tostring(geo_info_from_ip_address('20.53.203.50').city)\n\n",
    );
    assert_status(&out, 0);
    assert!(stdout(&out).ends_with("City\nSydney\n"), "{}", stdout(&out));

    // without a database: the query checks, and fails on rows with a clear help
    let out = kql_geo(&dir, &["check", "geo.kql"], None);
    assert_status(&out, 0);
    let out = kql_geo(&dir, &["run", "geo.kql"], None);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(
        err.starts_with("kql::unsupported::service_function\n"),
        "{err}"
    );
    assert!(
        err.contains(
            "`geo_info_from_ip_address` needs a MaxMind GeoLite2-City database, and kql was \
             given none"
        ),
        "{err}"
    );
    assert!(
        err.contains("help: pass --geoip GeoLite2-City.mmdb (from maxmind.com)"),
        "{err}"
    );

    // a file that is not a database: an error naming it, at the call
    std::fs::write(dir.join("bad.mmdb"), "not a database").unwrap();
    let out = kql_geo(&dir, &["run", "geo.kql", "--geoip", "bad.mmdb"], None);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(
        err.starts_with("kql::geoip\n") && err.contains("bad.mmdb is not a valid MaxMind DB file"),
        "{err}"
    );
    assert!(err.contains("geo.kql:1:"), "{err}");
    // one that does not exist: a usage error, from the flag or the environment
    let out = kql_geo(&dir, &["run", "geo.kql", "--geoip", "missing.mmdb"], None);
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains("invalid value 'missing.mmdb' for '--geoip <PATH>': not a file"),
        "{}",
        stderr(&out)
    );
    let out = kql_geo(
        &dir,
        &["run", "-e", "print 1"],
        Some(&dir.join("missing.mmdb")),
    );
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains("for 'KQL_GEOIP': not a file"),
        "{}",
        stderr(&out)
    );
    let out = kql_geo(&dir, &["test", "geo.kql", "--geoip", "missing.mmdb"], None);
    assert_status(&out, 2);
}
