//! String functions.

use std::sync::Arc;

use regex::Regex;

use super::{Bound, Call};
use crate::error::Error;
use crate::expr::MAX_STRING_BYTES;
use crate::operators::{compile_regex, constant_regex, text};
use crate::types::Type;
use crate::value::Value;

fn dynamic_strings(items: impl IntoIterator<Item = String>) -> Value {
    Value::Dynamic(Arc::new(serde_json::Value::Array(
        items.into_iter().map(serde_json::Value::String).collect(),
    )))
}

/// Binds the string function `name`, or `None` if it is not one.
pub fn bind(name: &str, call: &Call) -> Option<Result<Bound, Error>> {
    let result = (|| -> Result<Option<Bound>, Error> {
        let bound: Bound = match name {
            "strlen" => {
                call.arity(1, 1)?;
                (
                    "strlen",
                    Type::Long,
                    Box::new(|a: &[&Value]| Value::Long(text(a[0]).chars().count() as i64)),
                )
            }
            "strcat" => {
                call.arity(1, 64)?;
                (
                    "strcat",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        let mut s = String::new();
                        for v in a {
                            s.push_str(&text(v));
                        }
                        Value::str(&s)
                    }),
                )
            }
            "strcat_delim" => {
                call.arity(3, 65)?;
                (
                    "strcat_delim",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        let parts: Vec<_> = a[1..].iter().map(|v| text(v).into_owned()).collect();
                        Value::str(&parts.join(&text(a[0])))
                    }),
                )
            }
            "tolower" => {
                call.arity(1, 1)?;
                (
                    "tolower",
                    Type::String,
                    Box::new(|a: &[&Value]| Value::str(&text(a[0]).to_lowercase())),
                )
            }
            "toupper" => {
                call.arity(1, 1)?;
                (
                    "toupper",
                    Type::String,
                    Box::new(|a: &[&Value]| Value::str(&text(a[0]).to_uppercase())),
                )
            }
            "reverse" => {
                call.arity(1, 1)?;
                (
                    "reverse",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        Value::str(&text(a[0]).chars().rev().collect::<String>())
                    }),
                )
            }
            "substring" => {
                call.arity(2, 3)?;
                call.expect_type(1, &[Type::Int, Type::Long], "a number")?;
                (
                    "substring",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        substring(&text(a[0]), a[1].as_i64(), a.get(2).map(|v| v.as_i64()))
                    }),
                )
            }
            "trim" | "trim_start" | "trim_end" => {
                call.arity(2, 2)?;
                let re = call.const_str(0, "regex")?;
                // the pattern alone first: `a)|(b` must not escape the group around it
                compile_regex(&re).map_err(|e| bad_regex(call, &e))?;
                let start =
                    compile_regex(&format!(r"\A(?:{re})+")).map_err(|e| bad_regex(call, &e))?;
                let end =
                    compile_regex(&format!(r"(?:{re})+\z")).map_err(|e| bad_regex(call, &e))?;
                let (trim_start, trim_end) = (name != "trim_end", name != "trim_start");
                let fname = match name {
                    "trim" => "trim",
                    "trim_start" => "trim_start",
                    _ => "trim_end",
                };
                (
                    fname,
                    Type::String,
                    Box::new(move |a: &[&Value]| {
                        let s = text(a[1]);
                        let mut s: &str = &s;
                        if trim_start && let Some(m) = start.find(s) {
                            s = &s[m.end()..];
                        }
                        if trim_end && let Some(m) = end.find(s) {
                            s = &s[..m.start()];
                        }
                        Value::str(s)
                    }),
                )
            }
            // legacy `replace(regex, rewrite, text)`: regex first, text last (§A.2)
            "replace" | "replace_regex" => {
                call.arity(3, 3)?;
                let (re_at, rewrite_at, text_at) = if name == "replace" {
                    (0, 1, 2)
                } else {
                    (1, 2, 0)
                };
                let regex = constant_regex(&call.args[re_at])?;
                let rewrite = call.const_str(rewrite_at, "rewrite pattern")?;
                let rewrite = translate_rewrite(&rewrite);
                (
                    if name == "replace" {
                        "replace"
                    } else {
                        "replace_regex"
                    },
                    Type::String,
                    Box::new(move |a: &[&Value]| {
                        Value::str(&regex.replace_all(&text(a[text_at]), rewrite.as_str()))
                    }),
                )
            }
            "replace_string" => {
                call.arity(3, 3)?;
                (
                    "replace_string",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        let (s, lookup) = (text(a[0]), text(a[1]));
                        if lookup.is_empty() {
                            return Value::str(&s);
                        }
                        Value::str(&s.replace(lookup.as_ref(), &text(a[2])))
                    }),
                )
            }
            "extract" => {
                call.arity(3, 3)?;
                call.expect_type(1, &[Type::Int, Type::Long], "a group number")?;
                let regex = constant_regex(&call.args[0])?;
                (
                    "extract",
                    Type::String,
                    Box::new(move |a: &[&Value]| {
                        let group = a[1].as_i64().and_then(|g| usize::try_from(g).ok());
                        let s = text(a[2]);
                        let found = group.and_then(|g| {
                            regex
                                .captures(&s)
                                .and_then(|c| c.get(g).map(|m| m.as_str().to_string()))
                        });
                        Value::str(found.as_deref().unwrap_or(""))
                    }),
                )
            }
            "extract_all" => {
                call.arity(2, 3)?;
                let regex = constant_regex(&call.args[0])?;
                let count = regex.captures_len() - 1;
                if !(1..=16).contains(&count) {
                    return Err(Error::at(
                        "kql::bind::regex",
                        call.args[0].span,
                        "`extract_all` needs a regex with 1 to 16 capture groups",
                    ));
                }
                // `extract_all(regex, groups, text)`: the groups to return, by number or name
                let groups: Vec<usize> = if call.args.len() == 3 {
                    selected_groups(call, &regex)?
                } else {
                    (1..=count).collect()
                };
                let source = call.args.len() - 1;
                (
                    "extract_all",
                    Type::Dynamic,
                    Box::new(move |a: &[&Value]| {
                        let s = text(a[source]);
                        let rows: Vec<serde_json::Value> = regex
                            .captures_iter(&s)
                            .map(|c| {
                                let cells: Vec<serde_json::Value> = groups
                                    .iter()
                                    .map(|&g| {
                                        c.get(g)
                                            .map_or(serde_json::Value::String(String::new()), |m| {
                                                serde_json::Value::String(m.as_str().to_string())
                                            })
                                    })
                                    .collect();
                                if groups.len() == 1 {
                                    cells.into_iter().next().unwrap_or_default()
                                } else {
                                    serde_json::Value::Array(cells)
                                }
                            })
                            .collect();
                        if rows.is_empty() {
                            Value::Null
                        } else {
                            Value::Dynamic(Arc::new(serde_json::Value::Array(rows)))
                        }
                    }),
                )
            }
            "split" => {
                call.arity(2, 3)?;
                (
                    "split",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        let (s, delim) = (text(a[0]), text(a[1]));
                        let parts: Vec<String> = if delim.is_empty() {
                            vec![s.to_string()]
                        } else {
                            s.split(delim.as_ref()).map(str::to_string).collect()
                        };
                        match a.get(2) {
                            None => dynamic_strings(parts),
                            // an index out of range gives an empty array
                            Some(i) => match i
                                .as_i64()
                                .and_then(|i| usize::try_from(i).ok())
                                .and_then(|i| parts.get(i))
                            {
                                Some(p) => dynamic_strings([p.clone()]),
                                None => dynamic_strings([]),
                            },
                        }
                    }),
                )
            }
            "indexof" => {
                call.arity(2, 5)?;
                (
                    "indexof",
                    Type::Long,
                    Box::new(|a: &[&Value]| {
                        indexof(
                            &text(a[0]),
                            &text(a[1]),
                            a.get(2).and_then(|v| v.as_i64()).unwrap_or(0),
                            a.get(3).and_then(|v| v.as_i64()).unwrap_or(-1),
                            a.get(4).and_then(|v| v.as_i64()).unwrap_or(1),
                        )
                    }),
                )
            }
            "countof" => {
                call.arity(2, 3)?;
                let kind = if call.args.len() == 3 {
                    call.const_str(2, "kind (normal or regex)")?
                } else {
                    "normal".to_string()
                };
                match kind.as_str() {
                    "normal" => (
                        "countof",
                        Type::Long,
                        Box::new(|a: &[&Value]| {
                            let (s, n) = (text(a[0]), text(a[1]));
                            if n.is_empty() {
                                return Value::Long(0);
                            }
                            // plain matches may overlap
                            Value::Long(
                                s.char_indices()
                                    .filter(|(i, _)| s[*i..].starts_with(n.as_ref()))
                                    .count() as i64,
                            )
                        }),
                    ),
                    "regex" => {
                        let regex = constant_regex(&call.args[1])?;
                        (
                            "countof",
                            Type::Long,
                            Box::new(move |a: &[&Value]| {
                                Value::Long(regex.find_iter(&text(a[0])).count() as i64)
                            }),
                        )
                    }
                    _ => {
                        return Err(Error::at(
                            "kql::bind::argument",
                            call.args[2].span,
                            "the kind of `countof` is `normal` or `regex`",
                        ));
                    }
                }
            }
            "strrep" => {
                call.arity(2, 3)?;
                (
                    "strrep",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        let n = a[1].as_i64().unwrap_or(0).clamp(0, 1024) as usize;
                        let delim = a.get(2).map(|d| text(d).into_owned()).unwrap_or_default();
                        let s = text(a[0]);
                        // sized before it is made: nested strrep calls multiply
                        let bytes = (s.len() + delim.len()).saturating_mul(n);
                        if bytes > MAX_STRING_BYTES {
                            crate::expr::fail_row(Error::new(
                                "kql::limit::value_size",
                                format!(
                                    "strrep would make a string of {} MiB; one value holds at \
                                     most {} MiB",
                                    bytes >> 20,
                                    MAX_STRING_BYTES >> 20
                                ),
                            ));
                            return Value::empty_string();
                        }
                        Value::str(&vec![s.into_owned(); n].join(&delim))
                    }),
                )
            }
            "string_size" => {
                call.arity(1, 1)?;
                (
                    "string_size",
                    Type::Long,
                    Box::new(|a: &[&Value]| Value::Long(text(a[0]).len() as i64)),
                )
            }
            "isascii" => {
                call.arity(1, 1)?;
                (
                    "isascii",
                    Type::Bool,
                    Box::new(|a: &[&Value]| Value::Bool(text(a[0]).is_ascii())),
                )
            }
            // `translate(searchList, replacementList, source)`: character by character; a short
            // replacement list repeats its last character, an empty one deletes (documented)
            "translate" => {
                call.arity(3, 3)?;
                (
                    "translate",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        let search: Vec<char> = text(a[0]).chars().collect();
                        let replacement: Vec<char> = text(a[1]).chars().collect();
                        let out: String = text(a[2])
                            .chars()
                            .filter_map(|c| match search.iter().position(|s| *s == c) {
                                None => Some(c),
                                Some(i) => replacement.get(i).or(replacement.last()).copied(),
                            })
                            .collect();
                        Value::str(&out)
                    }),
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(bound))
    })();
    result.transpose()
}

