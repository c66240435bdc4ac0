//! Loading calls from a file, and writing them as fixtures.
//!
//! Two formats, told apart by the first byte that is not whitespace:
//! - `[`: one JSON array of call records;
//! - anything else: JSON lines, one record per line; blank lines and lines starting with
//!   `#` are skipped.
//!
//! Every error names the 1-based line it concerns (`line 3: vdn must be between 1 and 5000`).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use calldata_model::CallKey;

use super::EmbeddedStore;
use super::error::LoadError;
use super::record::CallRecord;

impl EmbeddedStore {
    /// A store holding the calls of the file at `path` (JSON array or JSON lines).
    pub fn load_file(path: &Path) -> Result<Self, LoadError> {
        let io_error = |source| LoadError::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let records = load_records(file).map_err(|err| match err {
            LoadError::Read(source) => io_error(source),
            other => other,
        })?;
        let count = records.len();
        Ok(Self::from_records(records, count))
    }
}

/// Reads call records from `reader`, refusing bad records and repeated keys.
pub fn load_records(reader: impl Read) -> Result<Vec<CallRecord>, LoadError> {
    let mut reader = BufReader::new(reader);
    let mut records = Records::default();
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|err| match err.kind() {
                io::ErrorKind::InvalidData => LoadError::BadRecord {
                    line: number + 1,
                    message: "the line is not valid UTF-8".to_owned(),
                },
                _ => LoadError::Read(err),
            })?;
        if read == 0 {
            return Ok(records.list);
        }
        number += 1;
        let text = line.trim();
        if text.starts_with('[') && !records.seen_line {
            // A JSON array: it starts on this line, after `number - 1` blank lines.
            let mut rest = String::new();
            reader.read_to_string(&mut rest).map_err(LoadError::Read)?;
            let array = format!("{}{rest}", &line[line.len() - line.trim_start().len()..]);
            return read_array(&array, number);
        }
        if text.is_empty() {
            continue;
        }
        records.seen_line = true;
        if text.starts_with('#') {
            continue;
        }
        let record = serde_json::from_str::<CallRecord>(text).map_err(|err| bad(number, &err))?;
        records.push(record, number)?;
    }
}

/// Writes `records` as JSON lines, one record per line.
pub fn write_json_lines<'a>(
    records: impl IntoIterator<Item = &'a CallRecord>,
    writer: impl Write,
) -> io::Result<()> {
    let mut writer = io::BufWriter::new(writer);
    for record in records {
        serde_json::to_writer(&mut writer, record)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()
}

/// Records read so far, with the line each key was first seen on.
#[derive(Default)]
struct Records {
    list: Vec<CallRecord>,
    lines: HashMap<CallKey, usize>,
    /// Whether a non-blank line (a record or a comment) came before; then `[` is no array.
    seen_line: bool,
}

impl Records {
    /// Keeps `record`, read on `line`, unless its key was already read.
    fn push(&mut self, record: CallRecord, line: usize) -> Result<(), LoadError> {
        match self.lines.entry(record.key) {
            Entry::Occupied(_) => Err(LoadError::DuplicateKey {
                line,
                key: record.key,
            }),
            Entry::Vacant(slot) => {
                slot.insert(line);
                self.list.push(record);
                Ok(())
            }
        }
    }
}

/// Reads one JSON array of records; `text` starts with `[` on line `first_line`.
fn read_array(text: &str, first_line: usize) -> Result<Vec<CallRecord>, LoadError> {
    let mut records = Records::default();
    let mut cursor = Cursor {
        text,
        pos: 1,
        line: first_line,
    };
    cursor.skip_whitespace();
    if cursor.eat(b']') {
        return cursor.finish().map(|()| Vec::new());
    }
    loop {
        cursor.skip_whitespace();
        let start_line = cursor.line;
        let mut stream =
            serde_json::Deserializer::from_str(cursor.rest()).into_iter::<CallRecord>();
        let record = match stream.next() {
            Some(Ok(record)) => record,
            Some(Err(err)) => return Err(bad(start_line + err.line().saturating_sub(1), &err)),
            None => return Err(cursor.error("the array is not closed with ]")),
        };
        cursor.advance(stream.byte_offset());
        records.push(record, start_line)?;
        cursor.skip_whitespace();
        if cursor.eat(b']') {
            return cursor.finish().map(|()| records.list);
        }
        if !cursor.eat(b',') {
            return Err(cursor.error("expected , or ] after a record"));
        }
    }
}

/// A position in the text of a JSON array, counting lines.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl Cursor<'_> {
    /// The text not read yet.
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    /// Moves `count` bytes ahead, counting the line breaks passed.
    fn advance(&mut self, count: usize) {
        let end = (self.pos + count).min(self.text.len());
        let passed = self.text.get(self.pos..end).unwrap_or_default();
        self.line += passed.bytes().filter(|&b| b == b'\n').count();
        self.pos = end;
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        let blank = rest.len() - rest.trim_start().len();
        self.advance(blank);
    }

    /// Consumes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        if self.rest().as_bytes().first() == Some(&byte) {
            self.advance(1);
            true
        } else {
            false
        }
    }

    /// Checks that only whitespace follows the closing `]`.
    fn finish(mut self) -> Result<(), LoadError> {
        self.skip_whitespace();
        if self.rest().is_empty() {
            Ok(())
        } else {
            Err(self.error("unexpected text after the closing ]"))
        }
    }

    fn error(&self, message: &str) -> LoadError {
        LoadError::BadRecord {
            line: self.line,
            message: message.to_owned(),
        }
    }
}

