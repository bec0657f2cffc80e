//! Staff lists (`rem due`, R9): a table model, written the same way to the terminal, to CSV
//! and to a self-contained HTML page a clinic opens in a browser. A row may carry a status
//! (past due, due soon, ...): shown as its words everywhere, and as a colour too where the
//! output has colour, never by colour alone. Nothing here reads the clock: the time a list is
//! made for is part of its subtitle.

use std::fmt::Write as _;

pub mod due;
pub mod tasks;

/// A row's status: its words, and the colour and CSS class it is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub label: &'static str,
    /// `red`, `yellow`, `black` or `grey`.
    pub colour: &'static str,
}

#[derive(Debug, Clone, Default)]
pub struct Row {
    pub cells: Vec<String>,
    pub status: Option<Status>,
}

/// A table under its own heading (one unit, one clinic).
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub heading: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub title: String,
    /// Lines under the title: what the list is of, and for when it was made.
    pub subtitle: Vec<String>,
    /// The columns of every section; a row's status is a last column `status`.
    pub columns: Vec<&'static str>,
    pub sections: Vec<Section>,
    /// Said when there are no rows at all.
    pub empty: &'static str,
}

impl Report {
    fn has_status(&self) -> bool {
        self.sections
            .iter()
            .flat_map(|s| &s.rows)
            .any(|r| r.status.is_some())
    }

    fn headers(&self) -> Vec<&'static str> {
        let mut headers = self.columns.clone();
        if self.has_status() {
            headers.push("status");
        }
        headers
    }

    fn cells<'r>(&self, row: &'r Row) -> Vec<&'r str> {
        let mut cells: Vec<&str> = row.cells.iter().map(String::as_str).collect();
        if self.has_status() {
            cells.push(row.status.map_or("", |s| s.label));
        }
        cells
    }
}

/// The report as aligned text; `colour` adds ANSI colours to the status words.
pub fn terminal(report: &Report, colour: bool) -> String {
    let mut out = format!("{}\n", report.title);
    for line in &report.subtitle {
        let _ = writeln!(out, "{line}");
    }
    if report.sections.iter().all(|s| s.rows.is_empty()) {
        let _ = writeln!(out, "\n{}", report.empty);
        return out;
    }
    let headers = report.headers();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in report.sections.iter().flat_map(|s| &s.rows) {
        for (w, cell) in widths.iter_mut().zip(report.cells(row)) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str], status: Option<Status>| {
        let last = cells.len().saturating_sub(1);
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            let pad = width.saturating_sub(cell.chars().count());
            match status.filter(|_| colour && i == last && report.has_status()) {
                Some(s) => text.push_str(&format!("{}{cell}\x1b[0m", ansi(s.colour))),
                None => text.push_str(cell),
            }
            if i < last {
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        text.trim_end().to_string()
    };
    for section in &report.sections {
        let _ = writeln!(out, "\n{}", section.heading);
        let _ = writeln!(out, "{}", line(&headers, None));
        for row in &section.rows {
            let _ = writeln!(out, "{}", line(&report.cells(row), row.status));
        }
    }
    out
}

fn ansi(colour: &str) -> &'static str {
    match colour {
        "red" => "\x1b[31;1m",
        "yellow" => "\x1b[33;1m",
        "grey" => "\x1b[2m",
        _ => "\x1b[1m",
    }
}

/// The report as CSV: a `section` column, the columns, and `status` when rows have one.
/// Cells a spreadsheet would read as a formula are neutralised.
pub fn csv(report: &Report) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let mut header = vec!["section"];
    header.extend(report.headers());
    let _ = writer.write_record(&header);
    for section in &report.sections {
        for row in &section.rows {
            let mut record = vec![crate::output::neutral(&section.heading)];
            record.extend(report.cells(row).into_iter().map(crate::output::neutral));
            let _ = writer.write_record(record.iter().map(|c| c.as_ref()));
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The report as JSON, for programs and the workbench: the title and subtitle, the columns,
/// each section's rows as objects by column, with `status` (its words) and `colour` when the row
/// has a status, and what to say when there are no rows (`empty`).
pub fn json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&json_value(report)).unwrap_or_default();
    text.push('\n');
    text
}

