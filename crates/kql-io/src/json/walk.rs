//! A fast walk over one NDJSON line: the top-level keys of its object and where each value
//! starts and ends, without building the values.
//!
//! It accepts exactly what serde_json accepts when it skips a value (`IgnoredAny`): strings
//! without raw control characters and with valid escapes (`\u` followed by four hex digits),
//! numbers of the JSON grammar, `true`/`false`/`null`, nested objects and arrays. Anything else,
//! and anything it does not handle itself (a key written with escapes, nesting deeper than
//! serde_json's limit), is [`Unusual`]: the caller then reads the line with serde_json, which
//! gives the same values and the same errors as before.

/// The walk met something it leaves to serde_json.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unusual;

pub(super) type Walked<T> = Result<T, Unusual>;

/// serde_json's recursion limit.
const MAX_DEPTH: usize = 127;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = ONES << 7;

#[inline]
pub(super) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

#[inline]
pub(super) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

/// Skips the rest of a string whose content starts at `i` (after the opening quote). Returns
/// the index after the closing quote and whether the string holds escapes.
#[inline]
pub(super) fn skip_string(b: &[u8], mut i: usize) -> Walked<(usize, bool)> {
    let mut escaped = false;
    loop {
        // eight bytes at a time: the first `"`, `\` or control character
        while i + 8 <= b.len() {
            let mut word = [0u8; 8];
            word.copy_from_slice(&b[i..i + 8]);
            let v = u64::from_le_bytes(word);
            let ctrl = v.wrapping_sub(ONES * 0x20) & !v;
            let q = v ^ (ONES * u64::from(b'"'));
            let q = q.wrapping_sub(ONES) & !q;
            let s = v ^ (ONES * u64::from(b'\\'));
            let s = s.wrapping_sub(ONES) & !s;
            let m = (ctrl | q | s) & HIGHS;
            if m != 0 {
                i += (m.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        while i < b.len() && !matches!(b[i], b'"' | b'\\' | 0..=0x1F) {
            i += 1;
        }
        match b.get(i) {
            Some(b'"') => return Ok((i + 1, escaped)),
            Some(b'\\') => {
                escaped = true;
                i = skip_escape(b, i + 1)?;
            }
            // a control character, or the end of the line inside the string
            _ => return Err(Unusual),
        }
    }
}

/// Skips the escape whose letter is at `i` (after the backslash).
#[inline]
fn skip_escape(b: &[u8], i: usize) -> Walked<usize> {
    match b.get(i) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 1),
        Some(b'u') => match b.get(i + 1..i + 5) {
            Some(hex) if hex.iter().all(u8::is_ascii_hexdigit) => Ok(i + 5),
            _ => Err(Unusual),
        },
        _ => Err(Unusual),
    }
}

/// Skips a number starting at `i`, by the JSON grammar.
#[inline]
fn skip_number(b: &[u8], mut i: usize) -> Walked<usize> {
    let digits = |b: &[u8], mut i: usize| {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i, i > start)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i).0,
        _ => return Err(Unusual),
    }
    if b.get(i) == Some(&b'.') {
        let (j, any) = digits(b, i + 1);
        if !any {
            return Err(Unusual);
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let (j, any) = digits(b, i);
        if !any {
            return Err(Unusual);
        }
        i = j;
    }
    // `01`, `1x`: serde_json reads a number, then fails on what follows (so do we: the
    // caller expects `,` or `}`), except a digit after a leading zero, which we refuse here
    if b.get(i).is_some_and(u8::is_ascii_digit) {
        return Err(Unusual);
    }
    Ok(i)
}

#[inline]
fn skip_literal(b: &[u8], i: usize, word: &[u8]) -> Walked<usize> {
    if b.get(i..i + word.len()) == Some(word) {
        Ok(i + word.len())
    } else {
        Err(Unusual)
    }
}