/// A `BadRecord` error for `line`, keeping serde's message without its position.
fn bad(line: usize, err: &serde_json::Error) -> LoadError {
    let text = err.to_string();
    let message = match text.rfind(" at line ") {
        Some(at) if err.line() > 0 => text[..at].to_owned(),
        _ => text,
    };
    LoadError::BadRecord { line, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"ccId":1,"vdn":1,"callId":"1659513159000-1","dsn":1}"#;
    const TWO: &str = r#"{"ccId":1,"vdn":2,"callId":"1659513159000-2","dsn":2}"#;

    fn load(text: &str) -> Result<Vec<CallRecord>, LoadError> {
        load_records(text.as_bytes())
    }

    fn dsns(records: &[CallRecord]) -> Vec<Option<i64>> {
        records.iter().map(|r| r.call.dsn).collect()
    }

    #[test]
    fn json_lines_skip_blank_lines_and_comments() {
        let text = format!("# demo calls\n\n{ONE}\n   \n# more\n{TWO}\n");
        assert_eq!(dsns(&load(&text).unwrap()), [Some(1), Some(2)]);
    }

    #[test]
    fn a_json_array_is_read_even_after_blank_lines() {
        let text = format!("\n  \n  [\n  {ONE},\n  {TWO}\n]\n");
        assert_eq!(dsns(&load(&text).unwrap()), [Some(1), Some(2)]);
        assert_eq!(load(" [ ] ").unwrap(), []);
        assert_eq!(
            dsns(&load(&format!("[{ONE},{TWO}]")).unwrap()),
            [Some(1), Some(2)]
        );
    }

    #[test]
    fn empty_input_holds_no_calls() {
        assert_eq!(load("").unwrap(), []);
        assert_eq!(load("\n# nothing yet\n").unwrap(), []);
    }

    #[test]
    fn a_bad_json_line_names_its_line_and_problem() {
        let bad_vdn = r#"{"ccId":1,"vdn":5001,"callId":"1-1"}"#;
        let err = load(&format!("# header\n{ONE}\n{bad_vdn}\n{TWO}\n")).unwrap_err();
        assert_eq!(err.to_string(), "line 3: vdn must be between 1 and 5000");
        let err = load(&format!("{ONE}\n{{\"ccId\":\n")).unwrap_err();
        assert_eq!(err.line(), Some(2), "{err}");
        assert!(
            err.to_string().starts_with("line 2: EOF while parsing"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_array_element_names_its_line() {
        let bad_call_id = r#"{"ccId":1,"vdn":1,"callId":"abc"}"#;
        let err = load(&format!("[\n{ONE},\n\n{bad_call_id}\n]")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 4: callId must look like <call start time>-<sequence>, both decimal digits"
        );
    }

    #[test]
    fn a_broken_array_is_refused_with_its_line() {
        let err = load(&format!("[\n{ONE}\n{TWO}\n]")).unwrap_err();
        assert_eq!(err.to_string(), "line 3: expected , or ] after a record");
        let err = load(&format!("[\n{ONE},\n")).unwrap_err();
        assert_eq!(err.to_string(), "line 3: the array is not closed with ]");
        let err = load(&format!("[{ONE}]\nx")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: unexpected text after the closing ]"
        );
    }

    #[test]
    fn a_repeated_key_is_refused_with_the_line_of_the_repeat() {
        let err = load(&format!("{ONE}\n{TWO}\n{ONE}\n")).unwrap_err();
        assert!(
            matches!(err, LoadError::DuplicateKey { line: 3, .. }),
            "{err}"
        );
        let err = load(&format!("[\n{ONE},\n{ONE}\n]")).unwrap_err();
        assert!(
            matches!(err, LoadError::DuplicateKey { line: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_line_that_is_not_utf8_is_named() {
        let mut bytes = format!("{ONE}\n").into_bytes();
        bytes.extend_from_slice(b"{\"ccId\":\xff}\n");
        let err = load_records(bytes.as_slice()).unwrap_err();
        assert_eq!(err.to_string(), "line 2: the line is not valid UTF-8");
    }

    #[test]
    fn a_bracket_after_a_record_line_is_not_taken_for_an_array() {
        let err = load(&format!("{ONE}\n[{TWO}]\n")).unwrap_err();
        assert_eq!(err.line(), Some(2), "{err}");
    }

    #[test]
    fn written_json_lines_load_back_unchanged() {
        let records = load(&format!("{ONE}\n{TWO}")).unwrap();
        let mut out = Vec::new();
        write_json_lines(&records, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert_eq!(load(&text).unwrap(), records);
    }

    #[test]
    fn loading_a_missing_file_names_the_path() {
        let err = EmbeddedStore::load_file(Path::new("/nonexistent/calls.jsonl")).unwrap_err();
        assert!(matches!(err, LoadError::Io { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("cannot read /nonexistent/calls.jsonl:"),
            "{err}"
        );
    }
}
