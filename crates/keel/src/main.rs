//! The `keel` binary: one executable that serves the API, migrates, manages administrators and
//! tokens, and loads demo data. A thin layer over `keel-server` and `keel-store`.

mod backup;
mod notify;
mod transfer;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use keel::config::{self, DbArgs, FileConfig};
use keel_demo as demo;
use keel_domain::{Role, Source, TokenScope};
use keel_server::services;
use keel_store::{Accounts, Backend, Cycles, DynStore, People, Snapshots, WriteCtx};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "keel",
    version,
    about = "Keel: OKRs with clear, accepted, individual ownership"
)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    log: config::LogArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on. Default: 127.0.0.1:8080
        #[arg(long, env = "KEEL_BIND")]
        bind: Option<String>,
        /// Load the demo organisation into an empty database and print how to sign in.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        auth: config::AuthArgs,
        #[command(flatten)]
        metrics: config::MetricsArgs,
        #[command(flatten)]
        mail: Box<config::MailArgs>,
        /// Seconds requests in flight may take to finish after SIGTERM or Ctrl-C. Default: 30
        #[arg(long, env = "KEEL_DRAIN_SECONDS")]
        drain_seconds: Option<u64>,
    },
    /// Apply pending database migrations and exit (serve does this too).
    Migrate,
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Load demo data into an empty database.
    Demo {
        /// Generate a synthetic organisation of this many people (for benchmarks) instead of the
        /// hand-written demo organisation.
        #[arg(long)]
        people: Option<usize>,
        /// Seed for the synthetic organisation.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print the permission matrix (role × route) as Markdown: the text of docs/permissions.md.
    Permissions,
    /// Run the ownership health check over a cycle; exits non-zero when it finds an error.
    Lint {
        /// The cycle's name, e.g. "2026 Q4".
        #[arg(long)]
        cycle: String,
        /// text or json.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Take a consistent backup of the database while the server runs.
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty database (then migrate it to this Keel's schema).
    Restore(backup::RestoreArgs),
    /// Copy a whole organisation into an empty database (SQLite to PostgreSQL or back), compared
    /// table by table.
    Copy(backup::CopyArgs),
    /// Export the organisation's OKRs as one JSON or YAML document ("OKRs as code").
    Export(transfer::ExportArgs),
    /// Import a document written by `keel export` (or a CSV of people, teams or OKRs), all or
    /// nothing; --dry-run reports what it would do.
    Import(transfer::ImportArgs),
    /// Run the weekly digest or the check-in reminders now (printing what they queue).
    Notify {
        #[command(subcommand)]
        command: notify::NotifyCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator (for the first sign-in); prints a generated password once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a person; prints only the token on stdout.
    Create {
        #[arg(long)]
        email: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// read or write.
        #[arg(long, default_value = "write", value_parser = ["read", "write"])]
        scope: String,
        /// Last day the token works (YYYY-MM-DD).
        #[arg(long)]
        expires_on: Option<chrono::NaiveDate>,
    },
}

/// `keel lint` found at least one error-level finding.
#[derive(Debug)]
struct LintFailed(usize);

impl std::fmt::Display for LintFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the health check found {} error(s)", self.0)
    }
}

impl std::error::Error for LintFailed {}

/// mimalloc rather than glibc's malloc: fewer instructions per request (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // One clear line, not a wall of usage.
            let rendered = e.render().to_string();
            let line = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments");
            eprintln!(
                "keel: {} (see keel --help)",
                line.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    if let Err(e) = init_logging(&cli) {
        eprintln!("keel: {}", one_line(&e));
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("keel: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keel: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// Log lines on stderr, as text or JSON (`KEEL_LOG_FORMAT`), filtered by `KEEL_LOG`.
fn init_logging(cli: &Cli) -> anyhow::Result<()> {
    // A config file that cannot be read is reported by the command itself.
    let file = FileConfig::load(cli.db.config.as_deref()).unwrap_or_default();
    let format = cli.log.format(&file)?;
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEEL_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colours for a terminal only: not as escape codes in a log file or a collector.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        config::LogFormat::Text => logs.init(),
        config::LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
    Ok(())
}

fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}

async fn open(db: &DbArgs) -> anyhow::Result<DynStore> {
    let file = FileConfig::load(db.config.as_deref())?;
    let url = db.database_url(&file)?;
    let options = db.open_options(&file)?;
    keel_store::open_with(&url, options)
        .await
        .with_context(|| format!("cannot open the database {}", config::redact(&url)))
}

/// How commits reach the disk, as the connections have it (read back, not as configured): for
/// the operator to check the setting took. SQLite's `synchronous`, PostgreSQL's
/// `synchronous_commit`.
async fn durability(store: &DynStore) -> anyhow::Result<String> {
    if let Some(mode) = store.postgres_synchronous_commit().await? {
        return Ok(if mode == "on" {
            " (synchronous_commit=on: every commit is on disk before it is answered)".into()
        } else {
            format!(
                " (synchronous_commit={mode}: a crash of the database may undo the last commits)"
            )
        });
    }
    let modes = store.sqlite_synchronous().await?;
    Ok(if modes.is_empty() {
        ""
    } else if modes.iter().all(|&m| m == 2) {
        " (synchronous=full: every commit is on disk before it is answered)"
    } else if modes.iter().all(|&m| m == 1) {
        " (synchronous=normal: a power loss may undo the last commits)"
    } else {
        " (synchronous: the connections disagree)"
    }
    .into())
}

/// Runs one subcommand.
async fn run(cli: Cli) -> anyhow::Result<()> {
    let db = &cli.db;
    match cli.command {
        Command::Serve {
            bind,
            demo,
            auth,
            metrics,
            mail,
            drain_seconds,
        } => serve(db, bind, demo, (auth, mail), metrics, drain_seconds).await,
        Command::Migrate => {
            let store = open(db).await?;
            eprintln!(
                "keel: the {} database is up to date{}",
                store.backend(),
                durability(&store).await?
            );
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => create_admin(db, email, name).await,
        Command::Token {
            command:
                TokenCommand::Create {
                    email,
                    name,
                    scope,
                    expires_on,
                },
        } => create_token(db, &email, &name, &scope, expires_on).await,
        Command::Demo { people, seed } => load_demo_data(db, people, seed).await,
        Command::Lint { cycle, format } => lint(db, &cycle, &format).await,
        Command::Backup(args) => backup::backup(db, args).await,
        Command::Restore(args) => backup::restore(db, args).await,
        Command::Copy(args) => backup::copy(args).await,
        Command::Export(args) => transfer::export(db, args).await,
        Command::Import(args) => transfer::import(db, args).await,
        Command::Notify { command } => notify::run(open(db).await?, command).await,
        Command::Permissions => {
            print!("{}", keel_server::access::matrix::markdown());
            Ok(())
        }
        Command::Openapi => {
            println!(
                "{}",
                serde_json::to_string_pretty(&keel_server::api::openapi_json())?
            );
            Ok(())
        }
    }
}

/// `keel serve`: listens, loads the demo organisation first when asked, serves until SIGTERM or
/// Ctrl-C, then finishes the requests in flight (for up to the drain time) and exits.
async fn serve(
    db: &DbArgs,
    bind: Option<String>,
    demo: bool,
    (auth, mail): (config::AuthArgs, Box<config::MailArgs>),
    metrics: config::MetricsArgs,
    drain_seconds: Option<u64>,
) -> anyhow::Result<()> {
    let file = FileConfig::load(db.config.as_deref())?;
    let auth = auth.auth_config(&file)?;
    let mut mail = mail.mail_config(&file, auth.public_url.clone())?;
    // The key that seals the mail server's password saved on the email page.
    mail.keys = keel_server::secrets::KeySource::in_data_dir(
        std::env::var("KEEL_SECRET_KEY").ok(),
        &db.data_directory(&file),
    );
    // Which addresses webhook deliveries may reach (private ones only when allowed).
    mail.outbound = keel_server::outbound::OutboundPolicy::from_env();
    if mail.outbound.allow_private {
        tracing::warn!(
            "KEEL_WEBHOOK_ALLOW_PRIVATE=true: webhooks may reach private, loopback and link-local addresses"
        );
    }
    let metrics = metrics.settings(&file)?;
    let drain = config::drain_time(drain_seconds, &file)?;
    let bind = bind
        .or(file.bind.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let addr: std::net::SocketAddr = bind.parse().map_err(|_| {
        anyhow::anyhow!("invalid --bind '{bind}': expected an address like 127.0.0.1:8080")
    })?;
    let store = open(db).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let shown = listener.local_addr()?;
    let state = with_metrics(
        keel_server::AppState::with_auth(store.clone(), auth).with_mail(mail.clone()),
        metrics,
    )
    .await?;
    if demo {
        load_demo(&store, shown).await?;
    }
    let gate = keel::setup::prepare(&store, db, &file, shown).await?;
    tracing::info!(
        backend = store.backend(),
        "Keel listening on http://{shown}{}",
        durability(&store).await?
    );
    eprintln!("Keel is running at http://{shown}  (API reference: http://{shown}/api/v1/docs)");
    // Background jobs (the periodic evaluator) run beside the server; at the stop signal the
    // runner finishes the job under way, then requests in flight drain and the store closes.
    let job_metrics = state
        .observe
        .metrics
        .as_deref()
        .map(keel_server::jobs::JobMetrics::register);
    let runner = keel_server::jobs::start_observed(store.clone(), mail, job_metrics);
    let stop = stop_signal()?;
    let shutdown = async move {
        stop.await;
        runner.stop().await;
    };
    keel_server::serve_draining(listener, state.with_setup(gate), shutdown, drain).await?;
    Ok(())
}

/// Turns metrics on when configured: records them, serves them on their own listener
/// (`KEEL_METRICS_BIND`) and/or on the main port behind a token (`KEEL_METRICS_TOKEN`).
async fn with_metrics(
    state: keel_server::AppState,
    settings: config::MetricsSettings,
) -> anyhow::Result<keel_server::AppState> {
    use keel_server::observe::{self, Metrics, Observe};
    if !settings.enabled() {
        return Ok(state);
    }
    let metrics = std::sync::Arc::new(Metrics::new(state.store.clone()));
    if let Some(addr) = settings.bind {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} for KEEL_METRICS_BIND"))?;
        eprintln!("Metrics: http://{}/metrics", listener.local_addr()?);
        tokio::spawn(observe::metrics::serve(
            listener,
            metrics.clone(),
            std::future::pending(),
        ));
    }
    let token = settings.token.as_ref().map(|t| t.0.trim());
    Ok(state.with_observe(Observe::with_metrics(metrics, token)))
}

/// Resolves at the first SIGTERM (service managers, `docker stop`, Kubernetes) or SIGINT
/// (Ctrl-C).
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot watch for SIGINT")?;
    Ok(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!("{name} received");
    })
}

/// `keel admin create`: an administrator with a generated password, shown once.
async fn create_admin(db: &DbArgs, email: String, name: String) -> anyhow::Result<()> {
    let store = open(db).await?;
    let ctx = WriteCtx::system(Source::Cli);
    let person = services::directory::insert_person(
        store.as_ref(),
        &ctx,
        services::directory::NewPerson {
            name,
            email,
            title: "Administrator".into(),
            manager_id: None,
            roles: vec![Role::Admin],
        },
    )
    .await
    .map_err(api_error)?;
    let password = keel_server::auth::password::generate();
    let hash = keel_server::auth::password::hash(&password)
        .await
        .map_err(api_error)?;
    store.set_password_hash(&ctx, &person.id, &hash).await?;
    println!(
        "Created administrator {} <{}>",
        person.name,
        person.email.as_str()
    );
    println!("Password (shown once): {password}");
    println!(
        "API token: keel token create --email {}",
        person.email.as_str()
    );
    Ok(())
}

/// `keel token create`: an API token for a person; only the token goes to stdout.
async fn create_token(
    db: &DbArgs,
    email: &str,
    name: &str,
    scope: &str,
    expires_on: Option<chrono::NaiveDate>,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let person = store
        .person_by_email(&email.trim().to_lowercase())
        .await?
        .with_context(|| format!("no person has the email {email}"))?;
    if !person.active {
        bail!(
            "{} is deactivated and cannot have tokens",
            person.email.as_str()
        );
    }
    let scope = if scope == "read" {
        TokenScope::Read
    } else {
        TokenScope::Write
    };
    let (_, secret) = services::tokens::issue(
        store.as_ref(),
        &WriteCtx::system(Source::Cli),
        &person,
        name,
        scope,
        expires_on,
    )
    .await
    .map_err(api_error)?;
    println!("{secret}");
    Ok(())
}

/// `keel demo`: Northwind Labs, or a synthetic organisation of `people` people, into an empty
/// database.
async fn load_demo_data(db: &DbArgs, people: Option<usize>, seed: u64) -> anyhow::Result<()> {
    let store = open(db).await?;
    if !store.is_empty().await? {
        bail!("the database already holds people; demo data loads only into an empty database");
    }
    let today = chrono::Utc::now().date_naive();
    let started = std::time::Instant::now();
    let snapshot = match people {
        Some(0) => bail!("--people must be at least 1"),
        Some(n) => demo::synthetic(n, seed, today),
        None => demo::organisation(today),
    };
    let counts = format!(
        "{} people, {} teams, {} cycles, {} objectives, {} key results, {} check-ins",
        snapshot.people.len(),
        snapshot.teams.len(),
        snapshot.cycles.len(),
        snapshot.objectives.len(),
        snapshot.key_results.len(),
        snapshot.check_ins.len()
    );
    store
        .load_snapshot(&WriteCtx::system(Source::Cli), &snapshot)
        .await?;
    eprintln!(
        "keel: loaded {counts} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `keel lint`: the ownership health check over a cycle, as text or JSON; an error finding fails.
async fn lint(db: &DbArgs, cycle: &str, format: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let found = store
        .cycle_by_name(cycle.trim())
        .await?
        .with_context(|| format!("no cycle is named '{}'", cycle.trim()))?;
    let report = keel_server::read::health::for_cycle(
        store.as_ref(),
        &services::visibility::Viewer::system(),
        &found.id,
    )
    .await
    .map_err(api_error)?;
    if format == "json" {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let people: std::collections::HashMap<_, _> = {
            let ids: Vec<_> = report
                .findings
                .iter()
                .filter_map(|f| f.person_id.clone())
                .collect();
            store
                .people_by_ids(&ids)
                .await?
                .into_iter()
                .map(|p| (p.id.clone(), p.name))
                .collect()
        };
        for f in &report.findings {
            let severity = match f.severity {
                keel_domain::health::Severity::Error => "error",
                keel_domain::health::Severity::Warning => "warning",
                keel_domain::health::Severity::Info => "info",
            };
            let who = f
                .person_id
                .as_ref()
                .and_then(|p| people.get(p))
                .map(String::as_str)
                .unwrap_or("-");
            println!(
                "{severity:<8}{:<32}{} \"{}\" ({who}): {}. Fix: {}",
                f.code,
                f.okr.kind().replace('_', " "),
                f.okr_title,
                f.message,
                f.fix
            );
        }
        println!(
            "{}: {} errors, {} warnings, {} notes",
            report.cycle.name, report.counts.error, report.counts.warning, report.counts.info
        );
    }
    if report.counts.error > 0 {
        return Err(LintFailed(report.counts.error).into());
    }
    Ok(())
}

/// Loads the demo organisation into an empty database and prints how to sign in.
async fn load_demo(store: &DynStore, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    if !store.is_empty().await? {
        eprintln!("keel: the database is not empty; not loading the demo organisation again");
    } else {
        let snapshot = demo::organisation(chrono::Utc::now().date_naive());
        store
            .load_snapshot(&WriteCtx::system(Source::Cli), &snapshot)
            .await?;
        eprintln!(
            "keel: loaded the demo organisation ({} people, {} objectives)",
            snapshot.people.len(),
            snapshot.objectives.len()
        );
        // Demo data only: everyone signs in with one documented password.
        let hash = keel_server::auth::password::hash(demo::DEMO_PASSWORD)
            .await
            .map_err(api_error)?;
        for p in &snapshot.people {
            store
                .set_password_hash(&WriteCtx::system(Source::Cli), &p.id, &hash)
                .await?;
        }
    }
    let admin = store
        .person_by_email(demo::DEMO_ADMIN_EMAIL)
        .await?
        .context("the demo administrator is missing from this database")?;
    let (_, secret) = services::tokens::issue(
        store.as_ref(),
        &WriteCtx::system(Source::Cli),
        &admin,
        "demo",
        TokenScope::Write,
        None,
    )
    .await
    .map_err(api_error)?;
    eprintln!(
        "Signed in as {} <{}> ({})",
        admin.name,
        admin.email.as_str(),
        admin.title
    );
    eprintln!(
        "  Web UI: http://{addr}/  email {}  password {} (every demo person has this password)",
        admin.email.as_str(),
        demo::DEMO_PASSWORD
    );
    eprintln!("  API token: {secret}");
    eprintln!("  Try: curl -H 'Authorization: Bearer {secret}' http://{addr}/api/v1/objectives");
    Ok(())
}

fn api_error(e: keel_server::error::ApiError) -> anyhow::Error {
    use keel_server::error::ApiError;
    match e {
        ApiError::Invalid(f) => anyhow::anyhow!("{}: {}", f.field, f.message),
        ApiError::Conflict {
            field: Some(f),
            message,
        } => anyhow::anyhow!("{f}: {message}"),
        other => anyhow::anyhow!("{other}"),
    }
}
