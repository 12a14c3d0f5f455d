//! The query of a YAML rule file (Sentinel analytics rules, Defender hunting queries), found
//! without a YAML parser: the top-level `query:` key with a block scalar (`query: |`) or a
//! one-line plain scalar.
//!
//! The query comes back as text of the same byte length as the file, every byte outside the
//! query blanked to a space (newlines kept), so spans in errors are offsets into the file and
//! render with the file's own line and column numbers.
//!
//! [`required_data_types`] reads the rule's `requiredDataConnectors` the same way: the tables
//! (`dataTypes`) each connector provides.

/// Why a rule file's query could not be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub message: String,
    pub help: Option<String>,
}

impl RuleError {
    fn new(message: impl Into<String>, help: Option<&str>) -> RuleError {
        RuleError {
            message: message.into(),
            help: help.map(str::to_string),
        }
    }
}

const BLOCK_HELP: &str =
    "write the query as a block scalar:\n\nquery: |\n  SecurityEvent\n  | take 10";

/// The query of the rule file `yaml`, blanked as described in the module docs.
pub fn extract_query(yaml: &str) -> Result<String, RuleError> {
    let lines = lines_with_offsets(yaml);
    let Some(key_line) = lines.iter().position(|(_, l)| l.starts_with("query:")) else {
        return Err(RuleError::new(
            "the rule file has no top-level `query:`",
            Some("kql runs the `query:` of a rule file; its other fields are ignored for now"),
        ));
    };
    let (key_start, line) = lines[key_line];
    let value_start = key_start + "query:".len();
    let value = strip_comment(line["query:".len()..].trim_end_matches(['\n', '\r']));
    let trimmed = value.trim();
    let mut keep: Vec<(usize, usize)> = Vec::new();
    if let Some(indicator) = trimmed.strip_prefix(['|', '>']) {
        // a block scalar: `|`, `|-`, `>+`, `|2`, ... (folding is not applied: KQL needs the
        // newlines that end `//` comments)
        let mut explicit_indent = None;
        for c in indicator.chars() {
            match c {
                '+' | '-' => {}
                '1'..='9' => explicit_indent = c.to_digit(10).map(|d| d as usize),
                _ => {
                    return Err(RuleError::new(
                        format!("cannot read the block scalar header `query: {trimmed}`"),
                        Some(BLOCK_HELP),
                    ));
                }
            }
        }
        let mut indent = explicit_indent;
        for &(start, text) in &lines[key_line + 1..] {
            let content = text.trim_end_matches(['\n', '\r']);
            if content.trim_matches(' ').is_empty() {
                // blank lines belong to the block (and are whitespace to KQL anyway)
                continue;
            }
            let spaces = content.len() - content.trim_start_matches(' ').len();
            let n = *indent.get_or_insert(spaces);
            if n == 0 || spaces < n {
                break;
            }
            keep.push((start, start + content.len()));
        }
    } else if trimmed.is_empty() || trimmed.starts_with(['"', '\'']) {
        return Err(RuleError::new(
            if trimmed.is_empty() {
                "the rule's `query:` is not a block scalar".to_string()
            } else {
                "quoted `query:` values are not supported yet".to_string()
            },
            Some(BLOCK_HELP),
        ));
    } else {
        // a one-line plain scalar; a continued (multi-line) one is not supported
        let continued = lines[key_line + 1..]
            .iter()
            .map(|(_, l)| l.trim_end_matches(['\n', '\r']))
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.starts_with([' ', '\t']));
        if continued {
            return Err(RuleError::new(
                "multi-line plain `query:` values are not supported yet",
                Some(BLOCK_HELP),
            ));
        }
        let lead = value.len() - value.trim_start().len();
        let start = value_start + lead;
        keep.push((start, start + trimmed.len()));
    }
    if keep.is_empty() {
        return Err(RuleError::new("the rule's `query:` is empty", None));
    }
    let mut out = blank(yaml);
    for (start, end) in keep {
        out[start..end].copy_from_slice(&yaml.as_bytes()[start..end]);
    }
    // every byte kept is a whole line or a trimmed scalar of `yaml`; the rest is ASCII
    Ok(String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// `(byte offset, line including its newline)` of every line.
fn lines_with_offsets(s: &str) -> Vec<(usize, &str)> {
    let mut at = 0;
    s.split_inclusive('\n')
        .map(|l| {
            let start = at;
            at += l.len();
            (start, l)
        })
        .collect()
}

/// `s` with every byte but `\n` replaced by a space.
fn blank(s: &str) -> Vec<u8> {
    s.bytes()
        .map(|b| if b == b'\n' { b'\n' } else { b' ' })
        .collect()
}

/// The text before a YAML comment (` #` outside quotes) on a scalar header line.
fn strip_comment(s: &str) -> &str {
    if s.trim_start().starts_with(['"', '\'']) {
        return s;
    }
    let bytes = s.as_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
            return &s[..i];
        }
    }
    s
}

