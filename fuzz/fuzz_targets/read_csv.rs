//! A CSV or TSV table file: see `kql_fuzz::checks::csv_input`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kql_fuzz::checks::csv_input(data);
});
