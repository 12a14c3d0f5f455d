//! A generator of realistic Microsoft Defender XDR `DeviceProcessEvents` NDJSON: 50
//! advanced-hunting columns, in the export's order, about 2.7 KB a row.
//!
//! The output depends only on the seed, the row count and the fraction of `net.exe` /
//! `net1.exe` rows, so a benchmark file can be made again anywhere. Rows span the seven days
//! before [`END`], in time order. What makes it realistic for a JSON reader: Windows paths (every
//! row has escaped backslashes), quoted command lines (`\"`), `®` written as `\u00ae` the way
//! .NET serializers write it, a few `dotnet.exe` rows (whose names contain `net.exe`), and
//! `net.exe` rows that create accounts (`net user NAME PASSWORD /add`), that do not, and their
//! `net1.exe` children.

use std::fmt::Write as _;
use std::io::{self, Write};

use kql_eval::datetime::format_datetime;

/// The end of the generated time range: run queries with `--now` set to this.
pub const END: &str = "2026-11-25T12:00:00Z";

/// 100-ns ticks per second.
const SECOND: i64 = 10_000_000;
const DAYS: i64 = 7;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub rows: u64,
    pub seed: u64,
    /// The fraction of rows whose process is `net.exe` or `net1.exe`.
    pub net_fraction: f64,
}

/// SplitMix64: small, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, out: &mut String, digits: usize) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut left = digits;
        while left > 0 {
            let mut v = self.next_u64();
            for _ in 0..left.min(16) {
                out.push(HEX[(v & 15) as usize] as char);
                v >>= 4;
            }
            left = left.saturating_sub(16);
        }
    }

    fn guid(&mut self) -> String {
        let mut s = String::with_capacity(36);
        for (i, n) in [8, 4, 4, 4, 12].into_iter().enumerate() {
            if i > 0 {
                s.push('-');
            }
            self.hex(&mut s, n);
        }
        s
    }
}

/// A program that runs on the devices.
struct Image {
    name: &'static str,
    folder: &'static str,
    company: &'static str,
    product: &'static str,
    version: &'static str,
    description: &'static str,
    size: u64,
    /// Relative frequency.
    weight: u32,
    /// The command line, `{}` holes filled with random words, paths and numbers.
    command: &'static str,
}

const MS: &str = "Microsoft Corporation";
const WINDOWS: &str = "Microsoft® Windows® Operating System";

