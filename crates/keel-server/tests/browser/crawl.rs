//! The demo organisation crawled in a real browser, as each kind of person who uses Keel.
//!
//! Why: a page can be right in the HTML tests and still wrong where people meet it. The
//! Content-Security-Policy (`style-src 'self'`) silently refused every inline `style="width:…"`,
//! so every progress bar was drawn full and the console filled with violations; and a form's
//! dropdown listed the titles of private objectives to people who may not open them. Neither is
//! visible without a browser and without signing in as the person concerned.
//!
//! For each demo role (administrator, champion, department lead, members inside and outside a
//! team-only objective, finance, a board observer who only reads, analyst, reviewer, HR) the
//! crawl signs in and follows, from `/`, every same-origin GET it can reach: links, stylesheets
//! and scripts, GET forms (as they stand, and with each option of each of their selects), and the
//! pickers' `hx-get` addresses (the objective picker asked for every title someone may not
//! see, as typing it would), visiting at most
//! [`PER_PATTERN`] pages per route pattern (ids collapsed, query keys kept). It fails when
//! (a) the browser logs any console error or CSP violation (chromedriver's browser log, which
//!     holds both: `goog:loggingPrefs` and `POST /se/log`); a deliberate violation proves the
//!     detection works;
//! (b) a page shows the title of an objective (or of one of its key results) that the person
//!     cannot open: those whose `GET /api/v1/objectives/{id}` answers them 404;
//! (c) a page route of the UI router (the permission matrix's page rows, which a test keeps
//!     equal to the router) was visited by no role, apart from [`NOT_CRAWLED`].
//!
//! First, the bars on `/company`, a team page and `/ownership` are measured from the pixels the
//! browser drew (each `meter.bar` drawn to its value: 0% empty, 48% about half) and screenshot.

use super::a11y::{spawn_demo, Demo};
use super::{browser_available, start_driver, Browser};
use keel_domain::{Person, TokenScope};
use keel_server::access::matrix::{self, Kind};
use keel_server::services::tokens;
use keel_store::WriteCtx;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

/// Pages visited per route pattern and person: enough to meet each kind of page in a few
/// states, few enough to keep the crawl to a couple of minutes.
const PER_PATTERN: usize = 3;
/// Pages per route pattern and person that an earlier person's crawl visited already.
const PER_PATTERN_AGAIN: usize = 2;

/// Page routes no crawl reaches, and why.
const NOT_CRAWLED: &[(&str, &str)] = &[
    // The demo registers no webhook (it would send the demo's events off the machine).
    (
        "/admin/webhooks/{id}",
        "the demo registers no webhook; tests/api/webhooks.rs opens the page of one it adds",
    ),
    // The demo has no KPI yet (the snapshot it loads carries none).
    (
        "/kpis/{id}",
        "the demo has no KPI yet; tests/browser/data_feeds.rs opens one it creates",
    ),
    // Linked only from the emails Keel sends; tests/api/digest.rs follows it from a message.
    (
        "/unsubscribe/{token}",
        "linked only from emails (one-click unsubscribe); tests/api/digest.rs",
    ),
    // Linked from invitation and password-reset emails (or shown once to an administrator).
    (
        "/set-password/{secret}",
        "linked only from emails and an invitation shown once; tests/api/accounts_by_email.rs and tests/browser/accounts.rs",
    ),
    // Linked from the sign-in page, which the crawl (signed in) does not read.
    (
        "/forgot-password",
        "linked from the sign-in page, seen before signing in; tests/browser/accounts.rs",
    ),
    // Opening a notification marks it read: a crawl following it would change what the next
    // person's crawl sees; the owner story in a real browser clicks one.
    (
        "/notifications/{id}/open",
        "marks the notification read when followed; tests/browser owner story and tests/api/notifications.rs",
    ),
    // Browsers ask for it on their own (pages name /static/favicon.….svg); tests/api checks it.
    (
        "/favicon.ico",
        "asked for by browsers, never linked; tests/api/account_navigation.rs",
    ),
    // Single sign-on is not configured in the demo; tests/api covers it with a mock provider.
    (
        "/sign-in/sso",
        "single sign-on is not configured in the demo",
    ),
    (
        "/sign-in/sso/callback",
        "reached only from an identity provider",
    ),
    // The old address of a person's tokens page: a redirect no page links to any more.
    (
        "/admin/tokens",
        "a redirect kept for old bookmarks; no page links to it",
    ),
    // The first-run page exists only while nobody administers the organisation; the demo has
    // an administrator. tests/api/setup.rs walks it through real HTTP.
    (
        "/setup",
        "offered only before the first administrator exists, and the demo has one",
    ),
];

