//! A query API response: see `kql_fuzz::checks::response_input`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kql_fuzz::checks::response_input(data);
});
