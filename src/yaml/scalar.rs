//! What a plain (unquoted) scalar means: to a YAML 1.2 reader (core schema) and to a YAML 1.1 reader.
//!
//! The YAML 1.1 rules are go-yaml v2's (what Helm and kubectl read with): `yes`/`no`/`on`/`off`/`y`/`n`
//! are booleans, `_` separators are dropped from numbers, `010` is octal, `0b101` binary; plus the two
//! 1.1 forms other 1.1 readers know and a careful writer must not leave plain: base-60 numbers (`1:20`) and
//! timestamps (`2026-01-02`, which go-yaml v2 hands back as a string but PyYAML and Ruby read as a date).
//! Quoted and block scalars are strings to every reader; only plain ones go through these rules.

use serde_json::Number;

/// What a reader makes of a plain scalar.
#[derive(Debug, Clone)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(Number),
    Float(f64),
    /// A YAML 1.1 timestamp.
    Timestamp,
    /// The YAML 1.1 merge key `<<` or value key `=`.
    Special,
    Str,
}

impl PartialEq for Scalar {
    /// Equal readings; every NaN reads the same.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Scalar::Float(a), Scalar::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Scalar::Int(a), Scalar::Int(b)) => a == b,
            (Scalar::Bool(a), Scalar::Bool(b)) => a == b,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Scalar {
    /// A short name for messages: "a boolean", "a number"…
    pub fn describe(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "a boolean",
            Scalar::Int(_) | Scalar::Float(_) => "a number",
            Scalar::Timestamp => "a date",
            Scalar::Special => "a special key",
            Scalar::Str => "a string",
        }
    }
}

/// The YAML 1.2 core schema reading of a plain scalar.
pub fn core(text: &str) -> Scalar {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned, 10) {
        return int(text.parse::<i128>().ok()).unwrap_or_else(|| float(text));
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8)] {
        if let Some(rest) = text.strip_prefix(prefix)
            && digits(rest, radix)
        {
            return int(i128::from_str_radix(rest, radix).ok()).unwrap_or(Scalar::Str);
        }
    }
    if is_float(unsigned) {
        return float(text);
    }
    Scalar::Str
}

/// The YAML 1.1 reading of a plain scalar (see the module documentation for which rules).
pub fn yaml11(text: &str) -> Scalar {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Scalar::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Scalar::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        "<<" | "=" => return Scalar::Special,
        _ => {}
    }
    match text.as_bytes()[0] {
        b'.' => {
            return if is_float(text) { float(text) } else { Scalar::Str };
        }
        b'0'..=b'9' | b'-' | b'+' => {}
        _ => return Scalar::Str,
    }
    if is_timestamp(text) {
        return Scalar::Timestamp;
    }
    let plain = text.replace('_', "");
    let (negative, unsigned) = match plain.as_bytes()[0] {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    let sign = |v: i128| if negative { -v } else { v };
    // Go's ParseInt with base 0: `0x` hex, `0o` or a leading `0` octal, `0b` binary, else decimal.
    let radix_int = if let Some(h) = unsigned.strip_prefix("0x").or_else(|| unsigned.strip_prefix("0X")) {
        digits(h, 16).then(|| i128::from_str_radix(h, 16).ok()).flatten()
    } else if let Some(b) = unsigned.strip_prefix("0b").or_else(|| unsigned.strip_prefix("0B")) {
        digits(b, 2).then(|| i128::from_str_radix(b, 2).ok()).flatten()
    } else if let Some(o) = unsigned.strip_prefix("0o").or_else(|| unsigned.strip_prefix("0O")) {
        digits(o, 8).then(|| i128::from_str_radix(o, 8).ok()).flatten()
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        digits(unsigned, 8).then(|| i128::from_str_radix(unsigned, 8).ok()).flatten()
    } else {
        digits(unsigned, 10).then(|| unsigned.parse::<i128>().ok()).flatten()
    };
    if let Some(v) = radix_int {
        return int(Some(sign(v))).unwrap_or_else(|| float(&plain));
    }
    if is_float(unsigned) {
        return float(&plain);
    }
    // Base 60 (YAML 1.1 spec): `[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+` and the same with a fraction.
    if let Some(v) = sexagesimal(unsigned) {
        return v(negative);
    }
    Scalar::Str
}

/// Whether a plain scalar reads differently under YAML 1.1 than under YAML 1.2.
pub fn ambiguous(text: &str) -> bool {
    core(text) != yaml11(text)
}

/// Whether a plain scalar is a string to every reader (YAML 1.2 and YAML 1.1).
pub fn is_string_everywhere(text: &str) -> bool {
    core(text) == Scalar::Str && yaml11(text) == Scalar::Str
}

fn digits(s: &str, radix: u32) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_digit(radix))
}

fn int(v: Option<i128>) -> Option<Scalar> {
    let v = v?;
    if let Ok(i) = i64::try_from(v) {
        return Some(Scalar::Int(i.into()));
    }
    u64::try_from(v).ok().map(|u| Scalar::Int(u.into()))
}

