//! Binding scalar expressions: literals, column references, operators and calls.

use std::collections::HashSet;
use std::sync::Arc;

use kql_parser::{BinOp, DynamicLit, Expr, ExprKind, Literal, StrOpKind, UnaryOp};

use super::{Binder, Binding, unknown_column};
use crate::conversion::from_dynamic;
use crate::datetime;
use crate::error::Error;
use crate::expr::BExpr;
use crate::functions::{self, Call};
use crate::operators::{self, apply, str_predicate, text};
use crate::types::{Schema, Type};
use crate::value::{Value, parse_guid};

impl Binder<'_> {
    /// Binds a scalar expression over rows of `schema`.
    pub fn bind_scalar(&mut self, e: &Expr, schema: &Schema) -> Result<BExpr, Error> {
        match &e.kind {
            ExprKind::Literal(lit) => {
                let (value, ty) = literal(lit, e)?;
                Ok(BExpr::constant(value, ty, e.span))
            }
            ExprKind::Name(id) => {
                if let Some(i) = schema.index_of(&id.name) {
                    return Ok(BExpr::column(i, schema.fields[i].ty, e.span));
                }
                match self.lookup(&id.name) {
                    Some(Binding::Scalar(b)) => {
                        let mut b = b.clone();
                        b.span = e.span;
                        Ok(b)
                    }
                    Some(Binding::Function { .. }) => Err(Error::at(
                        "kql::bind::not_scalar",
                        e.span,
                        format!("`{}` is a function: call it with parentheses", id.name),
                    )),
                    Some(Binding::Tabular { .. } | Binding::Plan(_)) => Err(Error::at(
                        "kql::bind::not_scalar",
                        e.span,
                        format!("`{}` is a table, not a scalar value", id.name),
                    )
                    .with_help("use toscalar() to get a single value from a table")),
                    None => Err(unknown_column(schema, id)),
                }
            }
            ExprKind::Star => Err(Error::at(
                "kql::bind::star",
                e.span,
                "`*` is only allowed in arguments such as `arg_max(x, *)` and `take_any(*)`",
            )),
            ExprKind::Call { name, args }
                if (name.name == "extract" && args.len() == 4)
                    || (matches!(name.name.as_str(), "extract_json" | "extractjson")
                        && args.len() == 3) =>
            {
                // `extract(regex, group, text, typeof(T))`, `extract_json(path, json,
                // typeof(T))`: extract the text, then convert it to T
                let (last, rest) = args.split_last().expect("arguments");
                let ty = typeof_argument(last)?;
                let call = Expr::new(
                    ExprKind::Call {
                        name: name.clone(),
                        args: rest.to_vec(),
                    },
                    e.span,
                );
                let text = self.bind_scalar(&call, schema)?;
                if ty == Type::String {
                    return Ok(text);
                }
                let f = move |a: &[&Value]| {
                    if a[0].as_str() == Some("") {
                        return Value::Null;
                    }
                    crate::conversion::convert(a[0], ty)
                };
                Ok(apply("extract", f, vec![text], ty, e.span))
            }
            // `column_ifexists("Name", default)`: the column if the input has it
            ExprKind::Call { name, args } if name.name == "column_ifexists" && args.len() == 2 => {
                if let ExprKind::Literal(Literal::String(column)) = &args[0].kind
                    && let Some(i) = schema.index_of(column)
                {
                    return Ok(BExpr::column(i, schema.fields[i].ty, e.span));
                }
                let mut fallback = self.bind_scalar(&args[1], schema)?;
                fallback.span = e.span;
                Ok(fallback)
            }
            ExprKind::Call { name, args } if name.name == "toscalar" && args.len() == 1 => {
                self.bind_toscalar(e, &args[0])
            }
            ExprKind::Call { name, args }
                if matches!(self.lookup(&name.name), Some(Binding::Function { .. })) =>
            {
                match self.call_function(name, args, None, schema, false)? {
                    super::FunctionResult::Scalar(mut b) => {
                        b.span = e.span;
                        Ok(b)
                    }
                    super::FunctionResult::Table(_) => Err(Error::at(
                        "kql::bind::not_scalar",
                        e.span,
                        format!("`{}` returns a table, not a scalar value", name.name),
                    )
                    .with_help("use toscalar() to get a single value from a table")),
                }
            }
            ExprKind::Call { name, args } if name.name == super::service::GEO_INFO => {
                let mut bound = Vec::with_capacity(args.len());
                for a in args {
                    bound.push(self.bind_scalar(a, schema)?);
                }
                let geo = self.catalog.geoip().map_err(|err| {
                    if err.span.is_none() {
                        err.with_span(e.span)
                    } else {
                        err
                    }
                })?;
                super::service::geo_info(bound, e.span, geo)
            }
            ExprKind::Call { name, .. } if super::service::scalar_function(&name.name, e.span).is_some() => {
                Ok(super::service::scalar_function(&name.name, e.span).expect("checked above"))
            }
            ExprKind::Call { name, args } => {
                let mut bound = Vec::with_capacity(args.len());
                for a in args {
                    bound.push(self.bind_scalar(a, schema)?);
                }
                // a check that can never hold: say so (Kusto users trip over it)
                if matches!(name.name.as_str(), "isnull" | "isnotnull" | "notnull")
                    && bound.first().is_some_and(|b| b.ty == Type::String)
                {
                    let warning = format!(
                        "{}() of a string is always {}: strings are never null (a missing \
                         string is \"\"); use {}() instead",
                        name.name,
                        name.name == "isnull",
                        if name.name == "isnull" { "isempty" } else { "isnotempty" },
                    );
                    if !self.warnings.contains(&warning) {
                        self.warnings.push(warning);
                    }
                }
                functions::bind_call(Call {
                    name: &name.name,
                    args: bound,
                    span: e.span,
                    now: self.now,
                })
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.bind_scalar(lhs, schema)?;
                let r = self.bind_scalar(rhs, schema)?;
                operators::bind_binary(*op, l, r, e.span)
            }
            ExprKind::Unary { op, operand } => {
                let b = self.bind_scalar(operand, schema)?;
                match op {
                    UnaryOp::Neg => operators::bind_negate(b, e.span),
                    UnaryOp::Plus => Ok(b),
                }
            }
            ExprKind::In { lhs, negated, case_insensitive, list } => {
                let l = self.bind_scalar(lhs, schema)?;
                let items = self.bind_list(list, schema)?;
                bind_in(l, items, *negated, *case_insensitive, e)
            }
            ExprKind::HasList { lhs, all, list } => {
                let l = self.bind_scalar(lhs, schema)?;
                let items = self.bind_list(list, schema)?;
                bind_has_list(l, items, *all, e)
            }
            ExprKind::Between { lhs, negated, low, high } => {
                let l = self.bind_scalar(lhs, schema)?;
                let lo = self.bind_scalar(low, schema)?;
                let hi = self.bind_scalar(high, schema)?;
                bind_between(l, lo, hi, *negated, e)
            }
            ExprKind::Member { target, name } => {
                let t = self.bind_scalar(target, schema)?;
                let key = BExpr::constant(Value::str(&name.name), Type::String, name.span);
                bind_index(t, key, e)
            }
            ExprKind::Index { target, index } => {
                let t = self.bind_scalar(target, schema)?;
                let i = self.bind_scalar(index, schema)?;
                bind_index(t, i, e)
            }
            ExprKind::Named { name, .. } => Err(Error::at(
                "kql::bind::named_argument",
                name.span,
                format!("`{} = ...` is only allowed as a function argument", name.name),
            )),
            ExprKind::Lambda { .. } => Err(Error::at(
                "kql::bind::lambda",
                e.span,
                "a function definition can only be bound with `let`",
            )),
            ExprKind::Datatable { .. }
            | ExprKind::Print(_)
            | ExprKind::Range { .. }
            | ExprKind::Pipe { .. }
            | ExprKind::ExternalData { .. }
            | ExprKind::Union { .. }
            | ExprKind::Search { .. } => {
                Err(Error::at(
                    "kql::unsupported",
                    e.span,
                    "a tabular expression cannot be used as a scalar value here",
                )
                .with_help("subqueries in scalar positions (`in (T | ...)`, `toscalar(...)`) are not supported yet"))
            }
        }
    }

    /// The elements of an `in`/`has_any` list; dynamic array constants are flattened.
    fn bind_list(&mut self, list: &[Expr], schema: &Schema) -> Result<Vec<BExpr>, Error> {
        let mut out = Vec::new();
        for item in list {
            if self.is_tabular(item) {
                // `x in (T | project y)`: the first column's values, computed now
                let plan = self.bind_tabular(item)?;
                let ty = plan.schema.fields.first().map_or(Type::Dynamic, |f| f.ty);
                for v in self.first_column(&plan, MAX_IN_SUBQUERY_VALUES)? {
                    out.push(BExpr::constant(v, ty, item.span));
                }
                continue;
            }
            let b = self.bind_scalar(item, schema)?;
            match b.as_const() {
                Some(Value::Dynamic(d)) if d.is_array() => {
                    flatten(d, &mut |v| {
                        out.push(BExpr::constant(v, Type::Dynamic, item.span))
                    });
                }
                _ => out.push(b),
            }
        }
        Ok(out)
    }
}

