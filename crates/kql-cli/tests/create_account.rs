//! The Create-account hunting query, run verbatim over `testdata/DeviceProcessEvents.json`.

use std::process::Command;

// Hand trace of the seed query over the 44 rows of the test data, with now pinned to
// 2026-11-25T12:00:00Z (so `ago(3d)` is 2026-11-22T12:00:00Z). Steps, per
// `kql-semantics.md` §A.0: S1 `FileName in~ (...)` and `Timestamp > ago(3d)` (strict, 100 ns
// ticks); S2 `parse kind=regex flags=iU`, which behaves like `(?i).*(?:user )(?P<u>.*?)(?: ).*(?:/ad)`
// (the last `user ` on the line, the shortest capture followed by a space and later `/ad`);
// S3 `isnotempty(CreatedUser)`; S4 drops net1.exe children of net.exe whose command line is the
// parent's with every lower-case `net` replaced by `net1` (compared with `=~`); S5
// `CreatedOnLocalMachine` = no `/do` (any case); S6 no `/add`, or not local and no `/domain`;
// S7 groups by six keys with MachineCount = distinct DeviceName.
//
// Row counts: 44 -> S1 37 -> S3 31 -> S4 27 -> S6 21 -> 18 groups (rows 1, 3, 5, 7 form O8).
//
// ```text
// row ReportId result          CreatedUser                  steps
//    1 12801  kept → O8      `alice.svc`                  S1 ✓ ✓; S3 ✓; S4 ✓ (FileName is net.exe); S5 true; S6 ✓ (no `/add`)
//    2 12802  dropped at S4    `alice.svc`                  S1 ✓ ✓; S3 ✓; S4 ✗ replace → `net1 user alice.svc Summer2026! /ad` = PCL; S5 —; S6 —
//    3  9340  kept → O8      `alice.svc`                  S1 ✓ ✓; S3 ✓; S4 ✓ (net.exe); S5 true; S6 ✓ (no `/add`)
//    4  9341  dropped at S4    `alice.svc`                  S1 ✓ ✓; S3 ✓; S4 ✗ replace → `net1 user alice.svc Summer2026! /ad` = PCL; S5 —; S6 —
//    5 20417  kept → O8      `alice.svc`                  S1 ✓ ✓; S3 ✓; S4 ✓ (net.exe); S5 true; S6 ✓ (no `/add`)
//    6 20418  kept → O7      `alice.svc`                  S1 ✓ ✓; S3 ✓; S4 ✓ replace → `net1 user alice.svc Summer2026! /ad` ≠ `C:\Windows\system32\net1  user alice.svc Summer2026! /ad`; S5 true; S6 ✓ (no `/add`)
//    7 12877  kept → O8      `alice.svc`                  S1 ✓ ✓; S3 ✓; S4 ✓ (net.exe); S5 true; S6 ✓ (no `/add`)
//    8 55102  dropped at S6    `bob.admin`                  S1 ✓ ✓; S3 ✓; S4 ✓ (net.exe); S5 true; S6 ✗ has `/add`, local
//    9 55103  dropped at S4    `bob.admin`                  S1 ✓ ✓; S3 ✓; S4 ✗ replace → `net1 user bob.admin P@ssw0rd1 /add` = PCL; S5 —; S6 —
//   10 31990  dropped at S6    `Hacker`                     S1 ✓ (`NET.EXE`) ✓; S3 ✓; S4 ✓ (not net1); S5 true; S6 ✗ has `/ADD`, local
//   11 70233  dropped at S6    `erin.k`                     S1 ✓ ✓; S3 ✓; S4 ✓; S5 false; S6 ✗ has `/add` and `/domain`
//   12 70236  kept → O12     `frank.m`                    S1 ✓ ✓; S3 ✓; S4 ✓; S5 false; S6 ✓ (no `/add`)
//   13 41508  kept → O9      `carol`                      S1 ✓ ✓; S3 ✓; S4 ✓; S5 false; S6 ✓ has `/add`, but not local and no `/domain`
//   14 55140  kept → O10     `dave.t`                     S1 ✓ ✓; S3 ✓; S4 ✓; S5 false; S6 ✓ has `/add`, but not local and no `/domain`
//   15 20399  kept → O4      `Mallory`                    S1 ✓ (`Net.exe`) ✓; S3 ✓; S4 ✓; S5 false; S6 ✓ has `/ADD`, but not local (`/DOM`) and no `/domain`
//   16  9377  dropped at S3    `""` (no match)              S1 ✓ ✓; S3 ✗; S4 —; S5 —; S6 —
//   17 32004  dropped at S3    `""` (no match)              S1 ✓ ✓; S3 ✗; S4 —; S5 —; S6 —
//   18 32011  dropped at S3    `""` (match, empty capture)  S1 ✓ ✓; S3 ✗; S4 —; S5 —; S6 —
//   19 55109  dropped at S3    `""` (no match)              S1 ✓ ✓; S3 ✗; S4 —; S5 —; S6 —
//   20 55118  dropped at S3    `""` (no match)              S1 ✓ ✓; S3 ✗; S4 —; S5 —; S6 —
//   21 12840  dropped at S6    `admin.local`                S1 ✓ ✓; S3 ✓; S4 ✓; S5 true; S6 ✗ has `/add`, local
//   22 20450  dropped at S6    `/domain`                    S1 ✓ ✓; S3 ✓; S4 ✓; S5 false; S6 ✗ has `/add` and `/domain`
//   23 32050  kept → O1      `/dom`                       S1 ✓ ✓; S3 ✓; S4 ✓; S5 false; S6 ✓ has `/add`, but not local and no `/domain`
//   24 41533  kept → O5      `Passw0rd!`                  S1 ✓ ✓; S3 ✓; S4 ✓; S5 true; S6 ✓ (no `/add`)
//   25 41534  dropped at S6    `pass`                       S1 ✓ ✓; S3 ✓; S4 ✓; S5 true; S6 ✗ has `/add`, local
//   26 88012  kept → O18     `user`                       S1 ✓ ✓; S3 ✓; S4 ✓; S5 true; S6 ✓ (no `/add`)
//   27 88020  kept → O13     `hacker2`                    S1 ✓ ✓; S3 ✓; S4 ✓; S5 true; S6 ✓ (no `/add`)
//   28 88027  dropped at S3    `""` (match, empty capture)  S1 ✓ ✓; S3 ✗; S4 —; S5 —; S6 —
//   29 70301  kept → O17     `svc_backup`                 S1 ✓ ✓; S3 ✓; S4 ✓ (net.exe); S5 true; S6 ✓ (no `/add`)
//   30 70302  dropped at S4    `svc_backup`                 S1 ✓ ✓; S3 ✓; S4 ✗ replace → `C:\Windows\System32\net1.exe user svc_backup Backup#2026 /ad` = PCL; S5 —; S6 —
//   31 88034  kept → O2      `Kiosk01`                    S1 ✓ (`NET.EXE`) ✓; S3 ✓; S4 ✓ (not net1); S5 true; S6 ✓ (`/AD` only, no `/add`)
//   32 88035  kept → O3      `Kiosk01`                    S1 ✓ ✓; S3 ✓; S4 ✓ replace leaves `NET USER Kiosk01 Kiosk!2026 /AD` unchanged ≠ `net1 USER …`; S5 true; S6 ✓ (no `/add`)
//   33 32077  kept → O16     `sqlsvc`                     S1 ✓ (`Net1.exe`) ✓; S3 ✓; S4 ✓ (initiator is WmiPrvSE.exe, not net.exe); S5 true; S6 ✓ (no `/add`)
//   34  9402  kept → O14     `netadmin`                   S1 ✓ ✓; S3 ✓; S4 ✓ (net.exe); S5 true; S6 ✓ (no `/add`)
//   35  9403  kept → O15     `netadmin`                   S1 ✓ ✓; S3 ✓; S4 ✓ replace → `net1 user net1admin N3t!admin /ad` ≠ PCL; S5 true; S6 ✓ (no `/add`)
//   36 54870  dropped at S1    (`Old!Pass1`)                S1 ✓ ✗ 2026-11-20; S3 —; S4 —; S5 —; S6 —
//   37 20102  dropped at S1    (`late.bob`)                 S1 ✓ ✗ 1 tick before; S3 —; S4 —; S5 —; S6 —
//   38  9105  dropped at S1    (`edge.case`)                S1 ✓ ✗ equal (strict `>`); S3 —; S4 —; S5 —; S6 —
//   39  9106  kept → O11     `edge.case2`                 S1 ✓ ✓ 1 tick after; S3 ✓; S4 ✓; S5 true; S6 ✓ (no `/add`)
//   40 41560  dropped at S1    —                            S1 ✗ `powershell.exe` ✓; S3 —; S4 —; S5 —; S6 —
//   41 41561  dropped at S1    —                            S1 ✗ `cmd.exe` ✓; S3 —; S4 —; S5 —; S6 —
//   42 32090  dropped at S1    —                            S1 ✗ `net.exe␠` ✓; S3 —; S4 —; S5 —; S6 —
//   43 32094  dropped at S1    —                            S1 ✗ `net2.exe` ✓; S3 —; S4 —; S5 —; S6 —
//   44 41572  kept → O6      `T3st!ng2026`                S1 ✓ ✓; S3 ✓; S4 ✓; S5 true; S6 ✓ (no `/add`)
// ```
const EXPECTED: [[&str; 7]; 18] = [
    [
        r#"/dom"#,
        r#"false"#,
        r#"powershell.exe"#,
        r#"net.exe"#,
        r#"net user /dom svc_sql Sq1!pass /add"#,
        r#"powershell.exe -c "net user /dom svc_sql Sq1!pass /add""#,
        r#"1"#,
    ],
    [
        r#"Kiosk01"#,
        r#"true"#,
        r#"cmd.exe"#,
        r#"NET.EXE"#,
        r#"NET USER Kiosk01 Kiosk!2026 /AD"#,
        r#"cmd.exe /c NET USER Kiosk01 Kiosk!2026 /AD"#,
        r#"1"#,
    ],
    [
        r#"Kiosk01"#,
        r#"true"#,
        r#"NET.EXE"#,
        r#"net1.exe"#,
        r#"net1 USER Kiosk01 Kiosk!2026 /AD"#,
        r#"NET USER Kiosk01 Kiosk!2026 /AD"#,
        r#"1"#,
    ],
    [
        r#"Mallory"#,
        r#"false"#,
        r#"WmiPrvSE.exe"#,
        r#"Net.exe"#,
        r#"Net user Mallory Pw!77 /ADD /DOM"#,
        r#"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding"#,
        r#"1"#,
    ],
    [
        r#"Passw0rd!"#,
        r#"true"#,
        r#"cmd.exe"#,
        r#"net.exe"#,
        r#"net user user Passw0rd! /ad"#,
        r#"cmd /c net user user Passw0rd! /ad"#,
        r#"1"#,
    ],
    [
        r#"T3st!ng2026"#,
        r#"true"#,
        r#"cmd.exe"#,
        r#"net.exe"#,
        r#"net user testuser T3st!ng2026 /ad"#,
        r#"cmd /c net user testuser T3st!ng2026 /ad"#,
        r#"1"#,
    ],
    [
        r#"alice.svc"#,
        r#"true"#,
        r#"net.exe"#,
        r#"net1.exe"#,
        r#"C:\Windows\system32\net1  user alice.svc Summer2026! /ad"#,
        r#"net user alice.svc Summer2026! /ad"#,
        r#"1"#,
    ],
    [
        r#"alice.svc"#,
        r#"true"#,
        r#"cmd.exe"#,
        r#"net.exe"#,
        r#"net user alice.svc Summer2026! /ad"#,
        r#"cmd.exe /c net user alice.svc Summer2026! /ad"#,
        r#"3"#,
    ],
    [
        r#"carol"#,
        r#"false"#,
        r#"powershell.exe"#,
        r#"net.exe"#,
        r#"net user carol Pw!2026 /add /dom"#,
        r#"powershell.exe -ExecutionPolicy Bypass -File C:\Users\jdoe\AppData\Local\Temp\u.ps1"#,
        r#"1"#,
    ],
    [
        r#"dave.t"#,
        r#"false"#,
        r#"cmd.exe"#,
        r#"net.exe"#,
        r#"net user dave.t Pw#44 /add /do"#,
        r#"cmd.exe /c "net user dave.t Pw#44 /add /do""#,
        r#"1"#,
    ],
    [
        r#"edge.case2"#,
        r#"true"#,
        r#"cmd.exe"#,
        r#"net.exe"#,
        r#"net user edge.case2 Pw!1 /ad"#,
        r#"cmd.exe /c net user edge.case2 Pw!1 /ad"#,
        r#"1"#,
    ],
    [
        r#"frank.m"#,
        r#"false"#,
        r#"cmd.exe"#,
        r#"net.exe"#,
        r#"net user frank.m Welcome1! /ad /domain"#,
        r#"cmd.exe /c net user frank.m Welcome1! /ad /domain"#,
        r#"1"#,
    ],
    [
        r#"hacker2"#,
        r#"true"#,
        r#"cmd.exe"#,
        r#"net.exe"#,
        r#"net  user hacker2 P@ssw0rd /ad"#,
        r#"cmd.exe /c net  user hacker2 P@ssw0rd /ad"#,
        r#"1"#,
    ],
    [
        r#"netadmin"#,
        r#"true"#,
        r#"cmd.exe"#,
        r#"net.exe"#,
        r#"net user netadmin N3t!admin /ad"#,
        r#"cmd /c net user netadmin N3t!admin /ad"#,
        r#"1"#,
    ],
    [
        r#"netadmin"#,
        r#"true"#,
        r#"net.exe"#,
        r#"net1.exe"#,
        r#"net1 user netadmin N3t!admin /ad"#,
        r#"net user netadmin N3t!admin /ad"#,
        r#"1"#,
    ],
    [
        r#"sqlsvc"#,
        r#"true"#,
        r#"WmiPrvSE.exe"#,
        r#"Net1.exe"#,
        r#"net1 user sqlsvc Passw0rd /ad"#,
        r#"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding"#,
        r#"1"#,
    ],
    [
        r#"svc_backup"#,
        r#"true"#,
        r#"powershell.exe"#,
        r#"net.exe"#,
        r#"C:\Windows\System32\net.exe user svc_backup Backup#2026 /ad"#,
        r#"powershell.exe -ExecutionPolicy Bypass -File C:\ProgramData\setup.ps1"#,
        r#"1"#,
    ],
    [
        r#"user"#,
        r#"true"#,
        r#"cmd.exe"#,
        r#"net.exe"#,
        r#"net user user /ad"#,
        r#"cmd.exe /c net user user /ad"#,
        r#"1"#,
    ],
];

