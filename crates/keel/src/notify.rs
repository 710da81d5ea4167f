//! `keel notify digest|reminders`: run the weekly digest or the check-in reminders now, for
//! operators and tests, through the same code as the scheduled jobs (`keel_server::digest`),
//! with the same once-per-period keys: running it twice queues each message once. It prints
//! what it queues; `--dry-run` prints and queues nothing.

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use keel_server::digest::{self, Outcome, Round};
use keel_store::{DynStore, People};

/// The notify subcommands.
#[derive(Subcommand)]
pub enum NotifyCommand {
    /// Build and queue this week's digests now (whatever the day and hour).
    Digest {
        /// Only this person's digest.
        #[arg(long)]
        person: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Build and queue today's check-in reminders now (whatever the hour).
    Reminders {
        #[command(flatten)]
        common: Common,
    },
}

/// What both subcommands take.
#[derive(Args)]
pub struct Common {
    /// Print what would be queued; queue nothing.
    #[arg(long)]
    dry_run: bool,
    /// The URL people reach Keel at (links in the messages need it).
    #[arg(long, env = "KEEL_PUBLIC_URL")]
    public_url: Option<String>,
}

/// Runs a notify subcommand on `store`.
pub async fn run(store: DynStore, command: NotifyCommand) -> anyhow::Result<()> {
    let (person, common, digests) = match command {
        NotifyCommand::Digest { person, common } => (person, common, true),
        NotifyCommand::Reminders { common } => (None, common, false),
    };
    let Some(public_url) = common
        .public_url
        .map(|u| u.trim().trim_end_matches('/').to_string())
        .filter(|u| !u.is_empty())
    else {
        bail!("emails need the public URL for their links: set KEEL_PUBLIC_URL or --public-url");
    };
    let person = match person {
        Some(email) => Some(
            store
                .person_by_email(&email)
                .await?
                .with_context(|| format!("nobody has the email address {email}"))?
                .id,
        ),
        None => None,
    };
    let round = Round {
        now: keel_server::services::now(),
        public_url: Some(public_url),
        person,
        dry_run: common.dry_run,
        on_schedule: false,
    };
    let out = if digests {
        digest::digests(store.as_ref(), &round).await?
    } else {
        digest::reminders(store.as_ref(), &round).await?
    };
    report(
        &out,
        common.dry_run,
        if digests { "digest" } else { "reminder" },
    );
    Ok(())
}

/// Prints one line per message, then a summary on stderr.
fn report(out: &[Outcome], dry_run: bool, what: &str) {
    for o in out {
        let state = match (dry_run, o.queued) {
            (true, _) => "would queue",
            (false, true) => "queued",
            (false, false) => "already queued",
        };
        println!("{state}\t{}\t{}\t{}", o.email, o.unique_key, o.subject);
    }
    let queued = out.iter().filter(|o| o.queued).count();
    if dry_run {
        eprintln!(
            "keel: dry run: {} {what} message(s) would be queued; nothing was queued",
            out.len()
        );
    } else {
        eprintln!(
            "keel: {queued} {what} message(s) queued, {} already queued for this period",
            out.len() - queued
        );
    }
}