/// Skips the value starting at `i` (not whitespace); returns the index after it.
#[inline]
pub(super) fn skip_value(b: &[u8], i: usize) -> Walked<usize> {
    match b.get(i) {
        Some(b'"') => skip_string(b, i + 1).map(|(j, _)| j),
        Some(b'-' | b'0'..=b'9') => skip_number(b, i),
        Some(b'n') => skip_literal(b, i, b"null"),
        Some(b't') => skip_literal(b, i, b"true"),
        Some(b'f') => skip_literal(b, i, b"false"),
        Some(b'{' | b'[') => skip_nested(b, i),
        _ => Err(Unusual),
    }
}

/// Skips an object or array starting at `i` (its bracket), checking its syntax.
fn skip_nested(b: &[u8], mut i: usize) -> Walked<usize> {
    // the closing bracket of each open container, innermost last
    let mut open = [0u8; MAX_DEPTH];
    let mut depth = 0;
    'container: loop {
        // `b[i]` opens a container
        let close = if b[i] == b'{' { b'}' } else { b']' };
        if depth == MAX_DEPTH {
            return Err(Unusual);
        }
        open[depth] = close;
        depth += 1;
        i = skip_ws(b, i + 1);
        if b.get(i) == Some(&close) {
            depth -= 1;
            i += 1;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            match element(b, i, close)? {
                Elem::Nested(j) => {
                    i = j;
                    continue 'container;
                }
                Elem::Done(j) => i = j,
            }
        }
        // after an element of the innermost open container: `,` and the next, or its end
        loop {
            let close = open[depth - 1];
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    match element(b, i, close)? {
                        Elem::Nested(j) => {
                            i = j;
                            continue 'container;
                        }
                        Elem::Done(j) => i = j,
                    }
                }
                Some(&c) if c == close => {
                    depth -= 1;
                    i += 1;
                    if depth == 0 {
                        return Ok(i);
                    }
                }
                _ => return Err(Unusual),
            }
        }
    }
}

enum Elem {
    /// An element that is itself a container starts at this index (its bracket).
    Nested(usize),
    /// A scalar element (and, in an object, its key) ends before this index.
    Done(usize),
}

/// Reads an element of a container closed by `close` starting at `i`: for an object, a key,
/// `:` and the value.
fn element(b: &[u8], mut i: usize, close: u8) -> Walked<Elem> {
    if close == b'}' {
        if b.get(i) != Some(&b'"') {
            return Err(Unusual);
        }
        i = skip_string(b, i + 1)?.0;
        i = skip_ws(b, i);
        if b.get(i) != Some(&b':') {
            return Err(Unusual);
        }
        i = skip_ws(b, i + 1);
    }
    match b.get(i) {
        Some(b'{' | b'[') => Ok(Elem::Nested(i)),
        Some(_) => skip_value_scalar(b, i).map(Elem::Done),
        None => Err(Unusual),
    }
}

#[inline]
fn skip_value_scalar(b: &[u8], i: usize) -> Walked<usize> {
    match b.get(i) {
        Some(b'{' | b'[') | None => Err(Unusual),
        Some(_) => skip_value(b, i),
    }
}

/// What to do with a key's value, decided by the caller as the walk meets the key.
pub(super) trait Visit {
    /// Called with the raw bytes of a key (no escapes) and where its value starts (not
    /// whitespace) and ends. Returning `Err` stops the walk.
    fn value(&mut self, key: KeyRef, start: usize, end: usize) -> Walked<()>;

    /// Whether the walk may stop: the caller has all it wants from the line.
    fn complete(&self) -> bool {
        false
    }
}

/// A key as met in the line: its bytes, and its position among the object's keys.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeyRef<'a> {
    pub bytes: &'a [u8],
    pub nth: usize,
    /// The slot the key cache gave it, if the key is the one at `nth` in the last line.
    pub cached: Option<u32>,
}

/// The keys of the last line walked, in order, each with the caller's slot number: lines of
/// one export have the same keys in the same order, so most keys are recognised by comparing
/// their bytes with the key at the same place in the last line.
#[derive(Debug, Default)]
pub(super) struct KeyCache {
    keys: Vec<(Box<[u8]>, u32)>,
}

