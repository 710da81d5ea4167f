//! Backup files: writing one atomically (beside it, then renamed; owner-only permissions), the
//! portable export's format, and telling a SQLite backup from a portable one when restoring.
//!
//! The portable export is JSON lines, readable with any tool:
//!
//! ```text
//! {"format":"keel-backup","format_version":1,"keel_version":"0.1.0","schema_version":12,"tables":[…]}
//! {"table":"people"}
//! ["0190…","Ada Lovelace",…]              one array per row, values in the header's column order
//! {"end":"people","rows":3,"checksum":"…"} the table's row count and checksum
//! …                                        every table, referenced tables first
//! {"end_of_backup":true}
//! ```
//!
//! Named `….gz`, the export is gzipped (restores tell by its first bytes).
//!
//! A restore reads the whole file once before writing anything, so a damaged or cut-short file is
//! refused with nothing written.

use super::schema::TableInfo;
use super::value::{Canon, Row, Tally, Value};
use super::{io, sent, BackupReport, Endpoint, Header, Item, Rx, TResult, TransferError, Tx};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// The `format` of a portable export's header.
pub(crate) const FORMAT: &str = "keel-backup";
/// The portable format's version; a reader refuses newer ones.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The first bytes of a gzip file (a portable export named `….gz`).
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// A file being written beside its final name, with owner-only permissions; `commit` flushes it
/// to disk and renames it into place, dropping it uncommitted removes it.
pub(crate) struct AtomicFile {
    pub(crate) temp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl AtomicFile {
    /// Creates the (empty) temporary file next to `dest`.
    pub(crate) fn create(dest: &Path) -> TResult<(AtomicFile, File)> {
        use std::os::unix::fs::OpenOptionsExt;
        let name = dest
            .file_name()
            .ok_or_else(|| TransferError::Refused(format!("{} names no file", dest.display())))?;
        if dest.is_dir() {
            return Err(TransferError::Refused(format!(
                "{} is a directory: name the backup file",
                dest.display()
            )));
        }
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".partial-{}", std::process::id()));
        let temp = dest.with_file_name(temp_name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .map_err(io(format!("cannot write {}", dest.display())))?;
        Ok((
            AtomicFile {
                temp,
                dest: dest.to_path_buf(),
                committed: false,
            },
            file,
        ))
    }