fn flatten(d: &serde_json::Value, push: &mut impl FnMut(Value)) {
    match d {
        serde_json::Value::Array(items) => items.iter().for_each(|i| flatten(i, push)),
        other => push(Value::Dynamic(Arc::new(other.clone()))),
    }
}

/// Kusto's cap on the values a tabular `in` operand may hold.
const MAX_IN_SUBQUERY_VALUES: usize = 1_000_000;

/// The value and type of a literal; errors for text that is not a valid datetime or guid.
fn literal(lit: &Literal, e: &Expr) -> Result<(Value, Type), Error> {
    Ok(match lit {
        Literal::Bool(b) => (Value::Bool(*b), Type::Bool),
        Literal::Int(v) => (Value::Int(*v), Type::Int),
        Literal::Long(v) => (Value::Long(*v), Type::Long),
        Literal::Real(v) => (Value::Real(*v), Type::Real),
        Literal::String(s) => (Value::str(s), Type::String),
        Literal::TimeSpan(t) => (Value::TimeSpan(*t), Type::TimeSpan),
        Literal::DateTime(text) => {
            let t = datetime::parse_datetime(text).ok_or_else(|| {
                Error::at(
                    "kql::bind::literal",
                    e.span,
                    format!("`{text}` is not a valid datetime"),
                )
                .with_help("use ISO 8601, e.g. datetime(2024-06-10T12:00:00Z)")
            })?;
            (Value::DateTime(t), Type::DateTime)
        }
        Literal::Guid(text) => {
            let g = parse_guid(text).ok_or_else(|| {
                Error::at(
                    "kql::bind::literal",
                    e.span,
                    format!("`{text}` is not a valid guid"),
                )
            })?;
            (Value::Guid(g), Type::Guid)
        }
        Literal::Dynamic(d) => (Value::Dynamic(Arc::new(dynamic_json(d, e)?)), Type::Dynamic),
        Literal::TypedNull(ty) => {
            let t = Type::from_name(ty).ok_or_else(|| {
                Error::at(
                    "kql::bind::unknown_type",
                    e.span,
                    format!("unknown type `{ty}`"),
                )
            })?;
            (Value::missing(t), t)
        }
    })
}

