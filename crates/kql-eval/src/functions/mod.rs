//! The scalar function registry: each name binds its arguments (checking count and types,
//! preparing constants such as regexes) into a row function.

mod datetime;
mod dynamic;
mod encoding;
mod hash;
pub(crate) mod ip;
mod math;
mod string;

use std::sync::Arc;

use kql_parser::Span;

use crate::conversion::convert;
use crate::error::{Error, did_you_mean};
use crate::expr::BExpr;
use crate::operators::apply;
use crate::types::Type;
use crate::value::Value;

/// What a function binder gets: the call's name, arguments and context.
pub struct Call<'a> {
    pub name: &'a str,
    pub args: Vec<BExpr>,
    pub span: Span,
    /// The query's fixed `now()`, in ticks.
    pub now: i64,
}

impl Call<'_> {
    /// Checks the argument count.
    pub fn arity(&self, min: usize, max: usize) -> Result<(), Error> {
        let n = self.args.len();
        if n >= min && n <= max {
            return Ok(());
        }
        let expected = match (min, max) {
            (a, b) if a == b => format!("{a}"),
            (a, usize::MAX) => format!("at least {a}"),
            (a, b) => format!("{a} to {b}"),
        };
        let e = Error::at(
            "kql::bind::arity",
            self.span,
            format!(
                "`{}` takes {expected} argument{}, got {n}",
                self.name,
                if expected == "1" { "" } else { "s" }
            ),
        );
        Err(match function_signature(self.name) {
            Some(sig) => e.with_help(format!("usage: {sig}")),
            None => e,
        })
    }

    /// Checks that argument `n` has one of the `allowed` types.
    pub fn expect_type(&self, n: usize, allowed: &[Type], what: &str) -> Result<(), Error> {
        let arg = &self.args[n];
        if arg.ty == Type::Dynamic || allowed.contains(&arg.ty) {
            return Ok(());
        }
        Err(Error::at(
            "kql::bind::type",
            arg.span,
            format!("argument {} of `{}` must be {what}", n + 1, self.name),
        )
        .with_label(format!("this is of type {}", arg.ty)))
    }

    /// A constant string argument (a regex, a format, a period name).
    pub fn const_str(&self, n: usize, what: &str) -> Result<String, Error> {
        match self.args[n].as_const() {
            Some(Value::String(s)) => Ok(s.to_string()),
            _ => Err(Error::at(
                "kql::bind::constant",
                self.args[n].span,
                format!(
                    "argument {} of `{}` must be a constant {what}",
                    n + 1,
                    self.name
                ),
            )),
        }
    }

    pub fn done(
        self,
        name: &'static str,
        ty: Type,
        f: impl Fn(&[&Value]) -> Value + Send + Sync + 'static,
    ) -> Result<BExpr, Error> {
        Ok(apply(name, f, self.args, ty, self.span))
    }
}

/// Functions that run only inside the Kusto service, or are not written yet: a query using
/// them is valid KQL, but kql cannot evaluate it.
const NOT_AVAILABLE: [&str; 6] = [
    "FileProfile",
    "DeviceFromIP",
    "AssignedIPAddresses",
    "geo_info_from_ip_address",
    "ingestion_time",
    "cursor_after",
];

/// Kusto functions kql knows but deliberately does not evaluate, with the reason: a query
/// using them fails with this message instead of giving a different result.
const UNSUPPORTED: [(&str, &str); 7] = [
    (
        "datetime_local_to_utc",
        "it needs the time-zone database, which kql does not ship",
    ),
    (
        "datetime_utc_to_local",
        "it needs the time-zone database, which kql does not ship",
    ),
    (
        "todecimal",
        "kql has no `decimal` type; use todouble() or tolong()",
    ),
    ("decimal", "kql has no `decimal` type; use real() or long()"),
    (
        "parse_user_agent",
        "it needs the user-agent pattern database Kusto embeds, which kql does not ship",
    ),
    ("zip", "it is not implemented yet"),
    ("bag_zip", "it is not implemented yet"),
];

