//! Encodings and text parsers: base64, URL encoding, `parse_url`, `parse_path`,
//! `parse_command_line`, `parse_xml`.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value as J};

use super::{Bound, Call};
use crate::error::Error;
use crate::operators::text;
use crate::types::Type;
use crate::value::Value;

/// `parse_xml` returns null for inputs longer than this (documented: 1 MB).
const MAX_XML_BYTES: usize = 1_048_576;

fn dynamic(j: J) -> Value {
    Value::Dynamic(Arc::new(j))
}

/// Binds the encoding or parsing function `name`, or `None` if it is not one.
pub fn bind(name: &str, call: &Call) -> Option<Result<Bound, Error>> {
    let result = (|| -> Result<Option<Bound>, Error> {
        let bound: Bound = match name {
            "base64_encode_tostring" | "base64_encodestring" => {
                call.arity(1, 1)?;
                (
                    "base64_encode_tostring",
                    Type::String,
                    Box::new(|a: &[&Value]| Value::str(&STANDARD.encode(text(a[0]).as_bytes()))),
                )
            }
            // text that is not base64, or whose bytes are not UTF-8, decodes to "" (the
            // documented example shows an empty result for invalid UTF-8)
            "base64_decode_tostring" | "base64_decodestring" => {
                call.arity(1, 1)?;
                (
                    "base64_decode_tostring",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        let decoded = decode_base64(&text(a[0]))
                            .and_then(|bytes| String::from_utf8(bytes).ok());
                        Value::str(decoded.as_deref().unwrap_or(""))
                    }),
                )
            }
            "base64_decode_toarray" => {
                call.arity(1, 1)?;
                (
                    "base64_decode_toarray",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| match decode_base64(&text(a[0])) {
                        Some(bytes) => dynamic(J::Array(bytes.into_iter().map(J::from).collect())),
                        None => Value::Null,
                    }),
                )
            }
            "base64_encode_fromarray" => {
                call.arity(1, 1)?;
                call.expect_type(0, &[Type::Dynamic], "a dynamic array of bytes")?;
                (
                    "base64_encode_fromarray",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        let Value::Dynamic(d) = a[0] else {
                            return Value::empty_string();
                        };
                        let bytes: Option<Vec<u8>> = d.as_array().and_then(|items| {
                            items
                                .iter()
                                .map(|i| i.as_u64().and_then(|b| u8::try_from(b).ok()))
                                .collect()
                        });
                        Value::str(&bytes.map(|b| STANDARD.encode(b)).unwrap_or_default())
                    }),
                )
            }
            "url_encode" | "url_encode_component" => {
                call.arity(1, 1)?;
                let component = name == "url_encode_component";
                (
                    if component {
                        "url_encode_component"
                    } else {
                        "url_encode"
                    },
                    Type::String,
                    Box::new(move |a: &[&Value]| Value::str(&url_encode(&text(a[0]), component))),
                )
            }
            "url_decode" => {
                call.arity(1, 1)?;
                (
                    "url_decode",
                    Type::String,
                    Box::new(|a: &[&Value]| Value::str(&url_decode(&text(a[0])))),
                )
            }
            "parse_url" | "parseurl" => {
                call.arity(1, 1)?;
                (
                    "parse_url",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| parse_url(&text(a[0])).map_or(Value::Null, dynamic)),
                )
            }
            "parse_urlquery" => {
                call.arity(1, 1)?;
                (
                    "parse_urlquery",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        let s = text(a[0]);
                        let query = s.strip_prefix('?').unwrap_or(&s);
                        let mut bag = Map::new();
                        bag.insert("Query Parameters".into(), query_parameters(query));
                        dynamic(J::Object(bag))
                    }),
                )
            }
            "parse_path" => {
                call.arity(1, 1)?;
                (
                    "parse_path",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| dynamic(parse_path(&text(a[0])))),
                )
            }
            "parse_command_line" => {
                call.arity(2, 2)?;
                let parser = call.const_str(1, "parser type (\"windows\")")?;
                if !parser.eq_ignore_ascii_case("windows") {
                    return Err(Error::at(
                        "kql::bind::argument",
                        call.args[1].span,
                        format!(
                            "`parse_command_line` supports only the \"windows\" parser, not {parser:?}"
                        ),
                    ));
                }
                (
                    "parse_command_line",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        let args = command_line_to_argv(&text(a[0]));
                        dynamic(J::Array(args.into_iter().map(J::String).collect()))
                    }),
                )
            }
            "parse_xml" => {
                call.arity(1, 1)?;
                (
                    "parse_xml",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| parse_xml(&text(a[0])).map_or(Value::Null, dynamic)),
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(bound))
    })();
    result.transpose()
}

