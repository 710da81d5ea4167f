//! `cargo run -p keel --example screenshots`: starts Keel with the demo organisation, signs in
//! as its administrator through the sign-in form, and writes a PNG of every page to
//! `target/screenshots/` (laptop width, and the main pages at phone width too), for a person to
//! review. Drives Debian's chromium through chromedriver (W3C WebDriver over plain HTTP).
//!
//! Environment: `SCREENSHOTS_DIR` (default `target/screenshots`), `CHROMEDRIVER` and `CHROMIUM`
//! (binaries, default from `PATH`).

mod webdriver;

use keel_domain::{ObjectiveState, Source};
use keel_store::{
    Accounts, KeyResults, ObjectiveFilter, Objectives, PageRequest, People, PeopleFilter,
    Snapshots, TeamFilter, Teams, WriteCtx,
};
use std::path::PathBuf;

const PASSWORD: &str = "screenshots only, never in production";
const LAPTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(
        std::env::var("SCREENSHOTS_DIR").unwrap_or_else(|_| "target/screenshots".into()),
    );
    std::fs::create_dir_all(&out)?;
    let data = std::env::temp_dir().join(format!("keel-screenshots-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let result = run(&out, &data).await;
    let _ = std::fs::remove_dir_all(&data);
    result
}

async fn run(out: &std::path::Path, data: &std::path::Path) -> anyhow::Result<()> {
    // The demo organisation in a fresh database, and a password for its administrator.
    let store = keel_store::open(&format!("sqlite://{}", data.join("keel.db").display())).await?;
    let ctx = WriteCtx::system(Source::Cli);
    store
        .load_snapshot(
            &ctx,
            &keel_demo::organisation(chrono::Utc::now().date_naive()),
        )
        .await?;
    let admin = store
        .person_by_email(keel_demo::DEMO_ADMIN_EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo has no administrator"))?;
    let hash = keel_server::auth::password::hash(PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    store.set_password_hash(&ctx, &admin.id, &hash).await?;

    // What to show: an objective with key results, a team with OKRs, a person, a cycle.
    let page = PageRequest {
        limit: 500,
        cursor: None,
    };
    let objectives = store
        .list_objectives(&ObjectiveFilter::new(keel_store::Reader::Everyone), &page)
        .await?
        .items;
    let ids: Vec<_> = objectives.iter().map(|o| o.id.clone()).collect();
    let krs = store.key_results_of(&ids).await?;
    let objective = objectives
        .iter()
        .filter(|o| o.state == ObjectiveState::Active)
        .max_by_key(|o| krs.iter().filter(|k| k.objective_id == o.id).count())
        .ok_or_else(|| anyhow::anyhow!("the demo has no active objective"))?;
    let key_result = krs
        .iter()
        .find(|k| k.objective_id == objective.id)
        .ok_or_else(|| anyhow::anyhow!("the objective has no key result"))?;
    let teams = store.list_teams(&TeamFilter::default(), &page).await?.items;
    let team = teams
        .iter()
        .find(|t| t.name == "Product Engineering")
        .or(teams.first())
        .ok_or_else(|| anyhow::anyhow!("the demo has no team"))?;
    let person = store
        .list_people(&PeopleFilter::default(), &page)
        .await?
        .items
        .into_iter()
        .find(|p| p.id != admin.id && p.active)
        .ok_or_else(|| anyhow::anyhow!("the demo has one person"))?;
    let cycle = objective.cycle_id.clone();

    // Keel on a free port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = keel_server::AppState::new(store.clone());
    tokio::spawn(keel_server::serve(listener, state, std::future::pending()));

    let browser = webdriver::Browser::start(free_port()?, LAPTOP.0, LAPTOP.1).await?;
    let shoot = |name: String, width: u32, height: u32| {
        let browser = &browser;
        async move {
            let png = browser.full_page(width, height).await?;
            let path = out.join(format!("{name}.png"));
            std::fs::write(&path, png)?;
            println!("{}", path.display());
            anyhow::Ok(())
        }
    };

    // Sign in through the form, as a person would.
    browser.goto(&format!("{base}/sign-in")).await?;
    shoot("01-sign-in".into(), LAPTOP.0, LAPTOP.1).await?;
    browser
        .type_into("#f-email", keel_demo::DEMO_ADMIN_EMAIL)
        .await?;
    browser.type_into("#f-password", PASSWORD).await?;
    browser
        .click("form[action='/sign-in'] button[type=submit]")
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let at = browser.current_url().await?;
    if at.contains("/sign-in") {
        anyhow::bail!("signing in failed: still at {at}");
    }

    let pages = pages(&objective.id, &team.id, &cycle, &person.id, &key_result.id);
    for (name, path) in &pages {
        browser.goto(&format!("{base}{path}")).await?;
        shoot(format!("{name}-laptop"), LAPTOP.0, LAPTOP.1).await?;
    }
    for (name, path) in pages.iter().filter(|(n, _)| {
        [
            "02-my-week",
            "03-objective",
            "04-team",
            "05-company",
            "07-ownership",
            "19-objective-new",
            "26-alignment",
            "35-dashboard",
            "39-kpis",
            "41-key-result",
        ]
        .contains(n)
    }) {
        browser.goto(&format!("{base}{path}")).await?;
        shoot(format!("{name}-phone"), PHONE.0, PHONE.1).await?;
    }
    browser.quit().await;
    Ok(())
}

/// Every page to shoot, in order, with the records it shows.
fn pages(
    objective: &keel_domain::ObjectiveId,
    team: &keel_domain::TeamId,
    cycle: &keel_domain::CycleId,
    person: &keel_domain::PersonId,
    key_result: &keel_domain::KeyResultId,
) -> Vec<(&'static str, String)> {
    vec![
        ("02-my-week", "/my-week".into()),
        ("03-objective", format!("/objectives/{}", objective)),
        ("04-team", format!("/teams/{}", team)),
        ("05-company", "/company".into()),
        (
            "06-company-filtered",
            format!("/company?cycle_id={cycle}&status=off_track"),
        ),
        ("07-ownership", "/ownership".into()),
        ("08-health", "/health".into()),
        ("09-admin-people", "/admin".into()),
        ("10-admin-person", format!("/admin/people/{}", person)),
        ("11-admin-person-new", "/admin/people/new".into()),
        ("12-admin-teams", "/admin/teams".into()),
        ("13-admin-team", format!("/admin/teams/{}", team)),
        ("14-admin-cycles", "/admin/cycles".into()),
        ("15-admin-cycle", format!("/admin/cycles/{cycle}")),
        ("16-admin-settings", "/admin/settings".into()),
        ("17-account-tokens", "/account/tokens".into()),
        ("18-admin-sso", "/admin/sso".into()),
        ("19-objective-new", "/objectives/new".into()),
        ("20-conversations", "/conversations".into()),
        ("21-feedback", "/feedback".into()),
        ("22-admin-audit", "/admin/audit".into()),
        ("23-account-time-zone", "/account/time-zone".into()),
        ("24-account", "/account".into()),
        (
            "25-close-out",
            format!("/objectives/{}/close-out", objective),
        ),
        ("26-alignment", "/alignment".into()),
        ("27-objectives", "/objectives".into()),
        ("28-notifications", "/notifications".into()),
        ("29-account-notifications", "/account/notifications".into()),
        ("30-admin-email", "/admin/email".into()),
        ("31-reports", "/reports".into()),
        ("32-reports-participation", "/reports/participation".into()),
        ("33-reports-financial", "/reports/financial".into()),
        ("34-admin-webhooks", "/admin/webhooks".into()),
        ("35-dashboard", "/dashboard".into()),
        ("36-team-dashboard", format!("/teams/{}/dashboard", team)),
        (
            "37-dashboard-key-results",
            format!("/dashboard/key-results?cycle_id={cycle}&status=off_track"),
        ),
        ("38-admin-import", "/admin/import".into()),
        ("39-kpis", "/kpis".into()),
        (
            "40-team-dependencies",
            format!("/teams/{}/dependencies", team),
        ),
        ("41-key-result", format!("/key-results/{}", key_result)),
        ("42-reports-compliance", "/reports/compliance".into()),
        (
            "43-admin-source-databases",
            "/admin/source-databases".into(),
        ),
        ("44-admin-automation", "/admin/automation".into()),
    ]
}
