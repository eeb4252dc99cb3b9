//! Badges: SVG in the shields.io "flat" style, and the shields.io endpoint JSON for the same badge.
//!
//! Text is measured as shields measures it — Verdana 11 px advance widths ([`super::verdana`]), summed in
//! floating point, truncated, rounded up to an odd number of pixels — so a firedrill badge is exactly as wide
//! as shields would draw it and sits beside other badges without looking off.

use std::fmt::Write as _;

use super::markdown::xml;
use super::verdana::{FALLBACK, WIDTHS};

/// Padding left and right of each half's text.
const PADDING: u32 = 5;
const HEIGHT: u32 = 20;
/// The label half's background.
const LABEL_BACKGROUND: &str = "#555";

/// A badge colour: one of shields' names, or a hex colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Color {
    Named(&'static str),
    /// Three or six lowercase hex digits, without `#`.
    Hex(String),
}

/// shields' named colours and the fills its current renderer draws them with.
const NAMED: [(&str, &str); 9] = [
    ("brightgreen", "#4b0"),
    ("green", "#67ac09"),
    ("yellowgreen", "#95991a"),
    ("yellow", "#d8b800"),
    ("orange", "#ea7233"),
    ("red", "#dd4343"),
    ("blue", "#007ec6"),
    ("grey", "#555"),
    ("lightgrey", "#939393"),
];

/// Other names shields accepts for the same colours.
const ALIASES: [(&str, &str); 7] = [
    ("gray", "grey"),
    ("lightgray", "lightgrey"),
    ("critical", "red"),
    ("important", "orange"),
    ("success", "brightgreen"),
    ("informational", "blue"),
    ("inactive", "lightgrey"),
];

impl Color {
    /// `brightgreen`, `critical`, `e05d44`, `#e05d44` or `#e54`.
    pub fn parse(s: &str) -> Result<Color, String> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        let name = ALIASES.iter().find(|(a, _)| *a == lower).map_or(lower.as_str(), |(_, n)| n);
        if let Some((n, _)) = NAMED.iter().find(|(n, _)| *n == name) {
            return Ok(Color::Named(n));
        }
        let hex = lower.strip_prefix('#').unwrap_or(&lower);
        if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Color::Hex(hex.to_owned()));
        }
        let names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
        Err(format!("`{s}` is not a badge colour: use one of {} or a hex colour such as `e05d44`", names.join(", ")))
    }

    /// The fill in the SVG.
    pub fn fill(&self) -> String {
        match self {
            Color::Named(n) => NAMED.iter().find(|(name, _)| name == n).map_or("#555", |(_, f)| f).to_owned(),
            Color::Hex(h) => format!("#{h}"),
        }
    }

    /// The value of `color` in the endpoint JSON.
    pub fn endpoint(&self) -> String {
        match self {
            Color::Named(n) => (*n).to_owned(),
            Color::Hex(h) => h.clone(),
        }
    }
}

/// One badge: `label | message` on a coloured right half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub label: String,
    pub message: String,
    pub color: Color,
}

/// The width shields measures `text` at, in pixels (before rounding).
pub fn text_width(text: &str) -> f64 {
    // Summed in f64 in reading order, as shields does, so that truncation below agrees to the pixel.
    text.chars().fold(0.0, |acc, c| acc + f64::from(char_width(c)) / 100.0)
}

fn char_width(c: char) -> u16 {
    let cp = u32::from(c);
    if cp <= 31 || cp == 127 {
        return 0;
    }
    let i = WIDTHS.partition_point(|&(_, hi, _)| hi < cp);
    match WIDTHS.get(i) {
        Some(&(lo, _, w)) if lo <= cp => w,
        _ => FALLBACK,
    }
}

/// The width a badge gives `text`: truncated, then rounded up to odd (shields' pixel-grid alignment).
pub fn preferred_width(text: &str) -> u32 {
    // Truncation is the intent: shields uses `width | 0`.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let w = text_width(text) as u32;
    if w.is_multiple_of(2) { w + 1 } else { w }
}

/// Perceived brightness of a hex fill (`#rgb` or `#rrggbb`), 0 to 1, rounded to hundredths.
fn brightness(fill: &str) -> f64 {
    let hex = fill.trim_start_matches('#');
    let full: String = if hex.len() == 3 { hex.chars().flat_map(|c| [c, c]).collect() } else { hex.to_owned() };
    let channel = |i: usize| full.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).map_or(0.0, f64::from);
    let b = (channel(0) * 299.0 + channel(2) * 587.0 + channel(4) * 114.0) / 255_000.0;
    (b * 100.0).round() / 100.0
}

/// Text and shadow colours that read on `fill`: white on dark, dark grey on light.
fn text_colors(fill: &str) -> (&'static str, &'static str) {
    if brightness(fill) <= 0.69 { ("#fff", "#010101") } else { ("#333", "#ccc") }
}

impl Badge {
    pub fn new(label: impl Into<String>, message: impl Into<String>, color: Color) -> Badge {
        Badge { label: label.into(), message: message.into(), color }
    }