fn kql(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("run kql")
}

/// The rows of a `--format json` result, as text, sorted; and the column types.
fn result(args: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let out = kql(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    let table = &json["tables"][0];
    let types = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["name"].as_str().unwrap(),
                c["type"].as_str().unwrap()
            )
        })
        .collect();
    let mut rows: Vec<Vec<String>> = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    rows.sort();
    (types, rows)
}

fn expected() -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = EXPECTED
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    rows.sort();
    rows
}

const COLUMNS: [&str; 7] = [
    "CreatedUser:string",
    "CreatedOnLocalMachine:bool",
    "InitiatingProcessFileName:string",
    "FileName:string",
    "ProcessCommandLine:string",
    "InitiatingProcessCommandLine:string",
    "MachineCount:long",
];

#[test]
fn seed_query_gives_the_traced_result() {
    let (types, rows) = result(&[
        "run",
        "queries/create-account.kql",
        "--now",
        "2026-11-25T12:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(types, COLUMNS);
    assert_eq!(rows, expected());
}

#[test]
fn set_query_now_pins_now_like_the_flag() {
    let query = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../queries/create-account.kql"
    ))
    .unwrap();
    let pinned = format!("set query_now = datetime(2026-11-25T12:00:00Z);\n{query}");
    let (types, rows) = result(&["run", "-e", &pinned, "--format", "json"]);
    assert_eq!(types, COLUMNS);
    assert_eq!(rows, expected());
}

#[test]
fn a_later_now_drops_the_older_events() {
    // a day later, ago(3d) is 2026-11-23T12:00:00Z: only rows after it remain
    let (_, rows) = result(&[
        "run",
        "queries/create-account.kql",
        "--now",
        "2026-11-26T12:00:00Z",
        "--format",
        "json",
    ]);
    let users: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert!(!users.contains(&"edge.case2"), "{users:?}");
    assert!(users.contains(&"alice.svc"), "{users:?}");
    assert!(rows.len() < EXPECTED.len());
}

/// FNV-1a over the bytes: the seed query must stay byte for byte the rule's `query:` value.
#[test]
fn seed_query_file_is_unchanged() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../queries/create-account.kql"
    ))
    .unwrap();
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    assert_eq!((bytes.len(), hash), (SEED_LEN, SEED_FNV1A));
}

const SEED_LEN: usize = 1701;
const SEED_FNV1A: u64 = 0xc2eca3391994f9fb;
