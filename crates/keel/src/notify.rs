//! `keel notify digest|reminders|ownership-reminders|score-reminders`: run the weekly digest,
//! the check-in reminders, the reminders about unanswered ownership requests or the
//! end-of-cycle scoring reminders now, for operators and tests, through the same code as the
//! scheduled jobs (`keel_server::digest`, `keel_server::jobs`), with the same once-per-period
//! keys: running it twice queues each message once. It prints what it queues; `--dry-run`
//! prints and queues nothing. The ownership and scoring reminders are queued as jobs that the
//! running server's job runner turns into the bell notification and the email.

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use keel_server::digest::{self, Outcome, Round};
use keel_server::jobs::{ownership_reminders, score_reminders};
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
    /// Queue the reminders about ownership requests still unanswered (the proposed owner after
    /// 3 days, the proposer after 7; weekly after that), whatever the hour.
    OwnershipReminders {
        #[command(flatten)]
        common: Common,
    },
    /// Queue the reminders to score and write the retrospective of a cycle that ended in the
    /// last 14 days, once per owner and cycle, whatever the hour.
    ScoreReminders {
        #[command(flatten)]
        common: Common,
    },
}

/// What the subcommands take.
#[derive(Args)]
pub struct Common {
    /// Print what would be queued; queue nothing.
    #[arg(long)]
    dry_run: bool,
    /// The URL people reach Keel at (links in the messages need it).
    #[arg(long, env = "KEEL_PUBLIC_URL")]
    public_url: Option<String>,
}

/// Which round a subcommand runs.
#[derive(Clone, Copy)]
enum What {
    Digest,
    Reminders,
    Ownership,
    Score,
}

impl What {
    fn words(self) -> &'static str {
        match self {
            What::Digest => "digest",
            What::Reminders => "reminder",
            What::Ownership => "ownership reminder",
            What::Score => "scoring reminder",
        }
    }
}

/// Runs a notify subcommand on `store`.
pub async fn run(store: DynStore, command: NotifyCommand) -> anyhow::Result<()> {
    let (person, common, what) = match command {
        NotifyCommand::Digest { person, common } => (person, common, What::Digest),
        NotifyCommand::Reminders { common } => (None, common, What::Reminders),
        NotifyCommand::OwnershipReminders { common } => (None, common, What::Ownership),
        NotifyCommand::ScoreReminders { common } => (None, common, What::Score),
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
    let s = store.as_ref();
    let mut report = Report {
        dry_run: common.dry_run,
        total: 0,
        queued: 0,
    };
    let out = match what {
        // Printed as each chunk is queued: the round keeps no list of 100,000 messages.
        What::Digest => {
            digest::digests_each(s, &round, &mut |o| report.line(&o)).await?;
            vec![]
        }
        What::Reminders => digest::reminders(s, &round).await?,
        What::Ownership => ownership_reminders::round(s, &round).await?,
        What::Score => score_reminders::round(s, &round).await?,
    };
    for o in &out {
        report.line(o);
    }
    report.summary(what.words());
    Ok(())
}

/// Prints one line per message as it comes, then a summary on stderr.
struct Report {
    dry_run: bool,
    total: usize,
    queued: usize,
}

impl Report {
    fn line(&mut self, o: &Outcome) {
        let state = match (self.dry_run, o.queued) {
            (true, _) => "would queue",
            (false, true) => "queued",
            (false, false) => "already queued",
        };
        println!("{state}\t{}\t{}\t{}", o.email, o.unique_key, o.subject);
        self.total += 1;
        self.queued += usize::from(o.queued);
    }

    fn summary(&self, what: &str) {
        if self.dry_run {
            eprintln!(
                "keel: dry run: {} {what} message(s) would be queued; nothing was queued",
                self.total
            );
        } else {
            eprintln!(
                "keel: {} {what} message(s) queued, {} already queued for this period",
                self.queued,
                self.total - self.queued
            );
        }
    }
}