/// The people crawled: (why this one, their name in the demo).
const ROLES: &[(&str, &str)] = &[
    ("administrator", "Amara Okafor"),
    ("champion", "Lena Hoffmann"),
    ("department lead", "Daniel Reyes"),
    ("member of a team-only objective's team", "Kwame Asante"),
    (
        "member outside private and team-only objectives",
        "Tess Whitfield",
    ),
    ("finance", "Helen Fischer"),
    ("read-only board observer", "Beatrice Ward"),
    ("analyst", "Hannah Kim"),
    ("reviewer", "Olivia Turner"),
    ("HR", "Grace Mensah"),
];

/// The demo's private objectives (personal, company and department level).
const PRIVATE: &[&str] = &[
    "Grow into a tech lead role",
    "Prepare the Series B raise",
    "Reshape engineering into product-aligned groups",
];

/// What the page script below returns for the page it runs on.
const PAGE: &str = r#"
const same = u => {
  try { const x = new URL(u, location.href); return x.origin === location.origin ? x.pathname + x.search : null; }
  catch (e) { return null; }
};
const urls = [];
for (const a of document.querySelectorAll('a[href]')) urls.push(same(a.getAttribute('href')));
for (const l of document.querySelectorAll('link[href]')) urls.push(same(l.getAttribute('href')));
for (const s of document.querySelectorAll('script[src]')) urls.push(same(s.getAttribute('src')));
const query = fd => new URLSearchParams(Array.from(fd.entries()).filter(e => typeof e[1] === 'string')).toString();
for (const f of document.forms) {
  if ((f.getAttribute('method') || 'get').toLowerCase() !== 'get') continue;
  const action = f.getAttribute('action') || location.pathname;
  urls.push(same(action + '?' + query(new FormData(f))));
  for (const sel of f.querySelectorAll('select[name]')) for (const o of sel.options) {
    const fd = new FormData(f); fd.set(sel.name, o.value); urls.push(same(action + '?' + query(fd)));
  }
}
const hx = Array.from(document.querySelectorAll('[hx-get]')).map(e => same(e.getAttribute('hx-get')));
const attrs = [];
for (const el of document.querySelectorAll('*')) for (const at of el.attributes) attrs.push(at.value);
return {
  title: document.title,
  words: document.documentElement.textContent + '\n' + attrs.join('\n'),
  urls: urls.filter(u => u),
  hx: hx.filter(u => u),
};
"#;

/// How much of a bar's width is filled, read from the pixels the browser drew: the element's
/// screenshot (WebDriver), decoded by the page itself into a canvas (`img-src data:` is allowed),
/// the columns of its middle row darker than the empty track counted.
const FILL: &str = r#"
const done = arguments[arguments.length - 1];
const img = new Image();
img.onload = () => {
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const row = g.getImageData(0, Math.floor(img.height / 2), img.width, 1).data;
  let dark = 0;
  for (let x = 0; x < img.width; x++) if (row[4 * x] + row[4 * x + 1] + row[4 * x + 2] < 500) dark++;
  done(dark / img.width);
};
img.onerror = () => done(-1);
img.src = 'data:image/png;base64,' + arguments[0];
"#;

/// Each progress bar on the page (`meter.bar`, at most `limit`) is drawn to its value: returns
/// the ones that are not, and how many were measured.
async fn bars_drawn_to_value(b: &Browser, limit: usize) -> (Vec<f64>, Vec<String>) {
    let els = b
        .call(
            reqwest::Method::POST,
            "/elements",
            Some(json!({"using": "css selector", "value": "meter.bar"})),
        )
        .await;
    let mut wrong = vec![];
    let mut measured = vec![];
    for el in els.as_array().unwrap().iter().take(limit) {
        let id = el[super::ELEMENT].as_str().unwrap();
        let value = b
            .call(
                reqwest::Method::GET,
                &format!("/element/{id}/property/value"),
                None,
            )
            .await
            .as_f64()
            .unwrap();
        let max = b
            .call(
                reqwest::Method::GET,
                &format!("/element/{id}/property/max"),
                None,
            )
            .await
            .as_f64()
            .unwrap();
        let png = b
            .call(
                reqwest::Method::GET,
                &format!("/element/{id}/screenshot"),
                None,
            )
            .await;
        let fill = b
            .call(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({"script": FILL, "args": [png]})),
            )
            .await
            .as_f64()
            .unwrap();
        let want = (value / max).clamp(0.0, 1.0);
        measured.push(want);
        if (fill - want).abs() > 0.08 {
            wrong.push(format!(
                "a bar at {value} of {max} is drawn {:.0}% full",
                fill * 100.0
            ));
        }
    }
    (measured, wrong)
}