const IMAGES: &[Image] = &[
    Image {
        name: "svchost.exe",
        folder: r"C:\Windows\System32",
        company: MS,
        product: WINDOWS,
        version: "10.0.19041.3636",
        description: "Host Process for Windows Services",
        size: 55320,
        weight: 36,
        command: r"C:\Windows\system32\svchost.exe -k {svc} -p -s {word}",
    },
    Image {
        name: "chrome.exe",
        folder: r"C:\Program Files\Google\Chrome\Application",
        company: "Google LLC",
        product: "Google Chrome",
        version: "131.0.6778.86",
        description: "Google Chrome",
        size: 2874136,
        weight: 20,
        command: r#""C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US --renderer-client-id={small} --field-trial-handle=2024,i,{n},{n},262144 --mojo-platform-channel-handle={n} /prefetch:1"#,
    },
    Image {
        name: "msedge.exe",
        folder: r"C:\Program Files (x86)\Microsoft\Edge\Application",
        company: MS,
        product: "Microsoft Edge",
        version: "131.0.2903.70",
        description: "Microsoft Edge",
        size: 4013112,
        weight: 15,
        command: r#""C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle={n} /prefetch:3"#,
    },
    Image {
        name: "powershell.exe",
        folder: r"C:\Windows\System32\WindowsPowerShell\v1.0",
        company: MS,
        product: WINDOWS,
        version: "10.0.19041.3996",
        description: "Windows PowerShell",
        size: 452608,
        weight: 6,
        command: r#"powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "& {Get-ChildItem 'C:\Users\{user}\AppData\Local\Temp' -Filter *.tmp | Remove-Item -Force}""#,
    },
    Image {
        name: "cmd.exe",
        folder: r"C:\Windows\System32",
        company: MS,
        product: WINDOWS,
        version: "10.0.19041.3636",
        description: "Windows Command Processor",
        size: 289792,
        weight: 6,
        command: r#"C:\Windows\system32\cmd.exe /d /c "C:\ProgramData\{word}\scripts\{word}.cmd" {word}"#,
    },
    Image {
        name: "conhost.exe",
        folder: r"C:\Windows\System32",
        company: MS,
        product: WINDOWS,
        version: "10.0.19041.3636",
        description: "Console Window Host",
        size: 869376,
        weight: 6,
        command: r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1",
    },
    Image {
        name: "RuntimeBroker.exe",
        folder: r"C:\Windows\System32",
        company: MS,
        product: WINDOWS,
        version: "10.0.19041.3636",
        description: "Runtime Broker",
        size: 143360,
        weight: 5,
        command: r"C:\Windows\System32\RuntimeBroker.exe -Embedding",
    },
    Image {
        name: "MsMpEng.exe",
        folder: r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0",
        company: MS,
        product: WINDOWS,
        version: "4.18.24090.11",
        description: "Antimalware Service Executable",
        size: 133704,
        weight: 3,
        command: r#""C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MsMpEng.exe""#,
    },
    Image {
        name: "OneDrive.exe",
        folder: r"C:\Users\{user}\AppData\Local\Microsoft\OneDrive",
        company: MS,
        product: "Microsoft OneDrive",
        version: "24.216.1027.0001",
        description: "Microsoft OneDrive",
        size: 3466040,
        weight: 4,
        command: r#""C:\Users\{user}\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background"#,
    },
    Image {
        name: "Teams.exe",
        folder: r"C:\Users\{user}\AppData\Local\Microsoft\Teams\current",
        company: MS,
        product: "Microsoft Teams",
        version: "1.7.00.13456",
        description: "Microsoft Teams",
        size: 134123456,
        weight: 4,
        command: r#""C:\Users\{user}\AppData\Local\Microsoft\Teams\current\Teams.exe" --type=renderer --field-trial-handle=1744,{n},{n},131072 --lang=en-US --renderer-client-id={small} --mojo-platform-channel-handle={n} /prefetch:1"#,
    },
    Image {
        name: "git.exe",
        folder: r"C:\Program Files\Git\cmd",
        company: "The Git Development Community",
        product: "Git",
        version: "2.47.0.2",
        description: "Git for Windows",
        size: 45616,
        weight: 2,
        command: r#"git.exe -c core.quotepath=false -c color.ui=false fetch --prune --no-auto-gc origin refs/heads/{word}:refs/remotes/origin/{word}"#,
    },
    Image {
        name: "dotnet.exe",
        folder: r"C:\Program Files\dotnet",
        company: MS,
        product: "Microsoft .NET",
        version: "8.0.1124.51707",
        description: ".NET Host",
        size: 161112,
        weight: 1,
        command: r#""C:\Program Files\dotnet\dotnet.exe" build "C:\src\{word}\{word}.csproj" --configuration Release /p:Version=1.{small}.{small}"#,
    },
    Image {
        name: "WmiPrvSE.exe",
        folder: r"C:\Windows\System32\wbem",
        company: MS,
        product: WINDOWS,
        version: "10.0.19041.3636",
        description: "WMI Provider Host",
        size: 495616,
        weight: 3,
        command: r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding",
    },
    Image {
        name: "taskhostw.exe",
        folder: r"C:\Windows\System32",
        company: MS,
        product: WINDOWS,
        version: "10.0.19041.3636",
        description: "Host Process for Windows Tasks",
        size: 97792,
        weight: 3,
        command: r"taskhostw.exe {word}",
    },
    Image {
        name: "SearchProtocolHost.exe",
        folder: r"C:\Windows\System32",
        company: MS,
        product: WINDOWS,
        version: "7.0.19041.3636",
        description: "Microsoft Windows Search Protocol Host",
        size: 406528,
        weight: 3,
        command: r#""C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe{small}_ Global\UsGthrCtrlFltPipeMssGthrPipe{small} 1 -2147483646 "Software\Microsoft\Windows Search" "DownLevelDaemon""#,
    },
    Image {
        name: "rundll32.exe",
        folder: r"C:\Windows\System32",
        company: MS,
        product: WINDOWS,
        version: "10.0.19041.3636",
        description: "Windows host process (Rundll32)",
        size: 71680,
        weight: 2,
        command: r"C:\Windows\system32\rundll32.exe C:\Windows\system32\{word}.dll,{word} {n}",
    },
    Image {
        name: "python.exe",
        folder: r"C:\Users\{user}\AppData\Local\Programs\Python\Python312",
        company: "Python Software Foundation",
        product: "Python",
        version: "3.12.7",
        description: "Python",
        size: 103192,
        weight: 1,
        command: r#""C:\Users\{user}\AppData\Local\Programs\Python\Python312\python.exe" -m pip install --upgrade {word}=={small}.{small} --index-url https://pypi.org/simple"#,
    },
];