/// The constant `groups` argument of `extract_all`: a dynamic array of group numbers
/// (1-based) or group names.
fn selected_groups(call: &Call, regex: &Regex) -> Result<Vec<usize>, Error> {
    let arg = &call.args[1];
    let bad = |message: &str| Error::at("kql::bind::argument", arg.span, message.to_string());
    let Some(Value::Dynamic(d)) = arg.as_const() else {
        return Err(bad(
            "the groups of `extract_all` must be a constant dynamic array",
        ));
    };
    let Some(items) = d.as_array().filter(|items| !items.is_empty()) else {
        return Err(bad(
            "the groups of `extract_all` must be a non-empty dynamic array",
        ));
    };
    let count = regex.captures_len() - 1;
    items
        .iter()
        .map(|item| {
            let group = match item {
                serde_json::Value::Number(n) => n
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|n| (1..=count).contains(n)),
                serde_json::Value::String(name) => {
                    regex.capture_names().position(|n| n == Some(name.as_str()))
                }
                _ => None,
            };
            group.ok_or_else(|| bad(&format!("`{item}` is not a capture group of the regex")))
        })
        .collect()
}

fn bad_regex(call: &Call, e: &regex::Error) -> Error {
    crate::operators::regex_error(e, call.args[0].span, "invalid regex")
}

