#!/usr/bin/env python3
"""Writes DeviceProcessEvents rows as NDJSON, shaped like testdata/DeviceProcessEvents.json
(the same 58 columns, in the same order), for timing kql on large tables.

The output depends only on the arguments (a seeded generator, no clock), so a given command
always writes the same bytes:

    python3 scripts/gen_device_process_events.py --rows 1000000 > /tmp/dpe-1m.ndjson

About 3% of the rows are `net.exe`/`net1.exe` runs, a share of them creating accounts the
way the Create-account hunting query (queries/create-account.kql) looks for; the rest are
everyday processes. Timestamps spread over the 7 days before --end, so with
`--now` at --end, `ago(3d)` keeps about 3/7 of them.
"""

import argparse
import functools
import hashlib
import json
import random
import sys
from datetime import datetime, timedelta, timezone

TICKS_PER_SECOND = 10_000_000

PROCESSES = [
    # file name, folder, company, product, version, internal, original, description, size
    ("svchost.exe", "C:\\Windows\\System32", "Microsoft Corporation",
     "Microsoft\u00ae Windows\u00ae Operating System", "10.0.19041.1", "svchost.exe",
     "svchost.exe", "Host Process for Windows Services", 55320),
    ("chrome.exe", "C:\\Program Files\\Google\\Chrome\\Application", "Google LLC",
     "Google Chrome", "131.0.6778.86", "chrome_exe", "chrome.exe", "Google Chrome", 2902040),
    ("powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
     "Microsoft Corporation", "Microsoft\u00ae Windows\u00ae Operating System",
     "10.0.19041.3996", "POWERSHELL", "PowerShell.EXE", "Windows PowerShell", 452608),
    ("cmd.exe", "C:\\Windows\\System32", "Microsoft Corporation",
     "Microsoft\u00ae Windows\u00ae Operating System", "10.0.19041.4355", "cmd", "Cmd.Exe",
     "Windows Command Processor", 289792),
    ("conhost.exe", "C:\\Windows\\System32", "Microsoft Corporation",
     "Microsoft\u00ae Windows\u00ae Operating System", "10.0.19041.1", "ConHost", "CONHOST.EXE",
     "Console Window Host", 868352),
    ("taskhostw.exe", "C:\\Windows\\System32", "Microsoft Corporation",
     "Microsoft\u00ae Windows\u00ae Operating System", "10.0.19041.3636", "taskhostw.exe",
     "taskhostw.exe", "Host Process for Windows Tasks", 99232),
    ("OUTLOOK.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16",
     "Microsoft Corporation", "Microsoft Outlook", "16.0.17928.20156", "Outlook",
     "Outlook.exe", "Microsoft Outlook", 43451736),
    ("msedge.exe", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application",
     "Microsoft Corporation", "Microsoft Edge", "131.0.2903.70", "msedge_exe", "msedge.exe",
     "Microsoft Edge", 4157464),
    ("git.exe", "C:\\Program Files\\Git\\cmd", "The Git Development Community", "Git",
     "2.47.1.1", "git", "git.exe", "Git for Windows", 45632),
    ("WmiPrvSE.exe", "C:\\Windows\\System32\\wbem", "Microsoft Corporation",
     "Microsoft\u00ae Windows\u00ae Operating System", "10.0.19041.3636", "Wmiprvse.exe",
     "Wmiprvse.exe", "WMI Provider Host", 496640),
]

NET = {
    "net.exe": ("C:\\Windows\\System32", 59392, "Net Command"),
    "net1.exe": ("C:\\Windows\\System32", 175104, "Net Command"),
}