fn float(text: &str) -> Scalar {
    text.parse::<f64>().map_or(Scalar::Str, Scalar::Float)
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, optionally signed.
fn is_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let all_digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => all_digits(int) && all_digits(frac) && !(int.is_empty() && frac.is_empty()),
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

/// `YYYY-M-D` at the start, as the YAML 1.1 timestamp type (and go-yaml v2's parser) begins.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let rest = &s[5..];
    let mut parts = rest.splitn(3, '-');
    let month = parts.next().unwrap_or_default();
    let day: String = parts.next().unwrap_or_default().chars().take_while(char::is_ascii_digit).collect();
    (1..=2).contains(&month.len()) && digits(month, 10) && (1..=2).contains(&day.len())
}

type Reading = Box<dyn Fn(bool) -> Scalar>;

fn sexagesimal(s: &str) -> Option<Reading> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let mut parts = whole.split(':');
    let first = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() || !digits(first, 10) || (frac.is_none() && first.starts_with('0')) {
        return None;
    }
    if !rest.iter().all(|p| (1..=2).contains(&p.len()) && digits(p, 10) && p.parse::<u32>().is_ok_and(|v| v < 60)) {
        return None;
    }
    let mut v: f64 = first.parse().ok()?;
    for p in &rest {
        v = v * 60.0 + p.parse::<f64>().ok()?;
    }
    match frac {
        Some(f) if f.is_empty() || digits(f, 10) => {
            let v = v + format!("0.{f}").parse::<f64>().unwrap_or(0.0);
            Some(Box::new(move |neg| Scalar::Float(if neg { -v } else { v })))
        }
        Some(_) => None,
        None => {
            #[allow(clippy::cast_possible_truncation)]
            let v = v as i128;
            Some(Box::new(move |neg| int(Some(if neg { -v } else { v })).unwrap_or(Scalar::Str)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(v: i64) -> Scalar {
        Scalar::Int(v.into())
    }

    #[test]
    fn core_schema() {
        assert_eq!(core("0"), i(0));
        assert_eq!(core("-12"), i(-12));
        assert_eq!(core("0x1F"), i(31));
        assert_eq!(core("0o17"), i(15));
        assert_eq!(core("017"), i(17));
        assert_eq!(core("1e3"), Scalar::Float(1000.0));
        assert_eq!(core(".nan"), Scalar::Float(f64::NAN));
        assert_eq!(core("yes"), Scalar::Str);
        assert_eq!(core("1_000"), Scalar::Str);
        assert_eq!(core("0b101"), Scalar::Str);
        assert_eq!(core("2026-01-02"), Scalar::Str);
        assert_eq!(core("~"), Scalar::Null);
        assert_eq!(core("18446744073709551615"), Scalar::Int(u64::MAX.into()));
    }

    #[test]
    fn yaml_1_1_as_helm_reads_it() {
        assert_eq!(yaml11("yes"), Scalar::Bool(true));
        assert_eq!(yaml11("Off"), Scalar::Bool(false));
        assert_eq!(yaml11("017"), i(15));
        assert_eq!(yaml11("08"), Scalar::Float(8.0));
        assert_eq!(yaml11("0b101"), i(5));
        assert_eq!(yaml11("-0b101"), i(-5));
        assert_eq!(yaml11("1_000"), i(1000));
        assert_eq!(yaml11("0x1F"), i(31));
        assert_eq!(yaml11("1:20"), i(80));
        assert_eq!(yaml11("1:20.5"), Scalar::Float(80.5));
        assert_eq!(yaml11("2026-01-02"), Scalar::Timestamp);
        assert_eq!(yaml11("2001-12-14t21:59:43.10-05:00"), Scalar::Timestamp);
        assert_eq!(yaml11("<<"), Scalar::Special);
        assert_eq!(yaml11(".5"), Scalar::Float(0.5));
        for s in ["1.2.3", "1.2.3-rc1", "v1", "-Xmx512m", "09:30", "2026", "info", "."] {
            assert!(!matches!(yaml11(s), Scalar::Bool(_) | Scalar::Null | Scalar::Timestamp | Scalar::Special), "{s}");
        }
        assert_eq!(yaml11("1.2.3"), Scalar::Str);
        assert_eq!(yaml11("09:30"), Scalar::Str);
    }

    #[test]
    fn the_readings_that_differ() {
        for s in ["yes", "no", "on", "y", "017", "0b101", "1_000", "2026-01-02", "1:20", "<<"] {
            assert!(ambiguous(s), "{s}");
            assert!(!is_string_everywhere(s), "{s}");
        }
        for s in ["0", "10", "1.5", "true", "null", "0x1F", "1e3", ".inf", ".nan", "redis", "1.2.3"] {
            assert!(!ambiguous(s), "{s}");
        }
        assert!(is_string_everywhere("redis"));
        assert!(!is_string_everywhere("0o17"));
    }
}
