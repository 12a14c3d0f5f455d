//! Datetime and timespan arithmetic, parsing and formatting (100 ns ticks).

pub const TICKS_PER_SECOND: i64 = 10_000_000;

pub fn format_datetime(ticks: i64) -> String {
    ticks.to_string()
}

pub fn format_timespan(ticks: i64) -> String {
    ticks.to_string()
}