PARENTS = ["cmd.exe", "powershell.exe", "WmiPrvSE.exe", "explorer.exe", "services.exe"]
COMMANDS = {
    "svchost.exe": ["svchost.exe -k netsvcs -p -s Schedule", "svchost.exe -k LocalService -p",
                    "svchost.exe -k NetworkService -p -s Dnscache"],
    "chrome.exe": ["\"chrome.exe\" --type=renderer --lang=en-US --field-trial-handle=1868",
                   "\"chrome.exe\" --type=gpu-process --no-sandbox"],
    "powershell.exe": ["powershell.exe -NoProfile -ExecutionPolicy Bypass -File update.ps1",
                       "powershell.exe Get-Service | Where-Object Status -eq Running"],
    "cmd.exe": ["cmd.exe /c ipconfig /all", "cmd.exe /c whoami /groups", "cmd.exe /c dir C:\\Temp"],
    "conhost.exe": ["\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1"],
    "taskhostw.exe": ["taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly"],
    "OUTLOOK.EXE": ["\"OUTLOOK.EXE\" /recycle", "\"OUTLOOK.EXE\""],
    "msedge.exe": ["\"msedge.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService"],
    "git.exe": ["git.exe fetch --prune origin", "git.exe status --porcelain"],
    "WmiPrvSE.exe": ["C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding"],
}


@functools.lru_cache(maxsize=None)
def digest(kind, text):
    return hashlib.new(kind, text.encode()).hexdigest()


