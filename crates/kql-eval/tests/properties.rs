//! Property tests of the value semantics: ordering is a total order consistent with equality
//! and hashing; comparison operators agree with it; null follows three-valued logic;
//! `tostring` round-trips through `todatetime`, `totimespan`, `tolong` and `todouble`; `has`
//! and `contains` agree with a plain reference implementation; and `summarize` gives the
//! same groups however its input is cut into batches.
//!
//! The executor runs on one thread (there is no thread count to vary); batch independence is
//! checked by feeding the same rows in batches of random sizes.

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use kql_eval::{
    Batch, Catalog, Error, Field, MemTable, RunOptions, Schema, TableSource, Type, Value,
};
use proptest::prelude::*;

/// Datetimes Kusto can hold: 0001-01-01 to 9999-12-31, in ticks since the Unix epoch.
const MIN_TICKS: i64 = kql_eval::datetime::MIN_DATETIME;
const MAX_TICKS: i64 = kql_eval::datetime::MAX_DATETIME;

struct OneTable(Arc<dyn TableSource>);

impl Catalog for OneTable {
    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error> {
        Ok((name == "T").then(|| self.0.clone()))
    }

    fn table_names(&self) -> Vec<String> {
        vec!["T".to_string()]
    }
}

/// Runs `query` over table `T` of `fields` and `rows`, the rows cut into batches of `cuts`
/// sizes (cycled; the rest in one batch), and returns the first result's rows.
fn run_over(
    fields: &[(&str, Type)],
    rows: &[Vec<Value>],
    cuts: &[usize],
    query: &str,
) -> Vec<Vec<Value>> {
    let schema = Arc::new(Schema::new(
        fields.iter().map(|(n, t)| Field::new(*n, *t)).collect(),
    ));
    let mut batches = Vec::new();
    let mut rest = rows;
    let mut sizes = cuts.iter().cycle();
    while !rest.is_empty() {
        let n = sizes
            .next()
            .copied()
            .unwrap_or(rest.len())
            .clamp(1, rest.len());
        batches.push(Batch::from_rows(schema.clone(), rest[..n].to_vec()));
        rest = &rest[n..];
    }
    let catalog = OneTable(Arc::new(MemTable::new(schema, batches)));
    let options = RunOptions {
        now: Some(0),
        ..RunOptions::default()
    };
    let tables =
        kql_eval::run(query, &catalog, &options).unwrap_or_else(|e| panic!("{query}: {e:?}"));
    tables[0].rows().collect()
}

fn hash_of(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

// ---------------------------------------------------------------------------------------------
// Generators

fn edge_long() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        Just(1),
        Just(-1),
        Just(i64::MAX),
        Just(i64::MAX - 1),
        Just(i64::MIN),
        Just(i64::MIN + 1),
        Just(1 << 53),
        Just((1 << 53) + 1),
        Just(-(1 << 53) - 1),
        -1000i64..1000,
        any::<i64>(),
    ]
}

fn edge_real() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0f64),
        Just(-0.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(9.223_372_036_854_776e18),
        Just(-9.223_372_036_854_776e18),
        Just(9_007_199_254_740_992.0),
        (-1000i64..1000).prop_map(|n| n as f64),
        (-1000i64..1000).prop_map(|n| n as f64 / 8.0),
        any::<f64>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    let alphabet = vec![
        'a', 'b', 'A', 'B', 'z', '1', ' ', '-', '_', '.', ',', '\\', '"', 'é', 'É', 'ß', '☃', '\n',
    ];
    proptest::collection::vec(proptest::sample::select(alphabet), 0..12)
        .prop_map(|cs| cs.into_iter().collect())
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        edge_long().prop_map(serde_json::Value::from),
        (-100i64..100).prop_map(|n| serde_json::Value::from(n as f64 / 4.0)),
        text().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::vec((proptest::sample::select(vec!["a", "b", "c"]), inner), 0..3)
                .prop_map(|kv| serde_json::Value::Object(
                    kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
        ]
    })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![Just(i32::MAX), Just(i32::MIN), -100i32..100, any::<i32>()]
            .prop_map(Value::Int),
        edge_long().prop_map(Value::Long),
        edge_real().prop_map(Value::Real),
        (MIN_TICKS..=MAX_TICKS).prop_map(Value::DateTime),
        edge_long().prop_map(Value::TimeSpan),
        any::<[u8; 16]>().prop_map(Value::Guid),
        text().prop_map(|s| Value::str(&s)),
        json().prop_map(|j| Value::Dynamic(Arc::new(j))),
    ]
}