/// Kusto rewrites name groups `\1`; the regex crate wants `${1}` and a literal `$` as `$$`.
fn translate_rewrite(rewrite: &str) -> String {
    let mut out = String::new();
    let mut chars = rewrite.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                out.push_str(&format!("${{{digits}}}"));
            }
            c => out.push(c),
        }
    }
    out
}

/// `substring(s, start, length)`: character-based, negative start from the end, clamped.
fn substring(s: &str, start: Option<i64>, length: Option<Option<i64>>) -> Value {
    let Some(start) = start else {
        return Value::empty_string();
    };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let from = if start < 0 {
        len.saturating_add(start).max(0)
    } else {
        start.min(len)
    };
    let to = match length {
        None => len,
        Some(None) => return Value::empty_string(),
        Some(Some(n)) => from.saturating_add(n.max(0)).min(len),
    };
    Value::str(
        &chars[from as usize..to.max(from) as usize]
            .iter()
            .collect::<String>(),
    )
}

/// `indexof` as the documented examples define it: the window `[start, start+length)` must
/// hold the whole match, and each further occurrence is searched from after the previous.
fn indexof(s: &str, needle: &str, start: i64, length: i64, occurrence: i64) -> Value {
    if occurrence <= 0 {
        return Value::Null;
    }
    let chars: Vec<char> = s.chars().collect();
    let needle: Vec<char> = needle.chars().collect();
    let len = chars.len() as i64;
    let mut from = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    if from > len {
        return Value::Long(-1);
    }
    let mut found = -1;
    for _ in 0..occurrence {
        let end = if length < 0 {
            len
        } else {
            (from + length).min(len)
        };
        let window_end = end - needle.len() as i64;
        found = (from..=window_end)
            .find(|&i| chars[i as usize..i as usize + needle.len()] == needle[..])
            .unwrap_or(-1);
        if found < 0 {
            return Value::Long(-1);
        }
        from = found + 1;
    }
    Value::Long(found)
}