/// Standard base64 (with `=` padding; whitespace is ignored, as .NET does).
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact).ok()
}

/// `url_encode`: .NET's form encoding, which Kusto's documented outputs match: letters,
/// digits and `-_.!*()` stay, a space becomes `+` (`%20` for `url_encode_component`), every
/// other UTF-8 byte becomes `%xx` in lower-case hex (`https%3a%2f%2fwww.bing.com%2f`).
fn url_encode(s: &str, component: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => out.push(b as char),
            b' ' if !component => out.push('+'),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

/// `url_decode`: `%xx` sequences (either case) become bytes and `+` a space; a `%` not
/// followed by two hex digits stays as it is; bytes that are not UTF-8 become U+FFFD.
fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `parse_url`: the parts of an absolute URL `scheme://[user[:password]@]host[:port][/path][?query][#fragment]`;
/// null when the text has no `scheme://`. Absent parts are `""`.
fn parse_url(s: &str) -> Option<J> {
    let s = s.trim();
    let (scheme, rest) = s.split_once("://")?;
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return None;
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, f),
        None => (rest, ""),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, q),
        None => (rest, ""),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (user_info, host_port) = match authority.rsplit_once('@') {
        Some((u, h)) => (u, h),
        None => ("", authority),
    };
    let (username, password) = match user_info.split_once(':') {
        Some((u, p)) => (u, p),
        None => (user_info, ""),
    };
    // `[::1]:8080`: the port follows the closing bracket of an IPv6 host
    let (host, port) = match host_port.rfind(':') {
        Some(i) if !host_port[i..].contains(']') => (&host_port[..i], &host_port[i + 1..]),
        _ => (host_port, ""),
    };
    let mut bag = Map::new();
    let mut put = |k: &str, v: J| {
        bag.insert(k.to_string(), v);
    };
    put("Scheme", J::String(scheme.to_string()));
    put("Host", J::String(host.to_string()));
    put("Port", J::String(port.to_string()));
    put("Path", J::String(path.to_string()));
    put("Username", J::String(username.to_string()));
    put("Password", J::String(password.to_string()));
    put("Query Parameters", query_parameters(query));
    put("Fragment", J::String(fragment.to_string()));
    Some(J::Object(bag))
}

/// `k1=v1&k2=v2` as a property bag of URL-decoded values (a key without `=` maps to `""`;
/// a repeated key keeps its last value).
fn query_parameters(query: &str) -> J {
    let mut bag = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        bag.insert(url_decode(k), J::String(url_decode(v)));
    }
    J::Object(bag)
}

/// `parse_path`: Scheme, RootPath, DirectoryPath, DirectoryName, Filename, Extension and
/// AlternateDataStreamName of a Windows or Unix path, as the documented examples show.
fn parse_path(s: &str) -> J {
    let mut rest = s;
    let mut scheme = "";
    if let Some(i) = s.find("://") {
        let candidate = &s[..i];
        // a one-letter "scheme" would be a drive letter
        if candidate.len() > 1 && candidate.chars().all(|c| c.is_ascii_alphanumeric()) {
            scheme = candidate;
            rest = &s[i + 3..];
        }
    }
    let is_sep = |c: char| c == '/' || c == '\\';
    let (directory, file) = match rest.rfind(is_sep) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => ("", rest),
    };
    // `file.exe:stream`: an alternate data stream after the file name
    let (filename, stream) = file.split_once(':').unwrap_or((file, ""));
    let extension = filename.rsplit_once('.').map_or("", |(_, e)| e);
    let root = {
        let b = rest.as_bytes();
        if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
            &rest[..2]
        } else {
            ""
        }
    };
    let directory_name = directory
        .rsplit(is_sep)
        .next()
        .filter(|d| *d != root)
        .unwrap_or("");
    let mut bag = Map::new();
    for (k, v) in [
        ("Scheme", scheme),
        ("RootPath", root),
        ("DirectoryPath", directory),
        ("DirectoryName", directory_name),
        ("Filename", filename),
        ("Extension", extension),
        ("AlternateDataStreamName", stream),
    ] {
        bag.insert(k.to_string(), J::String(v.to_string()));
    }
    J::Object(bag)
}