fn dynamic_json(d: &DynamicLit, e: &Expr) -> Result<serde_json::Value, Error> {
    use serde_json::Value as J;
    Ok(match d {
        DynamicLit::Null => J::Null,
        DynamicLit::Bool(b) => J::Bool(*b),
        DynamicLit::Long(v) => J::from(*v),
        DynamicLit::Real(v) => serde_json::Number::from_f64(*v).map_or(J::Null, J::Number),
        DynamicLit::String(s) => J::String(s.clone()),
        DynamicLit::Scalar(lit) => literal(lit, e)?.0.to_json(),
        DynamicLit::Array(items) => J::Array(
            items
                .iter()
                .map(|i| dynamic_json(i, e))
                .collect::<Result<_, _>>()?,
        ),
        DynamicLit::Object(items) => J::Object(
            items
                .iter()
                .map(|(k, v)| Ok((k.clone(), dynamic_json(v, e)?)))
                .collect::<Result<_, Error>>()?,
        ),
    })
}

/// `x in (...)`: an OR of `==` (`in~`: of `=~`), with constant lists prepared as a set.
fn bind_in(
    lhs: BExpr,
    items: Vec<BExpr>,
    negated: bool,
    ci: bool,
    e: &Expr,
) -> Result<BExpr, Error> {
    let span = e.span;
    if items.iter().all(BExpr::is_constant) {
        let values: Vec<Value> = items
            .iter()
            .map(BExpr::eval_const)
            .collect::<Result<_, _>>()?;
        if ci {
            let set: HashSet<String> = values
                .iter()
                .map(|v| text(v).to_ascii_lowercase())
                .collect();
            // a short list is compared in place, without lowering each row's text
            let few: Option<Vec<String>> = (set.len() <= 8).then(|| set.iter().cloned().collect());
            let f = move |a: &[&Value]| {
                if a[0].is_null() {
                    return Value::Bool(negated);
                }
                let t = text(a[0]);
                let found = match &few {
                    Some(items) => items.iter().any(|i| i.eq_ignore_ascii_case(&t)),
                    None => set.contains(&t.to_ascii_lowercase()),
                };
                Value::Bool(found != negated)
            };
            return Ok(apply("in~", f, vec![lhs], Type::Bool, span));
        }
        let scalars: Vec<Value> = values
            .iter()
            .map(|v| match v {
                Value::Dynamic(d) => from_dynamic(d),
                v => v.clone(),
            })
            .collect();
        let set: HashSet<Value> = scalars.iter().filter(|v| !v.is_null()).cloned().collect();
        let f = move |a: &[&Value]| {
            let v = match a[0] {
                Value::Dynamic(d) => from_dynamic(d),
                v => v.clone(),
            };
            if v.is_null() {
                return Value::Bool(negated);
            }
            Value::Bool(set.contains(&v) != negated)
        };
        return Ok(apply("in", f, vec![lhs], Type::Bool, span));
    }
    // non-constant elements: compare row by row; arrays held in columns are flattened too
    let mut args = vec![lhs];
    args.extend(items);
    let f = move |a: &[&Value]| {
        if a[0].is_null() {
            return Value::Bool(negated);
        }
        let found = a[1..].iter().any(|v| element_matches(a[0], v, ci));
        Value::Bool(found != negated)
    };
    Ok(apply("in", f, args, Type::Bool, span))
}