    /// The badge as an SVG document (one line, no trailing newline), laid out as shields' flat style.
    pub fn svg(&self) -> String {
        let has_label = !self.label.is_empty();
        let fill = self.color.fill();
        let label_fill = if has_label { LABEL_BACKGROUND.to_owned() } else { fill.clone() };
        let label_width = if has_label { preferred_width(&self.label) } else { 0 };
        let left = if has_label { label_width + 2 * PADDING } else { 0 };
        let message_width = preferred_width(&self.message);
        let right = message_width + 2 * PADDING;
        let width = left + right;
        // The message's text starts one pixel into the label half (at 0 without a label), as in shields.
        let message_margin = (left + u32::from(!has_label)).saturating_sub(u32::from(!self.message.is_empty()));
        let title = if has_label { format!("{}: {}", self.label, self.message) } else { self.message.clone() };
        let title = xml(&title);

        let mut o = String::new();
        let _ = write!(
            o,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" role="img" aria-label="{title}"><title>{title}</title>"#
        );
        o.push_str(r#"<filter id="blur"><feGaussianBlur stdDeviation="16"/></filter>"#);
        o.push_str(r##"<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>"##);
        let _ = write!(o, r#"<clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3"/></clipPath>"#);
        let _ = write!(
            o,
            r#"<g clip-path="url(#r)"><rect width="{left}" height="{HEIGHT}" fill="{label_fill}"/><rect x="{left}" width="{right}" height="{HEIGHT}" fill="{fill}"/><rect width="{width}" height="{HEIGHT}" fill="url(#s)"/></g>"#
        );
        o.push_str(r##"<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">"##);
        text(&mut o, &self.label, 1, label_width, &label_fill);
        text(&mut o, &self.message, message_margin, message_width, &fill);
        o.push_str("</g></svg>");
        o
    }

    /// The shields.io endpoint JSON (`https://img.shields.io/endpoint?url=…`): exactly the keys shields accepts.
    pub fn endpoint_json(&self) -> String {
        let value = serde_json::json!({
            "schemaVersion": 1,
            "label": self.label,
            "message": self.message,
            "color": self.color.endpoint(),
        });
        let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// One half's text, drawn at 10× and scaled down (finer positioning), over a blurred and a plain shadow.
fn text(o: &mut String, content: &str, margin: u32, width: u32, background: &str) {
    if content.is_empty() {
        return;
    }
    let (color, shadow) = text_colors(background);
    // `margin + width / 2 + PADDING`, times ten: width is odd, so this is a whole number.
    let x = 10 * (margin + PADDING) + 5 * width;
    let length = 10 * width;
    let content = xml(content);
    let fill = if color == "#fff" { String::new() } else { format!(r#" fill="{color}""#) };
    let _ = write!(
        o,
        r#"<g transform="scale(.1)"><g aria-hidden="true" fill="{shadow}"><text x="{x}" y="150" fill-opacity=".8" filter="url(#blur)" textLength="{length}">{content}</text><text x="{x}" y="150" fill-opacity=".3" textLength="{length}">{content}</text></g><text x="{x}" y="140" textLength="{length}"{fill}>{content}</text></g>"#
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_shields_rounding() {
        // "time to recovery": 90.92 px → 90 → 91 (odd); digits are 6.99 px each.
        assert_eq!(preferred_width("time to recovery"), 91);
        assert_eq!(preferred_width("1 h 18 min"), 61);
        assert!((text_width("00") - 13.98).abs() < 1e-9);
        // A character shields has no width for counts as an `m`; control characters count nothing.
        assert_eq!(char_width('\u{1F525}'), char_width('m'));
        assert_eq!(char_width('\n'), 0);
        assert_eq!(preferred_width(""), 1);
    }

    #[test]
    fn colours_by_name_alias_or_hex() {
        assert_eq!(Color::parse("success").unwrap(), Color::Named("brightgreen"));
        assert_eq!(Color::parse("#E54").unwrap(), Color::Hex("e54".into()));
        assert_eq!(Color::parse("e05d44").unwrap().fill(), "#e05d44");
        let err = Color::parse("chartreuse").unwrap_err();
        assert!(err.contains("`chartreuse` is not a badge colour") && err.contains("brightgreen"), "{err}");
        assert_eq!(text_colors("#d8b800").0, "#fff");
        assert_eq!(text_colors("#eeeeee"), ("#333", "#ccc"));
    }

    #[test]
    fn a_badge_in_svg_and_endpoint_json() {
        let b = Badge::new("time to recovery", "1 h 18 min", Color::parse("yellow").unwrap());
        insta::assert_snapshot!(b.svg());
        insta::assert_snapshot!(b.endpoint_json());
    }

    #[test]
    fn text_is_escaped_and_light_colours_get_dark_text() {
        let b = Badge::new("a<b & \"c\"", "≥ 3 h", Color::parse("eee").unwrap());
        let svg = b.svg();
        assert!(svg.contains("a&lt;b &amp; &quot;c&quot;: ≥ 3 h"), "{svg}");
        assert!(svg.contains(r##"textLength="310" fill="#333">≥ 3 h</text>"##), "{svg}");
        let json: serde_json::Value = serde_json::from_str(&b.endpoint_json()).unwrap();
        assert_eq!(json["label"], "a<b & \"c\"");
        assert_eq!(json["color"], "eee");
        assert_eq!(json.as_object().unwrap().len(), 4);
    }
}
