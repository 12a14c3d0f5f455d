//! Functions over dynamic values (arrays and property bags).

use std::cmp::Ordering;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value as J;

use super::{Bound, Call};
use crate::conversion::from_dynamic;
use crate::error::Error;
use crate::operators::{order, text};
use crate::types::Type;
use crate::value::Value;

fn json(v: &Value) -> serde_json::Value {
    v.to_json()
}

/// Binds the dynamic function `name`, or `None` if it is not one.
pub fn bind(name: &str, call: &Call) -> Option<Result<Bound, Error>> {
    let result = (|| -> Result<Option<Bound>, Error> {
        let bound: Bound = match name {
            "array_length" => {
                call.arity(1, 1)?;
                (
                    "array_length",
                    Type::Long,
                    Box::new(|a: &[&Value]| match a[0] {
                        Value::Dynamic(d) => d
                            .as_array()
                            .map_or(Value::Null, |x| Value::Long(x.len() as i64)),
                        _ => Value::Null,
                    }),
                )
            }
            "bag_keys" => {
                call.arity(1, 1)?;
                (
                    "bag_keys",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| match a[0] {
                        Value::Dynamic(d) => d.as_object().map_or(Value::Null, |o| {
                            Value::Dynamic(Arc::new(serde_json::Value::Array(
                                o.keys()
                                    .map(|k| serde_json::Value::String(k.clone()))
                                    .collect(),
                            )))
                        }),
                        _ => Value::Null,
                    }),
                )
            }
            "pack_array" => {
                call.arity(1, usize::MAX)?;
                (
                    "pack_array",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        Value::Dynamic(Arc::new(serde_json::Value::Array(
                            a.iter().map(|v| json(v)).collect(),
                        )))
                    }),
                )
            }
            "bag_pack" | "pack" | "pack_dictionary" => {
                if !call.args.len().is_multiple_of(2) {
                    return Err(Error::at(
                        "kql::bind::arity",
                        call.span,
                        format!("`{name}` takes key/value pairs"),
                    ));
                }
                (
                    "bag_pack",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        let mut map = serde_json::Map::new();
                        for pair in a.chunks(2) {
                            map.insert(text(pair[0]).into_owned(), json(pair[1]));
                        }
                        Value::Dynamic(Arc::new(serde_json::Value::Object(map)))
                    }),
                )
            }
            "array_concat" => {
                call.arity(1, 64)?;
                for n in 0..call.args.len() {
                    call.expect_type(n, &[Type::Dynamic], "a dynamic array")?;
                }
                (
                    "array_concat",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        // [INF] an argument that is not an array makes the result null
                        let mut out = Vec::new();
                        for v in a {
                            match array(v) {
                                Some(items) => out.extend(items.iter().cloned()),
                                None => return Value::Null,
                            }
                        }
                        dynamic(J::Array(out))
                    }),
                )
            }
            // `array_slice(arr, start, end)`: `end` inclusive, negative indexes from the end,
            // out-of-range indexes clamped (documented)
            "array_slice" => {
                call.arity(3, 3)?;
                call.expect_type(1, &[Type::Int, Type::Long], "an integer")?;
                call.expect_type(2, &[Type::Int, Type::Long], "an integer")?;
                (
                    "array_slice",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        let (Some(items), Some(start), Some(end)) =
                            (array(a[0]), a[1].as_i64(), a[2].as_i64())
                        else {
                            return Value::Null;
                        };
                        let len = items.len() as i64;
                        let at = |i: i64| if i < 0 { len + i } else { i };
                        let (start, end) = (at(start).max(0), at(end).min(len - 1));
                        if start > end {
                            return dynamic(J::Array(Vec::new()));
                        }
                        dynamic(J::Array(items[start as usize..=end as usize].to_vec()))
                    }),
                )
            }
            "array_reverse" => {
                call.arity(1, 1)?;
                (
                    "array_reverse",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| match array(a[0]) {
                        Some(items) => dynamic(J::Array(items.iter().rev().cloned().collect())),
                        None => Value::Null,
                    }),
                )
            }
            // the sum as a real; null if an element is not a number (documented)
            "array_sum" => {
                call.arity(1, 1)?;
                (
                    "array_sum",
                    Type::Real,
                    Box::new(|a: &[&Value]| {
                        let Some(items) = array(a[0]) else {
                            return Value::Null;
                        };
                        items
                            .iter()
                            .map(J::as_f64)
                            .sum::<Option<f64>>()
                            .map_or(Value::Null, Value::Real)
                    }),
                )
            }
            "strcat_array" => {
                call.arity(2, 2)?;
                (
                    "strcat_array",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        let Some(items) = array(a[0]) else {
                            return Value::empty_string();
                        };
                        let parts: Vec<String> = items.iter().map(json_text).collect();
                        Value::str(&parts.join(&text(a[1])))
                    }),
                )
            }
            "array_index_of" => {
                call.arity(2, 5)?;
                for n in 2..call.args.len() {
                    call.expect_type(n, &[Type::Int, Type::Long], "an integer")?;
                }
                (
                    "array_index_of",
                    Type::Long,
                    Box::new(|a: &[&Value]| {
                        let Some(items) = array(a[0]) else {
                            return Value::Null;
                        };
                        let int = |n: usize, default: i64| match a.get(n) {
                            None => Some(default),
                            Some(v) => v.as_i64(),
                        };
                        match (int(2, 0), int(3, -1), int(4, 1)) {
                            (Some(start), Some(length), Some(occurrence)) => {
                                index_of(items, a[1], start, length, occurrence)
                            }
                            _ => Value::Null,
                        }
                    }),
                )
            }
            "set_has_element" => {
                call.arity(2, 2)?;
                (
                    "set_has_element",
                    Type::Bool,
                    Box::new(|a: &[&Value]| match array(a[0]) {
                        Some(items) => Value::Bool(items.iter().any(|i| element_equals(i, a[1]))),
                        None => Value::Null,
                    }),
                )
            }
            "set_union" | "set_intersect" | "set_difference" => {
                call.arity(2, 64)?;
                for n in 0..call.args.len() {
                    call.expect_type(n, &[Type::Dynamic], "a dynamic array")?;
                }
                let fname = match name {
                    "set_union" => "set_union",
                    "set_intersect" => "set_intersect",
                    _ => "set_difference",
                };
                (
                    fname,
                    Type::Dynamic,
                    Box::new(move |a: &[&Value]| {
                        let Some(sets) = a.iter().map(|v| array(v)).collect::<Option<Vec<_>>>()
                        else {
                            return Value::Null;
                        };
                        dynamic(J::Array(set_operation(fname, &sets)))
                    }),
                )
            }
            "array_sort_asc" | "array_sort_desc" => {
                call.arity(1, 65)?;
                let nulls_arg =
                    call.args.len() > 1 && call.args.last().map(|a| a.ty) == Some(Type::Bool);
                let arrays = call.args.len() - usize::from(nulls_arg);
                for n in 0..arrays {
                    call.expect_type(n, &[Type::Dynamic], "a dynamic array")?;
                }
                let descending = name == "array_sort_desc";
                (
                    if descending {
                        "array_sort_desc"
                    } else {
                        "array_sort_asc"
                    },
                    Type::Dynamic,
                    Box::new(move |a: &[&Value]| {
                        let nulls_last = if nulls_arg {
                            a[arrays].as_bool().unwrap_or(true)
                        } else {
                            true
                        };
                        sort_arrays(&a[..arrays], descending, nulls_last)
                    }),
                )
            }
            "bag_merge" => {
                call.arity(2, 64)?;
                (
                    "bag_merge",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        // the leftmost bag wins a key (documented example); [INF] arguments
                        // that are not property bags are skipped
                        let mut merged = serde_json::Map::new();
                        let mut any = false;
                        for v in a {
                            if let Value::Dynamic(d) = v
                                && let Some(bag) = d.as_object()
                            {
                                any = true;
                                for (k, v) in bag {
                                    merged.entry(k.clone()).or_insert_with(|| v.clone());
                                }
                            }
                        }
                        if any {
                            dynamic(J::Object(merged))
                        } else {
                            Value::Null
                        }
                    }),
                )
            }
            "bag_has_key" => {
                call.arity(2, 2)?;
                let path = match call.args[1].as_const() {
                    Some(Value::String(k)) => Some(key_path(k).map_err(|e| bad_path(call, 1, &e))?),
                    _ => None,
                };
                (
                    "bag_has_key",
                    Type::Bool,
                    Box::new(move |a: &[&Value]| {
                        let Value::Dynamic(d) = a[0] else {
                            return Value::Bool(false);
                        };
                        let steps = match &path {
                            Some(p) => p.clone(),
                            None => match key_path(&text(a[1])) {
                                Ok(p) => p,
                                Err(_) => return Value::Bool(false),
                            },
                        };
                        Value::Bool(d.is_object() && follow(d, &steps).is_some())
                    }),
                )
            }
            // `bag_remove_keys(bag, keys)`: top-level keys, or nested ones written as JSONPath
            "bag_remove_keys" => {
                call.arity(2, 2)?;
                call.expect_type(1, &[Type::Dynamic], "a dynamic array of keys")?;
                if let Some(Value::Dynamic(keys)) = call.args[1].as_const() {
                    for k in keys.as_array().into_iter().flatten() {
                        let k = json_text(k);
                        let steps = key_path(&k).map_err(|e| bad_path(call, 1, &e))?;
                        if steps.iter().any(|s| matches!(s, Step::Index(_))) {
                            return Err(bad_path(
                                call,
                                1,
                                &format!("`{k}`: array indexes are not supported here"),
                            ));
                        }
                    }
                }
                (
                    "bag_remove_keys",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        let (Value::Dynamic(d), Value::Dynamic(keys)) = (a[0], a[1]) else {
                            return Value::Null;
                        };
                        if !d.is_object() {
                            return Value::Null;
                        }
                        let mut bag = d.as_ref().clone();
                        for k in keys.as_array().into_iter().flatten() {
                            if let Ok(steps) = key_path(&json_text(k)) {
                                remove(&mut bag, &steps);
                            }
                        }
                        dynamic(bag)
                    }),
                )
            }
            // `extract_json(path, json)`: the element at a JSONPath, as text ("" if absent)
            "extract_json" | "extractjson" => {
                call.arity(2, 2)?;
                let path = call.const_str(0, "JSONPath")?;
                let steps = json_path(&path).map_err(|e| bad_path(call, 0, &e))?;
                (
                    "extract_json",
                    Type::String,
                    Box::new(move |a: &[&Value]| {
                        let found = match a[1] {
                            Value::Dynamic(d) if d.is_object() || d.is_array() => {
                                follow(d, &steps).map(json_text)
                            }
                            v => serde_json::from_str::<J>(&text(v))
                                .ok()
                                .and_then(|doc| follow(&doc, &steps).map(json_text)),
                        };
                        Value::str(found.as_deref().unwrap_or(""))
                    }),
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(bound))
    })();
    result.transpose()
}