// ---------------------------------------------------------------------------------------------
// Ordering and equality

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// `total_cmp` (sort, top, min/max, grouping) is a total order, and `==` and hashing agree
    /// with it.
    #[test]
    fn ordering_is_total_and_consistent(a in value(), b in value(), c in value()) {
        let ab = a.total_cmp(&b);
        prop_assert_eq!(ab, b.total_cmp(&a).reverse(), "antisymmetry");
        prop_assert_eq!(a.total_cmp(&a), Ordering::Equal, "reflexivity");
        prop_assert_eq!(a == b, ab == Ordering::Equal, "== agrees with the order");
        if a == b {
            prop_assert_eq!(hash_of(&a), hash_of(&b), "equal values hash equally");
        }
        let bc = b.total_cmp(&c);
        if ab != Ordering::Greater && bc != Ordering::Greater {
            prop_assert_ne!(a.total_cmp(&c), Ordering::Greater, "transitivity");
        }
        if ab == Ordering::Equal && bc == Ordering::Equal {
            prop_assert_eq!(a.total_cmp(&c), Ordering::Equal, "transitivity of ==");
        }
    }
}

/// Longs and reals near 2^63, where converting the long to a real rounds: compared exactly, so
/// `i64::MAX` and `i64::MAX - 1` are not both equal to the real 2^63.
#[test]
fn ordering_of_longs_and_reals_is_exact() {
    let values = [
        Value::Long(i64::MAX),
        Value::Long(i64::MAX - 1),
        Value::Real(9.223_372_036_854_776e18),
        Value::Long(i64::MIN),
        Value::Real(-9.223_372_036_854_776e18),
        Value::Long(i64::MIN + 1),
        Value::Long((1 << 53) + 1),
        Value::Real(9_007_199_254_740_992.0),
        Value::Real(9_007_199_254_740_994.0),
        Value::Int(i32::MAX),
        Value::Real(2_147_483_647.5),
        Value::Real(-0.0),
        Value::Long(0),
        Value::Real(f64::NAN),
        Value::Real(f64::INFINITY),
    ];
    for a in &values {
        for b in &values {
            assert_eq!(a.total_cmp(b), b.total_cmp(a).reverse(), "{a:?} {b:?}");
            if a == b {
                assert_eq!(hash_of(a), hash_of(b), "{a:?} {b:?}");
            }
            for c in &values {
                let le = |x: &Value, y: &Value| x.total_cmp(y) != Ordering::Greater;
                if le(a, b) && le(b, c) {
                    assert!(le(a, c), "{a:?} <= {b:?} <= {c:?}");
                }
            }
        }
    }
    assert_eq!(
        Value::Long(i64::MAX).total_cmp(&Value::Real(9.223_372_036_854_776e18)),
        Ordering::Less
    );
    assert_eq!(
        Value::Long(i64::MIN).total_cmp(&Value::Real(-9.223_372_036_854_776e18)),
        Ordering::Equal
    );
    assert_eq!(Value::Long(0), Value::Real(-0.0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The comparison operators over numbers: exactly one of `<`, `==`, `>` holds for numbers
    /// (NaN aside), `<=` is `<` or `==`, `==` is symmetric, agreeing with `total_cmp`; with a
    /// null operand every comparison is null.
    #[test]
    fn comparisons_agree_with_the_order(
        pairs in proptest::collection::vec(
            (proptest::option::weighted(0.9, edge_long()), proptest::option::weighted(0.9, edge_real())),
            1..40,
        )
    ) {
        let rows: Vec<Vec<Value>> = pairs
            .iter()
            .map(|(l, r)| vec![l.map_or(Value::Null, Value::Long), r.map_or(Value::Null, Value::Real)])
            .collect();
        let out = run_over(
            &[("l", Type::Long), ("r", Type::Real)],
            &rows,
            &[],
            "T | project l, r, lt = l < r, eq = l == r, gt = l > r, le = l <= r, ge = l >= r, \
             ne = l != r, eq2 = r == l",
        );
        for row in out {
            let (l, r) = (&row[0], &row[1]);
            let [lt, eq, gt, le, ge, ne, eq2] = [2, 3, 4, 5, 6, 7, 8].map(|i| row[i].clone());
            if l.is_null() || r.is_null() {
                for v in [&lt, &gt, &le, &ge] {
                    prop_assert!(v.is_null(), "{l:?} vs {r:?}: {row:?}");
                }
                // Kusto: null == null is null, null == value is false (!= true)
                if l.is_null() && r.is_null() {
                    prop_assert!(eq.is_null() && ne.is_null(), "{row:?}");
                } else {
                    prop_assert_eq!(eq.as_bool(), Some(false), "{:?}", row);
                    prop_assert_eq!(ne.as_bool(), Some(true), "{:?}", row);
                }
                continue;
            }
            let b = |v: &Value| v.as_bool().unwrap_or_else(|| panic!("{row:?}"));
            prop_assert_eq!(b(&eq), b(&eq2), "== is symmetric: {:?}", row);
            prop_assert_eq!(b(&ne), !b(&eq), "!= is not ==: {:?}", row);
            if matches!(r, Value::Real(x) if x.is_nan()) {
                prop_assert!(!b(&lt) && !b(&gt) && !b(&eq), "NaN compares false: {:?}", row);
                continue;
            }
            let holding = [b(&lt), b(&eq), b(&gt)].iter().filter(|x| **x).count();
            prop_assert_eq!(holding, 1, "exactly one of <, ==, >: {:?}", row);
            prop_assert_eq!(b(&le), b(&lt) || b(&eq), "<=: {:?}", row);
            prop_assert_eq!(b(&ge), b(&gt) || b(&eq), ">=: {:?}", row);
            let expected = l.total_cmp(r);
            let got = if b(&lt) { Ordering::Less } else if b(&gt) { Ordering::Greater } else { Ordering::Equal };
            prop_assert_eq!(got, expected, "operators agree with total_cmp: {:?}", row);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Null

#[test]
fn bool_null_follows_three_valued_logic() {
    let b = [Some(true), Some(false), None];
    let mut rows = Vec::new();
    for x in b {
        for y in b {
            let v = |o: Option<bool>| o.map_or(Value::Null, Value::Bool);
            rows.push(vec![v(x), v(y)]);
        }
    }
    let out = run_over(
        &[("x", Type::Bool), ("y", Type::Bool)],
        &rows,
        &[],
        "T | project x, y, a = x and y, o = x or y, n = not(x), i = iff(x, 1, 2), isnull(x)",
    );
    for row in out {
        let get = |v: &Value| v.as_bool();
        let (x, y) = (get(&row[0]), get(&row[1]));
        let and = match (x, y) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        };
        let or = match (x, y) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        };
        assert_eq!(get(&row[2]), and, "{x:?} and {y:?}");
        assert_eq!(get(&row[3]), or, "{x:?} or {y:?}");
        assert_eq!(get(&row[4]), x.map(|x| !x), "not({x:?})");
        // iff with a null condition takes the else branch
        assert_eq!(row[5].as_i64(), Some(if x == Some(true) { 1 } else { 2 }));
        assert_eq!(row[6].as_bool(), Some(x.is_none()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arithmetic and comparisons with a null operand are null; strings are never null (a
    /// missing string is `""`: `isempty`, not `isnull`).
    #[test]
    fn null_propagates(xs in proptest::collection::vec(proptest::option::of(edge_long()), 1..30)) {
        let rows: Vec<Vec<Value>> = xs.iter().map(|x| vec![x.map_or(Value::Null, Value::Long), Value::empty_string()]).collect();
        let out = run_over(
            &[("x", Type::Long), ("s", Type::String)],
            &rows,
            &[],
            "T | extend n = long(null) | project x, a = x + n, m = x * n, c = x < n, e = x >= n, \
             isnull(s), isempty(s), cs = strcat(s, x), isnull(x), q = x == n",
        );
        for row in out {
            for i in 1..5 {
                prop_assert!(row[i].is_null(), "{row:?}");
            }
            // equality with null: null if both are, else false
            prop_assert_eq!(row[9].as_bool(), if row[0].is_null() { None } else { Some(false) });
            prop_assert_eq!(row[5].as_bool(), Some(false));
            prop_assert_eq!(row[6].as_bool(), Some(true));
            prop_assert_eq!(row[7].as_str().map(str::is_empty), Some(row[0].is_null()));
            prop_assert_eq!(row[8].as_bool(), Some(row[0].is_null()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `todatetime(tostring(d)) == d`, and the same for timespans, longs and reals.
    #[test]
    fn tostring_round_trips(
        rows in proptest::collection::vec(
            (MIN_TICKS..=MAX_TICKS, edge_long(), edge_long(), edge_real()),
            1..40,
        )
    ) {
        let rows: Vec<Vec<Value>> = rows
            .into_iter()
            .map(|(d, t, l, r)| vec![Value::DateTime(d), Value::TimeSpan(t), Value::Long(l), Value::Real(r)])
            .collect();
        let out = run_over(
            &[("d", Type::DateTime), ("t", Type::TimeSpan), ("l", Type::Long), ("r", Type::Real)],
            &rows,
            &[],
            "T | project d, t, l, r, d2 = todatetime(tostring(d)), t2 = totimespan(tostring(t)), \
             l2 = tolong(tostring(l)), r2 = todouble(tostring(r)), sd = tostring(d), st = tostring(t)",
        );
        for row in out {
            prop_assert_eq!(&row[4], &row[0], "datetime {}", row[8].to_kql_string());
            prop_assert_eq!(&row[5], &row[1], "timespan {}", row[9].to_kql_string());
            prop_assert_eq!(&row[6], &row[2], "long");
            prop_assert_eq!(&row[7], &row[3], "real");
        }
    }

    /// The same through the library's own text forms.
    #[test]
    fn datetime_and_timespan_text_round_trips(d in MIN_TICKS..=MAX_TICKS, t in edge_long()) {
        use kql_eval::datetime::{format_datetime, format_timespan, parse_datetime, parse_timespan};
        prop_assert_eq!(parse_datetime(&format_datetime(d)), Some(d), "{}", format_datetime(d));
        prop_assert_eq!(parse_timespan(&format_timespan(t)), Some(t), "{}", format_timespan(t));
    }
}

// ---------------------------------------------------------------------------------------------
// has and contains

/// `contains`: a substring, ASCII letters folded unless case-sensitive.
fn reference_contains(hay: &str, needle: &str, cs: bool) -> bool {
    if cs {
        hay.contains(needle)
    } else {
        hay.to_ascii_lowercase()
            .contains(&needle.to_ascii_lowercase())
    }
}

/// `has`: the needle occurs where its letters and digits at either end are not glued to more
/// letters or digits of the text (for a needle that is one term: it is one of the text's
/// terms, the maximal runs of letters and digits).
fn reference_has(hay: &str, needle: &str, cs: bool) -> bool {
    let fold = |s: &str| {
        if cs {
            s.to_string()
        } else {
            s.to_ascii_lowercase()
        }
    };
    let (h, n) = (fold(hay), fold(needle));
    if !n.is_empty() && n.chars().all(char::is_alphanumeric) {
        return h
            .split(|c: char| !c.is_alphanumeric())
            .any(|term| term == n);
    }
    let alnum_first = n.chars().next().is_some_and(char::is_alphanumeric);
    let alnum_last = n.chars().next_back().is_some_and(char::is_alphanumeric);
    (0..=h.len()).filter(|&i| h.is_char_boundary(i)).any(|i| {
        if !h[i..].starts_with(&n) {
            return false;
        }
        let before = h[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let after = h[i + n.len()..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric);
        let glued = (alnum_first && before) || (alnum_last && after);
        !glued
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn has_and_contains_agree_with_a_reference(
        pairs in proptest::collection::vec((text(), text()), 1..40)
    ) {
        // needles are often cut from the text, so matches are frequent
        let rows: Vec<Vec<Value>> = pairs
            .iter()
            .map(|(h, n)| {
                let needle = if n.len() % 2 == 0 {
                    let cut: String = h.chars().skip(n.len() % 3).take(n.len() % 5 + 1).collect();
                    cut
                } else {
                    n.clone()
                };
                vec![Value::str(h), Value::str(&needle)]
            })
            .collect();
        let out = run_over(
            &[("h", Type::String), ("n", Type::String)],
            &rows,
            &[],
            "T | project h, n, c = h contains n, ccs = h contains_cs n, nc = h !contains n, \
             has = h has n, hcs = h has_cs n, nh = h !has n",
        );
        for row in out {
            let (h, n) = (row[0].as_str().unwrap(), row[1].as_str().unwrap());
            let b = |i: usize| row[i].as_bool().unwrap();
            prop_assert_eq!(b(2), reference_contains(h, n, false), "{:?} contains {:?}", h, n);
            prop_assert_eq!(b(3), reference_contains(h, n, true), "{:?} contains_cs {:?}", h, n);
            prop_assert_eq!(b(4), !b(2));
            prop_assert_eq!(b(5), reference_has(h, n, false), "{:?} has {:?}", h, n);
            prop_assert_eq!(b(6), reference_has(h, n, true), "{:?} has_cs {:?}", h, n);
            prop_assert_eq!(b(7), !b(5));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// summarize and batches

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The same rows in one batch or in batches of any sizes summarize to the same groups,
    /// in the same order (first appearance), with the same aggregates.
    #[test]
    fn summarize_is_independent_of_batch_sizes(
        rows in proptest::collection::vec(
            (0i64..6, proptest::option::weighted(0.8, -50i64..50), proptest::option::weighted(0.8, edge_real()), text()),
            0..300,
        ),
        cuts in proptest::collection::vec(1usize..64, 1..6),
    ) {
        let rows: Vec<Vec<Value>> = rows
            .into_iter()
            .map(|(k, v, r, s)| {
                vec![
                    Value::Long(k),
                    v.map_or(Value::Null, Value::Long),
                    r.map_or(Value::Null, Value::Real),
                    Value::str(&s),
                ]
            })
            .collect();
        let fields = [("k", Type::Long), ("v", Type::Long), ("r", Type::Real), ("s", Type::String)];
        let query = "T | summarize c = count(), sv = sum(v), sr = sum(r), mn = min(v), mx = max(r), \
                     a = avg(v), d = dcount(s), ms = make_set(v), ml = make_list(s, 5), \
                     cif = countif(v > 0), am = arg_max(v, s) by k, b = bin(v, 10)";
        let whole = run_over(&fields, &rows, &[], query);
        let cut = run_over(&fields, &rows, &cuts, query);
        prop_assert_eq!(whole.len(), cut.len());
        for (w, c) in whole.iter().zip(&cut) {
            prop_assert_eq!(w, c);
        }
    }
}