/// Binds a call of the scalar function `name`.
pub fn bind_call(call: Call) -> Result<BExpr, Error> {
    let name = call.name;
    if let Some((_, why)) = UNSUPPORTED.iter().find(|(n, _)| *n == name) {
        // valid KQL: the query binds, and fails with this message on the first row
        let error = Error::at(
            "kql::unsupported::function",
            call.span,
            format!("`{name}()` is not supported by kql: {why}"),
        );
        return Ok(BExpr {
            kind: crate::expr::BKind::Unavailable(Box::new(error)),
            ty: Type::Dynamic,
            span: call.span,
        });
    }
    match name {
        "not" => {
            call.arity(1, 1)?;
            call.expect_type(0, &[Type::Bool], "a bool")?;
            call.done("not", Type::Bool, |a| match a[0].as_bool() {
                Some(b) => Value::Bool(!b),
                None => Value::Null,
            })
        }
        "isempty" | "isnotempty" | "notempty" => {
            call.arity(1, 1)?;
            let want_empty = name == "isempty";
            call.done("isempty", Type::Bool, move |a| {
                let empty = a[0].is_null() || a[0].as_str() == Some("");
                Value::Bool(empty == want_empty)
            })
        }
        "isnull" | "isnotnull" | "notnull" => {
            call.arity(1, 1)?;
            let want_null = name == "isnull";
            let is_string = call.args[0].ty == Type::String;
            call.done("isnull", Type::Bool, move |a| {
                // strings are never null (§A.7)
                let null = !is_string && a[0].is_null();
                Value::Bool(null == want_null)
            })
        }
        "iff" | "iif" => {
            call.arity(3, 3)?;
            call.expect_type(0, &[Type::Bool], "a bool")?;
            let ty = common_type(&call, &call.args[1..])?;
            call.done("iff", ty, move |a| {
                let v = if a[0].as_bool() == Some(true) {
                    a[1]
                } else {
                    a[2]
                };
                coerce(v, ty)
            })
        }
        "case" => {
            if call.args.len() < 3 || call.args.len().is_multiple_of(2) {
                return Err(Error::at(
                    "kql::bind::arity",
                    call.span,
                    "`case` takes predicate/value pairs and a final else value",
                ));
            }
            let values: Vec<BExpr> = call
                .args
                .iter()
                .enumerate()
                .filter(|(n, _)| n % 2 == 1 || *n == call.args.len() - 1)
                .map(|(_, a)| a.clone())
                .collect();
            for n in (0..call.args.len() - 1).step_by(2) {
                call.expect_type(n, &[Type::Bool], "a bool")?;
            }
            let ty = common_type(&call, &values)?;
            call.done("case", ty, move |a| {
                for pair in a[..a.len() - 1].chunks(2) {
                    if pair[0].as_bool() == Some(true) {
                        return coerce(pair[1], ty);
                    }
                }
                coerce(a[a.len() - 1], ty)
            })
        }
        "coalesce" => {
            call.arity(1, 64)?;
            let ty = common_type(&call, &call.args)?;
            call.done("coalesce", ty, move |a| {
                a.iter()
                    .find(|v| !v.is_null() && v.as_str() != Some(""))
                    .map_or_else(|| Value::missing(ty), |v| coerce(v, ty))
            })
        }
        "tostring" => conversion(call, Type::String),
        "tolong" | "toint64" => conversion(call, Type::Long),
        "toint" => conversion(call, Type::Int),
        "todouble" | "toreal" => conversion(call, Type::Real),
        "tobool" | "toboolean" => conversion(call, Type::Bool),
        "todatetime" => conversion(call, Type::DateTime),
        "totimespan" | "totime" => conversion(call, Type::TimeSpan),
        "toguid" => conversion(call, Type::Guid),
        "todynamic" | "parse_json" | "parsejson" | "toobject" => conversion(call, Type::Dynamic),
        "typeof" => Err(Error::at(
            "kql::unsupported",
            call.span,
            "`typeof()` is not supported here yet",
        )),
        "rand" => {
            call.arity(0, 1)?;
            if call.args.is_empty() {
                return volatile(call, "rand", Type::Real, |_| Value::Real(fastrand::f64()));
            }
            call.expect_type(0, &[Type::Int, Type::Long], "an integer")?;
            // `rand(N)`: an integer in 0..N-1; null when N is not positive
            volatile(call, "rand", Type::Long, |a| match a[0].as_i64() {
                Some(n) if n > 0 => Value::Long(fastrand::i64(0..n)),
                _ => Value::Null,
            })
        }
        "binary_and" | "binary_or" | "binary_xor" | "binary_shift_left" | "binary_shift_right" => {
            call.arity(2, 2)?;
            call.expect_type(0, &[Type::Int, Type::Long], "a number")?;
            call.expect_type(1, &[Type::Int, Type::Long], "a number")?;
            let op: fn(i64, i64) -> Option<i64> = match name {
                "binary_and" => |a, b| Some(a & b),
                "binary_or" => |a, b| Some(a | b),
                "binary_xor" => |a, b| Some(a ^ b),
                "binary_shift_left" => |a, b| u32::try_from(b).ok().and_then(|b| a.checked_shl(b)),
                _ => |a, b| u32::try_from(b).ok().and_then(|b| a.checked_shr(b)),
            };
            call.done("binary", Type::Long, move |a| {
                match (a[0].as_i64(), a[1].as_i64()) {
                    (Some(x), Some(y)) => op(x, y).map_or(Value::Null, Value::Long),
                    _ => Value::Null,
                }
            })
        }
        "binary_not" => {
            call.arity(1, 1)?;
            call.expect_type(0, &[Type::Int, Type::Long], "a number")?;
            call.done("binary_not", Type::Long, |a| {
                a[0].as_i64().map_or(Value::Null, |x| Value::Long(!x))
            })
        }
        "unicode_codepoints_from_string" => {
            call.arity(1, 1)?;
            call.done("unicode_codepoints_from_string", Type::Dynamic, |a| {
                let points: Vec<serde_json::Value> = crate::operators::text(a[0])
                    .chars()
                    .map(|c| serde_json::Value::from(c as u32))
                    .collect();
                Value::Dynamic(Arc::new(serde_json::Value::Array(points)))
            })
        }
        "unicode_codepoints_to_string" => {
            call.arity(1, 1)?;
            call.done("unicode_codepoints_to_string", Type::String, |a| {
                match a[0] {
                    Value::Dynamic(d) => d.as_array().map_or(Value::empty_string(), |items| {
                        let text: Option<String> = items
                            .iter()
                            .map(|i| {
                                i.as_u64()
                                    .and_then(|n| u32::try_from(n).ok())
                                    .and_then(char::from_u32)
                            })
                            .collect();
                        text.map_or(Value::empty_string(), |t| Value::str(&t))
                    }),
                    _ => Value::empty_string(),
                }
            })
        }
        "jaccard_index" => {
            call.arity(2, 2)?;
            call.done("jaccard_index", Type::Real, |a| {
                let set = |v: &Value| -> Option<std::collections::HashSet<String>> {
                    match v {
                        Value::Dynamic(d) => d
                            .as_array()
                            .map(|items| items.iter().map(|i| i.to_string()).collect()),
                        _ => None,
                    }
                };
                match (set(a[0]), set(a[1])) {
                    (Some(x), Some(y)) => {
                        let union = x.union(&y).count();
                        if union == 0 {
                            return Value::Real(0.0);
                        }
                        Value::Real(x.intersection(&y).count() as f64 / union as f64)
                    }
                    _ => Value::Null,
                }
            })
        }
        "dynamic_to_json" => {
            call.arity(1, 1)?;
            call.done("dynamic_to_json", Type::String, |a| match a[0] {
                Value::Dynamic(d) => Value::str(&d.to_string()),
                v if v.is_null() => Value::str("null"),
                v => Value::str(&v.to_json().to_string()),
            })
        }
        "new_guid" => {
            call.arity(0, 0)?;
            volatile(call, "new_guid", Type::Guid, |_| {
                // a version-4 (random) UUID
                let mut g = fastrand::u128(..).to_be_bytes();
                g[6] = (g[6] & 0x0f) | 0x40;
                g[8] = (g[8] & 0x3f) | 0x80;
                Value::Guid(g)
            })
        }
        _ => {
            let families: [FamilyBinder; 7] = [
                string::bind,
                datetime::bind,
                dynamic::bind,
                math::bind,
                encoding::bind,
                hash::bind,
                ip::bind,
            ];
            for family in families {
                if let Some(result) = family(name, &call) {
                    return result.and_then(|(n, ty, f)| call.done(n, ty, move |a| f(a)));
                }
            }
            Err(unknown_function(&call))
        }
    }
}