/// One person's crawl.
struct Crawl<'a> {
    b: &'a Browser,
    base: &'a str,
    who: String,
    /// Titles the person may not see.
    forbidden: Vec<String>,
    /// Titles someone may not see, and those of them this crawl met (the administrator's
    /// crawl must meet them all, or their absence elsewhere would prove nothing).
    watched: BTreeSet<String>,
    found: BTreeSet<String>,
    /// Watched titles the objective picker offered.
    offered: BTreeSet<String>,
    seen: BTreeSet<String>,
    /// Pages the crawls of the people before visited.
    earlier: BTreeSet<String>,
    per_pattern: BTreeMap<String, usize>,
    queue: VecDeque<String>,
    pages: usize,
}

/// A path with its ids collapsed (`/objectives/{id}`), and the keys of its query.
fn pattern(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path: Vec<String> = path
        .split('/')
        .map(|s| {
            if uuid::Uuid::parse_str(s).is_ok() {
                "{id}".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    let mut keys: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split('=').next().unwrap_or(""))
        .collect();
    keys.sort();
    keys.dedup();
    format!("{}?{}", path.join("/"), keys.join("&"))
}

/// The router's route a path belongs to (`{…}` segments match any segment).
fn route_of<'r>(routes: &'r BTreeSet<String>, url: &str) -> Option<&'r String> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let segs: Vec<&str> = path.split('/').collect();
    routes.iter().find(|r| {
        let rs: Vec<&str> = r.split('/').collect();
        rs.len() == segs.len()
            && rs
                .iter()
                .zip(&segs)
                .all(|(r, s)| (r.starts_with('{') && !s.is_empty()) || r == s)
    })
}

/// The UI's GET page routes: the permission matrix's page rows and its public pages (a test in
/// tests/api keeps both equal to what the router registers).
fn page_routes() -> BTreeSet<String> {
    let rows = matrix::rows();
    let pages = rows
        .iter()
        .filter(|r| r.kind == Kind::Page && r.method == "GET")
        .map(|r| r.path.to_string());
    let public = matrix::PUBLIC_PAGES
        .iter()
        .filter(|(m, _)| *m == "GET")
        .map(|(_, p)| p.to_string());
    pages.chain(public).collect()
}