/// Whether `item` (or, for a dynamic array, one of its elements) equals `needle`.
fn element_matches(needle: &Value, item: &Value, ci: bool) -> bool {
    if let Value::Dynamic(d) = item
        && let Some(elements) = d.as_array()
    {
        return elements
            .iter()
            .any(|e| element_matches(needle, &Value::Dynamic(Arc::new(e.clone())), ci));
    }
    if ci {
        text(needle).eq_ignore_ascii_case(&text(item))
    } else {
        !item.is_null() && operators::order(needle, item) == Some(std::cmp::Ordering::Equal)
    }
}

fn bind_has_list(lhs: BExpr, items: Vec<BExpr>, all: bool, e: &Expr) -> Result<BExpr, Error> {
    let mut args = vec![lhs];
    args.extend(items);
    let f = move |a: &[&Value]| {
        if a[0].is_null() {
            return Value::Bool(false);
        }
        let hay = text(a[0]);
        let mut needles = a[1..]
            .iter()
            .map(|n| str_predicate(StrOpKind::Has, false, &hay, &text(n)));
        Value::Bool(if all {
            needles.all(|x| x)
        } else {
            needles.any(|x| x)
        })
    };
    Ok(apply(
        if all { "has_all" } else { "has_any" },
        f,
        args,
        Type::Bool,
        e.span,
    ))
}