const SERVICES: &[&str] = &[
    "netsvcs",
    "LocalServiceNetworkRestricted",
    "LocalSystemNetworkRestricted",
    "DcomLaunch",
    "RPCSS",
    "UnistackSvcGroup",
    "wsappx",
    "LocalService",
];

const WORDS: &[&str] = &[
    "Schedule",
    "BITS",
    "wuauserv",
    "update",
    "deploy",
    "backup",
    "inventory",
    "report",
    "sync",
    "contoso",
    "Payroll",
    "main",
    "release",
    "agent",
    "cleanup",
    "Appinfo",
    "telemetry",
    "shell32",
    "Control_RunDLL",
    "requests",
    "numpy",
];

const DEPARTMENTS: &[&str] = &["fin", "hr", "it", "eng", "ops", "sales", "legal", "mkt"];
const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "nia", "oscar", "peggy", "rupert", "sybil", "trent", "victor", "wendy", "zoe",
];
const LAST: &[&str] = &[
    "smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "taylor", "thomas", "moore",
    "martin", "lee", "perez", "white", "harris", "clark", "lewis", "young", "walker", "hall",
];

/// A device of the fleet.
struct Device {
    id: String,
    name: String,
}

/// An account of the directory.
struct Account {
    domain: &'static str,
    name: String,
    sid: String,
    upn: String,
    object_id: String,
}

/// The fixed pools rows draw from (devices, accounts, hashes per image).
struct World {
    devices: Vec<Device>,
    accounts: Vec<Account>,
    system: Account,
    /// Per image: SHA1, SHA256, MD5.
    hashes: Vec<(String, String, String)>,
    net_hashes: (String, String, String),
    net1_hashes: (String, String, String),
    cmd_hashes: (String, String, String),
    weights_total: u32,
}

fn hashes(rng: &mut Rng) -> (String, String, String) {
    let (mut a, mut b, mut c) = (String::new(), String::new(), String::new());
    rng.hex(&mut a, 40);
    rng.hex(&mut b, 64);
    rng.hex(&mut c, 32);
    (a, b, c)
}

impl World {
    fn new(seed: u64) -> World {
        let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
        let devices = (0..1500)
            .map(|i| {
                let mut id = String::new();
                rng.hex(&mut id, 40);
                let kind = if i % 25 == 0 { "srv" } else { "ws" };
                let dept = rng.pick(DEPARTMENTS);
                Device {
                    id,
                    name: format!("{kind}-{dept}-{:03}.contoso.local", i % 1000),
                }
            })
            .collect();
        let accounts = (0..3000)
            .map(|i| {
                let first = rng.pick(FIRST);
                let last = rng.pick(LAST);
                let name = format!("{first}.{last}{}", i % 97);
                Account {
                    domain: "contoso",
                    sid: format!("S-1-5-21-1004336348-1177238915-682003330-{}", 1100 + i),
                    upn: format!("{name}@contoso.com"),
                    object_id: rng.guid(),
                    name,
                }
            })
            .collect();
        let system = Account {
            domain: "nt authority",
            name: "system".into(),
            sid: "S-1-5-18".into(),
            upn: String::new(),
            object_id: String::new(),
        };
        let image_hashes = IMAGES.iter().map(|_| hashes(&mut rng)).collect();
        World {
            devices,
            accounts,
            system,
            hashes: image_hashes,
            net_hashes: hashes(&mut rng),
            net1_hashes: hashes(&mut rng),
            cmd_hashes: hashes(&mut rng),
            weights_total: IMAGES.iter().map(|i| i.weight).sum(),
        }
    }

