//! Inline message texts: placeholders checked against the schema, and the number of SMS
//! segments a text needs (GSM 03.38: 160 characters, 153 per part when split; UCS-2 when any
//! character is outside the GSM alphabet: 70, and 67 per part).

use crate::ast::Name;
use crate::schema::PLACEHOLDERS;

use super::{CheckError, suggest};

/// The GSM 03.38 basic alphabet (one septet each).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The GSM 03.38 extension table (an escape septet and one more).
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{c}";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Segments needed for `text`, its length in the encoding's units, and the encoding.
pub fn sms_segments(text: &str) -> (usize, usize, Encoding) {
    if let Some(length) = gsm7_length(text) {
        let segments = if length <= 160 {
            1
        } else {
            length.div_ceil(153)
        };
        (segments, length, Encoding::Gsm7)
    } else {
        let length = text.encode_utf16().count();
        let segments = if length <= 70 { 1 } else { length.div_ceil(67) };
        (segments, length, Encoding::Ucs2)
    }
}

fn gsm7_length(text: &str) -> Option<usize> {
    text.chars().try_fold(0, |n, c| {
        if GSM_BASIC.contains(c) {
            Some(n + 1)
        } else if GSM_EXTENSION.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    })
}

/// The text with each placeholder replaced by as many `x` as it is assumed to take.
fn expanded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &rest[open + 1..open + close];
        let width = PLACEHOLDERS
            .iter()
            .find(|(p, _, _)| *p == name)
            .map_or(0, |(_, w, _)| *w);
        out.extend(std::iter::repeat_n('x', width));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Warns when an SMS text, with placeholders at their assumed widths, needs several segments.
pub(super) fn check_sms_length(errors: &mut Vec<CheckError>, text: &Name) {
    let (segments, length, encoding) = sms_segments(&expanded(&text.node));
    if segments <= 1 {
        return;
    }
    let outside_gsm = match encoding {
        Encoding::Ucs2 => text
            .node
            .chars()
            .find(|c| !GSM_BASIC.contains(*c) && !GSM_EXTENSION.contains(*c)),
        Encoding::Gsm7 => None,
    };
    errors.push(CheckError::SmsTextTooLong {
        segments,
        length,
        encoding,
        outside_gsm,
        span: text.span.into(),
    });
}

/// Checks every `{placeholder}` of a text. `source` is the file's text: positions are taken
/// from the string as written, so labels point at the right characters even after escapes.
pub(super) fn check_placeholders(errors: &mut Vec<CheckError>, text: &Name, source: &str) {
    let start = text.span.start + 1;
    let end = text.span.end.saturating_sub(1).max(start);
    let Some(raw) = source.get(start..end) else {
        return;
    };
    let mut offset = 0;
    while let Some(open) = raw[offset..].find('{') {
        let open = offset + open;
        let Some(len) = raw[open..].find('}') else {
            errors.push(CheckError::UnclosedPlaceholder {
                span: (start + open, 1).into(),
            });
            return;
        };
        let name = &raw[open + 1..open + len];
        if !PLACEHOLDERS.iter().any(|(p, _, _)| *p == name) {
            errors.push(CheckError::UnknownPlaceholder {
                name: name.to_string(),
                span: (start + open, len + 1).into(),
                suggestion: suggest::suggestion(name, PLACEHOLDERS.iter().map(|(p, _, _)| *p)),
            });
        }
        offset = open + len + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_follow_gsm_and_ucs2_limits() {
        assert_eq!(sms_segments(&"a".repeat(160)), (1, 160, Encoding::Gsm7));
        assert_eq!(sms_segments(&"a".repeat(161)), (2, 161, Encoding::Gsm7));
        assert_eq!(sms_segments(&"a".repeat(307)), (3, 307, Encoding::Gsm7));
        // Swedish and Danish letters are in the GSM alphabet ...
        assert_eq!(
            sms_segments("Påminnelse: tid hos Vårdcentralen, Ø").2,
            Encoding::Gsm7
        );
        // ... `€` takes two septets, and one `ł` makes the whole text UCS-2.
        assert_eq!(sms_segments("€"), (1, 2, Encoding::Gsm7));
        assert_eq!(
            sms_segments(&format!("ł{}", "a".repeat(70))),
            (2, 71, Encoding::Ucs2)
        );
    }
}
