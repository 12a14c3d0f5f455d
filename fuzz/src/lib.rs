//! The fuzz targets' checks (see [`checks`]); the targets are in `fuzz_targets/`.

pub mod checks;
