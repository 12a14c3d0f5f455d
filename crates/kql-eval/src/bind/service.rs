//! Functions that exist only inside the Kusto service (Defender's `FileProfile`,
//! `geo_info_from_ip_address`, ...): a query using them is valid and binds, and evaluating
//! them over any row is a clear error naming the function. `geo_info_from_ip_address` is
//! computed when the catalog has a geolocation database ([`Catalog::geoip`]).
//!
//! [`Catalog::geoip`]: crate::source::Catalog::geoip

use std::net::IpAddr;
use std::sync::{Arc, LazyLock};

use kql_parser::Span;

use crate::error::Error;
use crate::expr::{BExpr, BKind, fail_row};
use crate::functions::Call;
use crate::plan::{Node, Plan};
use crate::source::GeoIp;
use crate::types::{Field, Schema, Type};
use crate::value::Value;

/// The one service function kql computes when given a database.
pub const GEO_INFO: &str = "geo_info_from_ip_address";

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
    if name == GEO_INFO {
        return Error::at(
            "kql::unsupported::service_function",
            span,
            format!("`{name}` needs a MaxMind GeoLite2-City database, and kql was given none"),
        )
        .with_label("service function")
        .with_help(
            "pass --geoip GeoLite2-City.mmdb (from maxmind.com), or set KQL_GEOIP to its path",
        );
    }
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

/// `geo_info_from_ip_address(ip)`, its arguments bound: with a database, the location of the
/// address as a dynamic object (`{}` when the database holds nothing for it, null when the
/// text is not an IPv4 or IPv6 address); without one, the stand-in that fails on the first
/// row.
pub fn geo_info(args: Vec<BExpr>, span: Span, geo: Option<Arc<dyn GeoIp>>) -> Result<BExpr, Error> {
    let call = Call {
        name: GEO_INFO,
        args,
        span,
        now: 0,
    };
    call.arity(1, 1)?;
    call.expect_type(0, &[Type::String], "a string")?;
    let Some(geo) = geo else {
        return Ok(unavailable(GEO_INFO, Type::Dynamic, span));
    };
    call.done(GEO_INFO, Type::Dynamic, move |a| {
        let text = match a[0] {
            Value::String(s) => &**s,
            Value::Dynamic(d) => match d.as_str() {
                Some(s) => s,
                None => return Value::Null,
            },
            _ => return Value::Null,
        };
        let Some(ip) = parse_ip(text) else {
            return Value::Null;
        };
        match geo.lookup(ip) {
            Ok(Some(info)) => Value::Dynamic(Arc::new(info)),
            Ok(None) => EMPTY_BAG.clone(),
            Err(e) => {
                fail_row(e);
                Value::Null
            }
        }
    })
}

/// `{}`: what an address the database does not hold gives.
static EMPTY_BAG: LazyLock<Value> =
    LazyLock::new(|| Value::Dynamic(Arc::new(serde_json::Value::Object(Default::default()))));

/// An IPv4 (dotted quad) or IPv6 address, surrounding spaces allowed, as kql's other IP
/// functions read them; no prefix (`/24`), port or zone.
fn parse_ip(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
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
