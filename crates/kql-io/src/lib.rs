//! KQL table sources and sinks.
