//! Any bytes as a query: see `kql_fuzz::checks::parse_input`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kql_fuzz::checks::parse_input(data);
});