    fn image(&self, rng: &mut Rng) -> usize {
        let mut pick = rng.below(u64::from(self.weights_total)) as u32;
        for (i, image) in IMAGES.iter().enumerate() {
            if pick < image.weight {
                return i;
            }
            pick -= image.weight;
        }
        0
    }
}

/// Fills the `{}` holes of a template.
fn fill(template: &str, rng: &mut Rng, user: &str) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('}') else {
            break;
        };
        match &after[1..close] {
            "n" => {
                let _ = write!(out, "{}", rng.below(9_000_000_000) + 1_000_000);
            }
            "small" => {
                let _ = write!(out, "{}", rng.below(40) + 1);
            }
            "word" => out.push_str(rng.pick::<&str>(WORDS)),
            "svc" => out.push_str(rng.pick::<&str>(SERVICES)),
            "user" => out.push_str(user),
            // `{` of the text itself (PowerShell script blocks)
            _ => {
                out.push('{');
                rest = &after[1..];
                continue;
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The process a row describes and the one that started it.
struct Process {
    file: String,
    folder: String,
    company: &'static str,
    product: &'static str,
    version: &'static str,
    description: &'static str,
    size: u64,
    command: String,
    hashes: (String, String, String),
}

impl Process {
    fn of_image(world: &World, i: usize, rng: &mut Rng, user: &str) -> Process {
        let image = &IMAGES[i];
        let folder = fill(image.folder, rng, user);
        Process {
            file: image.name.to_string(),
            folder: format!(r"{folder}\{}", image.name),
            company: image.company,
            product: image.product,
            version: image.version,
            description: image.description,
            size: image.size,
            command: fill(image.command, rng, user),
            hashes: world.hashes[i].clone(),
        }
    }

    fn windows(
        file: &str,
        description: &'static str,
        size: u64,
        command: String,
        hashes: (String, String, String),
    ) -> Process {
        Process {
            file: file.to_string(),
            folder: format!(r"C:\Windows\System32\{file}"),
            company: MS,
            product: WINDOWS,
            version: "10.0.19041.1",
            description,
            size,
            command,
            hashes,
        }
    }
}

/// The `net.exe` family: account creation (the query's target) and its look-alikes.
fn net_processes(world: &World, rng: &mut Rng) -> (Process, Process) {
    const ROLES: &[&str] = &["svc", "adm", "backup", "tmp"];
    const WORDS: &[&str] = &["Summer", "Winter", "Passw0rd", "Welcome"];
    let user = format!("{}.{}", rng.pick(FIRST), rng.pick(ROLES));
    let password = format!("{}{}!", rng.pick(WORDS), 2020 + rng.below(7));
    const SWITCHES: &[&str] = &[
        "/add",
        "/ad",
        "/ADD",
        "/add /domain",
        "/add /do",
        "/active:yes",
    ];
    let switch = *rng.pick(SWITCHES);
    let args = match rng.below(10) {
        0..=4 => format!("user {user} {password} {switch}"),
        5 => format!("localgroup administrators {user} /add"),
        6 => format!(r"use \\fs-{:02}\share /persistent:no", rng.below(20)),
        7 => "view /all".to_string(),
        8 => format!("user {user} /domain"),
        _ => "accounts".to_string(),
    };
    let net_command = format!("net {args}");
    let cmd = Process::windows(
        "cmd.exe",
        "Windows Command Processor",
        289792,
        format!("cmd.exe /c {net_command}"),
        world.cmd_hashes.clone(),
    );
    if rng.below(2) == 0 {
        // net.exe started by cmd.exe
        let name = if rng.below(20) == 0 {
            "NET.EXE"
        } else {
            "net.exe"
        };
        let net = Process::windows(
            name,
            "Net Command",
            59392,
            net_command,
            world.net_hashes.clone(),
        );
        (net, cmd)
    } else {
        // net1.exe started by net.exe with the same arguments
        let net = Process::windows(
            "net.exe",
            "Net Command",
            59392,
            net_command,
            world.net_hashes.clone(),
        );
        let command = if rng.below(2) == 0 {
            format!(r"C:\Windows\system32\net1  {args}")
        } else {
            format!("net1 {args}")
        };
        let net1 = Process::windows(
            "net1.exe",
            "Net Command",
            181248,
            command,
            world.net1_hashes.clone(),
        );
        (net1, net)
    }
}

/// Appends `s` as a JSON string: `"`, `\` and control characters escaped, `®` as `\u00ae`.
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '®' => out.push_str("\\u00ae"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes one row (a JSON object and a newline) to `out`.
struct Row<'a> {
    out: &'a mut String,
    first: bool,
}

impl Row<'_> {
    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(k);
        self.out.push_str("\":");
    }

    fn s(&mut self, k: &str, v: &str) {
        self.key(k);
        json_str(self.out, v);
    }

    fn n(&mut self, k: &str, v: u64) {
        self.key(k);
        let _ = write!(self.out, "{v}");
    }

    fn null(&mut self, k: &str) {
        self.key(k);
        self.out.push_str("null");
    }

    fn raw(&mut self, k: &str, json: &str) {
        self.key(k);
        self.out.push_str(json);
    }
}

