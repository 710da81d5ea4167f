//! `keel export` and `keel import`: the organisation's OKRs as one JSON or YAML document
//! ("OKRs as code", docs/export-format.md), and CSV imports of people, teams and OKRs. The work
//! is `keel_server::services::okr_file`'s; this is the command line around it.

use crate::open;
use anyhow::{bail, Context};
use keel::config::DbArgs;
use keel_domain::Source;
use keel_server::services::okr_file::{csv as okr_csv, export, import, Syntax};
use keel_store::WriteCtx;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// json or yaml.
    #[arg(long, default_value = "json", value_parser = ["json", "yaml"])]
    format: String,
    /// Only this cycle's objectives (by name, e.g. "2026 Q4").
    #[arg(long)]
    cycle: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The document (.json, .yaml or .yml), or a CSV file with --csv.
    file: PathBuf,
    /// Check the file and print what it would create or match, writing nothing.
    #[arg(long)]
    dry_run: bool,
    /// Read FILE as CSV of this kind of record: people, teams or okrs.
    #[arg(long, value_parser = ["people", "teams", "okrs"])]
    csv: Option<String>,
    /// With --csv: a column of the file and the field it holds, `column=field` (repeatable;
    /// columns named like their field need none).
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    map: Vec<String>,
}

/// `keel export`: streams the document to the file or standard output.
pub async fn export(db: &DbArgs, args: ExportArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let syntax = Syntax::parse("format", &args.format).map_err(|e| anyhow::anyhow!("{e}"))?;
    let prepared = export::prepare(
        store.as_ref(),
        &export::ExportRequest {
            syntax,
            cycle: args.cycle,
        },
    )
    .await
    .map_err(|e| match e {
        export::ExportError::Invalid(f) => anyhow::anyhow!("--{}: {}", f.field, f.message),
        other => anyhow::anyhow!(other),
    })?;
    match &args.output {
        Some(path) => {
            // Written beside the target and renamed when complete: a failed export never
            // leaves a short file that looks whole.
            let partial = path.with_extension("partial");
            let mut file = tokio::fs::File::create(&partial)
                .await
                .with_context(|| format!("cannot create {}", partial.display()))?;
            let written = export::write(store.as_ref(), &prepared, &mut file).await;
            if let Err(e) = written {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(e.into());
            }
            file.sync_all().await?;
            tokio::fs::rename(&partial, path)
                .await
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("keel: exported to {}", path.display());
        }
        None => {
            let mut out = tokio::io::stdout();
            export::write(store.as_ref(), &prepared, &mut out).await?;
        }
    }
    Ok(())
}

/// `keel import`: checks and (unless a dry run) writes the file, all or nothing; prints what it
/// did or would do.
pub async fn import(db: &DbArgs, args: ImportArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let store = open(db).await?;
    let ctx = WriteCtx::system(Source::Cli);
    let report = match &args.csv {
        Some(kind) => {
            let kind =
                okr_csv::Kind::parse(kind).map_err(|e| anyhow::anyhow!("--csv: {}", e.message))?;
            let mapping = okr_csv::Mapping::parse(&args.map)
                .map_err(|e| anyhow::anyhow!("--map: {}", e.message))?;
            okr_csv::import(store.as_ref(), &ctx, &bytes, kind, &mapping, args.dry_run).await
        }
        None => {
            import::import(
                store.as_ref(),
                &ctx,
                &bytes,
                Syntax::of_path(&args.file),
                args.dry_run,
            )
            .await
        }
    };
    let report = match report {
        Ok(r) => r,
        Err(import::ImportError::Invalid(errors)) => {
            for e in &errors {
                eprintln!("{}: {}: {}", args.file.display(), e.field, e.message);
            }
            bail!(
                "nothing was imported: {} problem(s) in {}",
                errors.len(),
                args.file.display()
            );
        }
        Err(import::ImportError::Store(e)) => return Err(e.into()),
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    eprintln!(
        "keel: {}{}",
        if report.dry_run {
            "dry run, nothing written: "
        } else {
            "imported: "
        },
        summary(&report)
    );
    Ok(())
}

fn summary(r: &import::ImportReport) -> String {
    let t = |name: &str, t: import::Tally| {
        format!("{name} {} new, {} already there", t.created, t.matched)
    };
    format!(
        "{}; {}; {}; {}; {}; {}; {} check-ins; {} KPI readings; {} initiatives; {} ownership proposals",
        t("people", r.people),
        t("teams", r.teams),
        t("cycles", r.cycles),
        t("objectives", r.objectives),
        t("key results", r.key_results),
        t("KPIs", r.kpis),
        r.check_ins,
        r.kpi_readings,
        r.initiatives,
        r.ownership_proposals
    )
}