/// `x between (low .. high)`; for datetimes `high` may be a timespan added to `low`.
fn bind_between(
    lhs: BExpr,
    low: BExpr,
    high: BExpr,
    negated: bool,
    e: &Expr,
) -> Result<BExpr, Error> {
    let high = if lhs.ty == Type::DateTime && high.ty == Type::TimeSpan {
        operators::bind_binary(BinOp::Add, low.clone(), high, e.span)?
    } else {
        high
    };
    let ge = operators::bind_binary(BinOp::Ge, lhs.clone(), low, e.span)?;
    let le = operators::bind_binary(BinOp::Le, lhs, high, e.span)?;
    let both = operators::bind_binary(BinOp::And, ge, le, e.span)?;
    if !negated {
        return Ok(both);
    }
    let f = |a: &[&Value]| a[0].as_bool().map_or(Value::Null, |b| Value::Bool(!b));
    Ok(apply("!between", f, vec![both], Type::Bool, e.span))
}

/// `d.key`, `d["key"]`, `a[0]`, `a[-1]`: dynamic access; missing keys and indexes are null.
fn bind_index(target: BExpr, index: BExpr, e: &Expr) -> Result<BExpr, Error> {
    if target.ty != Type::Dynamic {
        return Err(Error::at(
            "kql::bind::type",
            target.span,
            format!(
                "only dynamic values have properties and elements; this is {}",
                target.ty
            ),
        )
        .with_help("parse JSON text first, e.g. parse_json(Column).key"));
    }
    let f = |a: &[&Value]| {
        let Value::Dynamic(d) = a[0] else {
            return Value::Null;
        };
        // JSON text held as a dynamic string (Defender's AdditionalFields) is read as JSON
        let parsed;
        let d: &serde_json::Value = match d.as_ref() {
            serde_json::Value::String(text) if text.starts_with(['{', '[']) => {
                parsed = serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
                &parsed
            }
            other => other,
        };
        let found = match (d, a[1]) {
            (serde_json::Value::Object(map), key) => map.get(text(key).as_ref()),
            (serde_json::Value::Array(items), i) => i.as_i64().and_then(|i| {
                let i = if i < 0 { items.len() as i64 + i } else { i };
                usize::try_from(i).ok().and_then(|i| items.get(i))
            }),
            _ => None,
        };
        match found {
            None | Some(serde_json::Value::Null) => Value::Null,
            Some(v) => Value::Dynamic(Arc::new(v.clone())),
        }
    };
    Ok(apply(
        "index",
        f,
        vec![target, index],
        Type::Dynamic,
        e.span,
    ))
}

/// The type named in `typeof(T)`.
fn typeof_argument(e: &Expr) -> Result<Type, Error> {
    if let ExprKind::Call { name, args } = &e.kind
        && name.name == "typeof"
        && let [arg] = args.as_slice()
        && let ExprKind::Name(id) = &arg.kind
    {
        return super::type_named(id);
    }
    Err(Error::at(
        "kql::bind::argument",
        e.span,
        "expected `typeof(type)`, e.g. typeof(long)",
    ))
}
