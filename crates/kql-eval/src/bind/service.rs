//! Functions that exist only inside the Kusto service (Defender's `FileProfile`,
//! `geo_info_from_ip_address`, ...): a query using them is valid and binds, and evaluating
//! them over any row is a clear error naming the function.

use std::sync::Arc;

use kql_parser::Span;

use crate::error::Error;
use crate::expr::{BExpr, BKind};
use crate::plan::{Node, Plan};
use crate::types::{Field, Schema, Type};

/// Scalar service functions and their result types.
const SCALAR: [(&str, Type); 6] = [
    ("geo_info_from_ip_address", Type::Dynamic),
    ("ingestion_time", Type::DateTime),
    ("cursor_after", Type::Bool),
    ("cursor_before_or_at", Type::Bool),
    ("current_cluster_endpoint", Type::String),
    ("current_principal", Type::String),
];

/// The columns Defender's `invoke FileProfile(...)` adds.
const FILE_PROFILE: [(&str, Type); 18] = [
    ("SHA1", Type::String),
    ("SHA256", Type::String),
    ("MD5", Type::String),
    ("FileSize", Type::Long),
    ("GlobalPrevalence", Type::Long),
    ("GlobalFirstSeen", Type::DateTime),
    ("GlobalLastSeen", Type::DateTime),
    ("Signer", Type::String),
    ("Issuer", Type::String),
    ("SignerHash", Type::String),
    ("IsCertificateValid", Type::Bool),
    ("IsRootSignerMicrosoft", Type::Bool),
    ("SignatureState", Type::String),
    ("IsExecutable", Type::Bool),
    ("ThreatName", Type::String),
    ("Publisher", Type::String),
    ("SoftwareName", Type::String),
    ("ProfileAvailability", Type::String),
];

fn unavailable_error(name: &str, span: Span) -> Error {
    Error::at(
        "kql::unsupported::service_function",
        span,
        format!("`{name}` runs only inside the Kusto service; kql cannot evaluate it offline"),
    )
    .with_label("service function")
    .with_help("remove it, or replace it with data exported from the service")
}

fn unavailable(name: &str, ty: Type, span: Span) -> BExpr {
    BExpr {
        kind: BKind::Unavailable(Box::new(unavailable_error(name, span))),
        ty,
        span,
    }
}

/// A scalar service function's stand-in, if `name` is one.
pub fn scalar_function(name: &str, span: Span) -> Option<BExpr> {
    SCALAR
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, ty)| unavailable(n, *ty, span))
}

/// `invoke FileProfile(...)`: the input's columns plus the profile's, which cannot be
/// computed offline.
pub fn invoke(name: &str, input: Plan, span: Span) -> Option<Plan> {
    if name != "FileProfile" {
        return None;
    }
    let mut fields = input.schema.fields.clone();
    let mut exprs: Vec<BExpr> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| BExpr::column(i, f.ty, span))
        .collect();
    for (column, ty) in FILE_PROFILE {
        if fields.iter().any(|f| f.name == column) {
            continue;
        }
        fields.push(Field::new(column, ty));
        exprs.push(unavailable(name, ty, span));
    }
    Some(Plan {
        node: Node::Project {
            input: Box::new(input),
            exprs,
        },
        schema: Arc::new(Schema::new(fields)),
    })
}