impl KeyCache {
    /// Remembers that the `nth` key is `bytes`, given `slot`.
    pub(super) fn learn(&mut self, nth: usize, bytes: &[u8], slot: u32) {
        if nth < self.keys.len() {
            self.keys[nth] = (bytes.into(), slot);
        } else if nth == self.keys.len() {
            self.keys.push((bytes.into(), slot));
        }
    }

    /// The slot of the `nth` key if the line at `i` (after the opening quote) holds the same
    /// key as last time, and the index after its closing quote.
    #[inline]
    fn recall(&self, b: &[u8], i: usize, nth: usize) -> Option<(u32, usize)> {
        let (key, slot) = self.keys.get(nth)?;
        let end = i + key.len();
        if b.get(end) == Some(&b'"') && same_bytes(&b[i..end], key) {
            Some((*slot, end + 1))
        } else {
            None
        }
    }
}

/// `a == b` for two slices of the same length, eight bytes at a time (keys are short: this
/// beats a call to `memcmp`).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let mut diff = 0u64;
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        let mut wx = [0u8; 8];
        let mut wy = [0u8; 8];
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        diff |= u64::from_le_bytes(wx) ^ u64::from_le_bytes(wy);
    }
    diff == 0 && ca.remainder() == cb.remainder()
}

/// Walks the object on `line` (an NDJSON line without its newline), calling `visit` for each
/// key. Anything unusual, including text after the object, ends the walk with `Unusual`.
/// Returns where the walk stopped when `visit` was [complete](Visit::complete) before the end
/// (the rest of the line is then not looked at).
pub(super) fn walk_line(
    line: &[u8],
    cache: &KeyCache,
    visit: &mut impl Visit,
) -> Walked<Option<usize>> {
    let mut i = skip_ws(line, 0);
    if line.get(i) != Some(&b'{') {
        return Err(Unusual);
    }
    i = skip_ws(line, i + 1);
    if line.get(i) == Some(&b'}') {
        return finish(line, i + 1).map(|()| None);
    }
    let mut nth = 0;
    loop {
        if line.get(i) != Some(&b'"') {
            return Err(Unusual);
        }
        let (key, cached, after) = match cache.recall(line, i + 1, nth) {
            Some((slot, after)) => (&line[i + 1..after - 1], Some(slot), after),
            None => {
                let (after, escaped) = skip_string(line, i + 1)?;
                if escaped {
                    return Err(Unusual);
                }
                (&line[i + 1..after - 1], None, after)
            }
        };
        i = skip_ws(line, after);
        if line.get(i) != Some(&b':') {
            return Err(Unusual);
        }
        let start = skip_ws(line, i + 1);
        let end = skip_value(line, start)?;
        visit.value(
            KeyRef {
                bytes: key,
                nth,
                cached,
            },
            start,
            end,
        )?;
        nth += 1;
        i = skip_ws(line, end);
        match line.get(i) {
            Some(b',') if visit.complete() => return Ok(Some(i)),
            Some(b',') => i = skip_ws(line, i + 1),
            Some(b'}') => return finish(line, i + 1).map(|()| None),
            _ => return Err(Unusual),
        }
    }
}