/// One `dataTypes` entry of a rule's `requiredDataConnectors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataType {
    /// The table name (the entry up to its first space: `CommonSecurityLog (Cisco)` gives
    /// `CommonSecurityLog`).
    pub table: String,
    /// The `connectorId` of the connector that lists it (empty if none is given).
    pub connector: String,
}

/// The `dataTypes` of the top-level `requiredDataConnectors` of the rule file `yaml`, in
/// order, each once. Both block (`- X` on the following lines) and flow (`[X, Y]`) lists are
/// read; anything else in the block is ignored.
pub fn required_data_types(yaml: &str) -> Vec<DataType> {
    let mut out: Vec<DataType> = Vec::new();
    let mut push = |table: &str, connector: &str| {
        let table = scalar(table);
        let table = table.split([' ', '(']).next().unwrap_or_default();
        if !table.is_empty() && !out.iter().any(|d| d.table == table) {
            out.push(DataType {
                table: table.to_string(),
                connector: connector.to_string(),
            });
        }
    };
    let mut lines = yaml.lines();
    // find the key
    let mut flow = None;
    for line in lines.by_ref() {
        if let Some(rest) = line.strip_prefix("requiredDataConnectors:") {
            flow = Some(strip_comment(rest).trim().to_string());
            break;
        }
    }
    match flow.as_deref() {
        None => return out,
        Some("") => {}
        // `requiredDataConnectors: []` and other flow forms: nothing this reader takes apart
        Some(_) => return out,
    }
    let mut connector = String::new();
    // whether the lines read are the block list under a `dataTypes:`
    let mut in_types = false;
    for line in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // the block ends at the next top-level key
        if !line.starts_with([' ', '\t', '-']) {
            break;
        }
        // `- connectorId: X` starts an item; `- X` inside dataTypes is a type
        let item = trimmed
            .strip_prefix("- ")
            .or_else(|| (trimmed == "-").then_some(""));
        let body = item.unwrap_or(trimmed).trim();
        if let Some(id) = body.strip_prefix("connectorId:") {
            connector = scalar(id).to_string();
            in_types = false;
            continue;
        }
        if let Some(rest) = body.strip_prefix("dataTypes:") {
            let rest = strip_comment(rest).trim();
            if let Some(list) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                for t in list.split(',') {
                    push(t, &connector);
                }
                in_types = false;
            } else if !rest.is_empty() {
                push(rest, &connector);
                in_types = false;
            } else {
                in_types = true;
            }
            continue;
        }
        match item {
            Some(value) if in_types && !value.contains(": ") && !value.ends_with(':') => {
                push(value, &connector)
            }
            _ => in_types = false,
        }
    }
    out
}