/// A family binder: binds `name` when the family has it.
type FamilyBinder = fn(&str, &Call) -> Option<Result<Bound, Error>>;

/// What a family binder returns: the function's name, result type and row function.
pub type Bound = (&'static str, Type, RowFn);
pub type RowFn = Box<dyn Fn(&[&Value]) -> Value + Send + Sync>;

/// Binds a function that must give a new value on every row (`rand()`, `new_guid()`).
///
/// The evaluator folds calls without column arguments into one constant and evaluates a
/// call whose arguments are all constant once per batch; such a function would then repeat
/// one value on every row. Until the evaluator knows volatile functions (`BExpr::is_constant`
/// false for them, and per-row evaluation in `BExpr::eval`), binding fails with a clear error
/// instead. The probe below notices when that support is in place.
fn volatile(
    call: Call,
    name: &'static str,
    ty: Type,
    f: impl Fn(&[&Value]) -> Value + Send + Sync + 'static,
) -> Result<BExpr, Error> {
    let probe = BExpr::apply(
        name,
        Arc::new(|_: &[&Value]| Value::Null),
        Vec::new(),
        ty,
        call.span,
    );
    if probe.is_constant() {
        return Err(Error::at(
            "kql::unsupported::function",
            call.span,
            format!(
                "`{name}()` is not supported yet: it must give a new value on every row, \
                 which kql's evaluator cannot do yet"
            ),
        ));
    }
    call.done(name, ty, f)
}

fn unknown_function(call: &Call) -> Error {
    if NOT_AVAILABLE.contains(&call.name) {
        return Error::at(
            "kql::unsupported::function",
            call.span,
            format!(
                "`{}` is a Kusto service function that kql cannot evaluate offline",
                call.name
            ),
        );
    }
    if crate::aggregate::lookup(call.name).is_some() {
        return Error::at(
            "kql::bind::aggregate_context",
            call.span,
            format!("`{}` is an aggregation function", call.name),
        )
        .with_help("aggregation functions can only be used in `summarize`");
    }
    let mut e = Error::at(
        "kql::bind::unknown_function",
        call.span,
        format!("unknown function `{}`", call.name),
    );
    if let Some(s) = did_you_mean(call.name, function_names().iter().copied()) {
        e = e.with_help(format!("did you mean `{s}`?"));
    }
    e
}

/// Every scalar function kql evaluates (aliases included), with a one-line signature.
/// The "did you mean" help and the REPL's completion both read this list.
const FUNCTIONS: &[(&str, &str)] = &[
    // logic and conditionals
    ("not", "not(b)"),
    ("isempty", "isempty(x)"),
    ("isnotempty", "isnotempty(x)"),
    ("notempty", "notempty(x)"),
    ("isnull", "isnull(x)"),
    ("isnotnull", "isnotnull(x)"),
    ("notnull", "notnull(x)"),
    ("iff", "iff(predicate, then, else)"),
    ("iif", "iif(predicate, then, else)"),
    (
        "case",
        "case(predicate1, then1, [predicate2, then2, ...,] else)",
    ),
    ("coalesce", "coalesce(x1, x2, ...)"),
    ("max_of", "max_of(x1, x2, ...)"),
    ("min_of", "min_of(x1, x2, ...)"),
    // conversions
    ("tostring", "tostring(x)"),
    ("tolong", "tolong(x)"),
    ("toint64", "toint64(x)"),
    ("toint", "toint(x)"),
    ("todouble", "todouble(x)"),
    ("toreal", "toreal(x)"),
    ("tobool", "tobool(x)"),
    ("toboolean", "toboolean(x)"),
    ("todatetime", "todatetime(x)"),
    ("totimespan", "totimespan(x)"),
    ("totime", "totime(x)"),
    ("toguid", "toguid(x)"),
    ("todynamic", "todynamic(json)"),
    ("parse_json", "parse_json(json)"),
    ("parsejson", "parsejson(json)"),
    ("toobject", "toobject(json)"),
    // math
    ("abs", "abs(x)"),
    ("sign", "sign(x)"),
    ("ceiling", "ceiling(x)"),
    ("round", "round(x [, precision])"),
    ("sqrt", "sqrt(x)"),
    ("pow", "pow(base, exponent)"),
    ("binary_and", "binary_and(a, b)"),
    ("binary_or", "binary_or(a, b)"),
    ("binary_xor", "binary_xor(a, b)"),
    ("binary_not", "binary_not(a)"),
    ("binary_shift_left", "binary_shift_left(a, bits)"),
    ("binary_shift_right", "binary_shift_right(a, bits)"),
    (
        "unicode_codepoints_from_string",
        "unicode_codepoints_from_string(s)",
    ),
    (
        "unicode_codepoints_to_string",
        "unicode_codepoints_to_string(codepoints)",
    ),
    ("dynamic_to_json", "dynamic_to_json(value)"),
    ("jaccard_index", "jaccard_index(set1, set2)"),
    ("exp", "exp(x)"),
    ("exp2", "exp2(x)"),
    ("exp10", "exp10(x)"),
    ("log", "log(x)"),
    ("log2", "log2(x)"),
    ("log10", "log10(x)"),
    ("pi", "pi()"),
    ("sin", "sin(x)"),
    ("cos", "cos(x)"),
    ("tan", "tan(x)"),
    ("asin", "asin(x)"),
    ("acos", "acos(x)"),
    ("atan", "atan(x)"),
    ("atan2", "atan2(y, x)"),
    ("degrees", "degrees(radians)"),
    ("radians", "radians(degrees)"),
    ("isnan", "isnan(x)"),
    ("isinf", "isinf(x)"),
    ("isfinite", "isfinite(x)"),
    ("rand", "rand([N])"),
    ("new_guid", "new_guid()"),
    // strings
    ("strlen", "strlen(s)"),
    ("string_size", "string_size(s)"),
    ("strcat", "strcat(s1, s2, ...)"),
    ("strcat_delim", "strcat_delim(delimiter, s1, s2, ...)"),
    ("substring", "substring(s, start [, length])"),
    ("tolower", "tolower(s)"),
    ("toupper", "toupper(s)"),
    ("reverse", "reverse(s)"),
    ("trim", "trim(regex, s)"),
    ("trim_start", "trim_start(regex, s)"),
    ("trim_end", "trim_end(regex, s)"),
    ("replace", "replace(regex, rewrite, s)"),
    ("replace_regex", "replace_regex(s, regex, rewrite)"),
    ("replace_string", "replace_string(s, lookup, rewrite)"),
    ("translate", "translate(searchList, replacementList, s)"),
    ("extract", "extract(regex, group, s [, typeof(T)])"),
    ("extract_all", "extract_all(regex, [groups,] s)"),
    ("split", "split(s, delimiter [, index])"),
    (
        "indexof",
        "indexof(s, lookup [, start [, length [, occurrence]]])",
    ),
    ("countof", "countof(s, search [, kind])"),
    ("strrep", "strrep(s, multiplier [, delimiter])"),
    ("isascii", "isascii(s)"),
    // encodings and parsers
    ("base64_encode_tostring", "base64_encode_tostring(s)"),
    ("base64_encodestring", "base64_encodestring(s)"),
    ("base64_decode_tostring", "base64_decode_tostring(base64)"),
    ("base64_decodestring", "base64_decodestring(base64)"),
    ("base64_decode_toarray", "base64_decode_toarray(base64)"),
    ("base64_encode_fromarray", "base64_encode_fromarray(bytes)"),
    ("url_encode", "url_encode(url)"),
    ("url_encode_component", "url_encode_component(url)"),
    ("url_decode", "url_decode(encoded_url)"),
    ("parse_url", "parse_url(url)"),
    ("parseurl", "parseurl(url)"),
    ("parse_urlquery", "parse_urlquery(query)"),
    ("parse_path", "parse_path(path)"),
    (
        "parse_command_line",
        "parse_command_line(command_line, \"windows\")",
    ),
    ("parse_xml", "parse_xml(xml)"),
    // hashes
    ("hash", "hash(x [, mod])"),
    ("hash_sha256", "hash_sha256(x)"),
    ("hash_sha1", "hash_sha1(x)"),
    ("hash_md5", "hash_md5(x)"),
    // IP addresses
    ("parse_ipv4", "parse_ipv4(ip)"),
    ("parse_ipv4_mask", "parse_ipv4_mask(ip, prefix)"),
    ("format_ipv4", "format_ipv4(ip [, prefix])"),
    ("ipv4_is_private", "ipv4_is_private(ip)"),
    ("ipv4_is_in_range", "ipv4_is_in_range(ip, range)"),
    (
        "ipv4_is_in_any_range",
        "ipv4_is_in_any_range(ip, range1, range2, ...)",
    ),
    ("ipv4_compare", "ipv4_compare(ip1, ip2 [, prefix])"),
    ("ipv4_is_match", "ipv4_is_match(ip1, ip2 [, prefix])"),
    ("ipv6_compare", "ipv6_compare(ip1, ip2 [, prefix])"),
    ("ipv6_is_match", "ipv6_is_match(ip1, ip2 [, prefix])"),
    // datetime
    ("now", "now([offset])"),
    ("ago", "ago(timespan)"),
    ("bin", "bin(value, size)"),
    ("floor", "floor(value, size)"),
    ("bin_at", "bin_at(value, size, fixed_point)"),
    ("startofday", "startofday(date [, offset])"),
    ("startofweek", "startofweek(date [, offset])"),
    ("startofmonth", "startofmonth(date [, offset])"),
    ("startofyear", "startofyear(date [, offset])"),
    ("endofday", "endofday(date [, offset])"),
    ("endofweek", "endofweek(date [, offset])"),
    ("endofmonth", "endofmonth(date [, offset])"),
    ("endofyear", "endofyear(date [, offset])"),
    ("datetime_add", "datetime_add(period, amount, date)"),
    ("datetime_diff", "datetime_diff(period, date1, date2)"),
    ("datetime_part", "datetime_part(part, date)"),
    ("datepart", "datepart(part, date)"),
    ("getyear", "getyear(date)"),
    ("getmonth", "getmonth(date)"),
    ("monthofyear", "monthofyear(date)"),
    ("dayofmonth", "dayofmonth(date)"),
    ("dayofyear", "dayofyear(date)"),
    ("hourofday", "hourofday(date)"),
    ("week_of_year", "week_of_year(date)"),
    ("weekofyear", "weekofyear(date)"),
    ("dayofweek", "dayofweek(date)"),
    ("format_datetime", "format_datetime(date, format)"),
    ("format_timespan", "format_timespan(timespan, format)"),
    (
        "unixtime_seconds_todatetime",
        "unixtime_seconds_todatetime(seconds)",
    ),
    (
        "unixtime_milliseconds_todatetime",
        "unixtime_milliseconds_todatetime(milliseconds)",
    ),
    // dynamic arrays and property bags
    ("array_length", "array_length(array)"),
    ("array_concat", "array_concat(array1, array2, ...)"),
    ("array_slice", "array_slice(array, start, end)"),
    (
        "array_index_of",
        "array_index_of(array, value [, start [, length [, occurrence]]])",
    ),
    (
        "array_sort_asc",
        "array_sort_asc(array1 [, array2, ...] [, nulls_last])",
    ),
    (
        "array_sort_desc",
        "array_sort_desc(array1 [, array2, ...] [, nulls_last])",
    ),
    ("array_reverse", "array_reverse(array)"),
    ("array_sum", "array_sum(array)"),
    ("strcat_array", "strcat_array(array, delimiter)"),
    ("set_has_element", "set_has_element(array, value)"),
    ("set_union", "set_union(array1, array2, ...)"),
    ("set_intersect", "set_intersect(array1, array2, ...)"),
    ("set_difference", "set_difference(array1, array2, ...)"),
    ("pack_array", "pack_array(x1, x2, ...)"),
    ("bag_pack", "bag_pack(key1, value1, key2, value2, ...)"),
    ("pack", "pack(key1, value1, key2, value2, ...)"),
    (
        "pack_dictionary",
        "pack_dictionary(key1, value1, key2, value2, ...)",
    ),
    ("bag_keys", "bag_keys(bag)"),
    ("bag_has_key", "bag_has_key(bag, key)"),
    ("bag_merge", "bag_merge(bag1, bag2, ...)"),
    ("bag_remove_keys", "bag_remove_keys(bag, keys)"),
    (
        "extract_json",
        "extract_json(json_path, json [, typeof(T)])",
    ),
    ("extractjson", "extractjson(json_path, json [, typeof(T)])"),
];

/// The names of every scalar function kql evaluates, aliases included (for completion).
pub fn function_names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| FUNCTIONS.iter().map(|(n, _)| *n).collect())
}