fn finish(line: &[u8], i: usize) -> Walked<()> {
    if skip_ws(line, i) == line.len() {
        Ok(())
    } else {
        Err(Unusual)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Keys(Vec<String>);

    impl Visit for Keys {
        fn value(&mut self, key: KeyRef, _: usize, _: usize) -> Walked<()> {
            self.0.push(String::from_utf8_lossy(key.bytes).into_owned());
            Ok(())
        }
    }

    fn walk(line: &str) -> Walked<Vec<String>> {
        struct Spans<'a>(&'a [u8], Vec<String>);
        impl Visit for Spans<'_> {
            fn value(&mut self, key: KeyRef, start: usize, end: usize) -> Walked<()> {
                self.1.push(format!(
                    "{}={}",
                    String::from_utf8_lossy(key.bytes),
                    String::from_utf8_lossy(&self.0[start..end])
                ));
                Ok(())
            }
        }
        let mut v = Spans(line.as_bytes(), Vec::new());
        walk_line(line.as_bytes(), &KeyCache::default(), &mut v)?;
        Ok(v.1)
    }

    /// The walk accepts a line exactly when serde_json accepts it as an object.
    fn agrees_with_serde(line: &str) {
        let serde = serde_json::from_str::<serde::de::IgnoredAny>(line).is_ok()
            && line.trim_start().starts_with('{');
        let ours = walk(line);
        // where we give up, serde_json decides; where we accept, it must accept too
        if ours.is_ok() {
            assert!(serde, "walk accepted what serde_json refuses: {line}");
        }
    }

    #[test]
    fn values_and_their_spans() {
        assert_eq!(
            walk(
                r#" {"a": 1, "b" :"x\"y\\", "c":[1, {"d": [true, null]}], "e": -2.5e+3 , "f":{}} "#
            )
            .unwrap(),
            vec![
                "a=1",
                r#"b="x\"y\\""#,
                r#"c=[1, {"d": [true, null]}]"#,
                "e=-2.5e+3",
                "f={}"
            ]
        );
        assert_eq!(walk("{}").unwrap(), Vec::<String>::new());
        assert_eq!(walk(r#"{"a":"\u00ae"}"#).unwrap(), vec![r#"a="\u00ae""#]);
    }

    #[test]
    fn unusual_lines_are_left_to_serde() {
        for line in [
            "",
            "[1]",
            r#"{"a": 1,}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a": .5}"#,
            r#"{"a": tru}"#,
            r#"{"a": "x"#,
            "{\"a\": \"x\ty\"}",
            r#"{"a": "\x"}"#,
            r#"{"a": "\u12"}"#,
            r#"{"a\u0041": 1}"#,
            r#"{"a": [1, 2}"#,
            r#"{"a": {"b" 1}}"#,
            r#"{"a": {"b": 1,}}"#,
            r#"{"a": 1} x"#,
            r#"{"a": 1}{"b": 2}"#,
            r#"{"a" 1}"#,
            r#"{a: 1}"#,
        ] {
            assert_eq!(walk(line), Err(Unusual), "{line}");
            agrees_with_serde(line);
        }
        let deep = format!("{{\"a\": {}{}}}", "[".repeat(200), "]".repeat(200));
        assert_eq!(walk(&deep), Err(Unusual));
    }

    #[test]
    fn accepted_lines_are_json() {
        for line in [
            r#"{"a": [], "b": [[]], "c": {"x": {"y": {}}}, "d": [{}, {"e": "]"}]}"#,
            r#"{"a": 0, "b": -0.0, "c": 1E5, "d": 123456789012345678901234567890}"#,
            "{\"a\": \"\u{e9}\u{1F600}\"}",
            r#"{"a": "\/\b\f\n\r\t\uD83D\uDE00"}"#,
        ] {
            assert!(walk(line).is_ok(), "{line}");
            agrees_with_serde(line);
        }
    }

    #[test]
    fn the_cache_recognises_keys_at_their_place() {
        let mut cache = KeyCache::default();
        cache.learn(0, b"Name", 7);
        cache.learn(1, b"Other", 3);
        struct Seen(Vec<Option<u32>>);
        impl Visit for Seen {
            fn value(&mut self, key: KeyRef, _: usize, _: usize) -> Walked<()> {
                self.0.push(key.cached);
                Ok(())
            }
        }
        let mut seen = Seen(Vec::new());
        walk_line(br#"{"Name": 1, "Othe": 2, "x": 3}"#, &cache, &mut seen).unwrap();
        assert_eq!(seen.0, vec![Some(7), None, None]);
        // a key that merely starts like the cached one is not it
        let mut seen = Seen(Vec::new());
        walk_line(br#"{"Names": 1}"#, &cache, &mut seen).unwrap();
        assert_eq!(seen.0, vec![None]);
        let mut keys = Keys(Vec::new());
        walk_line(br#"{"k": 1}"#, &cache, &mut keys).unwrap();
        assert_eq!(keys.0, vec!["k"]);
    }
}
