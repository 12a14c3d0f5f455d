//! The seed query, verbatim, over the worked example of `kql-semantics.md` §A.1.12: a `let`
//! named `DeviceProcessEvents` stands in for the table, so the query text is unchanged.

use kql_eval::source::EmptyCatalog;
use kql_eval::{RunOptions, run};

const SEED: &str = include_str!("../../../queries/create-account.kql");

/// §A.1.12 input (only the columns the query reads).
const INPUT: &str = r#"set query_now = datetime(2024-06-10T12:00:00Z);
let DeviceProcessEvents = datatable(DeviceName:string, Timestamp:datetime, FileName:string, ProcessCommandLine:string, InitiatingProcessFileName:string, InitiatingProcessCommandLine:string)
[
"dev1", datetime(2024-06-10 10:00), "net.exe", "net user alice P@ss1 /ad", "cmd.exe", "cmd.exe /c net user alice P@ss1 /ad",
"dev2", datetime(2024-06-10 10:05), "net.exe", "net user alice P@ss1 /ad", "cmd.exe", "cmd.exe /c net user alice P@ss1 /ad",
"dev1", datetime(2024-06-10 10:00), "net1.exe", "net1 user alice P@ss1 /ad", "net.exe", "net user alice P@ss1 /ad",
"dev3", datetime(2024-06-09 00:00), "NET.EXE", "NET USER bob Pw /ADD", "explorer.exe", "explorer.exe",
"dev3", datetime(2024-06-09 00:00), "net.exe", "net user carol Pw /add /dom", "powershell.exe", "powershell.exe -c x",
"dev4", datetime(2024-06-01 00:00), "net.exe", "net user old Pw /ad", "cmd.exe", "cmd.exe",
"dev4", datetime(2024-06-10 00:00), "net.exe", "net localgroup administrators dave /add", "cmd.exe", "cmd.exe",
"dev5", datetime(2024-06-10 00:00), "net.exe", "net user erin Pw /add /domain", "cmd.exe", "cmd.exe",
"dev5", datetime(2024-06-10 00:00), "net.exe", "net user frank Pw /ad /domain", "cmd.exe", "cmd.exe",
"dev6", datetime(2024-06-10 00:00), "net2.exe", "net user zed Pw /ad", "cmd.exe", "cmd.exe",
"dev7", datetime(2024-06-10 00:00), "Net.exe", "net user user pass /ad", "cmd.exe", "cmd.exe"
];
"#;

#[test]
fn worked_example_gives_the_documented_output() {
    let tables = run(
        &format!("{INPUT}{SEED}"),
        &EmptyCatalog,
        &RunOptions::default(),
    )
    .unwrap();
    let table = &tables[0];
    let schema: Vec<String> = table
        .schema
        .fields
        .iter()
        .map(|f| format!("{}:{}", f.name, f.ty))
        .collect();
    assert_eq!(
        schema,
        [
            "CreatedUser:string",
            "CreatedOnLocalMachine:bool",
            "InitiatingProcessFileName:string",
            "FileName:string",
            "ProcessCommandLine:string",
            "InitiatingProcessCommandLine:string",
            "MachineCount:long"
        ]
    );
    let mut rows: Vec<Vec<String>> = table
        .rows()
        .map(|r| r.iter().map(|v| v.to_kql_string()).collect())
        .collect();
    rows.sort();
    // §A.1.12 "Expected output" (any row order)
    let mut expected: Vec<Vec<String>> = [
        [
            "alice",
            "true",
            "cmd.exe",
            "net.exe",
            "net user alice P@ss1 /ad",
            "cmd.exe /c net user alice P@ss1 /ad",
            "2",
        ],
        [
            "carol",
            "false",
            "powershell.exe",
            "net.exe",
            "net user carol Pw /add /dom",
            "powershell.exe -c x",
            "1",
        ],
        [
            "frank",
            "false",
            "cmd.exe",
            "net.exe",
            "net user frank Pw /ad /domain",
            "cmd.exe",
            "1",
        ],
        [
            "pass",
            "true",
            "cmd.exe",
            "Net.exe",
            "net user user pass /ad",
            "cmd.exe",
            "1",
        ],
    ]
    .iter()
    .map(|r| r.iter().map(|c| c.to_string()).collect())
    .collect();
    expected.sort();
    assert_eq!(rows, expected);
}
