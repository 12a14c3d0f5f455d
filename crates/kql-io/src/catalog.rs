//! Built-in schemas of well-known tables, so a table read from a file gets its official
//! column types (and all its columns) even when the file holds only some of them.
//!
//! Defender XDR tables list their advanced-hunting columns first (`Timestamp`, AH types), then
//! the columns only Log Analytics has (`TimeGenerated`, `TenantId`, ...), so queries written for
//! either product bind; Sentinel / Log Analytics tables have their LA columns. The data is
//! generated from the project's schema notes by `scripts/gen_catalog.py` into `catalog_data.rs`.

use kql_eval::{Field, Schema, Type};

#[path = "catalog_data.rs"]
mod data;

/// The schema of the well-known table `table` (case-sensitive), if it is one.
pub fn known_schema(table: &str) -> Option<Schema> {
    let (_, columns) = data::TABLES.iter().find(|(name, _)| *name == table)?;
    Some(parse_columns(columns))
}

/// Names of all tables with a built-in schema, in catalog order.
pub fn known_tables() -> impl Iterator<Item = &'static str> {
    data::TABLES.iter().map(|(name, _)| *name)
}

/// Parses `Name:type,Name:type,...` (the catalog is generated and checked by tests, so an
/// entry that does not parse is a bug; such a column is skipped rather than panicking).
fn parse_columns(columns: &str) -> Schema {
    let fields = columns
        .split(',')
        .filter_map(|c| {
            let (name, ty) = c.trim().split_once(':')?;
            Some(Field::new(name, Type::from_name(ty)?))
        })
        .collect();
    Schema::new(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses_completely() {
        let mut names = std::collections::HashSet::new();
        for (name, columns) in data::TABLES {
            assert!(names.insert(*name), "{name} listed twice");
            let schema = parse_columns(columns);
            assert_eq!(schema.len(), columns.split(',').count(), "{name}");
            let mut cols = std::collections::HashSet::new();
            for f in &schema.fields {
                assert!(cols.insert(&f.name), "{name}.{} twice", f.name);
            }
        }
    }

    #[test]
    fn defender_tables_have_both_flavours() {
        for table in [
            "DeviceProcessEvents",
            "DeviceNetworkEvents",
            "DeviceFileEvents",
            "DeviceRegistryEvents",
            "DeviceLogonEvents",
            "DeviceEvents",
            "DeviceImageLoadEvents",
            "EmailEvents",
            "IdentityLogonEvents",
        ] {
            let schema = known_schema(table).unwrap_or_else(|| panic!("{table} missing"));
            // AH order first, then what only Log Analytics has
            assert_eq!(
                schema.fields[0],
                Field::new("Timestamp", Type::DateTime),
                "{table}"
            );
            assert!(schema.index_of("TimeGenerated").is_some(), "{table}");
            assert!(schema.index_of("TenantId").is_some(), "{table}");
        }
        let p = known_schema("DeviceProcessEvents").unwrap();
        assert_eq!(p.fields[1].name, "DeviceId");
        assert_eq!(p.fields[p.index_of("FileSize").unwrap()].ty, Type::Long);
        // dynamic where Log Analytics has it, so `AdditionalFields.Key` binds
        assert_eq!(
            p.fields[p.index_of("AdditionalFields").unwrap()].ty,
            Type::Dynamic
        );
        let n = known_schema("DeviceNetworkEvents").unwrap();
        assert_eq!(n.fields[n.index_of("RemotePort").unwrap()].ty, Type::Int);
        let f = known_schema("DeviceFileEvents").unwrap();
        assert_eq!(
            f.fields[f.index_of("IsAzureInfoProtectionApplied").unwrap()].ty,
            Type::Bool
        );
        assert!(known_schema("DeviceTvmSoftwareVulnerabilitiesKB").is_some());
        assert!(known_schema("OAuthAppInfo").is_some());
    }

    #[test]
    fn sentinel_tables_have_the_la_flavour() {
        let s = known_schema("SigninLogs").unwrap();
        assert_eq!(s.len(), 95);
        assert_eq!(
            s.fields[s.index_of("TimeGenerated").unwrap()].ty,
            Type::DateTime
        );
        assert_eq!(
            s.fields[s.index_of("LocationDetails").unwrap()].ty,
            Type::Dynamic
        );
        assert_eq!(known_schema("SecurityEvent").unwrap().len(), 228);
        assert!(known_schema("devicEprocessevents").is_none());
        assert!(known_tables().any(|t| t == "AuditLogs"));
    }
}