/// Titles of objectives `person` cannot open (their API answers 404), with their key results'
/// titles; leaving out any title that is part of a title they may see (it would be found for
/// the wrong reason).
async fn forbidden_titles(demo: &Demo, person: &Person) -> Vec<String> {
    let (_, token) = tokens::issue(
        demo.store.as_ref(),
        &WriteCtx::system(keel_domain::Source::Cli),
        person,
        "crawl",
        TokenScope::Read,
        None,
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let (mut hidden, mut shown) = (vec![], vec![]);
    for o in &demo.snap.objectives {
        let status = http
            .get(format!("{}/api/v1/objectives/{}", demo.base, o.id))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        let titles = std::iter::once(o.title.clone()).chain(
            demo.snap
                .key_results
                .iter()
                .filter(|k| k.objective_id == o.id)
                .map(|k| k.title.clone()),
        );
        match status.as_u16() {
            404 => hidden.extend(titles),
            200 => shown.extend(titles),
            other => panic!(
                "GET /api/v1/objectives/{} as {}: {other}",
                o.id, person.name
            ),
        }
    }
    hidden.retain(|h: &String| !shown.iter().any(|s| s.contains(h.as_str())));
    hidden
}

impl Crawl<'_> {
    /// Queues `url` unless it was seen or its pattern had its share: [`PER_PATTERN`] pages no
    /// earlier crawl visited, and [`PER_PATTERN_AGAIN`] that one did (so that the crawls
    /// together reach far, and each still reads the pages the others read).
    fn offer(&mut self, url: &str) {
        let url = url.split('#').next().unwrap_or(url).to_string();
        if url.is_empty() || self.seen.contains(&url) {
            return;
        }
        let again = self.earlier.contains(&url);
        let key = format!("{}{}", if again { "again " } else { "" }, pattern(&url));
        let n = self.per_pattern.entry(key).or_default();
        if *n
            >= if again {
                PER_PATTERN_AGAIN
            } else {
                PER_PATTERN
            }
        {
            return;
        }
        *n += 1;
        self.seen.insert(url.clone());
        self.queue.push_back(url);
    }

    /// Visits `url`; returns what went wrong there. A picker asked for a title repeats the
    /// question ("Nothing matches …"): only its choices count there (`choices_only`).
    async fn visit(&mut self, url: &str, choices_only: bool) -> (Value, Vec<String>) {
        self.b.go(&format!("{}{url}", self.base)).await;
        self.pages += 1;
        let page = self.b.execute(PAGE, json!([])).await;
        let mut failures: Vec<String> = self
            .b
            .severe_log()
            .await
            .into_iter()
            .map(|m| format!("{} on {url}: console: {m}", self.who))
            .collect();
        let words = if choices_only {
            let choices = "return Array.from(document.querySelectorAll('option:not([disabled]), label')).map(e => e.textContent).join('\\n');";
            self.b.execute(choices, json!([])).await
        } else {
            page["words"].clone()
        };
        let words = words.as_str().unwrap_or_default();
        for t in &self.watched {
            if words.contains(t.as_str()) {
                self.found.insert(t.clone());
                if choices_only {
                    self.offered.insert(t.clone());
                }
            }
        }
        for t in &self.forbidden {
            if words.contains(t.as_str()) {
                failures.push(format!(
                    "{} on {url}: shows \"{t}\", which they cannot open",
                    self.who
                ));
            }
        }
        (page, failures)
    }

    /// Crawls from `/`; returns the failures and the paths visited.
    async fn run(&mut self) -> (Vec<String>, Vec<String>) {
        let mut failures = vec![];
        let mut visited = vec![];
        let mut probed = BTreeSet::new();
        self.offer("/");
        while let Some(url) = self.queue.pop_front() {
            let (page, f) = self.visit(&url, false).await;
            failures.extend(f);
            visited.push(url.clone());
            let list = |k: &str| -> Vec<String> {
                page[k]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|u| u.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            for u in list("urls") {
                self.offer(&u);
            }
            for u in list("hx") {
                self.offer(&u);
                // The objective picker is asked for each watched title, the way typing it
                // would: those the person may not see must not be offered.
                let path = u.split('?').next().unwrap_or_default().to_string();
                if path == "/pickers/objectives" && probed.insert(path) {
                    for t in self.watched.clone() {
                        let mut probe = reqwest::Url::parse(&format!("{}{u}", self.base)).unwrap();
                        probe.query_pairs_mut().append_pair("q", &t);
                        let probe = format!("{}?{}", probe.path(), probe.query().unwrap_or(""));
                        let (_, f) = self.visit(&probe, true).await;
                        failures.extend(f);
                    }
                }
            }
        }
        (failures, visited)
    }
}

/// The bars as drawn (target/screenshots/crawl-*.png): the company tree, the reviewed team and
/// the ownership map's load column, each bar measured against its value.
async fn bars_as_drawn(b: &Browser, demo: &Demo) {
    b.sign_in(
        &demo.base,
        keel_demo::DEMO_ADMIN_EMAIL,
        keel_demo::DEMO_PASSWORD,
    )
    .await;
    let platform = demo.snap.reviews[0].team_id.clone();
    let mut values = vec![];
    for (name, path) in [
        ("company", "/company".to_string()),
        ("team", format!("/teams/{platform}")),
        ("ownership", "/ownership".to_string()),
    ] {
        b.go(&format!("{}{path}", demo.base)).await;
        // The ownership map's load column is below its requests; key results open.
        b.execute(
            "document.querySelectorAll('details').forEach(d => d.open = true); const m = document.querySelector('#map'); if (m) m.scrollIntoView();",
            json!([]),
        )
        .await;
        b.screenshot(&format!("crawl-{name}")).await;
        let t = Instant::now();
        let (measured, wrong) = bars_drawn_to_value(b, 200).await;
        eprintln!(
            "{path}: {} bars measured in {:.1} s",
            measured.len(),
            t.elapsed().as_secs_f64()
        );
        assert!(measured.len() >= 3, "{path}: only {measured:?}");
        assert!(wrong.is_empty(), "{path}: {wrong:?}");
        values.extend(measured);
    }
    // Empty bars (0%) and bars about half full (48%) were among them.
    assert!(
        values.contains(&0.0) && values.iter().any(|v| *v > 0.3 && *v < 0.7),
        "{values:?}"
    );
    b.delete_cookies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_crawls_the_demo_without_console_errors_or_leaks() {
    if !browser_available() {
        return;
    }
    let started = Instant::now();
    let demo = spawn_demo().await;
    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    let routes = page_routes();
    let mut visited_routes: BTreeSet<String> = BTreeSet::new();
    let mut earlier: BTreeSet<String> = BTreeSet::new();
    let mut failures = vec![];
    let mut measured = vec![];

    // The detection itself: a deliberate inline style and a console error are both reported.
    b.go(&format!("{}/sign-in", demo.base)).await;
    b.severe_log().await;
    b.execute(
        "document.body.insertAdjacentHTML('beforeend', '<span style=\"width:10%\">x</span>'); console.error('deliberate');",
        json!([]),
    )
    .await;
    let caught = b.severe_log().await;
    assert!(
        caught.iter().any(|m| m.contains("Content Security Policy"))
            && caught.iter().any(|m| m.contains("deliberate")),
        "the deliberate CSP violation and console error were not both caught: {caught:?}"
    );

    bars_as_drawn(&b, &demo).await;
    b.severe_log().await;

    let mut people = vec![];
    for (why, name) in ROLES {
        let person = demo
            .snap
            .people
            .iter()
            .find(|p| p.name == *name)
            .unwrap_or_else(|| panic!("{name} ({why}) is not in the demo"));
        people.push((*why, person, forbidden_titles(&demo, person).await));
    }
    let watched: BTreeSet<String> = people.iter().flat_map(|p| p.2.clone()).collect();
    for t in PRIVATE {
        assert!(
            watched.contains(*t),
            "the demo's private objective {t} is hidden from someone: {watched:?}"
        );
    }
    for (why, person, forbidden) in people {
        let t = Instant::now();
        b.delete_cookies().await;
        b.sign_in(&demo.base, person.email.as_str(), keel_demo::DEMO_PASSWORD)
            .await;
        b.severe_log().await;
        let mut crawl = Crawl {
            b: &b,
            base: &demo.base,
            who: format!("{} ({why})", person.name),
            forbidden,
            watched: watched.clone(),
            found: BTreeSet::new(),
            offered: BTreeSet::new(),
            seen: BTreeSet::new(),
            earlier: earlier.clone(),
            per_pattern: BTreeMap::new(),
            queue: VecDeque::new(),
            pages: 0,
        };
        let (f, visited) = crawl.run().await;
        failures.extend(f);
        earlier.extend(visited.iter().cloned());
        for v in &visited {
            if let Some(r) = route_of(&routes, v) {
                visited_routes.insert(r.clone());
            }
        }
        // The administrator may open everything: their pages show every watched title, so
        // that the check finds them where they would leak.
        if crawl.forbidden.is_empty() {
            let missed: Vec<_> = watched.difference(&crawl.found).collect();
            assert!(
                missed.is_empty(),
                "{}'s crawl never met these titles, so their absence elsewhere proves nothing: {missed:?}",
                crawl.who
            );
            // The picker, asked for the private objectives, offers them to the administrator.
            for t in PRIVATE {
                assert!(
                    crawl.offered.contains(*t),
                    "the picker never offered {t}: {:?}",
                    crawl.offered
                );
            }
        }
        measured.push(format!(
            "{}: {} pages, {} forbidden titles, {:.1} s",
            crawl.who,
            crawl.pages,
            crawl.forbidden.len(),
            t.elapsed().as_secs_f64()
        ));
    }
    // Signing in is a page too, and it was met by every sign-in above.
    visited_routes.insert("/sign-in".into());
    b.close().await;
    eprintln!(
        "crawl: {:.1} s in all\n{}",
        started.elapsed().as_secs_f64(),
        measured.join("\n")
    );

    let excluded: BTreeSet<&str> = NOT_CRAWLED.iter().map(|(r, _)| *r).collect();
    let never: Vec<&String> = routes
        .iter()
        .filter(|r| !visited_routes.contains(*r) && !excluded.contains(r.as_str()))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures (the first 40):\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
    assert!(
        never.is_empty(),
        "page routes no role reached from /: {never:?} (link to them, or add them to NOT_CRAWLED with a reason)"
    );
}