/// A one-line YAML scalar: quoted (up to the closing quote) or plain (up to a comment).
fn scalar(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(rest) = s.strip_prefix(q) {
            return rest.split(q).next().unwrap_or_default();
        }
    }
    strip_comment(s).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(yaml: &str) -> String {
        let q = extract_query(yaml).unwrap();
        assert_eq!(q.len(), yaml.len());
        assert_eq!(q.matches('\n').count(), yaml.matches('\n').count());
        q.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn block_scalar() {
        let yaml = "id: 1\nname: Create account\nquery: | # the hunt\n  T\n\n  | where x == 1 // c\n    | take 1\ntactics:\n  - Persistence\n";
        assert_eq!(kept(yaml), "T | where x == 1 // c | take 1");
        let q = extract_query(yaml).unwrap();
        let at = yaml.find("where").unwrap();
        assert_eq!(&q[at..at + 5], "where");
    }

    #[test]
    fn block_scalar_at_the_end_with_crlf_and_indicators() {
        assert_eq!(kept("query: |-\r\n    T\r\n    | count\r\n"), "T | count");
        assert_eq!(kept("query: >2\n    T\n  | count"), "T | count");
    }

    #[test]
    fn plain_scalar() {
        assert_eq!(
            kept("name: x\nquery: T | take 1 # why\nkind: Scheduled\n"),
            "T | take 1"
        );
        assert_eq!(
            kept("query: T | where a == \"#x\""),
            "T | where a == \"#x\""
        );
    }

    #[test]
    fn what_is_not_supported() {
        let err = |yaml| extract_query(yaml).unwrap_err().message;
        assert_eq!(err("name: x\n"), "the rule file has no top-level `query:`");
        assert_eq!(
            err("rule:\n  query: |\n    T\n"),
            "the rule file has no top-level `query:`"
        );
        assert_eq!(
            err("query: \"T | take 1\"\n"),
            "quoted `query:` values are not supported yet"
        );
        assert_eq!(
            err("query:\n  T\n"),
            "the rule's `query:` is not a block scalar"
        );
        assert_eq!(err("query: |\nname: x\n"), "the rule's `query:` is empty");
        assert_eq!(
            err("query: T\n  | take 1\n"),
            "multi-line plain `query:` values are not supported yet"
        );
        assert!(err("query: |x\n  T\n").starts_with("cannot read the block scalar header"));
    }

    #[test]
    fn data_types_of_required_connectors() {
        let yaml = "id: 1\nrequiredDataConnectors:\n- connectorId: Microsoft365Defender\n  dataTypes:\n  - DeviceProcessEvents\n  - 'DeviceEvents' # also\n- connectorId: SecurityEvents\n  dataTypes: [SecurityEvent, \"WindowsEvent\"]\n- connectorId: Cisco\n  dataTypes:\n    - CommonSecurityLog (Cisco)\n    - DeviceProcessEvents\nquery: |\n  T\n";
        let got: Vec<(String, String)> = required_data_types(yaml)
            .into_iter()
            .map(|d| (d.table, d.connector))
            .collect();
        let want = [
            ("DeviceProcessEvents", "Microsoft365Defender"),
            ("DeviceEvents", "Microsoft365Defender"),
            ("SecurityEvent", "SecurityEvents"),
            ("WindowsEvent", "SecurityEvents"),
            ("CommonSecurityLog", "Cisco"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want);
        let indented = "requiredDataConnectors:\n  - connectorId: AzureActiveDirectory\n    dataTypes:\n      - SigninLogs\n  - connectorId: X\n    dataTypes:\n      - AuditLogs\nseverity: Low\n  - NotAType\n";
        let tables: Vec<String> = required_data_types(indented)
            .into_iter()
            .map(|d| d.table)
            .collect();
        assert_eq!(tables, ["SigninLogs", "AuditLogs"]);
        assert!(required_data_types("requiredDataConnectors: []\n").is_empty());
        assert!(required_data_types("name: x\n").is_empty());
    }
}
