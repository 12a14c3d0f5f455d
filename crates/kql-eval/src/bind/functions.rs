//! User-defined functions and views (`let f = (x:long) { ... }`), and subqueries used as
//! values (`toscalar(...)`, `x in (T | project y)`), which run while binding.

use kql_parser::{Expr, Ident, ParamType, StatementKind};

use super::{Binder, Binding, MAX_CALL_DEPTH, type_named};
use crate::error::Error;
use crate::expr::BExpr;
use crate::plan::Plan;
use crate::types::{Schema, Type};
use crate::value::Value;

/// What a user function gives back.
pub enum FunctionResult {
    Table(Plan),
    Scalar(BExpr),
}

impl Binder<'_> {
    /// Binds a call of the user function `name`. `piped` is the input of `invoke`, passed as
    /// the first (tabular) parameter; scalar arguments are bound over rows of `schema`.
    pub(super) fn call_function(
        &mut self,
        name: &Ident,
        args: &[Expr],
        piped: Option<Plan>,
        schema: &Schema,
        _want_table: bool,
    ) -> Result<FunctionResult, Error> {
        let Some(Binding::Function {
            params,
            body,
            scope,
            ..
        }) = self.lookup(&name.name).cloned()
        else {
            return Err(Error::at(
                "kql::bind::unknown_function",
                name.span,
                format!("unknown function `{}`", name.name),
            ));
        };
        if self.call_depth >= MAX_CALL_DEPTH {
            return Err(Error::at(
                "kql::bind::recursion",
                name.span,
                format!(
                    "`{}` calls itself more than {MAX_CALL_DEPTH} levels deep",
                    name.name
                ),
            ));
        }
        let given = args.len() + usize::from(piped.is_some());
        if given > params.len() {
            return Err(Error::at(
                "kql::bind::arity",
                name.span,
                format!(
                    "`{}` takes {} argument(s), got {given}",
                    name.name,
                    params.len()
                ),
            ));
        }
        // arguments are bound in the caller's scope
        let mut bindings = Vec::new();
        let mut args = args.iter();
        let mut piped = piped;
        for p in &params {
            let binding = match (&p.ty, piped.take()) {
                (ParamType::Table(_), Some(plan)) => Binding::Plan(plan),
                (ParamType::Table(_), None) => match args.next() {
                    Some(a) => Binding::Plan(self.bind_tabular(a)?),
                    None => return Err(missing_argument(name, &p.name)),
                },
                (ParamType::Scalar(ty), unused) => {
                    piped = unused;
                    let declared = type_named(ty)?;
                    let bound = match (args.next(), &p.default) {
                        (Some(a), _) => self.bind_scalar(a, schema)?,
                        (None, Some(d)) => self.bind_scalar(d, &Schema::default())?,
                        (None, None) => return Err(missing_argument(name, &p.name)),
                    };
                    Binding::Scalar(fit_argument(bound, declared))
                }
            };
            bindings.push((p.name.name.clone(), binding));
        }
        // the body sees the scope the function was defined in, plus its parameters
        let later = self.scope.split_off(scope);
        self.scope.extend(bindings);
        self.call_depth += 1;
        let result = self.bind_body(&body, schema);
        self.call_depth -= 1;
        self.scope.truncate(scope);
        self.scope.extend(later);
        result
    }

    fn bind_body(
        &mut self,
        body: &kql_parser::Body,
        schema: &Schema,
    ) -> Result<FunctionResult, Error> {
        for stmt in &body.lets {
            if let StatementKind::Let { name, value } = &stmt.kind {
                let binding = self.let_binding(value, schema)?;
                self.scope.push((name.name.clone(), binding));
            }
        }
        if self.is_tabular(&body.value) {
            Ok(FunctionResult::Table(self.bind_tabular(&body.value)?))
        } else {
            Ok(FunctionResult::Scalar(
                self.bind_scalar(&body.value, schema)?,
            ))
        }
    }

    /// `toscalar(T | ...)`: the first column of the first row, computed now.
    pub(super) fn bind_toscalar(&mut self, e: &Expr, arg: &Expr) -> Result<BExpr, Error> {
        let plan = self.bind_tabular(arg)?;
        let ty = plan.schema.fields.first().map_or(Type::Dynamic, |f| f.ty);
        let value = self
            .first_column(&plan, 1)?
            .into_iter()
            .next()
            .unwrap_or_else(|| Value::missing(ty));
        Ok(BExpr::constant(value, ty, e.span))
    }

    /// The values of the first column of `plan` (at most `limit`), computed now.
    pub(super) fn first_column(&mut self, plan: &Plan, limit: usize) -> Result<Vec<Value>, Error> {
        let mut out = Vec::new();
        if plan.schema.is_empty() {
            return Ok(out);
        }
        for b in crate::exec::execute(plan, &None)? {
            let b = b?;
            out.extend(b.columns[0].iter().take(limit - out.len()).cloned());
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}

fn missing_argument(function: &Ident, param: &Ident) -> Error {
    Error::at(
        "kql::bind::arity",
        function.span,
        format!(
            "`{}` needs a value for its parameter `{}`",
            function.name, param.name
        ),
    )
}

/// An argument as the parameter's declared type (ints widen to long, longs to real).
fn fit_argument(arg: BExpr, declared: Type) -> BExpr {
    if arg.ty == declared || declared == Type::Dynamic {
        return arg;
    }
    let span = arg.span;
    match (arg.ty, declared) {
        (Type::Int | Type::Long, Type::Long | Type::Real)
        | (Type::Real, Type::Long)
        | (Type::Long, Type::Int) => crate::operators::apply(
            "convert",
            move |a| crate::conversion::convert(a[0], declared),
            vec![arg],
            declared,
            span,
        ),
        _ => arg,
    }
}
