//! Datetime and timespan arithmetic, parsing and formatting (100 ns ticks).
//!
//! A datetime is an `i64` count of 100-nanosecond ticks since the Unix epoch
//! (1970-01-01T00:00:00Z, negative before it); the valid range is
//! [`MIN_DATETIME`] ..= [`MAX_DATETIME`] (0001-01-01 .. 9999-12-31T23:59:59.9999999).
//! A timespan is an `i64` count of ticks.
//!
//! Every function here is pure and total: arithmetic is checked and out-of-range
//! results are reported as `None`, never as a panic.

use std::fmt::Write as _;

pub const TICKS_PER_MICROSECOND: i64 = 10;
pub const TICKS_PER_MILLISECOND: i64 = 10_000;
pub const TICKS_PER_SECOND: i64 = 10_000_000;
pub const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
pub const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
pub const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;

/// Days from 0001-01-01 to 1970-01-01 (proleptic Gregorian).
const DAYS_BEFORE_EPOCH: i64 = 719_162;
/// 0001-01-01T00:00:00Z in ticks since the Unix epoch.
pub const MIN_DATETIME: i64 = -DAYS_BEFORE_EPOCH * TICKS_PER_DAY;
/// 9999-12-31T23:59:59.9999999Z in ticks since the Unix epoch.
pub const MAX_DATETIME: i64 = 2_534_023_007_999_999_999;

const MONTH_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTH_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAY_SHORT: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const DAY_LONG: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

// ---------------------------------------------------------------------------
// Civil calendar arithmetic (Howard Hinnant's algorithms, proleptic Gregorian)
// ---------------------------------------------------------------------------

/// Days since 1970-01-01 of a civil date. Valid for |year| up to ~10^12; callers
/// only pass years within a few hundred thousand.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = if month > 2 { month - 3 } else { month + 9 }; // [0, 11]
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Civil date `(year, month, day)` of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn in_range(t: i64) -> Option<i64> {
    (MIN_DATETIME..=MAX_DATETIME).contains(&t).then_some(t)
}

/// Day index (days since the epoch, floored) of a tick value.
fn day_index(t: i64) -> i64 {
    t.div_euclid(TICKS_PER_DAY)
}

/// Ticks of the first instant of month `total_months` (= year * 12 + month0),
/// without range checking but with overflow checking.
fn month_start_raw(total_months: i64) -> Option<i64> {
    let year = total_months.div_euclid(12);
    let month = total_months.rem_euclid(12) + 1;
    // Keep the civil algorithm well inside its exact domain.
    if !(-1_000_000..=1_000_000).contains(&year) {
        return None;
    }
    days_from_civil(year, month, 1).checked_mul(TICKS_PER_DAY)
}

fn total_months(t: i64) -> i64 {
    let (y, m, _) = civil_from_days(day_index(t));
    y * 12 + (m - 1)
}

// ---------------------------------------------------------------------------
// Parts
// ---------------------------------------------------------------------------

/// Ticks for a civil UTC date-time; `None` if out of range or invalid
/// (month 13, Feb 30, hour 24, fraction outside `0..10_000_000` ...).
pub fn from_parts(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    ticks_fraction: i64,
) -> Option<i64> {
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || i64::from(day) > days_in_month(year, i64::from(month))
        || hour > 23
        || minute > 59
        || second > 59
        || !(0..TICKS_PER_SECOND).contains(&ticks_fraction)
    {
        return None;
    }
    let days = days_from_civil(year, i64::from(month), i64::from(day));
    let t = days * TICKS_PER_DAY
        + i64::from(hour) * TICKS_PER_HOUR
        + i64::from(minute) * TICKS_PER_MINUTE
        + i64::from(second) * TICKS_PER_SECOND
        + ticks_fraction;
    in_range(t)
}