/// A one-line signature of the scalar function `name`, e.g. `strcat(s1, s2, ...)`.
pub fn function_signature(name: &str) -> Option<&'static str> {
    FUNCTIONS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// The `&'static` spelling of a listed function name.
fn static_name(name: &str) -> &'static str {
    FUNCTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("function", |(n, _)| *n)
}

fn conversion(call: Call, ty: Type) -> Result<BExpr, Error> {
    call.arity(1, 1)?;
    let name = static_name(call.name);
    call.done(name, ty, move |a| convert(a[0], ty))
}

/// The one type all of `values` can take (int and long unify, dynamic goes with anything).
pub(super) fn common_type(call: &Call, values: &[BExpr]) -> Result<Type, Error> {
    let mut ty = values[0].ty;
    for v in &values[1..] {
        ty = match (ty, v.ty) {
            (a, b) if a == b => a,
            (Type::Int, Type::Long) | (Type::Long, Type::Int) => Type::Long,
            (Type::Dynamic, _) | (_, Type::Dynamic) => Type::Dynamic,
            (a, b) => {
                return Err(Error::at(
                    "kql::bind::type",
                    v.span,
                    format!(
                        "all results of `{}` must have one type, found {a} and {b}",
                        call.name
                    ),
                )
                .with_label(format!("this is of type {b}")));
            }
        };
    }
    Ok(ty)
}

/// A value as the column type `ty` (ints widen to long, anything wraps into dynamic).
pub(super) fn coerce(v: &Value, ty: Type) -> Value {
    match (ty, v) {
        (Type::Long, Value::Int(i)) => Value::Long(i64::from(*i)),
        (Type::Dynamic, Value::Dynamic(_)) => v.clone(),
        (Type::Dynamic, v) if v.is_null() => Value::Null,
        (Type::Dynamic, v) => Value::Dynamic(std::sync::Arc::new(v.to_json())),
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every listed name binds (an arity or type error is fine; "unknown" is not).
    #[test]
    fn every_listed_function_is_known() {
        let options = crate::RunOptions::default();
        for name in function_names() {
            let q = format!("print {name}()");
            if let Err(e) = crate::run(&q, &crate::source::EmptyCatalog, &options) {
                assert_ne!(e.code, "kql::bind::unknown_function", "{name}");
            }
            assert!(function_signature(name).is_some_and(|s| s.starts_with(name)));
        }
    }

    #[test]
    fn names_are_listed_once() {
        let mut names = function_names().to_vec();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }
}
