//! `keel backup`, `keel restore` and `keel copy`: the operator's commands over the store's
//! `transfer` module, with what each did (and, for restores and copies, the table-by-table
//! comparison that proves it) printed in words.

use anyhow::bail;
use keel::config::{self, DbArgs, FileConfig};
use keel_store::transfer::{self, BackupReport, Report};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// `keel backup`'s flags.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (replaced whole if it exists). A SQLite database is backed up
    /// as a SQLite file; a PostgreSQL database as Keel's portable export, gzipped when the name
    /// ends in .gz.
    #[arg(long)]
    pub to: PathBuf,
    /// Write Keel's portable export (JSON lines) even from a SQLite database (implied by a name
    /// ending in .gz).
    #[arg(long)]
    pub portable: bool,
}

/// `keel restore`'s flags.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file to restore (from `keel backup`).
    #[arg(long)]
    pub from: PathBuf,
}

/// `keel copy`'s flags.
#[derive(Debug, clap::Args)]
pub struct CopyArgs {
    /// The database to copy from: sqlite://path/to/keel.db or postgres://user@host/database.
    #[arg(long)]
    pub from: String,
    /// The empty database to copy into.
    #[arg(long)]
    pub to: String,
}

fn database_url(db: &DbArgs) -> anyhow::Result<String> {
    let file = FileConfig::load(db.config.as_deref())?;
    db.database_url(&file)
}

/// `keel backup --to FILE`: a consistent copy of the configured database, taken while it runs.
pub async fn backup(db: &DbArgs, args: BackupArgs) -> anyhow::Result<()> {
    let url = database_url(db)?;
    let started = Instant::now();
    let report = transfer::backup(&url, &args.to, args.portable).await?;
    let rows: u64 = report.tables.iter().map(|(_, n)| n).sum();
    eprintln!(
        "keel: backed up {rows} rows in {} tables (schema version {}) to {} as a {}, {} in {:.1} s",
        report.tables.len(),
        report.schema_version,
        args.to.display(),
        report.format,
        size(report.bytes),
        started.elapsed().as_secs_f64()
    );
    print_counts(&report);
    Ok(())
}

fn print_counts(report: &BackupReport) {
    let mut out = std::io::stdout().lock();
    for (table, rows) in &report.tables {
        // A closed pipe (`| head`) is not an error of the backup.
        let _ = writeln!(out, "{table:<28}{rows:>10}");
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    }
}

/// `keel restore --from FILE`: the backup into the configured (empty) database.
pub async fn restore(db: &DbArgs, args: RestoreArgs) -> anyhow::Result<()> {
    let url = database_url(db)?;
    let started = Instant::now();
    let report = transfer::restore(&args.from, &url).await?;
    conclude(&report, "restored", started)
}

/// `keel copy --from URL --to URL`: a whole organisation into an empty database, compared.
pub async fn copy(args: CopyArgs) -> anyhow::Result<()> {
    for url in [&args.from, &args.to] {
        let as_args = DbArgs {
            database_url: Some(url.clone()),
            data_dir: None,
            config: None,
            sqlite_synchronous: None,
        };
        as_args.database_url(&FileConfig::default())?;
    }
    let started = Instant::now();
    let report = transfer::copy(&args.from, &args.to).await?;
    eprintln!(
        "keel: copied {} to {}",
        config::redact(&args.from),
        config::redact(&args.to)
    );
    conclude(&report, "copied", started)
}

/// Prints the comparison, table by table; fails when any table differs.
fn conclude(report: &Report, done: &str, started: Instant) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<28}{:>12}{:>12}  {:<32}  same",
        "table", "source rows", "written", "checksum"
    );
    for t in &report.tables {
        let _ = writeln!(
            out,
            "{:<28}{:>12}{:>12}  {:<32}  {}",
            t.table,
            t.source.rows,
            t.destination.rows,
            t.destination.checksum(),
            if t.matches() { "yes" } else { "NO" }
        );
    }
    let differing: Vec<&str> = report
        .tables
        .iter()
        .filter(|t| !t.matches())
        .map(|t| t.table.as_str())
        .collect();
    if !differing.is_empty() {
        bail!(
            "the destination differs from the source in {}",
            differing.join(", ")
        );
    }
    let rows: u64 = report.tables.iter().map(|t| t.source.rows).sum();
    let migrated = if report.migrated_to > report.schema_version {
        format!(
            ", then migrated from schema version {} to {}",
            report.schema_version, report.migrated_to
        )
    } else {
        String::new()
    };
    eprintln!(
        "keel: {done} {rows} rows in {} tables, every row count and checksum equal{migrated} ({:.1} s)",
        report.tables.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