/// Splits a command line as Windows' `CommandLineToArgvW` does: the program name ends at
/// the first space (or the closing quote when it starts with one); later arguments follow
/// the backslash-and-quote rules (`2n` backslashes and a quote: `n` backslashes and a quote
/// toggles quoting; `2n+1`: `n` backslashes and a literal quote; `""` inside quotes is a
/// literal quote).
fn command_line_to_argv(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    let is_space = |c: char| c == ' ' || c == '\t';
    while i < chars.len() && is_space(chars[i]) {
        i += 1;
    }
    if i >= chars.len() {
        return args;
    }
    // the program name: no escapes
    let mut program = String::new();
    if chars[i] == '"' {
        i += 1;
        while i < chars.len() && chars[i] != '"' {
            program.push(chars[i]);
            i += 1;
        }
        i += 1;
    } else {
        while i < chars.len() && !is_space(chars[i]) {
            program.push(chars[i]);
            i += 1;
        }
    }
    args.push(program);
    loop {
        while i < chars.len() && is_space(chars[i]) {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let mut arg = String::new();
        let mut quoted = false;
        while i < chars.len() && (quoted || !is_space(chars[i])) {
            match chars[i] {
                '\\' => {
                    let start = i;
                    while i < chars.len() && chars[i] == '\\' {
                        i += 1;
                    }
                    let n = i - start;
                    if i < chars.len() && chars[i] == '"' {
                        arg.extend(std::iter::repeat_n('\\', n / 2));
                        if n % 2 == 1 {
                            arg.push('"');
                            i += 1;
                        }
                    } else {
                        arg.extend(std::iter::repeat_n('\\', n));
                    }
                }
                '"' => {
                    if quoted && chars.get(i + 1) == Some(&'"') {
                        arg.push('"');
                        i += 2;
                    } else {
                        quoted = !quoted;
                        i += 1;
                    }
                }
                c => {
                    arg.push(c);
                    i += 1;
                }
            }
        }
        args.push(arg);
    }
    args
}

/// `parse_xml`: the documented XML-to-JSON mapping — an element becomes `{name: content}`;
/// attributes become `@name` keys, text `#text` (or the whole value when the element has
/// nothing else), repeated child elements an array; whitespace-only text is dropped. Only
/// elements, attributes and text are kept. Invalid XML, or more than 1 MB of it, is null.
fn parse_xml(s: &str) -> Option<J> {
    if s.len() > MAX_XML_BYTES {
        return None;
    }
    let doc = roxmltree::Document::parse(s).ok()?;
    let root = doc.root_element();
    let mut bag = Map::new();
    bag.insert(root.tag_name().name().to_string(), element_json(root));
    Some(J::Object(bag))
}

fn element_json(e: roxmltree::Node) -> J {
    let mut bag = Map::new();
    let mut has_attributes = false;
    for a in e.attributes() {
        has_attributes = true;
        bag.insert(format!("@{}", a.name()), J::String(a.value().to_string()));
    }
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for child in e.children().filter(|c| c.is_element()) {
        *counts.entry(child.tag_name().name()).or_default() += 1;
    }
    let mut texts: Vec<String> = Vec::new();
    for child in e.children() {
        if child.is_element() {
            let name = child.tag_name().name();
            let value = element_json(child);
            if counts.get(name).copied().unwrap_or(0) > 1 {
                if let J::Array(items) = bag
                    .entry(name.to_string())
                    .or_insert_with(|| J::Array(Vec::new()))
                {
                    items.push(value);
                }
            } else {
                bag.insert(name.to_string(), value);
            }
        } else if child.is_text() {
            let t = child.text().unwrap_or("").trim();
            if !t.is_empty() {
                if texts.is_empty() {
                    // a placeholder keeps `#text` in document order among the children
                    bag.insert("#text".into(), J::Null);
                }
                texts.push(t.to_string());
            }
        }
    }
    let text = match texts.len() {
        0 => None,
        1 => Some(J::String(texts.remove(0))),
        _ => Some(J::Array(texts.into_iter().map(J::String).collect())),
    };
    if !has_attributes && counts.is_empty() {
        return text.unwrap_or(J::Null);
    }
    if let Some(t) = text {
        bag.insert("#text".into(), t);
    }
    J::Object(bag)
}
