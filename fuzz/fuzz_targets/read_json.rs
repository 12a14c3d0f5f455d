//! A JSON table file: see `kql_fuzz::checks::json_input`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kql_fuzz::checks::json_input(data, "table.json");
});
