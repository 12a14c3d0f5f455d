//! The query of a YAML rule file (Sentinel analytics rules, Defender hunting queries), found
//! without a YAML parser: the top-level `query:` key with a block scalar (`query: |`) or a
//! one-line plain scalar.
//!
//! The query comes back as text of the same byte length as the file, every byte outside the
//! query blanked to a space (newlines kept), so spans in errors are offsets into the file and
//! render with the file's own line and column numbers.

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
}