/// The report as `json` writes it, as a value (for an answer that holds it).
pub fn json_value(report: &Report) -> serde_json::Value {
    let sections: Vec<serde_json::Value> = report
        .sections
        .iter()
        .map(|section| {
            let rows: Vec<serde_json::Value> = section
                .rows
                .iter()
                .map(|row| {
                    let mut object: serde_json::Map<String, serde_json::Value> = report
                        .columns
                        .iter()
                        .zip(&row.cells)
                        .map(|(c, v)| ((*c).to_string(), v.clone().into()))
                        .collect();
                    if let Some(status) = row.status {
                        object.insert("status".into(), status.label.into());
                        object.insert("colour".into(), status.colour.into());
                    }
                    object.into()
                })
                .collect();
            serde_json::json!({ "heading": section.heading, "rows": rows })
        })
        .collect();
    serde_json::json!({
        "title": report.title,
        "subtitle": report.subtitle,
        "columns": report.headers(),
        "sections": sections,
        "empty": report.empty,
    })
}

/// Text for HTML and XML: `&`, `<`, `>` and both quotes escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#111;background:#fff}\
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}\
table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:bold;padding:.3rem 0}\
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#eee}.status{font-weight:bold;white-space:nowrap}\
.status::before{content:'';display:inline-block;width:.8em;height:.8em;margin-right:.4em;border:1px solid #111;vertical-align:-.05em}\
.red{color:#a00000}.red::before{background:#c00000}\
.yellow{color:#5c4a00}.yellow::before{background:#f2c200}\
.black{color:#111}.black::before{background:#111}\
.grey{color:#555}.grey::before{background:#bbb}\
@media print{body{margin:0}h2{break-before:auto}tr{break-inside:avoid}}";

/// The report as one self-contained HTML page (inline style, no scripts, no external
/// requests), well-formed as XML too.
pub fn html(report: &Report, lang: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(lang),
        escape(&report.title),
        escape(&report.title)
    );
    for line in &report.subtitle {
        let _ = writeln!(out, "<p>{}</p>", escape(line));
    }
    if report.sections.iter().all(|s| s.rows.is_empty()) {
        let _ = writeln!(out, "<p>{}</p>", escape(report.empty));
    }
    let headers = report.headers();
    for section in report.sections.iter().filter(|s| !s.rows.is_empty()) {
        let _ = writeln!(out, "<h2>{}</h2>", escape(&section.heading));
        let _ = writeln!(
            out,
            "<table>\n<caption>{}</caption>\n<thead>\n<tr>",
            escape(&section.heading)
        );
        for header in &headers {
            let _ = write!(out, "<th scope=\"col\">{}</th>", escape(header));
        }
        out.push_str("</tr>\n</thead>\n<tbody>\n");
        for row in &section.rows {
            out.push_str("<tr>");
            for cell in &row.cells {
                let _ = write!(out, "<td>{}</td>", escape(cell));
            }
            if report.has_status() {
                match row.status {
                    Some(s) => {
                        let _ = write!(
                            out,
                            "<td class=\"status {}\">{}</td>",
                            s.colour,
                            escape(s.label)
                        );
                    }
                    None => out.push_str("<td></td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            title: "Due <services> & more".to_string(),
            subtitle: vec!["as of 2026-03-30".to_string()],
            columns: vec!["patient", "service"],
            sections: vec![Section {
                heading: "Lab".to_string(),
                rows: vec![
                    Row {
                        cells: vec!["P1".to_string(), "=cmd()".to_string()],
                        status: Some(Status {
                            label: "past due",
                            colour: "red",
                        }),
                    },
                    Row {
                        cells: vec!["P2".to_string(), "<script>".to_string()],
                        status: None,
                    },
                ],
            }],
            empty: "nothing",
        }
    }

    #[test]
    fn html_escapes_everything_it_is_given() {
        let page = html(&report(), "en");
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("Due &lt;services&gt; &amp; more"));
        assert!(!page.contains("<script>"));
        assert!(page.contains("<td class=\"status red\">past due</td>"));
    }

    #[test]
    fn csv_neutralises_formulas_and_names_the_status() {
        let text = csv(&report());
        assert_eq!(
            text,
            "section,patient,service,status\nLab,P1,'=cmd(),past due\nLab,P2,<script>,\n"
        );
    }

    #[test]
    fn the_terminal_shows_the_status_in_words_with_or_without_colour() {
        let plain = terminal(&report(), false);
        assert!(plain.contains("P1       =cmd()    past due"), "{plain}");
        let coloured = terminal(&report(), true);
        assert!(coloured.contains("\x1b[31;1mpast due\x1b[0m"));
    }
}
