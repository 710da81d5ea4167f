//! CSV in and out, written once: every list Keel offers as CSV (the audit log, people,
//! objectives, key results) is written with `Writer`, and every CSV import is read with `parse`.
//!
//! Why not a crate: RFC 4180 is a page long, and what matters here is Keel's own rule, that a
//! cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is
//! written with a leading `'` (OWASP's "CSV injection" advice), in one place for every export.

/// One CSV field (RFC 4180): quoted when it holds a separator, quote or line break, and defused
/// when a spreadsheet would read it as a formula.
pub fn field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// A CSV document built a row at a time (CRLF line ends, as RFC 4180 has them).
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// A document starting with its header row.
    pub fn with_header(header: &[&str]) -> Self {
        let mut w = Writer::default();
        w.row(header.iter().copied());
        w
    }

    /// Appends one row.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        for (i, c) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(&field(c));
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Why a CSV text could not be read: the row (1 = the header) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}: {message}")]
pub struct ParseError {
    pub row: usize,
    pub message: String,
}

/// Reads a CSV text (RFC 4180: commas, double quotes, CRLF or LF) into rows of cells, with a
/// leading byte-order mark ignored and blank lines skipped. Every row must have as many cells
/// as the first.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let end_row = |row: &mut Vec<String>, rows: &mut Vec<Vec<String>>, line: usize| {
        let r = std::mem::take(row);
        if r.len() == 1 && r[0].is_empty() {
            return Ok(());
        }
        if let Some(first) = rows.first() {
            if r.len() != first.len() {
                return Err(ParseError {
                    row: line,
                    message: format!("has {} cells where the header has {}", r.len(), first.len()),
                });
            }
        }
        rows.push(r);
        Ok(())
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            '"' => return Err(ParseError {
                row: rows.len() + 1,
                message:
                    "a quote inside an unquoted cell (quote the whole cell and double the quote)"
                        .into(),
            }),
            ',' => {
                row.push(std::mem::take(&mut cell));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                row.push(std::mem::take(&mut cell));
                was_quoted = false;
                let at = rows.len() + 1;
                end_row(&mut row, &mut rows, at)?;
                line += 1;
            }
            _ if was_quoted => {
                return Err(ParseError {
                    row: rows.len() + 1,
                    message: "text after a closing quote".into(),
                })
            }
            _ => cell.push(c),
        }
    }
    if quoted {
        return Err(ParseError {
            row: rows.len() + 1,
            message: "a quoted cell is not closed".into(),
        });
    }
    if !cell.is_empty() || !row.is_empty() || was_quoted {
        row.push(cell);
        let at = rows.len() + 1;
        end_row(&mut row, &mut rows, at)?;
    }
    let _ = line;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-1"), "'-1");
        assert_eq!(field("@cmd"), "'@cmd");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\rx"), "\"'\rx\"");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn what_is_written_reads_back() {
        let mut w = Writer::with_header(&["a", "b"]);
        w.row(["x, y", "say \"hi\"\nthere"]);
        w.row(["", "plain"]);
        let rows = parse(&w.finish()).unwrap();
        assert_eq!(rows[1], vec!["x, y", "say \"hi\"\nthere"]);
        assert_eq!(rows[2], vec!["", "plain"]);
    }

    #[test]
    fn bad_csv_names_the_row() {
        assert_eq!(parse("a,b\n1,2,3\n").unwrap_err().row, 2);
        assert!(parse("a\n\"open")
            .unwrap_err()
            .message
            .contains("not closed"));
        assert!(parse("a\nx\"y\n").is_err());
        assert_eq!(parse("\u{feff}a,b\r\n1,2\r\n\r\n").unwrap().len(), 2);
    }
}
