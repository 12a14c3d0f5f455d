//! Skipping NDJSON lines by their raw bytes, before parsing them: a [`Prefilter`] (text the
//! query's first `where` clauses require) compiled into a test on lines.
//!
//! A line is skipped only when it provably cannot give a row the filters keep: for some group,
//! none of its literals occurs in the line's bytes (ASCII letters in either case when the
//! literal is case-insensitive), and nothing in the line could spell one of them differently.
//! What a string column holds is the value's text: a JSON string unescaped, or a number,
//! `true`/`false` or a nested object/array written back as compact JSON. So:
//!
//! * a literal takes part only if it is *plain*: it holds none of `"` `\` `{` `}` `[` `]` `:`
//!   `,` nor a control character (which re-written nested JSON could produce from other
//!   text), and at least one character that cannot occur in a number (`1e2` reads as
//!   `100.0`); a group with a literal that is not plain never skips;
//! * an escape that decodes to a character of a literal (`\u002e` for `.`, `\/` for `/`), or
//!   to a control character (re-written as `\n`, `\u0001`...), means the line is read. Other
//!   escapes (`\\`, `\"`, `\n`, ...) decode to characters a plain literal does not hold.
//!
//! A skipped line is never parsed, so its errors are not reported here; the table's describe
//! pass has read and checked every line already.

use memchr::memmem;

use kql_eval::{Prefilter, PrefilterLiteral};

/// A compiled [`Prefilter`]: [`LineFilter::marks`] finds, in a whole chunk at once, the places
/// that let a line be kept.
#[derive(Debug)]
pub(super) struct LineFilter {
    groups: Vec<Group>,
    /// Whether a literal is matched case-insensitively (the chunk is then lower-cased once).
    folds: bool,
}

#[derive(Debug)]
struct Group {
    literals: Vec<Literal>,
    /// The characters of its literals (ASCII letters lower-cased where case-insensitive).
    chars: Vec<char>,
    /// Whether any literal has a `/`.
    slash: bool,
    /// Whether any literal has a character outside the Basic Multilingual Plane.
    astral: bool,
    /// Whether an escaped control character counts (it may be re-written as letters in a
    /// string column's text; keys are compared as they decode).
    controls: bool,
}

#[derive(Debug)]
struct Literal {
    finder: memmem::Finder<'static>,
    /// Matched in the lower-cased text (the needle is lower-cased).
    folded: bool,
}

/// For each group of a [`LineFilter`], the places in a chunk where a line may match it, in
/// order: [`Marks::keep`] asks about the lines in order.
#[derive(Debug)]
pub(super) struct Marks {
    groups: Vec<Vec<usize>>,
    cursors: Vec<usize>,
}

impl Marks {
    /// Whether the line at `start..end` (the lines are asked about in order) may match.
    pub(super) fn keep(&mut self, start: usize, end: usize) -> bool {
        self.groups
            .iter()
            .zip(&mut self.cursors)
            .all(|(marks, cursor)| has_mark(marks, cursor, start, end))
    }
}

/// Whether `marks` (sorted) has one in `start..end`, moving `cursor` past those before.
fn has_mark(marks: &[usize], cursor: &mut usize, start: usize, end: usize) -> bool {
    while *cursor < marks.len() && marks[*cursor] < start {
        *cursor += 1;
    }
    *cursor < marks.len() && marks[*cursor] < end
}

impl LineFilter {
    /// Compiles `prefilter`; `None` when no group can ever skip a line.
    pub(super) fn new(prefilter: &Prefilter) -> Option<LineFilter> {
        let groups: Vec<Group> = prefilter
            .all_of
            .iter()
            .filter(|g| !g.is_empty() && g.iter().all(|l| is_plain(&l.text)))
            .map(|g| compile(g))
            .collect();
        let folds = groups.iter().flat_map(|g| &g.literals).any(|l| l.folded);
        (!groups.is_empty()).then_some(LineFilter { groups, folds })
    }