    /// Syncs the finished file and renames it over `dest`.
    pub(crate) fn commit(mut self) -> TResult<u64> {
        let file = File::open(&self.temp).map_err(io("cannot reopen the backup"))?;
        file.sync_all()
            .map_err(io("cannot flush the backup to disk"))?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        std::fs::rename(&self.temp, &self.dest).map_err(io(format!(
            "cannot move the backup to {}",
            self.dest.display()
        )))?;
        self.committed = true;
        if let Some(dir) = self.dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(bytes)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Where the export is written: the file, gzipped when its name ends in `.gz`.
enum Output {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
}

impl Output {
    fn new(file: File, gzip: bool) -> Output {
        let buffered = BufWriter::with_capacity(1 << 20, file);
        if gzip {
            // The fastest level: JSON lines shrink about eightfold even so.
            Output::Gzip(flate2::write::GzEncoder::new(
                buffered,
                flate2::Compression::fast(),
            ))
        } else {
            Output::Plain(buffered)
        }
    }

    /// Writes out what is buffered (and the gzip trailer).
    fn finish(self) -> std::io::Result<()> {
        let mut buffered = match self {
            Output::Plain(b) => b,
            Output::Gzip(g) => g.finish()?,
        };
        buffered.flush()
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Plain(w) => w.write(buf),
            Output::Gzip(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Plain(w) => w.flush(),
            Output::Gzip(w) => w.flush(),
        }
    }
}

/// Writes the stream from a source as a portable export at `to`.
pub(crate) fn write(to: &Path, mut rx: Rx) -> TResult<BackupReport> {
    let (atomic, file) = AtomicFile::create(to)?;
    let mut out = Output::new(file, to.extension().is_some_and(|e| e == "gz"));
    let Some(Item::Header(header)) = rx.blocking_recv() else {
        return Err(TransferError::Stopped);
    };
    line(
        &mut out,
        &serde_json::to_string(&header).unwrap_or_default(),
    )
    .map_err(io("cannot write the backup"))?;
    let plans: Vec<Canon> = header.tables.iter().map(|t| t.canon(None)).collect();
    let mut tallies = vec![Tally::default(); header.tables.len()];
    let mut current: Option<usize> = None;
    let mut done = false;
    while let Some(item) = rx.blocking_recv() {
        match item {
            Item::Rows(i, rows) => {
                if current != Some(i) {
                    advance(&mut out, &header, &tallies, current, i)?;
                    current = Some(i);
                }
                for r in &rows {
                    tallies[i].add(r, &plans[i]);
                    let values: Vec<serde_json::Value> = r.iter().map(Value::to_json).collect();
                    line(&mut out, &serde_json::Value::Array(values).to_string())
                        .map_err(io("cannot write the backup"))?;
                }
            }
            Item::Done => done = true,
            Item::Header(_) => {}
        }
    }
    if !done {
        return Err(TransferError::Refused(
            "the database stopped sending rows".into(),
        ));
    }
    finish_sections(&mut out, &header, &tallies, current)?;
    out.finish().map_err(io("cannot write the backup"))?;
    let bytes = atomic.commit()?;
    Ok(BackupReport {
        format: "portable export",
        schema_version: header.schema_version,
        tables: header
            .tables
            .iter()
            .zip(&tallies)
            .map(|(t, c)| (t.name.clone(), c.rows))
            .collect(),
        bytes,
    })
}

/// Closes the open section (of table `current`), writes empty sections for the tables without
/// rows in between, and opens table `next`'s.
fn advance(
    out: &mut impl Write,
    header: &Header,
    tallies: &[Tally],
    current: Option<usize>,
    next: usize,
) -> TResult<()> {
    if let Some(c) = current {
        end_line(out, &header.tables[c], &tallies[c])?;
    }
    empty_sections(out, &header.tables[current.map_or(0, |c| c + 1)..next])?;
    start_line(out, &header.tables[next])
}

/// Ends the open section and writes the empty sections of the remaining tables, then the end
/// marker.
fn finish_sections(
    out: &mut impl Write,
    header: &Header,
    tallies: &[Tally],
    current: Option<usize>,
) -> TResult<()> {
    if let Some(c) = current {
        end_line(out, &header.tables[c], &tallies[c])?;
    }
    empty_sections(out, &header.tables[current.map_or(0, |c| c + 1)..])?;
    line(out, "{\"end_of_backup\":true}").map_err(io("cannot write the backup"))
}

/// Sections of tables the source sent no rows for.
fn empty_sections(out: &mut impl Write, tables: &[TableInfo]) -> TResult<()> {
    for t in tables {
        start_line(out, t)?;
        end_line(out, t, &Tally::default())?;
    }
    Ok(())
}

fn start_line(out: &mut impl Write, t: &TableInfo) -> TResult<()> {
    line(out, &serde_json::json!({ "table": t.name }).to_string())
        .map_err(io("cannot write the backup"))
}

fn end_line(out: &mut impl Write, t: &TableInfo, tally: &Tally) -> TResult<()> {
    let end =
        serde_json::json!({ "end": t.name, "rows": tally.rows, "checksum": tally.checksum() });
    line(out, &end.to_string()).map_err(io("cannot write the backup"))
}

fn line(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")
}

/// The backup file at `path` as a source, after checking it whole: a SQLite backup must pass
/// SQLite's integrity check, a portable export must read to its end marker with every table's
/// count and checksum right.
pub(crate) fn open_backup(path: &Path) -> TResult<Endpoint> {
    let bad = |message: &str| TransferError::BadBackup {
        path: path.display().to_string(),
        message: message.into(),
    };
    let mut first = [0u8; 16];
    let mut f = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => bad("does not exist"),
        _ => bad(&format!("cannot be read: {e}")),
    })?;
    let n = f
        .read(&mut first)
        .map_err(|e| bad(&format!("cannot be read: {e}")))?;
    if n == 16 && first == SQLITE_MAGIC {
        super::sqlite::check_backup(path)?;
        return Ok(Endpoint::Sqlite(path.to_path_buf()));
    }
    if first[..n].starts_with(b"{") || first[..n].starts_with(GZIP_MAGIC) {
        validate(path)?;
        return Ok(Endpoint::Portable(path.to_path_buf()));
    }
    Err(bad(
        "is not a Keel backup (neither a SQLite database nor a Keel portable export)",
    ))
}

/// Reads a portable export to its end without writing anything anywhere.
fn validate(path: &Path) -> TResult<()> {
    let path = path.to_path_buf();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let reading = std::thread::spawn(move || read(&path, &tx));
    while rx.blocking_recv().is_some() {}
    reading
        .join()
        .map_err(|_| TransferError::Refused("reading the backup failed".into()))?
}