/// `(year, month, day, hour, minute, second, ticks_fraction 0..9_999_999)`.
///
/// Total for every `i64` (values outside the datetime range give years outside
/// 1..=9999).
pub fn to_parts(ticks: i64) -> (i64, u32, u32, u32, u32, u32, i64) {
    let days = day_index(ticks);
    let rem = ticks.rem_euclid(TICKS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let hour = rem / TICKS_PER_HOUR;
    let minute = rem % TICKS_PER_HOUR / TICKS_PER_MINUTE;
    let second = rem % TICKS_PER_MINUTE / TICKS_PER_SECOND;
    let frac = rem % TICKS_PER_SECOND;
    // All of these are small and non-negative by construction.
    (
        y,
        m as u32,
        d as u32,
        hour as u32,
        minute as u32,
        second as u32,
        frac,
    )
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// A tiny byte cursor used by the text parsers.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str) -> Self {
        Cur {
            b: s.as_bytes(),
            i: 0,
        }
    }

    fn eof(&self) -> bool {
        self.i >= self.b.len()
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Skips spaces and tabs; returns how many were skipped.
    fn ws(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i - start
    }

    /// Reads `min..=max` decimal digits; fails if fewer, or if more digits follow.
    fn num(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.i;
        let mut v: i64 = 0;
        while let Some(c) = self.peek().filter(u8::is_ascii_digit) {
            if self.i - start == max {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
            self.i += 1;
        }
        (self.i - start >= min).then_some(v)
    }

    /// Reads exactly `n` decimal digits (more may follow).
    fn fixed(&mut self, n: usize) -> Option<i64> {
        let digits = self.b.get(self.i..self.i + n)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(digits.iter().fold(0, |v, &c| v * 10 + i64::from(c - b'0')))
    }

    /// Reads a run of ASCII letters (possibly empty).
    fn word(&mut self) -> &'a str {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.b[start..self.i]).unwrap_or("")
    }

    /// Reads fractional-second digits (at least one) as ticks; digits beyond
    /// the 7th are consumed and truncated.
    fn frac(&mut self) -> Option<i64> {
        let mut v: i64 = 0;
        let mut n = 0usize;
        while let Some(c) = self.peek().filter(u8::is_ascii_digit) {
            if n < 7 {
                v = v * 10 + i64::from(c - b'0');
            }
            n += 1;
            self.i += 1;
        }
        if n == 0 {
            return None;
        }
        for _ in n..7 {
            v *= 10;
        }
        Some(v)
    }
}

#[derive(Clone, Copy, Default)]
struct Hms {
    h: i64,
    m: i64,
    s: i64,
    f: i64,
}

/// `H[H]:MM[:SS[.f+]]`
fn parse_time(c: &mut Cur<'_>) -> Option<Hms> {
    let h = c.num(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let m = c.num(2, 2)?;
    let (s, f) = if c.eat(b':') {
        let s = c.num(2, 2)?;
        let f = if c.eat(b'.') { c.frac()? } else { 0 };
        (s, f)
    } else {
        (0, 0)
    };
    Some(Hms { h, m, s, f })
}

fn zone_name_offset_hours(w: &str) -> Option<i64> {
    const ZONES: [(&str, i64); 12] = [
        ("Z", 0),
        ("GMT", 0),
        ("UT", 0),
        ("UTC", 0),
        ("EST", -5),
        ("EDT", -4),
        ("CST", -6),
        ("CDT", -5),
        ("MST", -7),
        ("MDT", -6),
        ("PST", -8),
        ("PDT", -7),
    ];
    ZONES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(w))
        .map(|&(_, h)| h)
}

/// Parses what may follow the time: optional AM/PM (if allowed), optional zone
/// (`Z`, `GMT`/`UT`/`UTC`, US zone names, `+hh[:mm]`, `+hhmm`), then end of input.
/// Returns `(pm, offset_ticks)` where `pm` is `Some(true)` for PM.
fn parse_tail(c: &mut Cur<'_>, allow_ampm: bool) -> Option<(Option<bool>, i64)> {
    c.ws();
    let mut ampm = None;
    if allow_ampm {
        let save = c.i;
        let w = c.word();
        if w.eq_ignore_ascii_case("AM") {
            ampm = Some(false);
        } else if w.eq_ignore_ascii_case("PM") {
            ampm = Some(true);
        } else {
            c.i = save;
        }
        c.ws();
    }
    if c.eof() {
        return Some((ampm, 0));
    }
    let offset = match c.peek()? {
        sign @ (b'+' | b'-') => {
            c.i += 1;
            let hh = c.fixed(2)?;
            let mm = if c.eat(b':') || c.peek().is_some_and(|d| d.is_ascii_digit()) {
                c.num(2, 2)?
            } else {
                0
            };
            if hh > 23 || mm > 59 {
                return None;
            }
            let off = hh * TICKS_PER_HOUR + mm * TICKS_PER_MINUTE;
            if sign == b'-' { -off } else { off }
        }
        c0 if c0.is_ascii_alphabetic() => zone_name_offset_hours(c.word())? * TICKS_PER_HOUR,
        _ => return None,
    };
    c.ws();
    c.eof().then_some((ampm, offset))
}

/// Builds UTC ticks from parsed components (all still unvalidated).
fn assemble(
    year: i64,
    month: i64,
    day: i64,
    time: Hms,
    pm: Option<bool>,
    offset: i64,
) -> Option<i64> {
    let mut hour = time.h;
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    let u = |v: i64| u32::try_from(v).ok();
    let local = from_parts(
        year,
        u(month)?,
        u(day)?,
        u(hour)?,
        u(time.m)?,
        u(time.s)?,
        time.f,
    )?;
    in_range(local.checked_sub(offset)?)
}

/// ISO 8601 / sortable: `yyyy-M-d[(T| )H:mm[:ss[.f]]][zone]`.
fn parse_iso(s: &str) -> Option<i64> {
    let mut c = Cur::new(s);
    let y = c.num(4, 4)?;
    if !c.eat(b'-') {
        return None;
    }
    let m = c.num(1, 2)?;
    if !c.eat(b'-') {
        return None;
    }
    let d = c.num(1, 2)?;
    if c.eof() {
        return assemble(y, m, d, Hms::default(), None, 0);
    }
    if !(c.eat(b'T') || c.eat(b't') || c.ws() > 0) {
        return None;
    }
    let time = parse_time(&mut c)?;
    let (_, off) = parse_tail(&mut c, false)?;
    assemble(y, m, d, time, None, off)
}

/// US style: `M/d/yyyy[,] [H:mm[:ss[.f]] [AM|PM]]` and `MM-dd-yyyy [...]`.
fn parse_us(s: &str) -> Option<i64> {
    let mut c = Cur::new(s);
    let m = c.num(1, 2)?;
    let sep = c.peek()?;
    if sep != b'/' && sep != b'-' {
        return None;
    }
    c.i += 1;
    let d = c.num(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let y = c.num(4, 4)?;
    let comma = c.eat(b',');
    let gap = c.ws();
    if c.eof() && !comma {
        return assemble(y, m, d, Hms::default(), None, 0);
    }
    if gap == 0 && !comma {
        return None;
    }
    let time = parse_time(&mut c)?;
    let (pm, off) = parse_tail(&mut c, true)?;
    assemble(y, m, d, time, pm, off)
}

fn month_from_name(w: &str) -> Option<i64> {
    (0..12)
        .find(|&i| MONTH_SHORT[i].eq_ignore_ascii_case(w) || MONTH_LONG[i].eq_ignore_ascii_case(w))
        .map(|i| i as i64 + 1)
}

fn is_weekday_name(w: &str) -> bool {
    DAY_SHORT
        .iter()
        .chain(DAY_LONG.iter())
        .any(|n| n.eq_ignore_ascii_case(w))
}

/// RFC 822/1123 `[Sat, ]8 Nov 14 15:05[:02] [GMT]` and RFC 850
/// `[Saturday, ]08-Nov-14 15:05[:02] [GMT]`. Two-digit years: 00-49 -> 20xx,
/// 50-99 -> 19xx (RFC 2822 section 4.3).
fn parse_rfc(s: &str) -> Option<i64> {
    let mut c = Cur::new(s);
    if c.peek()?.is_ascii_alphabetic() {
        if !is_weekday_name(c.word()) {
            return None;
        }
        c.ws();
        if !c.eat(b',') {
            return None;
        }
        c.ws();
    }
    let d = c.num(1, 2)?;
    let dash = c.eat(b'-');
    if !dash && c.ws() == 0 {
        return None;
    }
    let m = month_from_name(c.word())?;
    if dash {
        if !c.eat(b'-') {
            return None;
        }
    } else if c.ws() == 0 {
        return None;
    }
    let start = c.i;
    let y = c.num(2, 4)?;
    let y = match c.i - start {
        2 if y < 50 => 2000 + y,
        2 => 1900 + y,
        4 => y,
        _ => return None,
    };
    if c.ws() == 0 {
        return None;
    }
    let time = parse_time(&mut c)?;
    let (_, off) = parse_tail(&mut c, false)?;
    assemble(y, m, d, time, None, off)
}

/// Parses the text forms Kusto accepts in `datetime(...)` literals and
/// `todatetime("...")` (see the module docs of the caller); `None` for anything else.
///
/// Accepted: ISO 8601 / sortable (`2014-05-25T08:20:03.123456Z`, `2014-05-25T08:20`,
/// `2015-12-31 23:59:59.9`, `2015-12-31`, with optional `Z` or `+hh:mm`/`-hhmm`
/// offsets), US style (`02/17/2016 08:40:01`, `2/25/2025, 9:19:25.391 AM`,
/// `12-02-2022`), RFC 822/1123 (`Sat, 8 Nov 14 15:05:02 GMT`) and RFC 850
/// (`Saturday, 08-Nov-14 15:05:02 GMT`).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    parse_iso(s)
        .or_else(|| parse_us(s))
        .or_else(|| parse_rfc(s))
}

/// Parses `[-][d.]hh:mm[:ss[.fffffff]]` (surrounding whitespace trimmed).
/// Hours must be 0-23, minutes and seconds 0-59; more than 7 fractional digits
/// are truncated. A plain number is *not* accepted (returns `None`).
pub fn parse_timespan(s: &str) -> Option<i64> {
    let mut c = Cur::new(s.trim());
    let neg = c.eat(b'-');
    let first = c.num(1, 18)?;
    let (days, hours) = if c.eat(b'.') {
        (first, c.num(1, 2)?)
    } else {
        if c.i - usize::from(neg) > 2 {
            return None;
        }
        (0, first)
    };
    if !c.eat(b':') {
        return None;
    }
    let minutes = c.num(2, 2)?;
    let (seconds, frac) = if c.eat(b':') {
        let s = c.num(2, 2)?;
        let f = if c.eat(b'.') { c.frac()? } else { 0 };
        (s, f)
    } else {
        (0, 0)
    };
    if !c.eof() || hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    // summed with its sign, so the most negative timespan (`-10675199.02:48:05.4775808`,
    // i64::MIN ticks) reads back too
    let sign = if neg { -1 } else { 1 };
    (sign * days)
        .checked_mul(TICKS_PER_DAY)?
        .checked_add(sign * (hours * TICKS_PER_HOUR + minutes * TICKS_PER_MINUTE))?
        .checked_add(sign * (seconds * TICKS_PER_SECOND + frac))
}

/// Ticks per unit of a timespan literal suffix (`d`, `h`, `ms`, `nanos`, `tick`, ...).
/// Nanosecond units give `0.01`. Suffixes are matched case-sensitively; `None` for
/// unknown suffixes.
pub fn timespan_unit_ticks(suffix: &str) -> Option<f64> {
    let t = match suffix {
        "d" | "day" | "days" => TICKS_PER_DAY as f64,
        "h" | "hr" | "hrs" | "hour" | "hours" => TICKS_PER_HOUR as f64,
        "m" | "min" | "minute" | "minutes" => TICKS_PER_MINUTE as f64,
        "s" | "sec" | "second" | "seconds" => TICKS_PER_SECOND as f64,
        "ms" | "milli" | "millis" | "millisec" | "millisecond" | "milliseconds" => {
            TICKS_PER_MILLISECOND as f64
        }
        "micro" | "micros" | "microsec" | "microsecond" | "microseconds" => {
            TICKS_PER_MICROSECOND as f64
        }
        "nano" | "nanos" | "nanosec" | "nanosecond" | "nanoseconds" => 0.01,
        "tick" | "ticks" => 1.0,
        _ => return None,
    };
    Some(t)
}

// ---------------------------------------------------------------------------
// Default formatting
// ---------------------------------------------------------------------------

/// ISO 8601 UTC as Kusto prints datetimes: `2026-11-25T10:03:12.1234567Z`, trailing
/// fractional zeros trimmed, no fraction when zero.
pub fn format_datetime(ticks: i64) -> String {
    let (y, mo, d, h, mi, s, f) = to_parts(ticks);
    let mut out = String::with_capacity(28);
    let _ = write!(out, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if f != 0 {
        let digits = format!("{f:07}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Kusto's timespan text `[-][d.]hh:mm:ss[.fffffff]` (7 fractional digits when the
/// sub-second part is non-zero).
pub fn format_timespan(ticks: i64) -> String {
    let neg = ticks < 0;
    let u = ticks.unsigned_abs();
    let day = TICKS_PER_DAY as u64;
    let days = u / day;
    let rem = u % day;
    let h = rem / TICKS_PER_HOUR as u64;
    let m = rem % TICKS_PER_HOUR as u64 / TICKS_PER_MINUTE as u64;
    let s = rem % TICKS_PER_MINUTE as u64 / TICKS_PER_SECOND as u64;
    let f = rem % TICKS_PER_SECOND as u64;
    let mut out = String::with_capacity(26);
    if neg {
        out.push('-');
    }
    if days != 0 {
        let _ = write!(out, "{days}.");
    }
    let _ = write!(out, "{h:02}:{m:02}:{s:02}");
    if f != 0 {
        let _ = write!(out, ".{f:07}");
    }
    out
}

// ---------------------------------------------------------------------------
// Binning
// ---------------------------------------------------------------------------

/// `bin` for datetimes (and timespans): floor to a multiple of `size` ticks counted
/// from 0 (the Unix epoch). `None` if `size <= 0` or on overflow.
pub fn bin_datetime(ticks: i64, size: i64) -> Option<i64> {
    if size <= 0 {
        return None;
    }
    ticks.div_euclid(size).checked_mul(size)
}

/// `bin_at(value, size, fixed_point)`: bins aligned so that `at` is a bin boundary.
pub fn bin_at(ticks: i64, size: i64, at: i64) -> Option<i64> {
    if size <= 0 {
        return None;
    }
    let (t, s, a) = (i128::from(ticks), i128::from(size), i128::from(at));
    i64::try_from((t - a).div_euclid(s) * s + a).ok()
}

// ---------------------------------------------------------------------------
// Calendar periods
// ---------------------------------------------------------------------------

/// Midnight UTC of `t`'s day, shifted by `offset` days.
pub fn start_of_day(t: i64, offset: i64) -> Option<i64> {
    let day = day_index(t).checked_add(offset)?;
    in_range(day.checked_mul(TICKS_PER_DAY)?)
}

/// Last tick of `t`'s day (shifted by `offset` days).
pub fn end_of_day(t: i64, offset: i64) -> Option<i64> {
    let next = day_index(t).checked_add(offset)?.checked_add(1)?;
    in_range(next.checked_mul(TICKS_PER_DAY)?.checked_sub(1)?)
}

/// Day index of the Sunday starting `t`'s week.
fn week_start_day(t: i64) -> i64 {
    let day = day_index(t);
    day - (day + 4).rem_euclid(7)
}

/// Midnight UTC of the Sunday starting `t`'s week, shifted by `offset` weeks.
pub fn start_of_week(t: i64, offset: i64) -> Option<i64> {
    let day = week_start_day(t).checked_add(offset.checked_mul(7)?)?;
    in_range(day.checked_mul(TICKS_PER_DAY)?)
}

/// Last tick of `t`'s week (Saturday 23:59:59.9999999), shifted by `offset` weeks.
pub fn end_of_week(t: i64, offset: i64) -> Option<i64> {
    let next = week_start_day(t).checked_add(offset.checked_add(1)?.checked_mul(7)?)?;
    in_range(next.checked_mul(TICKS_PER_DAY)?.checked_sub(1)?)
}

/// First instant of `t`'s month, shifted by `offset` months.
pub fn start_of_month(t: i64, offset: i64) -> Option<i64> {
    in_range(month_start_raw(total_months(t).checked_add(offset)?)?)
}

/// Last tick of `t`'s month, shifted by `offset` months.
pub fn end_of_month(t: i64, offset: i64) -> Option<i64> {
    let next = total_months(t).checked_add(offset)?.checked_add(1)?;
    in_range(month_start_raw(next)?.checked_sub(1)?)
}

/// First instant of `t`'s year, shifted by `offset` years.
pub fn start_of_year(t: i64, offset: i64) -> Option<i64> {
    let y = civil_from_days(day_index(t)).0.checked_add(offset)?;
    in_range(month_start_raw(y.checked_mul(12)?)?)
}

/// Last tick of `t`'s year, shifted by `offset` years.
pub fn end_of_year(t: i64, offset: i64) -> Option<i64> {
    let y = civil_from_days(day_index(t))
        .0
        .checked_add(offset)?
        .checked_add(1)?;
    in_range(month_start_raw(y.checked_mul(12)?)?.checked_sub(1)?)
}

// ---------------------------------------------------------------------------
// datetime_part / datetime_add / datetime_diff / dayofweek
// ---------------------------------------------------------------------------

/// Day of week index: 0 = Sunday .. 6 = Saturday.
pub fn day_of_week(t: i64) -> i64 {
    (day_index(t) + 4).rem_euclid(7)
}

/// ISO 8601 week number (weeks start on Monday; week 1 contains the first Thursday).
fn iso_week(t: i64) -> i64 {
    let day = day_index(t);
    let iso_wd = (day + 3).rem_euclid(7) + 1; // Monday = 1 .. Sunday = 7
    let thursday = day - (iso_wd - 1) + 3;
    let (y, _, _) = civil_from_days(thursday);
    (thursday - days_from_civil(y, 1, 1)) / 7 + 1
}

/// `datetime_part(part, t)`; part names (case-insensitive): year, quarter, month,
/// week_of_year (ISO 8601), day, dayofyear, hour, minute, second, millisecond,
/// microsecond, nanosecond. `None` for an unknown part.
pub fn datetime_part(part: &str, t: i64) -> Option<i64> {
    let (y, mo, d, h, mi, s, f) = to_parts(t);
    let v = match part.to_ascii_lowercase().as_str() {
        "year" => y,
        "quarter" => (i64::from(mo) - 1) / 3 + 1,
        "month" => i64::from(mo),
        "week_of_year" => iso_week(t),
        "day" => i64::from(d),
        "dayofyear" => day_index(t) - days_from_civil(y, 1, 1) + 1,
        "hour" => i64::from(h),
        "minute" => i64::from(mi),
        "second" => i64::from(s),
        "millisecond" => f / TICKS_PER_MILLISECOND,
        "microsecond" => f / TICKS_PER_MICROSECOND,
        "nanosecond" => f * 100,
        _ => return None,
    };
    Some(v)
}

/// `datetime_add(part, amount, t)`. Month/quarter/year additions clamp the day to
/// the target month's length. Nanosecond amounts are truncated to whole ticks.
/// `None` for an unknown part or an out-of-range result.
pub fn datetime_add(part: &str, amount: i64, t: i64) -> Option<i64> {
    let unit = match part.to_ascii_lowercase().as_str() {
        "year" => return add_months(t, amount.checked_mul(12)?),
        "quarter" => return add_months(t, amount.checked_mul(3)?),
        "month" => return add_months(t, amount),
        "week" => 7 * TICKS_PER_DAY,
        "day" => TICKS_PER_DAY,
        "hour" => TICKS_PER_HOUR,
        "minute" => TICKS_PER_MINUTE,
        "second" => TICKS_PER_SECOND,
        "millisecond" => TICKS_PER_MILLISECOND,
        "microsecond" => TICKS_PER_MICROSECOND,
        "nanosecond" => return in_range(t.checked_add(amount / 100)?),
        _ => return None,
    };
    in_range(t.checked_add(amount.checked_mul(unit)?)?)
}

fn add_months(t: i64, months: i64) -> Option<i64> {
    let (_, _, d, _, _, _, _) = to_parts(t);
    let target = total_months(t).checked_add(months)?;
    let year = target.div_euclid(12);
    let month = target.rem_euclid(12) + 1;
    if !(1..=9999).contains(&year) {
        return None;
    }
    let day = i64::from(d).min(days_in_month(year, month));
    let days = days_from_civil(year, month, day);
    in_range(days * TICKS_PER_DAY + t.rem_euclid(TICKS_PER_DAY))
}

/// `datetime_diff(part, t1, t2)`: the number of `part` boundaries crossed going from
/// `t2` to `t1` (positive when `t1 > t2`). Weeks start on Sunday. `None` for an
/// unknown part or on overflow.
pub fn datetime_diff(part: &str, t1: i64, t2: i64) -> Option<i64> {
    let floor_diff = |unit: i64| t1.div_euclid(unit).checked_sub(t2.div_euclid(unit));
    match part.to_ascii_lowercase().as_str() {
        "year" => civil_from_days(day_index(t1))
            .0
            .checked_sub(civil_from_days(day_index(t2)).0),
        "quarter" => {
            let q = |t: i64| total_months(t).div_euclid(3);
            q(t1).checked_sub(q(t2))
        }
        "month" => total_months(t1).checked_sub(total_months(t2)),
        "week" => Some((week_start_day(t1) - week_start_day(t2)) / 7),
        "day" => floor_diff(TICKS_PER_DAY),
        "hour" => floor_diff(TICKS_PER_HOUR),
        "minute" => floor_diff(TICKS_PER_MINUTE),
        "second" => floor_diff(TICKS_PER_SECOND),
        "millisecond" => floor_diff(TICKS_PER_MILLISECOND),
        "microsecond" => floor_diff(TICKS_PER_MICROSECOND),
        "nanosecond" => t1.checked_sub(t2)?.checked_mul(100),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Custom formatting
// ---------------------------------------------------------------------------

/// Length of the run of `c` starting at `i`.
fn run_len(chars: &[char], i: usize, c: char) -> usize {
    chars[i..].iter().take_while(|&&x| x == c).count()
}

/// Writes the first `n` (1..=7) fractional digits of `frac` (0..10^7 ticks);
/// `trim` drops trailing zeros (the `F` specifiers) and, if nothing remains,
/// a directly preceding `.`.
fn push_fraction(out: &mut String, frac: i64, n: usize, trim: bool) {
    let n = n.min(7);
    let digits = format!("{frac:07}");
    let part = &digits[..n];
    if trim {
        let t = part.trim_end_matches('0');
        if t.is_empty() {
            if out.ends_with('.') {
                out.pop();
            }
        } else {
            out.push_str(t);
        }
    } else {
        out.push_str(part);
    }
}

fn push_num(out: &mut String, v: i64, width: usize) {
    let _ = write!(out, "{v:0width$}");
}

/// `format_datetime(t, fmt)` with .NET-like specifiers: `d dd ddd dddd`,
/// `f`..`fffffff`, `F`..`FFFFFFF`, `h hh H HH m mm M MM MMM MMMM s ss y yy yyyy t tt`.
/// Every other character is copied through.
pub fn format_datetime_with(t: i64, fmt: &str) -> String {
    let (y, mo, d, h, mi, s, f) = to_parts(t);
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let n = match c {
            'd' | 'f' | 'F' | 'h' | 'H' | 'm' | 'M' | 's' | 'y' | 't' => run_len(&chars, i, c),
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        i += n;
        match c {
            'd' => match n {
                1 | 2 => push_num(&mut out, i64::from(d), n),
                3 => out.push_str(DAY_SHORT[day_of_week(t) as usize]),
                _ => out.push_str(DAY_LONG[day_of_week(t) as usize]),
            },
            'f' => push_fraction(&mut out, f, n, false),
            'F' => push_fraction(&mut out, f, n, true),
            'h' => {
                let h12 = match h % 12 {
                    0 => 12,
                    x => x,
                };
                push_num(&mut out, i64::from(h12), n.min(2));
            }
            'H' => push_num(&mut out, i64::from(h), n.min(2)),
            'm' => push_num(&mut out, i64::from(mi), n.min(2)),
            's' => push_num(&mut out, i64::from(s), n.min(2)),
            'M' => match n {
                1 | 2 => push_num(&mut out, i64::from(mo), n),
                3 => out.push_str(MONTH_SHORT[mo as usize - 1]),
                _ => out.push_str(MONTH_LONG[mo as usize - 1]),
            },
            'y' => match n {
                1 | 2 => push_num(&mut out, y.rem_euclid(100), n),
                _ => push_num(&mut out, y, n.min(9)),
            },
            't' => {
                let ampm = if h < 12 { "AM" } else { "PM" };
                out.push_str(if n == 1 { &ampm[..1] } else { ampm });
            }
            _ => {}
        }
    }
    out
}

/// `format_timespan(ts, fmt)` with `d`..`dddddddd` (whole days, zero padded),
/// `h hh H HH` (hours 0-23), `m mm`, `s ss`, `f`..`fffffff`, `F`..`FFFFFFF`; every
/// other character is copied through. Negative spans are prefixed with `-` and
/// their components are formatted from the absolute value.
pub fn format_timespan_with(ts: i64, fmt: &str) -> String {
    let u = ts.unsigned_abs();
    let days = u / TICKS_PER_DAY as u64;
    let rem = (u % TICKS_PER_DAY as u64) as i64;
    let h = rem / TICKS_PER_HOUR;
    let m = rem % TICKS_PER_HOUR / TICKS_PER_MINUTE;
    let s = rem % TICKS_PER_MINUTE / TICKS_PER_SECOND;
    let f = rem % TICKS_PER_SECOND;
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len() + 8);
    if ts < 0 {
        out.push('-');
    }
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let n = match c {
            'd' | 'f' | 'F' | 'h' | 'H' | 'm' | 's' => run_len(&chars, i, c),
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        i += n;
        match c {
            'd' => {
                let width = n.min(8);
                let _ = write!(out, "{days:0width$}");
            }
            'f' => push_fraction(&mut out, f, n, false),
            'F' => push_fraction(&mut out, f, n, true),
            'h' | 'H' => push_num(&mut out, h, n.min(2)),
            'm' => push_num(&mut out, m, n.min(2)),
            's' => push_num(&mut out, s, n.min(2)),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> i64 {
        parse_datetime(s).unwrap_or_else(|| panic!("failed to parse datetime {s:?}"))
    }

    fn ts(s: &str) -> i64 {
        parse_timespan(s).unwrap_or_else(|| panic!("failed to parse timespan {s:?}"))
    }

    fn ymd(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, f: i64) -> i64 {
        from_parts(y, mo, d, h, mi, s, f).expect("valid parts")
    }

    /// Deterministic pseudo-random generator (SplitMix64) for property tests.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn range(&mut self, lo: i64, hi: i64) -> i64 {
            let span = (hi as i128 - lo as i128 + 1) as u128;
            (lo as i128 + (self.next() as u128 % span) as i128) as i64
        }
    }

    #[test]
    fn constants() {
        assert_eq!(TICKS_PER_MINUTE, 600_000_000);
        assert_eq!(TICKS_PER_HOUR, 36_000_000_000);
        assert_eq!(TICKS_PER_DAY, 864_000_000_000);
        assert_eq!(MIN_DATETIME, -621_355_968_000_000_000);
        assert_eq!(MIN_DATETIME, ymd(1, 1, 1, 0, 0, 0, 0));
        assert_eq!(MAX_DATETIME, ymd(9999, 12, 31, 23, 59, 59, 9_999_999));
        // .NET: DateTime.MaxValue.Ticks = 3155378975999999999 (from 0001-01-01).
        assert_eq!(MAX_DATETIME - MIN_DATETIME, 3_155_378_975_999_999_999);
        // Datetime docs: 31241376000000000 ticks is 0100-01-01.
        assert_eq!(
            MIN_DATETIME + 31_241_376_000_000_000,
            ymd(100, 1, 1, 0, 0, 0, 0)
        );
        assert_eq!(ymd(1970, 1, 1, 0, 0, 0, 0), 0);
    }

    #[test]
    fn civil_matches_chrono() {
        use chrono::Datelike;
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let first = day_index(MIN_DATETIME);
        let last = day_index(MAX_DATETIME);
        let mut day = first;
        while day <= last {
            let (y, m, d) = civil_from_days(day);
            let c = epoch + chrono::Duration::days(day);
            assert_eq!(
                (y, m as u32, d as u32),
                (i64::from(c.year()), c.month(), c.day())
            );
            assert_eq!(days_from_civil(y, m, d), day);
            day += if (day - first) < 800 || (last - day) < 800 {
                1
            } else {
                37
            };
        }
    }

    #[test]
    fn from_parts_validation() {
        assert!(from_parts(2024, 2, 29, 0, 0, 0, 0).is_some());
        assert!(from_parts(2000, 2, 29, 0, 0, 0, 0).is_some());
        assert!(from_parts(1900, 2, 29, 0, 0, 0, 0).is_none());
        assert!(from_parts(2023, 2, 29, 0, 0, 0, 0).is_none());
        assert!(from_parts(2023, 2, 30, 0, 0, 0, 0).is_none());
        assert!(from_parts(2023, 4, 31, 0, 0, 0, 0).is_none());
        assert!(from_parts(2023, 13, 1, 0, 0, 0, 0).is_none());
        assert!(from_parts(2023, 0, 1, 0, 0, 0, 0).is_none());
        assert!(from_parts(2023, 1, 0, 0, 0, 0, 0).is_none());
        assert!(from_parts(2023, 1, 1, 24, 0, 0, 0).is_none());
        assert!(from_parts(2023, 1, 1, 0, 60, 0, 0).is_none());
        assert!(from_parts(2023, 1, 1, 0, 0, 60, 0).is_none());
        assert!(from_parts(2023, 1, 1, 0, 0, 0, 10_000_000).is_none());
        assert!(from_parts(2023, 1, 1, 0, 0, 0, -1).is_none());
        assert!(from_parts(0, 1, 1, 0, 0, 0, 0).is_none());
        assert!(from_parts(10_000, 1, 1, 0, 0, 0, 0).is_none());
        assert!(from_parts(i64::MIN, 1, 1, 0, 0, 0, 0).is_none());
        assert!(from_parts(2023, u32::MAX, u32::MAX, u32::MAX, 0, 0, i64::MAX).is_none());
    }

    #[test]
    fn to_parts_round_trip() {
        assert_eq!(to_parts(0), (1970, 1, 1, 0, 0, 0, 0));
        assert_eq!(to_parts(-1), (1969, 12, 31, 23, 59, 59, 9_999_999));
        assert_eq!(to_parts(MIN_DATETIME), (1, 1, 1, 0, 0, 0, 0));
        assert_eq!(
            to_parts(MAX_DATETIME),
            (9999, 12, 31, 23, 59, 59, 9_999_999)
        );
        let mut rng = Rng(1);
        for _ in 0..20_000 {
            let t = rng.range(MIN_DATETIME, MAX_DATETIME);
            let (y, mo, d, h, mi, s, f) = to_parts(t);
            assert_eq!(from_parts(y, mo, d, h, mi, s, f), Some(t));
        }
        // Total for any i64.
        for t in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            let _ = to_parts(t);
        }
    }

    #[test]
    fn parse_iso_forms() {
        let base = ymd(2014, 5, 25, 8, 20, 3, 1_234_560);
        assert_eq!(dt("2014-05-25T08:20:03.123456Z"), base);
        assert_eq!(dt("2014-05-25T08:20:03.123456z"), base);
        assert_eq!(dt("2014-05-25T08:20:03.123456"), base);
        assert_eq!(dt("  2014-05-25T08:20:03.123456Z \t"), base);
        assert_eq!(dt("2014-05-25t08:20:03.123456"), base);
        assert_eq!(dt("2014-05-25T08:20"), ymd(2014, 5, 25, 8, 20, 0, 0));
        assert_eq!(dt("2014-05-25T08:20Z"), ymd(2014, 5, 25, 8, 20, 0, 0));
        assert_eq!(
            dt("2014-11-08 15:55:55.123456Z"),
            ymd(2014, 11, 8, 15, 55, 55, 1_234_560)
        );
        assert_eq!(dt("2014-11-08 15:55:55"), ymd(2014, 11, 8, 15, 55, 55, 0));
        assert_eq!(dt("2014-11-08 15:55"), ymd(2014, 11, 8, 15, 55, 0, 0));
        assert_eq!(dt("2014-11-08"), ymd(2014, 11, 8, 0, 0, 0, 0));
        assert_eq!(
            dt("2015-12-31 23:59:59.9"),
            ymd(2015, 12, 31, 23, 59, 59, 9_000_000)
        );
        assert_eq!(dt("2015-12-31"), ymd(2015, 12, 31, 0, 0, 0, 0));
        assert_eq!(dt("2014-11-08T15:05:02"), ymd(2014, 11, 8, 15, 5, 2, 0));
        // Sortable with single-digit month/day.
        assert_eq!(dt("2014-1-8 15:05:02"), ymd(2014, 1, 8, 15, 5, 2, 0));
        // Fraction lengths.
        assert_eq!(
            dt("2000-01-01T00:00:00.1"),
            ymd(2000, 1, 1, 0, 0, 0, 1_000_000)
        );
        assert_eq!(
            dt("2000-01-01T00:00:00.1234567"),
            ymd(2000, 1, 1, 0, 0, 0, 1_234_567)
        );
        assert_eq!(
            dt("2000-01-01T00:00:00.123456789"),
            ymd(2000, 1, 1, 0, 0, 0, 1_234_567)
        );
        assert_eq!(
            dt("2000-01-01T00:00:00.0000001"),
            ymd(2000, 1, 1, 0, 0, 0, 1)
        );
        // Offsets convert to UTC.
        assert_eq!(
            dt("2014-05-25T08:20:03+02:00"),
            ymd(2014, 5, 25, 6, 20, 3, 0)
        );
        assert_eq!(
            dt("2014-05-25T08:20:03-0530"),
            ymd(2014, 5, 25, 13, 50, 3, 0)
        );
        assert_eq!(dt("2014-05-25T08:20:03 +02"), ymd(2014, 5, 25, 6, 20, 3, 0));
        assert_eq!(
            dt("2014-05-25T01:00:00+02:00"),
            ymd(2014, 5, 24, 23, 0, 0, 0)
        );
        assert_eq!(
            dt("2014-05-25T08:20:03.5-00:00"),
            ymd(2014, 5, 25, 8, 20, 3, 5_000_000)
        );
        assert_eq!(dt("2014-05-25 08:20:03 GMT"), ymd(2014, 5, 25, 8, 20, 3, 0));
        // Range edges.
        assert_eq!(dt("0001-01-01"), MIN_DATETIME);
        assert_eq!(dt("9999-12-31T23:59:59.9999999Z"), MAX_DATETIME);
        assert_eq!(
            dt("0001-01-01T00:00:00-01:00"),
            MIN_DATETIME + TICKS_PER_HOUR
        );
        assert_eq!(parse_datetime("0001-01-01T00:00:00+01:00"), None);
        assert_eq!(parse_datetime("9999-12-31T23:59:59-01:00"), None);
    }

    #[test]
    fn parse_us_forms() {
        assert_eq!(dt("02/17/2016 08:40:01"), ymd(2016, 2, 17, 8, 40, 1, 0));
        assert_eq!(
            dt("2/25/2025, 9:19:25.391 AM"),
            ymd(2025, 2, 25, 9, 19, 25, 3_910_000)
        );
        assert_eq!(
            dt("2/25/2025, 9:19:25.391 PM"),
            ymd(2025, 2, 25, 21, 19, 25, 3_910_000)
        );
        assert_eq!(dt("2/25/2025 12:00 AM"), ymd(2025, 2, 25, 0, 0, 0, 0));
        assert_eq!(dt("2/25/2025 12:30 pm"), ymd(2025, 2, 25, 12, 30, 0, 0));
        assert_eq!(dt("2/25/2025 13:30"), ymd(2025, 2, 25, 13, 30, 0, 0));
        assert_eq!(dt("02/17/2016"), ymd(2016, 2, 17, 0, 0, 0, 0));
        assert_eq!(dt("12-02-2022"), ymd(2022, 12, 2, 0, 0, 0, 0));
        assert_eq!(dt("12-02-2022 10:11:12"), ymd(2022, 12, 2, 10, 11, 12, 0));
        assert_eq!(parse_datetime("2/25/2025 13:30 PM"), None);
        assert_eq!(parse_datetime("2/25/2025 0:30 AM"), None);
        assert_eq!(parse_datetime("13/25/2025"), None);
        assert_eq!(parse_datetime("2/30/2025"), None);
        assert_eq!(parse_datetime("2/25/25"), None);
        assert_eq!(parse_datetime("2/25-2025"), None);
        assert_eq!(parse_datetime("2/25/2025,"), None);
        assert_eq!(parse_datetime("25-12-2022"), None);
    }

    #[test]
    fn parse_rfc_forms() {
        let t = ymd(2014, 11, 8, 15, 5, 2, 0);
        let t_min = ymd(2014, 11, 8, 15, 5, 0, 0);
        assert_eq!(dt("Sat, 8 Nov 14 15:05:02 GMT"), t);
        assert_eq!(dt("Sat, 8 Nov 14 15:05:02"), t);
        assert_eq!(dt("Sat, 8 Nov 14 15:05"), t_min);
        assert_eq!(dt("Sat, 8 Nov 14 15:05 GMT"), t_min);
        assert_eq!(dt("8 Nov 14 15:05:02 GMT"), t);
        assert_eq!(dt("8 Nov 14 15:05:02"), t);
        assert_eq!(dt("8 Nov 14 15:05"), t_min);
        assert_eq!(dt("8 Nov 14 15:05 GMT"), t_min);
        assert_eq!(dt("Sat, 08 Nov 2014 15:05:02 GMT"), t);
        assert_eq!(dt("sat, 08 nov 2014 15:05:02 gmt"), t);
        assert_eq!(dt("Saturday, 08-Nov-14 15:05:02 GMT"), t);
        assert_eq!(dt("Saturday, 08-Nov-14 15:05:02"), t);
        assert_eq!(dt("Saturday, 08-Nov-14 15:05"), t_min);
        assert_eq!(dt("Saturday, 08-Nov-14 15:05 GMT"), t_min);
        assert_eq!(dt("08-Nov-14 15:05:02 GMT"), t);
        assert_eq!(
            dt("Sat, 8 Nov 14 15:05:02 +0100"),
            ymd(2014, 11, 8, 14, 5, 2, 0)
        );
        assert_eq!(dt("Sat, 8 Nov 14 10:05:02 EST"), t);
        assert_eq!(dt("Thu, 1 Jan 70 00:00:00 GMT"), 0);
        assert_eq!(dt("1 Jan 49 00:00"), ymd(2049, 1, 1, 0, 0, 0, 0));
        assert_eq!(dt("1 Jan 50 00:00"), ymd(1950, 1, 1, 0, 0, 0, 0));
        assert_eq!(parse_datetime("Sat, 8 Nov 14"), None);
        assert_eq!(parse_datetime("Sat 8 Nov 14 15:05"), None);
        assert_eq!(parse_datetime("Caturday, 8 Nov 14 15:05"), None);
        assert_eq!(parse_datetime("8 Nox 14 15:05"), None);
        assert_eq!(parse_datetime("8 Nov 214 15:05"), None);
        assert_eq!(parse_datetime("8-Nov 14 15:05"), None);
        assert_eq!(parse_datetime("8 Nov 14 15:05 XYZ"), None);
        assert_eq!(parse_datetime("31 Feb 14 15:05"), None);
    }

    #[test]
    fn parse_datetime_rejects() {
        for s in [
            "",
            "   ",
            "2014",
            "2014-05",
            "2014-05-25T",
            "2014-05-25T08",
            "2014-05-25T8:2",
            "2014-05-25T08:20:",
            "2014-05-25T08:20:03.",
            "2014-05-25T08:20:03.Z",
            "2014-05-25T08:20:03ZZ",
            "2014-05-25T08:20:03 Zulu",
            "2014-05-25T08:20:03+2",
            "2014-05-25T08:20:03+24:00",
            "2014-05-25T08:20:03+02:60",
            "2014-05-25T24:00:00",
            "2014-05-25T23:60:00",
            "2014-05-25T23:59:60",
            "2014-13-25",
            "2014-00-25",
            "2014-02-30",
            "2014-05-32",
            "0000-01-01",
            "10000-01-01",
            "20145-01-01",
            "214-05-25",
            "2014/05/25",
            "2014-05-25 08:20 AM",
            "2014-05-25x",
            "2014-05-25T08:20:03 foo",
            "1234567890",
            "1.5",
            "null",
            "now",
            "-2014-05-25",
            "+2014-05-25",
            "2014-０5-25",
            "2014-05-25T08:20:03.12345６",
        ] {
            assert_eq!(parse_datetime(s), None, "{s:?}");
        }
    }

    #[test]
    fn format_datetime_default() {
        assert_eq!(
            format_datetime(ymd(2026, 11, 25, 10, 3, 12, 1_234_567)),
            "2026-11-25T10:03:12.1234567Z"
        );
        assert_eq!(
            format_datetime(ymd(2026, 11, 25, 10, 3, 12, 0)),
            "2026-11-25T10:03:12Z"
        );
        assert_eq!(
            format_datetime(ymd(2016, 2, 17, 8, 40, 0, 1_000_000)),
            "2016-02-17T08:40:00.1Z"
        );
        assert_eq!(
            format_datetime(ymd(2016, 2, 17, 8, 40, 0, 1_230_000)),
            "2016-02-17T08:40:00.123Z"
        );
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_datetime(-1), "1969-12-31T23:59:59.9999999Z");
        assert_eq!(format_datetime(MIN_DATETIME), "0001-01-01T00:00:00Z");
        assert_eq!(
            format_datetime(MAX_DATETIME),
            "9999-12-31T23:59:59.9999999Z"
        );
        assert_eq!(
            format_datetime(ymd(999, 3, 4, 5, 6, 7, 1)),
            "0999-03-04T05:06:07.0000001Z"
        );
        assert_eq!(format_datetime(dt("2007-01-01")), "2007-01-01T00:00:00Z");
        // Out of range: no panic.
        for t in [i64::MIN, i64::MAX, MIN_DATETIME - 1, MAX_DATETIME + 1] {
            assert!(!format_datetime(t).is_empty());
        }
    }

    #[test]
    fn datetime_round_trips() {
        let mut values = vec![
            0,
            1,
            -1,
            MIN_DATETIME,
            MIN_DATETIME + 1,
            MAX_DATETIME,
            MAX_DATETIME - 1,
            ymd(2024, 2, 29, 12, 0, 0, 0),
            ymd(1600, 2, 29, 0, 0, 0, 5),
            ymd(1969, 12, 31, 23, 59, 59, 0),
        ];
        let mut rng = Rng(42);
        for _ in 0..20_000 {
            values.push(rng.range(MIN_DATETIME, MAX_DATETIME));
        }
        for _ in 0..2_000 {
            // Whole seconds and whole days too.
            let t = rng.range(MIN_DATETIME, MAX_DATETIME);
            values.push(t - t.rem_euclid(TICKS_PER_SECOND));
            values.push(t - t.rem_euclid(TICKS_PER_DAY));
        }
        for t in values {
            let s = format_datetime(t);
            assert_eq!(parse_datetime(&s), Some(t), "{s}");
            // The other spellings round-trip too.
            let spaced = s.replacen('T', " ", 1);
            assert_eq!(parse_datetime(&spaced), Some(t), "{spaced}");
            let no_z = s.trim_end_matches('Z');
            assert_eq!(parse_datetime(no_z), Some(t), "{no_z}");
        }
    }

    #[test]
    fn timespans() {
        assert_eq!(ts("00:03:00"), 3 * TICKS_PER_MINUTE);
        assert_eq!(ts("0.00:03:00"), 3 * TICKS_PER_MINUTE);
        assert_eq!(ts("4.00:00:00"), 4 * TICKS_PER_DAY);
        assert_eq!(
            ts("0.12:34:56.7"),
            12 * TICKS_PER_HOUR + 34 * TICKS_PER_MINUTE + 56 * TICKS_PER_SECOND + 7_000_000
        );
        assert_eq!(ts("-01:00:00"), -TICKS_PER_HOUR);
        assert_eq!(
            ts("1.02:03:04.1234567"),
            TICKS_PER_DAY
                + 2 * TICKS_PER_HOUR
                + 3 * TICKS_PER_MINUTE
                + 4 * TICKS_PER_SECOND
                + 1_234_567
        );
        assert_eq!(ts("01:30"), 90 * TICKS_PER_MINUTE);
        assert_eq!(ts("1.01:30"), TICKS_PER_DAY + 90 * TICKS_PER_MINUTE);
        assert_eq!(ts(" 1:00:00 "), TICKS_PER_HOUR);
        assert_eq!(ts("00:00:00.123456789"), 1_234_567);
        assert_eq!(ts("-0.00:00:00.0000001"), -1);
        assert_eq!(ts("10675199.02:48:05.4775807"), i64::MAX);
        for bad in [
            "",
            "2",
            "1.5",
            "-",
            "1.",
            "1:",
            "24:00:00",
            "00:60:00",
            "00:00:60",
            "100:00:00",
            "1.24:00:00",
            "00:00:00.",
            "00:00.5",
            "1:2",
            "00:00:00:00",
            "+01:00:00",
            "--01:00:00",
            "10675199.02:48:05.4775808",
            "99999999999999999.00:00:00",
            "1d",
            "01:00:00 x",
        ] {
            assert_eq!(parse_timespan(bad), None, "{bad:?}");
        }

        assert_eq!(format_timespan(30 * TICKS_PER_DAY), "30.00:00:00");
        assert_eq!(format_timespan(TICKS_PER_HOUR), "01:00:00");
        assert_eq!(format_timespan(TICKS_PER_MINUTE), "00:01:00");
        assert_eq!(format_timespan(-TICKS_PER_SECOND), "-00:00:01");
        assert_eq!(
            format_timespan(TICKS_PER_DAY + TICKS_PER_MILLISECOND),
            "1.00:00:00.0010000"
        );
        assert_eq!(format_timespan(1_000_000), "00:00:00.1000000");
        assert_eq!(format_timespan(0), "00:00:00");
        assert_eq!(format_timespan(3 * TICKS_PER_MINUTE), "00:03:00");
        assert_eq!(format_timespan(4 * TICKS_PER_DAY), "4.00:00:00");
        assert_eq!(format_timespan(ts("0.12:34:56.7")), "12:34:56.7000000");
        assert_eq!(format_timespan(i64::MAX), "10675199.02:48:05.4775807");
        assert_eq!(format_timespan(i64::MIN), "-10675199.02:48:05.4775808");
        // bin(time(16d), 7d) -> 14.00:00:00
        assert_eq!(
            format_timespan(bin_datetime(16 * TICKS_PER_DAY, 7 * TICKS_PER_DAY).unwrap()),
            "14.00:00:00"
        );

        let mut rng = Rng(7);
        let mut values = vec![
            0,
            1,
            -1,
            i64::MAX,
            i64::MIN + 1,
            TICKS_PER_DAY,
            -TICKS_PER_DAY,
        ];
        for _ in 0..10_000 {
            values.push(rng.next() as i64);
            values.push(rng.range(-100 * TICKS_PER_DAY, 100 * TICKS_PER_DAY));
        }
        for t in values {
            let s = format_timespan(t);
            if t == i64::MIN {
                continue;
            }
            assert_eq!(parse_timespan(&s), Some(t), "{s}");
        }
    }

    #[test]
    fn unit_ticks() {
        for (s, v) in [
            ("d", TICKS_PER_DAY as f64),
            ("day", TICKS_PER_DAY as f64),
            ("days", TICKS_PER_DAY as f64),
            ("h", TICKS_PER_HOUR as f64),
            ("hr", TICKS_PER_HOUR as f64),
            ("hrs", TICKS_PER_HOUR as f64),
            ("hour", TICKS_PER_HOUR as f64),
            ("hours", TICKS_PER_HOUR as f64),
            ("m", TICKS_PER_MINUTE as f64),
            ("min", TICKS_PER_MINUTE as f64),
            ("minute", TICKS_PER_MINUTE as f64),
            ("minutes", TICKS_PER_MINUTE as f64),
            ("s", 1e7),
            ("sec", 1e7),
            ("second", 1e7),
            ("seconds", 1e7),
            ("ms", 1e4),
            ("milli", 1e4),
            ("millis", 1e4),
            ("millisec", 1e4),
            ("millisecond", 1e4),
            ("milliseconds", 1e4),
            ("micro", 10.0),
            ("micros", 10.0),
            ("microsec", 10.0),
            ("microsecond", 10.0),
            ("microseconds", 10.0),
            ("nano", 0.01),
            ("nanos", 0.01),
            ("nanosec", 0.01),
            ("nanosecond", 0.01),
            ("nanoseconds", 0.01),
            ("tick", 1.0),
            ("ticks", 1.0),
        ] {
            assert_eq!(timespan_unit_ticks(s), Some(v), "{s}");
        }
        for bad in ["", "w", "week", "weeks", "y", "year", "D", "mss", "x"] {
            assert_eq!(timespan_unit_ticks(bad), None, "{bad}");
        }
    }

    #[test]
    fn binning() {
        assert_eq!(
            bin_datetime(dt("1970-05-11 13:45:07"), TICKS_PER_DAY),
            Some(dt("1970-05-11T00:00:00Z"))
        );
        assert_eq!(
            format_datetime(bin_datetime(dt("1970-05-11 13:45:07"), TICKS_PER_DAY).unwrap()),
            "1970-05-11T00:00:00Z"
        );
        // Negative ticks floor (toward the past).
        assert_eq!(
            bin_datetime(dt("1969-12-31 13:00"), TICKS_PER_DAY),
            Some(dt("1969-12-31"))
        );
        assert_eq!(bin_datetime(-1, 10), Some(-10));
        assert_eq!(
            bin_datetime(MIN_DATETIME + 5, TICKS_PER_HOUR),
            Some(MIN_DATETIME)
        );
        // 7d bins are multiples from the Unix epoch (a Thursday).
        assert_eq!(
            bin_datetime(dt("2017-01-10"), 7 * TICKS_PER_DAY),
            Some(dt("2017-01-05"))
        );
        assert_eq!(bin_datetime(5, 0), None);
        assert_eq!(bin_datetime(5, -1), None);
        assert_eq!(bin_datetime(i64::MIN, 7), None);
        assert_eq!(bin_datetime(i64::MAX, 10), Some(9_223_372_036_854_775_800));
        // bin_at docs examples.
        assert_eq!(
            bin_at(
                dt("2017-05-15 10:20:00.0"),
                TICKS_PER_DAY,
                dt("1970-01-01 12:00:00.0")
            ),
            Some(dt("2017-05-14 12:00:00.0"))
        );
        assert_eq!(
            bin_at(TICKS_PER_HOUR, TICKS_PER_DAY, 12 * TICKS_PER_HOUR),
            Some(-12 * TICKS_PER_HOUR)
        );
        assert_eq!(
            bin_at(dt("2017-05-17 10:20"), 7 * TICKS_PER_DAY, dt("2017-05-15")),
            Some(dt("2017-05-15"))
        );
        assert_eq!(
            bin_at(dt("2017-05-14 10:20"), 7 * TICKS_PER_DAY, dt("2017-05-15")),
            Some(dt("2017-05-08"))
        );
        assert_eq!(bin_at(5, 0, 0), None);
        assert_eq!(bin_at(i64::MIN, i64::MAX, i64::MAX), None);
        assert_eq!(bin_at(i64::MAX, 1, i64::MIN), Some(i64::MAX));
    }

    #[test]
    fn periods() {
        // startofday docs example.
        let d = dt("2017-01-01 10:10:17");
        assert_eq!(start_of_day(d, -1), Some(dt("2016-12-31")));
        assert_eq!(start_of_day(d, 0), Some(dt("2017-01-01")));
        assert_eq!(start_of_day(d, 1), Some(dt("2017-01-02")));
        assert_eq!(end_of_day(d, 0), Some(dt("2017-01-01 23:59:59.9999999")));
        assert_eq!(end_of_day(d, -1), Some(dt("2016-12-31 23:59:59.9999999")));
        assert_eq!(
            start_of_day(dt("1969-12-31 13:00"), 0),
            Some(dt("1969-12-31"))
        );

        // Weeks start on Sunday. 2017-01-04 is a Wednesday.
        let w = dt("2017-01-04 12:00");
        assert_eq!(start_of_week(w, 0), Some(dt("2017-01-01")));
        assert_eq!(start_of_week(w, 1), Some(dt("2017-01-08")));
        assert_eq!(start_of_week(w, -1), Some(dt("2016-12-25")));
        assert_eq!(end_of_week(w, 0), Some(dt("2017-01-07 23:59:59.9999999")));
        assert_eq!(start_of_week(dt("2017-01-01"), 0), Some(dt("2017-01-01")));
        assert_eq!(
            start_of_week(dt("2016-12-31 23:59"), 0),
            Some(dt("2016-12-25"))
        );
        assert_eq!(start_of_week(dt("1970-01-01"), 0), Some(dt("1969-12-28")));

        let m = dt("2024-01-31 12:34:56");
        assert_eq!(start_of_month(m, 0), Some(dt("2024-01-01")));
        assert_eq!(start_of_month(m, 1), Some(dt("2024-02-01")));
        assert_eq!(start_of_month(m, -1), Some(dt("2023-12-01")));
        assert_eq!(start_of_month(m, 13), Some(dt("2025-02-01")));
        assert_eq!(end_of_month(m, 0), Some(dt("2024-01-31 23:59:59.9999999")));
        assert_eq!(end_of_month(m, 1), Some(dt("2024-02-29 23:59:59.9999999")));
        assert_eq!(end_of_month(m, -2), Some(dt("2023-11-30 23:59:59.9999999")));

        assert_eq!(start_of_year(m, 0), Some(dt("2024-01-01")));
        assert_eq!(start_of_year(m, -24), Some(dt("2000-01-01")));
        assert_eq!(end_of_year(m, 0), Some(dt("2024-12-31 23:59:59.9999999")));
        assert_eq!(end_of_year(m, 1), Some(dt("2025-12-31 23:59:59.9999999")));

        // Range edges.
        assert_eq!(end_of_year(MAX_DATETIME, 0), Some(MAX_DATETIME));
        assert_eq!(end_of_month(MAX_DATETIME, 0), Some(MAX_DATETIME));
        assert_eq!(end_of_day(MAX_DATETIME, 0), Some(MAX_DATETIME));
        assert_eq!(start_of_year(MAX_DATETIME, 1), None);
        assert_eq!(start_of_month(MAX_DATETIME, 1), None);
        assert_eq!(start_of_day(MAX_DATETIME, 1), None);
        assert_eq!(start_of_day(MIN_DATETIME, 0), Some(MIN_DATETIME));
        assert_eq!(start_of_day(MIN_DATETIME, -1), None);
        assert_eq!(start_of_year(MIN_DATETIME, 0), Some(MIN_DATETIME));
        assert_eq!(start_of_month(MIN_DATETIME, -1), None);
        // 0001-01-01 is a Monday: its week starts before the range.
        assert_eq!(start_of_week(MIN_DATETIME, 0), None);
        assert_eq!(
            end_of_week(MIN_DATETIME, 0),
            Some(dt("0001-01-06 23:59:59.9999999"))
        );
        assert_eq!(end_of_week(MAX_DATETIME, 0), None); // 9999-12-31 is a Friday
        for f in [
            start_of_day,
            end_of_day,
            start_of_week,
            end_of_week,
            start_of_month,
            end_of_month,
            start_of_year,
            end_of_year,
        ] {
            for t in [i64::MIN, i64::MAX, 0, MIN_DATETIME, MAX_DATETIME] {
                for off in [i64::MIN, i64::MAX, -1, 0, 1, i64::MIN / 7, i64::MAX / 12] {
                    let _ = f(t, off);
                }
            }
        }
    }

    #[test]
    fn parts() {
        let t = dt("2017-10-30 01:02:03.7654321");
        let expect = [
            ("Year", 2017),
            ("quarter", 4),
            ("month", 10),
            ("week_of_year", 44),
            ("day", 30),
            ("dayofyear", 303),
            ("hour", 1),
            ("minute", 2),
            ("second", 3),
            ("millisecond", 765),
            ("microsecond", 765_432),
            ("nanosecond", 765_432_100),
        ];
        for (p, v) in expect {
            assert_eq!(datetime_part(p, t), Some(v), "{p}");
        }
        assert_eq!(datetime_part("WEEK_OF_YEAR", t), Some(44));
        assert_eq!(datetime_part("weekday", t), None);
        assert_eq!(datetime_part("", t), None);
        // ISO week edge cases.
        assert_eq!(datetime_part("week_of_year", dt("2021-01-03")), Some(53));
        assert_eq!(datetime_part("week_of_year", dt("2021-01-04")), Some(1));
        assert_eq!(datetime_part("week_of_year", dt("2018-12-31")), Some(1));
        assert_eq!(datetime_part("week_of_year", dt("2020-12-31")), Some(53));
        assert_eq!(datetime_part("week_of_year", dt("2017-01-01")), Some(52));
        assert_eq!(datetime_part("week_of_year", dt("2017-01-02")), Some(1));
        assert_eq!(datetime_part("dayofyear", dt("2024-12-31")), Some(366));
        assert_eq!(datetime_part("dayofyear", dt("2023-12-31")), Some(365));
        assert_eq!(datetime_part("dayofyear", MIN_DATETIME), Some(1));
        assert_eq!(datetime_part("quarter", dt("2023-03-31")), Some(1));
        assert_eq!(datetime_part("quarter", dt("2023-04-01")), Some(2));

        assert_eq!(day_of_week(0), 4); // Thursday
        assert_eq!(day_of_week(dt("2017-10-29")), 0); // Sunday
        assert_eq!(day_of_week(dt("2017-10-28 23:59:59.9999999")), 6);
        assert_eq!(day_of_week(MIN_DATETIME), 1); // Monday
        assert_eq!(day_of_week(MAX_DATETIME), 5); // Friday
        assert_eq!(day_of_week(-1), 3);
        for t in [i64::MIN, i64::MAX] {
            assert!((0..7).contains(&day_of_week(t)));
            for p in ["year", "week_of_year", "dayofyear", "nanosecond"] {
                assert!(datetime_part(p, t).is_some());
            }
        }
    }

    #[test]
    fn add() {
        let d = dt("2017-10-30 01:02:03.7654321");
        let cases = [
            ("year", 1, "2018-10-30 01:02:03.7654321"),
            ("quarter", 1, "2018-01-30 01:02:03.7654321"),
            ("month", 1, "2017-11-30 01:02:03.7654321"),
            ("week", 1, "2017-11-06 01:02:03.7654321"),
            ("day", 1, "2017-10-31 01:02:03.7654321"),
            ("hour", 1, "2017-10-30 02:02:03.7654321"),
            ("minute", 1, "2017-10-30 01:03:03.7654321"),
            ("second", 1, "2017-10-30 01:02:04.7654321"),
            ("millisecond", 1, "2017-10-30 01:02:03.7664321"),
            ("microsecond", 1, "2017-10-30 01:02:03.7654331"),
            ("nanosecond", 100, "2017-10-30 01:02:03.7654322"),
            ("nanosecond", 1, "2017-10-30 01:02:03.7654321"),
            ("MONTH", -10, "2016-12-30 01:02:03.7654321"),
            ("day", -30, "2017-09-30 01:02:03.7654321"),
        ];
        for (p, n, e) in cases {
            assert_eq!(datetime_add(p, n, d), Some(dt(e)), "{p} {n}");
        }
        // Day clamping.
        assert_eq!(
            datetime_add("month", 1, dt("2024-01-31")),
            Some(dt("2024-02-29"))
        );
        assert_eq!(
            datetime_add("month", 1, dt("2023-01-31 10:00")),
            Some(dt("2023-02-28 10:00"))
        );
        assert_eq!(
            datetime_add("month", -1, dt("2024-03-31")),
            Some(dt("2024-02-29"))
        );
        assert_eq!(
            datetime_add("year", 1, dt("2024-02-29")),
            Some(dt("2025-02-28"))
        );
        assert_eq!(
            datetime_add("quarter", 1, dt("2024-05-31")),
            Some(dt("2024-08-31"))
        );
        assert_eq!(
            datetime_add("quarter", 1, dt("2024-03-31")),
            Some(dt("2024-06-30"))
        );
        // Range / overflow / unknown.
        assert_eq!(datetime_add("year", 1, dt("9999-01-01")), None);
        assert_eq!(datetime_add("month", -1, MIN_DATETIME), None);
        assert_eq!(datetime_add("day", 1, MAX_DATETIME), None);
        assert_eq!(datetime_add("year", i64::MAX, 0), None);
        assert_eq!(datetime_add("quarter", i64::MIN, 0), None);
        assert_eq!(datetime_add("month", i64::MAX, 0), None);
        assert_eq!(datetime_add("week", i64::MAX, 0), None);
        assert_eq!(datetime_add("nanosecond", i64::MAX, MAX_DATETIME), None);
        assert_eq!(
            datetime_add("nanosecond", i64::MAX, 0),
            Some(i64::MAX / 100)
        );
        assert_eq!(datetime_add("fortnight", 1, 0), None);
    }

    #[test]
    fn diff_documented_examples() {
        let cases = [
            ("year", "2017-01-01", "2000-12-31", 17),
            ("quarter", "2017-07-01", "2017-03-30", 2),
            ("month", "2017-01-01", "2015-12-30", 13),
            ("week", "2017-10-29 00:00", "2017-09-30 23:59", 5),
            ("day", "2017-10-29 00:00", "2017-09-30 23:59", 29),
            ("hour", "2017-10-31 01:00", "2017-10-30 23:59", 2),
            ("minute", "2017-10-30 23:05:01", "2017-10-30 23:00:59", 5),
            (
                "second",
                "2017-10-30 23:00:10.100",
                "2017-10-30 23:00:00.900",
                10,
            ),
            (
                "millisecond",
                "2017-10-30 23:00:00.200100",
                "2017-10-30 23:00:00.100900",
                100,
            ),
            (
                "microsecond",
                "2017-10-30 23:00:00.1009001",
                "2017-10-30 23:00:00.1008009",
                100,
            ),
            (
                "nanosecond",
                "2017-10-30 23:00:00.0000000",
                "2017-10-30 23:00:00.0000007",
                -700,
            ),
        ];
        for (p, a, b, e) in cases {
            assert_eq!(datetime_diff(p, dt(a), dt(b)), Some(e), "{p}");
            // Anti-symmetric.
            assert_eq!(datetime_diff(p, dt(b), dt(a)), Some(-e), "{p} reversed");
        }
    }

    #[test]
    fn diff_more() {
        assert_eq!(
            datetime_diff("YEAR", dt("2017-01-01"), dt("2016-12-31 23:59:59.9999999")),
            Some(1)
        );
        assert_eq!(
            datetime_diff("day", dt("1970-01-01"), dt("1969-12-31 23:59")),
            Some(1)
        );
        assert_eq!(datetime_diff("hour", -1, 0), Some(-1));
        assert_eq!(
            datetime_diff("week", dt("2017-10-28"), dt("2017-10-22")),
            Some(0)
        );
        assert_eq!(
            datetime_diff("week", dt("2017-10-29"), dt("2017-10-28")),
            Some(1)
        );
        assert_eq!(
            datetime_diff("quarter", dt("2017-04-01"), dt("2017-03-31 23:59")),
            Some(1)
        );
        assert_eq!(
            datetime_diff("month", MAX_DATETIME, MIN_DATETIME),
            Some(9999 * 12 - 1)
        );
        assert_eq!(datetime_diff("nanosecond", i64::MAX, i64::MIN), None);
        assert_eq!(
            datetime_diff("nanosecond", MAX_DATETIME, MIN_DATETIME),
            None
        );
        assert_eq!(
            datetime_diff("microsecond", MAX_DATETIME, MIN_DATETIME),
            Some((MAX_DATETIME - MIN_DATETIME) / 10)
        );
        assert_eq!(datetime_diff("decade", 0, 0), None);
        for p in [
            "year",
            "quarter",
            "month",
            "week",
            "day",
            "hour",
            "second",
            "nanosecond",
        ] {
            for a in [i64::MIN, i64::MAX, 0] {
                for b in [i64::MIN, i64::MAX, 0] {
                    let _ = datetime_diff(p, a, b);
                }
            }
        }
    }

    #[test]
    fn custom_datetime_format() {
        let d = dt("2017-01-29 09:00:05");
        assert_eq!(
            format_datetime_with(d, "yy-MM-dd [HH:mm:ss]"),
            "17-01-29 [09:00:05]"
        );
        assert_eq!(
            format_datetime_with(d, "yyyy-M-dd [H:mm:ss]"),
            "2017-1-29 [9:00:05]"
        );
        assert_eq!(
            format_datetime_with(d, "yy-MM-dd HH:mm:ss.fff"),
            "17-01-29 09:00:05.000"
        );
        assert_eq!(
            format_datetime_with(d, "yy-MM-dd HH:mm:ss.FFF"),
            "17-01-29 09:00:05"
        );
        assert_eq!(
            format_datetime_with(d, "ddd, dd MMM yyyy"),
            "Sun, 29 Jan 2017"
        );
        assert_eq!(format_datetime_with(d, "dddd d MMMM"), "Sunday 29 January");
        assert_eq!(format_datetime_with(d, "h tt / t"), "9 AM / A");
        assert_eq!(
            format_datetime_with(d, "y/yy/yyyy/yyyyy"),
            "17/17/2017/02017"
        );
        let p = dt("2009-06-15 13:45:30.6175425");
        assert_eq!(format_datetime_with(p, "hh:mm tt"), "01:45 PM");
        assert_eq!(
            format_datetime_with(p, "f ff fff ffff fffff ffffff fffffff"),
            "6 61 617 6175 61754 617542 6175425"
        );
        assert_eq!(
            format_datetime_with(p, "F FF FFF FFFF FFFFF FFFFFF FFFFFFF"),
            "6 61 617 6175 61754 617542 6175425"
        );
        let q = dt("2009-06-15 13:45:30.0500000");
        assert_eq!(format_datetime_with(q, "ss.F"), "30");
        assert_eq!(format_datetime_with(q, "ss.FF"), "30.05");
        assert_eq!(format_datetime_with(q, "ss.ff"), "30.05");
        assert_eq!(format_datetime_with(q, "ss.f"), "30.0");
        assert_eq!(format_datetime_with(q, "ss_F"), "30_");
        let midnight = dt("0009-01-01 00:00:00");
        assert_eq!(
            format_datetime_with(midnight, "h hh H HH y yy yyyy tt"),
            "12 12 0 00 9 09 0009 AM"
        );
        assert_eq!(
            format_datetime_with(midnight, "dd/MM/yyyy - x ZZ é"),
            "01/01/0009 - x ZZ é"
        );
        assert_eq!(format_datetime_with(midnight, ""), "");
        assert_eq!(format_datetime_with(dt("1900-05-05"), "y"), "0");
        for t in [i64::MIN, i64::MAX] {
            let _ = format_datetime_with(t, "dddd MMMM yyyyyyyyyyyy fffffffffff FFFFFFFFF tt hh");
        }
    }

    #[test]
    fn custom_timespan_format() {
        let t = ts("29.09:00:05.12345");
        assert_eq!(format_timespan_with(t, "dd.hh:mm:ss:FF"), "29.09:00:05:12");
        assert_eq!(
            format_timespan_with(t, "ddd.h:mm:ss [fffffff]"),
            "029.9:00:05 [1234500]"
        );
        assert_eq!(format_timespan_with(t, "dddddddd"), "00000029");
        assert_eq!(format_timespan_with(t, "FFFFFFF"), "12345");
        let u = ts("15.13:45:30.0001150");
        assert_eq!(format_timespan_with(u, "FFFFFFF"), "000115");
        assert_eq!(format_timespan_with(u, "fffffff"), "0001150");
        assert_eq!(format_timespan_with(u, "d HH m s"), "15 13 45 30");
        assert_eq!(format_timespan_with(ts("00:00:30.05"), "ss.F"), "30");
        assert_eq!(format_timespan_with(-TICKS_PER_HOUR, "hh:mm"), "-01:00");
        assert_eq!(format_timespan_with(0, "d.hh:mm:ss"), "0.00:00:00");
        for t in [i64::MIN, i64::MAX] {
            let _ = format_timespan_with(t, "dddddddddd hh mm ss fffffffff FFFFFFFFF");
        }
    }

    #[test]
    fn garbage_never_panics() {
        let seeds = [
            "2014-05-25T08:20:03.123456Z",
            "2/25/2025, 9:19:25.391 AM",
            "Saturday, 08-Nov-14 15:05:02 GMT",
            "Sat, 8 Nov 14 15:05:02 +0100",
            "12-02-2022",
            "1.02:03:04.1234567",
            "-01:00:00",
            "9999-12-31T23:59:59.9999999-23:59",
        ];
        let alphabet: Vec<char> = "0123456789-/:.,+ TZzAPMGSatNov\t\u{e9}\u{1F600}x"
            .chars()
            .collect();
        let mut rng = Rng(99);
        let mut inputs: Vec<String> = vec![
            "\u{0}".into(),
            "99999999999999999999-01-01".into(),
            "2014-05-25T08:20:03.99999999999999999999999Z".into(),
            "1/1/1 1:1".into(),
            "00:00".into(),
            ":::".into(),
            "-".into(),
            ".".into(),
            "T".into(),
            "Z".into(),
            ", , ,".into(),
            "Sat,".into(),
            "Sat, ".into(),
            "8 Nov".into(),
            "99999999999999999999.00:00:00".into(),
        ];
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            // Every prefix and suffix.
            for i in 0..=chars.len() {
                inputs.push(chars[..i].iter().collect());
                inputs.push(chars[i..].iter().collect());
            }
            // Random mutations.
            for _ in 0..60 {
                let mut c = chars.clone();
                for _ in 0..rng.range(1, 4) {
                    let pos = rng.range(0, c.len() as i64) as usize;
                    let ch = alphabet[rng.range(0, alphabet.len() as i64 - 1) as usize];
                    match rng.range(0, 2) {
                        0 if pos < c.len() => c[pos] = ch,
                        1 if pos < c.len() => {
                            c.remove(pos);
                        }
                        _ => c.insert(pos, ch),
                    }
                }
                inputs.push(c.into_iter().collect());
            }
        }
        // Fully random strings.
        for _ in 0..200 {
            let len = rng.range(0, 30) as usize;
            inputs.push(
                (0..len)
                    .map(|_| alphabet[rng.range(0, alphabet.len() as i64 - 1) as usize])
                    .collect(),
            );
        }
        assert!(inputs.len() > 500);
        for s in &inputs {
            if let Some(t) = parse_datetime(s) {
                assert!((MIN_DATETIME..=MAX_DATETIME).contains(&t), "{s:?}");
                assert_eq!(parse_datetime(&format_datetime(t)), Some(t));
            }
            if let Some(t) = parse_timespan(s) {
                assert_eq!(parse_timespan(&format_timespan(t)), Some(t), "{s:?}");
            }
            let _ = timespan_unit_ticks(s);
            let _ = datetime_part(s, 0);
            let _ = datetime_add(s, 1, 0);
            let _ = datetime_diff(s, 1, 0);
            let _ = format_datetime_with(123_456_789, s);
            let _ = format_timespan_with(-123_456_789, s);
        }
    }
}