    /// The marks of `chunk` (`folded`: a buffer for its lower-cased text).
    pub(super) fn marks(&self, chunk: &[u8], folded: &mut Vec<u8>) -> Marks {
        if self.folds {
            fold_into(chunk, folded);
        }
        let groups = self
            .groups
            .iter()
            .map(|g| {
                let mut marks: Vec<usize> = Vec::new();
                for l in &g.literals {
                    let text = if l.folded { &folded[..] } else { chunk };
                    marks.extend(l.finder.find_iter(text));
                }
                g.escape_marks(chunk, &mut marks);
                marks.sort_unstable();
                marks
            })
            .collect::<Vec<_>>();
        Marks {
            cursors: vec![0; groups.len()],
            groups,
        }
    }

    /// Whether `line` alone may give a row the query keeps (`false`: skip it).
    #[cfg(test)]
    pub(super) fn keep(&self, line: &[u8]) -> bool {
        let mut folded = Vec::new();
        self.marks(line, &mut folded).keep(0, line.len())
    }
}

/// `src` with ASCII letters lower-cased, into `dst` (a loop the compiler vectorises).
fn fold_into(src: &[u8], dst: &mut Vec<u8>) {
    dst.clear();
    dst.extend(
        src.iter()
            .map(|&b| b | (u8::from(b.wrapping_sub(b'A') < 26) << 5)),
    );
}

/// Whether `text` can be looked for in raw JSON (see the module docs).
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && !text
            .chars()
            .any(|c| matches!(c, '"' | '\\' | '{' | '}' | '[' | ']' | ':' | ',') || c < ' ')
        && text
            .chars()
            .any(|c| !matches!(c, '0'..='9' | '+' | '-' | '.' | 'e' | 'E'))
}

fn compile(group: &[PrefilterLiteral]) -> Group {
    let mut chars: Vec<char> = Vec::new();
    let literals = group
        .iter()
        .map(|l| {
            for c in l.text.chars() {
                let c = if l.case_insensitive {
                    c.to_ascii_lowercase()
                } else {
                    c
                };
                if !chars.contains(&c) {
                    chars.push(c);
                }
            }
            let folded = l.case_insensitive && l.text.bytes().any(|b| b.is_ascii_alphabetic());
            let needle = if folded {
                l.text.to_ascii_lowercase()
            } else {
                l.text.clone()
            };
            Literal {
                finder: finder(needle.as_bytes()),
                folded,
            }
        })
        .collect();
    Group {
        literals,
        slash: chars.contains(&'/'),
        astral: chars.iter().any(|c| u32::from(*c) > 0xFFFF),
        controls: true,
        chars,
    }
}

impl Group {
    /// Adds to `marks` the escapes in `chunk` that decode to a character that could make a
    /// literal match (see the module docs).
    fn escape_marks(&self, chunk: &[u8], marks: &mut Vec<usize>) {
        for at in memmem::find_iter(chunk, b"\\u") {
            if !is_escape(chunk, at) {
                continue;
            }
            let relevant = match chunk.get(at + 2..at + 6).and_then(hex4) {
                // not valid JSON: read the line, serde_json will say
                None => true,
                Some(unit) if (0xD800..0xE000).contains(&unit) => self.astral,
                Some(unit) => {
                    let c = char::from_u32(unit).unwrap_or('\0');
                    (c < ' ' && self.controls)
                        || self.chars.contains(&c.to_ascii_lowercase())
                        || self.chars.contains(&c)
                }
            };
            if relevant {
                marks.push(at);
            }
        }
        if self.slash {
            marks.extend(memmem::find_iter(chunk, b"\\/").filter(|&at| is_escape(chunk, at)));
        }
    }
}

/// How often each byte occurs in JSON exports of logs (0 rare, 255 common): measured on
/// Defender exports, JSON punctuation raised, bytes of other scripts set to middling. memmem
/// compares first the two bytes of a needle that rank lowest; its default ranks, made for
/// prose and code, take `"` for rare.
struct JsonRank;

#[rustfmt::skip]
const JSON_RANK: [u8; 256] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    90, 1, 162, 0, 0, 0, 1, 1, 1, 1, 1, 0, 118, 113, 89, 1,
    119, 128, 121, 118, 110, 109, 116, 107, 110, 101, 124, 0, 0, 35, 0, 1,
    1, 82, 1, 76, 62, 43, 70, 19, 36, 110, 30, 30, 55, 55, 66, 32,
    112, 30, 1, 76, 72, 23, 58, 30, 30, 30, 30, 120, 109, 120, 0, 1,
    0, 140, 96, 143, 122, 163, 107, 107, 73, 154, 30, 47, 112, 112, 150, 155,
    92, 30, 138, 146, 146, 89, 71, 50, 60, 77, 30, 120, 1, 120, 0, 0,
    60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
    60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
    60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
    60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
    60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
    60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
    60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
    60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
];

