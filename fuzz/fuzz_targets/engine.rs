//! A query over a small generated table and testdata/: see `kql_fuzz::checks::engine_input`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kql_fuzz::checks::engine_input(data);
});