/// Streams a portable export's rows, checking its structure, each table's row count and
/// checksum, and its end marker.
pub(crate) fn read(path: &Path, tx: &Tx) -> TResult<()> {
    let mut file = File::open(path).map_err(io(format!("cannot read {}", path.display())))?;
    let mut first = [0u8; 2];
    let gzip = file.read_exact(&mut first).is_ok() && first == GZIP_MAGIC;
    use std::io::Seek;
    file.rewind()
        .map_err(io(format!("cannot read {}", path.display())))?;
    let input: Box<dyn BufRead + Send> = if gzip {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(BufReader::new(file)),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    let mut reader = Reader {
        path: path.display().to_string(),
        lines: input.lines(),
        number: 0,
    };
    let header = reader.header()?;
    sent(tx.blocking_send(Item::Header(header.clone())))?;
    for (i, table) in header.tables.iter().enumerate() {
        reader.table(i, table, tx)?;
    }
    match reader.json()? {
        serde_json::Value::Object(o)
            if o.get("end_of_backup") == Some(&serde_json::Value::Bool(true)) => {}
        _ => return Err(reader.damaged("expected the end of the backup")),
    }
    if reader.next_line()?.is_some() {
        return Err(reader.damaged("has more after its end"));
    }
    sent(tx.blocking_send(Item::Done))
}

/// A portable export being read, line by line.
struct Reader {
    path: String,
    lines: std::io::Lines<Box<dyn BufRead + Send>>,
    number: usize,
}

impl Reader {
    fn damaged(&self, message: &str) -> TransferError {
        TransferError::BadBackup {
            path: self.path.clone(),
            message: format!("is damaged at line {}: {message}", self.number),
        }
    }

    fn next_line(&mut self) -> TResult<Option<String>> {
        self.number += 1;
        match self.lines.next() {
            None => Ok(None),
            Some(Ok(l)) => Ok(Some(l)),
            Some(Err(e)) => Err(self.damaged(&format!("cannot be read ({e})"))),
        }
    }

    fn json(&mut self) -> TResult<serde_json::Value> {
        let Some(l) = self.next_line()? else {
            return Err(TransferError::BadBackup {
                path: self.path.clone(),
                message: "is incomplete: it ends before its end marker".into(),
            });
        };
        serde_json::from_str(&l).map_err(|_| self.damaged("not a line of a Keel backup"))
    }

    fn header(&mut self) -> TResult<Header> {
        let v = self.json().map_err(|_| TransferError::BadBackup {
            path: self.path.clone(),
            message: "is not a Keel backup".into(),
        })?;
        if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(TransferError::BadBackup {
                path: self.path.clone(),
                message: "is not a Keel backup".into(),
            });
        }
        let header: Header =
            serde_json::from_value(v).map_err(|e| self.damaged(&format!("its header: {e}")))?;
        if header.format_version > FORMAT_VERSION {
            return Err(TransferError::Refused(format!(
                "{} was written by Keel {} in a newer backup format: restore it with that Keel",
                self.path, header.keel_version
            )));
        }
        Ok(header)
    }

    /// Reads table `i`'s section and sends its rows.
    fn table(&mut self, i: usize, table: &TableInfo, tx: &Tx) -> TResult<()> {
        let start = self.json()?;
        if start.get("table").and_then(|t| t.as_str()) != Some(table.name.as_str()) {
            return Err(self.damaged(&format!("expected the rows of {}", table.name)));
        }
        let plan = table.canon(None);
        let mut tally = Tally::default();
        let mut batch = Vec::with_capacity(super::BATCH);
        loop {
            let v = self.json()?;
            match v {
                serde_json::Value::Array(values) => {
                    let row = self.row(table, &values)?;
                    tally.add(&row, &plan);
                    batch.push(row);
                    if batch.len() == super::BATCH {
                        sent(tx.blocking_send(Item::Rows(i, std::mem::take(&mut batch))))?;
                    }
                }
                end => {
                    self.check_end(table, &end, &tally)?;
                    break;
                }
            }
        }
        if !batch.is_empty() {
            sent(tx.blocking_send(Item::Rows(i, batch)))?;
        }
        Ok(())
    }

    fn row(&self, table: &TableInfo, values: &[serde_json::Value]) -> TResult<Row> {
        if values.len() != table.columns.len() {
            return Err(self.damaged(&format!(
                "a row of {} has {} values for {} columns",
                table.name,
                values.len(),
                table.columns.len()
            )));
        }
        values
            .iter()
            .map(|v| Value::from_json(v).map_err(|m| self.damaged(&m)))
            .collect()
    }

    fn check_end(&self, table: &TableInfo, end: &serde_json::Value, tally: &Tally) -> TResult<()> {
        if end.get("end").and_then(|t| t.as_str()) != Some(table.name.as_str()) {
            return Err(self.damaged(&format!("expected the end of {}", table.name)));
        }
        if end.get("rows").and_then(|r| r.as_u64()) != Some(tally.rows)
            || end.get("checksum").and_then(|c| c.as_str()) != Some(tally.checksum().as_str())
        {
            return Err(self.damaged(&format!(
                "the rows of {} do not match their recorded count and checksum",
                table.name
            )));
        }
        Ok(())
    }
}