impl memchr::arch::all::packedpair::HeuristicFrequencyRank for JsonRank {
    fn rank(&self, byte: u8) -> u8 {
        JSON_RANK[usize::from(byte)]
    }
}

/// A memmem finder of `needle` for JSON text.
fn finder(needle: &[u8]) -> memmem::Finder<'static> {
    memmem::FinderBuilder::new().build_forward_with_ranker_owned(JsonRank, needle.to_vec())
}

/// Whether the backslash at `at` starts an escape: it ends an odd run of backslashes.
fn is_escape(line: &[u8], at: usize) -> bool {
    let run = line[..=at]
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count();
    run % 2 == 1
}

fn hex4(b: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(b).ok()?;
    if s.len() == 4 && s.bytes().all(|c| c.is_ascii_hexdigit()) {
        u32::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

/// Whether a line may hold one of some keys, as a key: `"Name"` then `:` (spaces allowed), or
/// an escape that could spell a character of a name. Used on tables whose schema was learned
/// from a sample, for the names a script mentions that the sample did not show.
#[derive(Debug)]
pub(crate) struct Watch {
    /// A finder of each `"name"`.
    needles: Vec<memmem::Finder<'static>>,
    escapes: Group,
}

impl Watch {
    /// Watches `names`; `None` if one of them cannot be watched in raw text (see [`is_plain`]).
    pub(crate) fn new(names: &[&str]) -> Option<Watch> {
        if !names.iter().all(|n| is_plain(n)) {
            return None;
        }
        let needles = names
            .iter()
            .map(|n| finder(format!("\"{n}\"").as_bytes()))
            .collect();
        let literals: Vec<PrefilterLiteral> = names
            .iter()
            .map(|n| PrefilterLiteral {
                text: n.to_string(),
                case_insensitive: false,
            })
            .collect();
        let mut escapes = compile(&literals);
        escapes.controls = false;
        Some(Watch { needles, escapes })
    }

    /// The places in `chunk` where a line may hold one of the keys, in order.
    pub(crate) fn marks(&self, chunk: &[u8]) -> Vec<usize> {
        let mut marks = Vec::new();
        if self.needles.is_empty() {
            return marks;
        }
        for finder in &self.needles {
            let n = finder.needle().len();
            marks.extend(
                finder
                    .find_iter(chunk)
                    .filter(|&at| chunk.get(super::walk::skip_ws(chunk, at + n)) == Some(&b':')),
            );
        }
        self.escapes.escape_marks(chunk, &mut marks);
        marks.sort_unstable();
        marks
    }

    /// Whether `line` alone may hold one of the keys.
    #[cfg(test)]
    pub(crate) fn hit(&self, line: &[u8]) -> bool {
        !self.marks(line).is_empty()
    }
}

/// Whether a line at `start..end` has one of `marks` (asked in order; see [`has_mark`]).
pub(super) fn line_has(marks: &[usize], cursor: &mut usize, start: usize, end: usize) -> bool {
    has_mark(marks, cursor, start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(groups: &[&[(&str, bool)]]) -> Option<LineFilter> {
        LineFilter::new(&Prefilter {
            all_of: groups
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|(t, ci)| PrefilterLiteral {
                            text: t.to_string(),
                            case_insensitive: *ci,
                        })
                        .collect()
                })
                .collect(),
        })
    }

    #[test]
    fn case_insensitive_search_finds_every_case_and_place() {
        let f = filter(&[&[("net.exe", true)]]).unwrap();
        for hay in [
            "net.exe",
            "xxNET.EXE",
            "C:\\\\Windows\\\\System32\\\\Net.Exe and more text after it, quite a lot of it",
            &format!("{}nEt.eXe{}", "a".repeat(100), "b".repeat(3)),
        ] {
            assert!(f.keep(hay.as_bytes()), "{hay}");
        }
        for hay in [
            "",
            "net.ex",
            "netexe",
            &"net.ex ".repeat(40),
            "net\u{2024}exe",
        ] {
            assert!(!f.keep(hay.as_bytes()), "{hay}");
        }
        // lines of a chunk are asked about in order
        let chunk = b"{\"a\": \"x\"}\n{\"a\": \"NET.exe\"}\n{\"a\": \"y\"}\n";
        let mut folded = Vec::new();
        let mut marks = f.marks(chunk, &mut folded);
        assert_eq!(
            [(0, 10), (11, 27), (28, 38)].map(|(s, e)| marks.keep(s, e)),
            [false, true, false]
        );
    }

    #[test]
    fn lines_without_the_literal_are_skipped() {
        let f = filter(&[&[("net.exe", true), ("net1.exe", true)]]).unwrap();
        assert!(f.keep(br#"{"FileName": "NET.EXE"}"#));
        assert!(f.keep(br#"{"FileName": "net1.exe"}"#));
        assert!(
            f.keep(br#"{"Other": {"FileName": "net.exe"}}"#),
            "nested: read it"
        );
        assert!(!f.keep(br#"{"FileName": "cmd.exe", "P": "C:\\Windows\\net"}"#));
        // escapes that cannot spell it do not stop the skip
        assert!(!f.keep(br#"{"P": "Microsoft\u00ae \"q\" C:\\users\\x"}"#));
        // ... those that can do
        assert!(f.keep(br#"{"FileName": "net\u002eexe"}"#));
        assert!(f.keep(br#"{"FileName": "n\u0045t.exe"}"#));
        assert!(f.keep(br#"{"FileName": "a\u000ab"}"#), "control characters");
        assert!(f.keep(br#"{"FileName": "\u12"}"#), "broken escapes");
        // an escaped backslash followed by u is no escape
        assert!(!f.keep(br#"{"P": "C:\\u002e"}"#));
        assert!(f.keep(br#"{"P": "C:\\\u002e"}"#));
    }

    #[test]
    fn case_sensitive_literals_and_several_groups() {
        let f = filter(&[&[("cmd", false)], &[("/c", true)]]).unwrap();
        assert!(f.keep(br#"{"a": "cmd /C x"}"#));
        assert!(!f.keep(br#"{"a": "CMD /c x"}"#));
        assert!(!f.keep(br#"{"a": "cmd /d x"}"#));
        assert!(f.keep(br#"{"a": "cmd \/c x"}"#), "an escaped slash");
        assert!(f.keep(br#"{"a": "cmd x", "b": "\/"}"#), "could be /c");
    }

    #[test]
    fn watched_keys_are_found_as_keys() {
        let w = Watch::new(&["CreatedUser", "count_", "MachineCount"]).unwrap();
        assert!(w.hit(br#"{"a": 1, "CreatedUser": "x"}"#));
        assert!(w.hit(br#"{"count_"  : 2}"#));
        assert!(
            w.hit(br#"{"x": {"MachineCount":3}}"#),
            "nested keys count too"
        );
        assert!(!w.hit(br#"{"a": "CreatedUser", "b": "count_ MachineCount"}"#));
        assert!(!w.hit(br#"{"CreatedUsers": 1, "xcount_": 2}"#));
        assert!(
            w.hit(br#"{"Cre\u0061tedUser": 1}"#),
            "a key spelled with escapes"
        );
        assert!(!w.hit(br#"{"P": "Microsoft\u00ae"}"#));
        assert!(Watch::new(&["a:b"]).is_none());
    }

    #[test]
    fn literals_that_raw_json_may_not_show_never_skip() {
        for text in ["a:b", "x,y", "\"q\"", "[1", "100", "1.5e3", "a\\b", "-1"] {
            assert!(filter(&[&[(text, false)]]).is_none(), "{text}");
        }
        // one such literal makes its whole group unusable, not the others
        let f = filter(&[&[("net", false), ("a:b", false)], &[("x y", false)]]).unwrap();
        assert!(!f.keep(br#"{"a": "net"}"#));
        assert!(f.keep(br#"{"a": "x y"}"#));
    }
}
