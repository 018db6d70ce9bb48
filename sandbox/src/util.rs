//! Small helpers: clock, randomness and date formatting.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `n` random bytes from the OS CSPRNG.
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    // The OS generator only fails on exotic platforms; a zeroed buffer would
    // still be unique enough for a local simulator, but mix in the clock anyway.
    if getrandom::fill(&mut buf).is_err() {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8 ^ i as u8;
        }
    }
    buf
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random lowercase hex token of `n` bytes (40 hex characters for 20 bytes,
/// the shape of the tokens in the PDF samples).
pub(crate) fn random_token(n: usize) -> String {
    hex(&random_bytes(n))
}

/// A random string of `n` decimal digits.
pub(crate) fn random_digits(n: usize) -> String {
    random_bytes(n)
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect()
}

/// A random RFC 4122 version-4 UUID string (36 characters).
pub(crate) fn uuid_v4() -> String {
    let mut b = random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Civil date (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2015-05-12T15:50:38Z` for a Unix timestamp (the listing date format).
pub(crate) fn iso8601(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// `DDMMYYYY` for a Unix timestamp.
pub(crate) fn ddmmyyyy(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!("{d:02}{m:02}{y:04}")
}

/// True if `s` is a `DDMMYYYY` date with plausible ranges.
pub(crate) fn is_ddmmyyyy(s: &str) -> bool {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let d: u32 = s[0..2].parse().unwrap_or(0);
    let m: u32 = s[2..4].parse().unwrap_or(0);
    let y: u32 = s[4..8].parse().unwrap_or(0);
    (1..=31).contains(&d) && (1..=12).contains(&m) && (1900..=2100).contains(&y)
}

/// Mask all but the last `keep` characters of `s` with `x`.
pub(crate) fn mask(s: &str, keep: usize) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + keep < n { 'x' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_431_445_838), "2015-05-12T15:50:38Z");
        assert_eq!(ddmmyyyy(1_431_445_838), "12052015");
        assert!(is_ddmmyyyy("31121970"));
        assert!(!is_ddmmyyyy("3112197"));
        assert!(!is_ddmmyyyy("32131970"));
    }

    #[test]
    fn ids() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(random_token(20).len(), 40);
        assert_eq!(mask("9999900001", 4), "xxxxxx0001");
    }
}