/// Writes the rows of `spec` to `w`; returns the number of bytes written.
pub fn generate(spec: &Spec, w: &mut impl Write) -> io::Result<u64> {
    let world = World::new(spec.seed);
    let mut rng = Rng::new(spec.seed);
    let end = kql_eval::datetime::parse_datetime(END).unwrap_or(0);
    let span = DAYS * 24 * 3600 * SECOND;
    let start = end - span;
    let mut line = String::with_capacity(8192);
    let mut written = 0u64;
    for i in 0..spec.rows {
        line.clear();
        let t = start + (span as f64 * (i as f64 + rng.unit()) / spec.rows.max(1) as f64) as i64;
        write_row(&world, &mut rng, spec, t, &mut line);
        line.push('\n');
        w.write_all(line.as_bytes())?;
        written += line.len() as u64;
    }
    Ok(written)
}

fn write_row(world: &World, rng: &mut Rng, spec: &Spec, t: i64, line: &mut String) {
    let device = &world.devices[rng.below(world.devices.len() as u64) as usize];
    let as_system = rng.below(4) == 0;
    let account = if as_system {
        &world.system
    } else {
        &world.accounts[rng.below(world.accounts.len() as u64) as usize]
    };
    let user = account.name.clone();
    let is_net = rng.unit() < spec.net_fraction;
    let (proc_, parent) = if is_net {
        net_processes(world, rng)
    } else {
        let p = Process::of_image(world, world.image(rng), rng, &user);
        let parent_image = match p.file.as_str() {
            "chrome.exe" | "msedge.exe" | "Teams.exe" => world.image(rng).clamp(1, 2),
            _ => world.image(rng),
        };
        let parent = Process::of_image(world, parent_image, rng, &user);
        (p, parent)
    };
    let created = t - rng.below(5 * SECOND as u64) as i64;
    let parent_created = created - rng.below(3600 * SECOND as u64) as i64;
    let integrity = if as_system { "System" } else { "Medium" };
    let elevation = if as_system {
        "TokenElevationTypeDefault"
    } else {
        const ELEVATIONS: &[&str] = &["TokenElevationTypeLimited", "TokenElevationTypeDefault"];
        *rng.pick(ELEVATIONS)
    };
    let mut r = Row {
        out: line,
        first: true,
    };
    r.out.push('{');
    r.s("Timestamp", &format_datetime(t));
    r.s("DeviceId", &device.id);
    r.s("DeviceName", &device.name);
    r.s("ActionType", "ProcessCreated");
    r.s("FileName", &proc_.file);
    r.s("FolderPath", &proc_.folder);
    r.s("SHA1", &proc_.hashes.0);
    r.s("SHA256", &proc_.hashes.1);
    r.s("MD5", &proc_.hashes.2);
    r.n("FileSize", proc_.size);
    r.s("ProcessVersionInfoCompanyName", proc_.company);
    r.s("ProcessVersionInfoProductName", proc_.product);
    r.s("ProcessVersionInfoProductVersion", proc_.version);
    r.s("ProcessVersionInfoOriginalFileName", &proc_.file);
    r.s("ProcessVersionInfoFileDescription", proc_.description);
    r.n("ProcessId", 4 + rng.below(60000) * 4);
    r.s("ProcessCommandLine", &proc_.command);
    r.s("ProcessIntegrityLevel", integrity);
    r.s("ProcessTokenElevation", elevation);
    r.s("ProcessCreationTime", &format_datetime(created));
    r.s("AccountDomain", account.domain);
    r.s("AccountName", &account.name);
    r.s("AccountSid", &account.sid);
    r.s("AccountUpn", &account.upn);
    r.s("AccountObjectId", &account.object_id);
    r.n("LogonId", 999 + rng.below(10_000_000));
    r.s("InitiatingProcessAccountDomain", account.domain);
    r.s("InitiatingProcessAccountName", &account.name);
    r.s("InitiatingProcessAccountSid", &account.sid);
    r.s("InitiatingProcessAccountUpn", &account.upn);
    r.s("InitiatingProcessAccountObjectId", &account.object_id);
    r.n("InitiatingProcessLogonId", 999 + rng.below(10_000_000));
    r.s("InitiatingProcessIntegrityLevel", integrity);
    r.s("InitiatingProcessTokenElevation", elevation);
    r.s("InitiatingProcessSHA1", &parent.hashes.0);
    r.s("InitiatingProcessSHA256", &parent.hashes.1);
    r.s("InitiatingProcessMD5", &parent.hashes.2);
    r.s("InitiatingProcessFileName", &parent.file);
    r.n("InitiatingProcessFileSize", parent.size);
    r.s("InitiatingProcessVersionInfoCompanyName", parent.company);
    r.s("InitiatingProcessVersionInfoProductName", parent.product);
    r.s(
        "InitiatingProcessVersionInfoFileDescription",
        parent.description,
    );
    r.n("InitiatingProcessId", 4 + rng.below(60000) * 4);
    r.s("InitiatingProcessCommandLine", &parent.command);
    r.s(
        "InitiatingProcessCreationTime",
        &format_datetime(parent_created),
    );
    r.s("InitiatingProcessFolderPath", &parent.folder);
    r.n("InitiatingProcessParentId", 4 + rng.below(60000) * 4);
    const GRANDPARENTS: &[&str] = &[
        "explorer.exe",
        "services.exe",
        "svchost.exe",
        "userinit.exe",
    ];
    r.s(
        "InitiatingProcessParentFileName",
        rng.pick::<&str>(GRANDPARENTS),
    );
    r.n("ReportId", 1000 + rng.below(1_000_000));
    if rng.below(10) == 0 {
        let mut extra = String::new();
        let _ = write!(
            extra,
            "{{\"ProcessStartKey\":{},\"InitiatingProcessStartKey\":{}}}",
            rng.below(1 << 50),
            rng.below(1 << 50)
        );
        r.raw("AdditionalFields", &extra);
    } else {
        r.null("AdditionalFields");
    }
    r.out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(rows: u64, seed: u64) -> Vec<u8> {
        let mut out = Vec::new();
        generate(
            &Spec {
                rows,
                seed,
                net_fraction: 0.2,
            },
            &mut out,
        )
        .unwrap();
        out
    }

    #[test]
    fn rows_are_deterministic_valid_json_with_every_column() {
        let a = make(300, 7);
        assert_eq!(a, make(300, 7));
        assert_ne!(a, make(300, 8));
        let text = std::str::from_utf8(&a).unwrap();
        let known = kql_io::known_schema("DeviceProcessEvents").unwrap();
        let mut net = 0;
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let obj = v.as_object().unwrap();
            assert_eq!(obj.len(), 50);
            for k in obj.keys() {
                assert!(known.index_of(k).is_some(), "{k}");
            }
            if obj["FileName"]
                .as_str()
                .is_some_and(|f| f.eq_ignore_ascii_case("net.exe") || f == "net1.exe")
            {
                net += 1;
            }
        }
        assert_eq!(text.lines().count(), 300);
        assert!((30..=90).contains(&net), "{net}");
    }
}