def ticks_to_iso(ticks):
    seconds, rest = divmod(ticks, TICKS_PER_SECOND)
    stamp = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{rest:07d}Z"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end", default="2026-11-25T12:00:00Z",
                        help="the latest timestamp (default 2026-11-25T12:00:00Z)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    end = datetime.strptime(args.end, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    end_ticks = int(end.timestamp()) * TICKS_PER_SECOND
    span = 7 * 24 * 3600 * TICKS_PER_SECOND

    devices = []
    for i in range(500):
        kind = rng.choice(["ws", "srv", "lt"])
        dept = rng.choice(["fin", "hr", "eng", "ops", "sales"])
        name = f"{kind}-{dept}-{i:03d}.contoso.local"
        devices.append((digest("sha1", name), name))
    accounts = []
    for i in range(200):
        user = f"{rng.choice(['j', 'a', 'm', 'k', 's'])}{rng.choice(['doe', 'smith', 'lee', 'ng', 'patel'])}{i}"
        sid = f"S-1-5-21-1004336348-1177238915-682003330-{1100 + i}"
        oid = "-".join(digest("md5", user)[a:b] for a, b in [(0, 8), (8, 12), (12, 16), (16, 20), (20, 32)])
        accounts.append((user, sid, f"{user}@contoso.com", oid))
    new_users = [f"svc_{w}{n}" for w in ["backup", "sql", "web", "adm", "tmp"] for n in range(40)]

    out = sys.stdout
    write = out.write
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    report_id = 10_000
    for _ in range(args.rows):
        report_id += 1
        ticks = end_ticks - rng.randrange(span)
        device_id, device_name = rng.choice(devices)
        user, sid, upn, oid = rng.choice(accounts)
        if rng.random() < 0.03:
            file_name = rng.choice(["net.exe", "net.exe", "net1.exe"])
            folder, size, description = NET[file_name]
            new_user = rng.choice(new_users)
            switch = rng.choice(["/add", "/ad", "/add /domain", "/ad /do", "/active:yes"])
            verb = file_name[:-4]
            command = rng.choice([
                f"{verb} user {new_user} P@ss{rng.randrange(1000)}! {switch}",
                f"{verb} localgroup administrators {new_user} /add",
                f"{verb} use \\\\fs01\\share",
                f"{verb} view",
            ])
            parent = "net.exe" if file_name == "net1.exe" else rng.choice(PARENTS[:3])
            parent_command = (command.replace("net1", "net", 1) if parent == "net.exe"
                              else f"{parent} /c {command}")
            company, product, version = ("Microsoft Corporation",
                                         "Microsoft\u00ae Windows\u00ae Operating System",
                                         "10.0.19041.1")
            internal = original = file_name
        else:
            (file_name, folder, company, product, version, internal, original, description,
             size) = rng.choice(PROCESSES)
            command = rng.choice(COMMANDS[file_name])
            parent = rng.choice(PARENTS)
            parent_command = f"{parent}"
        path = f"{folder}\\{file_name}"
        integrity = rng.choice(["High", "Medium", "System"])
        elevation = "TokenElevationTypeFull" if integrity == "High" else "TokenElevationTypeDefault"
        logon_id = rng.randrange(100_000, 9_999_999)
        parent_ticks = ticks - rng.randrange(1, 60) * TICKS_PER_SECOND
        grand_ticks = parent_ticks - rng.randrange(1, 3600) * TICKS_PER_SECOND
        timestamp = ticks_to_iso(ticks)
        row = {
            "Timestamp": timestamp,
            "DeviceId": device_id,
            "DeviceName": device_name,
            "ActionType": "ProcessCreated",
            "FileName": file_name,
            "FolderPath": path,
            "SHA1": digest("sha1", path),
            "SHA256": digest("sha256", path),
            "MD5": digest("md5", path),
            "FileSize": size,
            "ProcessVersionInfoCompanyName": company,
            "ProcessVersionInfoProductName": product,
            "ProcessVersionInfoProductVersion": version,
            "ProcessVersionInfoInternalFileName": internal,
            "ProcessVersionInfoOriginalFileName": original,
            "ProcessVersionInfoFileDescription": description,
            "ProcessId": rng.randrange(4, 65_536, 4),
            "ProcessCommandLine": command,
            "ProcessIntegrityLevel": integrity,
            "ProcessTokenElevation": elevation,
            "ProcessCreationTime": timestamp,
            "AccountDomain": "contoso",
            "AccountName": user,
            "AccountSid": sid,
            "AccountUpn": upn,
            "AccountObjectId": oid,
            "LogonId": logon_id,
            "InitiatingProcessAccountDomain": "contoso",
            "InitiatingProcessAccountName": user,
            "InitiatingProcessAccountSid": sid,
            "InitiatingProcessAccountUpn": upn,
            "InitiatingProcessAccountObjectId": oid,
            "InitiatingProcessLogonId": logon_id,
            "InitiatingProcessIntegrityLevel": integrity,
            "InitiatingProcessTokenElevation": elevation,
            "InitiatingProcessSHA1": digest("sha1", parent),
            "InitiatingProcessSHA256": digest("sha256", parent),
            "InitiatingProcessMD5": digest("md5", parent),
            "InitiatingProcessFileName": parent,
            "InitiatingProcessFileSize": 289_792,
            "InitiatingProcessVersionInfoCompanyName": "Microsoft Corporation",
            "InitiatingProcessVersionInfoProductName": "Microsoft\u00ae Windows\u00ae Operating System",
            "InitiatingProcessVersionInfoProductVersion": "10.0.19041.4355",
            "InitiatingProcessVersionInfoInternalFileName": parent.split(".")[0],
            "InitiatingProcessVersionInfoOriginalFileName": parent,
            "InitiatingProcessVersionInfoFileDescription": "Windows Command Processor",
            "InitiatingProcessId": rng.randrange(4, 65_536, 4),
            "InitiatingProcessCommandLine": parent_command,
            "InitiatingProcessCreationTime": ticks_to_iso(parent_ticks),
            "InitiatingProcessFolderPath": f"c:\\windows\\system32\\{parent.lower()}",
            "InitiatingProcessParentId": rng.randrange(4, 65_536, 4),
            "InitiatingProcessParentFileName": "explorer.exe",
            "InitiatingProcessParentCreationTime": ticks_to_iso(grand_ticks),
            "InitiatingProcessSignerType": "OsVendor",
            "InitiatingProcessSignatureStatus": "Valid",
            "ReportId": report_id,
            "AppGuardContainerId": "",
            "AdditionalFields": "",
        }
        write(dumps(row))
        write("\n")


if __name__ == "__main__":
    main()