fn dynamic(j: J) -> Value {
    Value::Dynamic(Arc::new(j))
}

/// The elements of a dynamic array; `None` for anything else.
fn array(v: &Value) -> Option<&Vec<J>> {
    match v {
        Value::Dynamic(d) => d.as_array(),
        _ => None,
    }
}

/// The text of a JSON element: strings as they are, null as `""`, the rest as compact JSON.
fn json_text(j: &J) -> String {
    match j {
        J::Null => String::new(),
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether array element `item` equals the scalar `v` (numbers compare by value, strings
/// case-sensitively).
fn element_equals(item: &J, v: &Value) -> bool {
    let item = from_dynamic(item);
    !item.is_null() && !v.is_null() && order(&item, v) == Some(Ordering::Equal)
}

/// `array_index_of` with the `indexof` window rules: `start` negative counts from the end,
/// `length` -1 is unlimited, the `occurrence`-th match inside the window (documented).
fn index_of(items: &[J], v: &Value, start: i64, length: i64, occurrence: i64) -> Value {
    if occurrence < 0 || length < -1 {
        return Value::Null;
    }
    let len = items.len() as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    if start >= len || occurrence == 0 {
        return Value::Long(-1);
    }
    let end = if length == -1 {
        len
    } else {
        (start + length).min(len)
    };
    let found = (start..end)
        .filter(|&i| element_equals(&items[i as usize], v))
        .nth(occurrence as usize - 1);
    Value::Long(found.unwrap_or(-1))
}

/// `set_union`, `set_intersect`, `set_difference`: distinct elements (compared as JSON), in
/// the order they first appear.
fn set_operation(name: &str, sets: &[&Vec<J>]) -> Vec<J> {
    let keyed = |items: &Vec<J>| -> IndexMap<String, J> {
        items.iter().map(|j| (j.to_string(), j.clone())).collect()
    };
    let mut result = keyed(sets[0]);
    for set in &sets[1..] {
        let other = keyed(set);
        match name {
            "set_union" => {
                for (k, v) in other {
                    result.entry(k).or_insert(v);
                }
            }
            "set_intersect" => result.retain(|k, _| other.contains_key(k)),
            _ => result.retain(|k, _| !other.contains_key(k)),
        }
    }
    result.into_values().collect()
}

/// The documented order of mixed elements: numbers, then strings (guids and datetimes in
/// dynamic values are strings), then everything else.
fn sort_rank(j: &J) -> u8 {
    match j {
        J::Number(_) => 0,
        J::String(_) => 1,
        _ => 2,
    }
}

fn compare_elements(a: &J, b: &J) -> Ordering {
    match (a, b) {
        (J::Number(x), J::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (J::String(x), J::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => sort_rank(a)
            .cmp(&sort_rank(b))
            .then_with(|| a.to_string().cmp(&b.to_string())),
    }
}

/// `array_sort_asc/desc(a1, a2, ..., nulls_last)`: `a1` sorted, the other arrays reordered
/// to match (null for one whose length differs from `a1`'s). One array gives the sorted
/// array; several give an array of the reordered arrays, so `array_sort_asc(a, b)[1]` works
/// as in the documentation.
fn sort_arrays(arrays: &[&Value], descending: bool, nulls_last: bool) -> Value {
    let Some(first) = array(arrays[0]) else {
        return Value::Null;
    };
    let mut order: Vec<usize> = (0..first.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&first[i], &first[j]);
        match (a.is_null(), b.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if nulls_last {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, true) => {
                if nulls_last {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            _ if descending => compare_elements(b, a),
            _ => compare_elements(a, b),
        }
    });
    let reorder = |items: &Vec<J>| -> J {
        if items.len() != first.len() {
            return J::Null;
        }
        J::Array(order.iter().map(|&i| items[i].clone()).collect())
    };
    if arrays.len() == 1 {
        return dynamic(reorder(first));
    }
    dynamic(J::Array(
        arrays
            .iter()
            .map(|v| array(v).map_or(J::Null, reorder))
            .collect(),
    ))
}

/// One step of a JSONPath.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(i64),
}

/// Parses the JSONPath subset kql supports: `$`, `.name`, `['name']`, `["name"]`, `[N]`.
/// Wildcards, recursive descent, filters, unions and slices are errors.
fn json_path(path: &str) -> Result<Vec<Step>, String> {
    let unsupported = |what: &str| {
        Err(format!(
            "JSONPath `{path}`: {what} is not supported (kql supports $, .name, ['name'] and [index])"
        ))
    };
    let chars: Vec<char> = path.trim().chars().collect();
    if chars.first() != Some(&'$') {
        return Err(format!("JSONPath `{path}` must start with `$`"));
    }
    let mut steps = Vec::new();
    let mut i = 1;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                if chars.get(i + 1) == Some(&'.') {
                    return unsupported("recursive descent `..`");
                }
                i += 1;
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                if name.is_empty() {
                    return Err(format!("JSONPath `{path}`: a name is missing after `.`"));
                }
                if name == "*" {
                    return unsupported("the wildcard `*`");
                }
                steps.push(Step::Key(name));
            }
            '[' => {
                i += 1;
                match chars.get(i) {
                    Some(&q) if q == '\'' || q == '"' => {
                        i += 1;
                        let mut name = String::new();
                        loop {
                            match chars.get(i) {
                                None => return Err(format!("JSONPath `{path}`: unclosed quote")),
                                Some('\\') if chars.get(i + 1).is_some() => {
                                    name.push(chars[i + 1]);
                                    i += 2;
                                }
                                Some(&c) if c == q => {
                                    i += 1;
                                    break;
                                }
                                Some(&c) => {
                                    name.push(c);
                                    i += 1;
                                }
                            }
                        }
                        if chars.get(i) != Some(&']') {
                            return unsupported("a list of names");
                        }
                        i += 1;
                        steps.push(Step::Key(name));
                    }
                    _ => {
                        let start = i;
                        while i < chars.len() && chars[i] != ']' {
                            i += 1;
                        }
                        if i >= chars.len() {
                            return Err(format!("JSONPath `{path}`: unclosed `[`"));
                        }
                        let inner: String = chars[start..i].iter().collect();
                        i += 1;
                        match inner.trim().parse::<i64>() {
                            Ok(n) => steps.push(Step::Index(n)),
                            Err(_) if inner.trim() == "*" => {
                                return unsupported("the wildcard `*`");
                            }
                            Err(_) if inner.contains('?') => return unsupported("a filter"),
                            Err(_) if inner.contains(':') => return unsupported("a slice"),
                            Err(_) if inner.contains(',') => return unsupported("a union"),
                            Err(_) => {
                                return Err(format!(
                                    "JSONPath `{path}`: `[{inner}]` is not an index"
                                ));
                            }
                        }
                    }
                }
            }
            c => return Err(format!("JSONPath `{path}`: unexpected `{c}`")),
        }
    }
    Ok(steps)
}

/// A key of `bag_has_key`/`bag_remove_keys`: a JSONPath when it starts with `$`, else one
/// top-level key.
fn key_path(key: &str) -> Result<Vec<Step>, String> {
    if key.trim_start().starts_with('$') {
        json_path(key)
    } else {
        Ok(vec![Step::Key(key.to_string())])
    }
}

fn bad_path(call: &Call, n: usize, message: &str) -> Error {
    Error::at(
        "kql::bind::argument",
        call.args[n].span,
        message.to_string(),
    )
}

/// The element `steps` lead to; `None` when a key or index is missing. A negative index
/// counts from the end.
fn follow<'a>(mut j: &'a J, steps: &[Step]) -> Option<&'a J> {
    for step in steps {
        j = match (step, j) {
            (Step::Key(k), J::Object(bag)) => bag.get(k)?,
            (Step::Index(i), J::Array(items)) => {
                let i = if *i < 0 { items.len() as i64 + i } else { *i };
                items.get(usize::try_from(i).ok()?)?
            }
            _ => return None,
        };
    }
    Some(j)
}

/// Removes the key at the end of `steps` from `j`, if it is there.
fn remove(j: &mut J, steps: &[Step]) {
    let Some((Step::Key(last), parents)) = steps.split_last() else {
        return;
    };
    let mut at = j;
    for step in parents {
        at = match (step, at) {
            (Step::Key(k), J::Object(bag)) => match bag.get_mut(k) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    if let J::Object(bag) = at {
        bag.shift_remove(last);
    }
}
