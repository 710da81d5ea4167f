//! Accessibility checked in the real browser, on the demo organisation (the promise: "accessible
//! (labels, focus order, contrast, full keyboard use)", "readable on a laptop and on a phone").
//!
//! The HTML tests elsewhere can only say a `<label for>` is there; whether the text is readable
//! on its background, where the focus goes and whether a phone must scroll sideways depends on
//! the CSS as the browser applies it. So scripts run in the page (WebDriver `execute/sync`) and
//! read computed styles and layout; the keyboard test sends real key presses (WebDriver
//! actions) and never clicks.
//!
//! - `demo_pages_have_contrast_labels_and_fit_a_phone`: every page of the demo organisation
//!   (the main navigation's and the administration's own links, plus a representative
//!   objective, its edit forms, a close-out, a team with its review, a conversation, the
//!   reports): WCAG 2.x contrast of every visible text, an accessible name for every form
//!   control, a text alternative for every chart; then at 375 px wide, no page scrolls sideways.
//! - `keyboard_alone_signs_in_checks_in_and_creates_an_objective`: the skip link, focus order
//!   following the visual order of the fields, a visible focus indicator on everything the Tab
//!   key reaches, and three forms filled and sent with the keyboard only.

use super::helpers::TempDir;
use super::{browser_available, keys, start_driver, Browser};
use keel_domain::{CycleState, ObjectiveState, OwnershipState, Person, Source};
use keel_server::auth::password;
use keel_store::{Accounts, DynStore, Snapshot, Snapshots, WriteCtx};
use serde_json::{json, Value};

/// The demo organisation served on a random port, every demo person with the demo password.
pub(super) struct Demo {
    pub(super) base: String,
    pub(super) snap: Snapshot,
    pub(super) store: DynStore,
    _dir: TempDir,
}

pub(super) async fn spawn_demo() -> Demo {
    let dir = std::env::temp_dir().join(format!("keel-a11y-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = keel_store::open(&format!("sqlite://{}", dir.join("keel.db").display()))
        .await
        .unwrap();
    let snap = keel_demo::organisation(chrono::Utc::now().date_naive());
    let ctx = WriteCtx::system(Source::Cli);
    store.load_snapshot(&ctx, &snap).await.unwrap();
    let hash = password::hash(keel_demo::DEMO_PASSWORD).await.unwrap();
    for p in &snap.people {
        store.set_password_hash(&ctx, &p.id, &hash).await.unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = keel_server::AppState::new(store.clone());
    tokio::spawn(keel_server::serve(listener, state, std::future::pending()));
    Demo {
        base,
        snap,
        store,
        _dir: TempDir(dir),
    }
}

impl Demo {
    fn person(&self, id: &keel_domain::PersonId) -> &Person {
        self.snap.people.iter().find(|p| &p.id == id).unwrap()
    }

    /// The active objective of the current quarter with the most key results.
    fn objective(&self) -> &keel_domain::Objective {
        let active: Vec<_> = self
            .snap
            .cycles
            .iter()
            .filter(|c| c.state == CycleState::Active)
            .map(|c| &c.id)
            .collect();
        self.snap
            .objectives
            .iter()
            .filter(|o| o.state == ObjectiveState::Active && active.contains(&&o.cycle_id))
            .max_by_key(|o| {
                self.snap
                    .key_results
                    .iter()
                    .filter(|k| k.objective_id == o.id)
                    .count()
            })
            .unwrap()
    }

    /// An owner who may check in on a key result of `objective()` and create objectives.
    fn owner(&self) -> &Person {
        let o = self.objective();
        self.snap
            .key_results
            .iter()
            .filter(|k| k.objective_id == o.id && k.ownership_state == OwnershipState::Accepted)
            .map(|k| self.person(&k.owner_id))
            .find(|p| keel_server::access::create_okr(p).is_ok())
            .expect("an owner of a key result of the demo's biggest objective")
    }
}

/// Returns a short description of an element, used by every script below.
const DESCRIBE: &str = r#"
const describe = el => {
  let d = el.tagName.toLowerCase();
  if (el.id) d += '#' + el.id;
  if (typeof el.className === 'string' && el.className.trim()) d += '.' + el.className.trim().split(/\s+/).join('.');
  if (el.getAttribute('name')) d += '[name=' + el.getAttribute('name') + ']';
  const t = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
  return t ? d + ' "' + t + '"' : d;
};
"#;

/// Colours as the browser computes them: parsing, compositing, WCAG 2.x relative luminance and
/// contrast, and the effective background behind an element (its own and its ancestors'
/// background colours composited from the first opaque one, or the white canvas, up).
const COLOURS: &str = r#"
const parse = s => {
  const m = /rgba?\(([^)]*)\)/.exec(s || '');
  if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(x => x).map(parseFloat);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
};
const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
const lum = c => {
  const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
const contrast = (a, b) => { const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x); return (l1 + 0.05) / (l2 + 0.05); };
const hex = c => '#' + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
const background = el => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let bg = [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
  return bg;
};
"#;

/// Every visible text whose contrast against its effective background is under WCAG 2.x AA:
/// 4.5:1, or 3:1 for large text (24 px, or bold from 18.66 px). Returns how many texts were
/// checked and the failures.
const CONTRAST: &str = r#"
const visible = el => {
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1 || r.right <= 0 || r.bottom <= 0) return false;
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) return false;
    const er = e.getBoundingClientRect();
    if ((s.overflow === 'hidden' || s.clip !== 'auto') && (er.width <= 1 || er.height <= 1)) return false;
  }
  return true;
};
const ownText = el => Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
const control = el => el.matches('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea');
const failures = [];
let checked = 0;
for (const el of document.body.querySelectorAll('*')) {
  if (el.matches('script, style, option, title, noscript')) continue;
  if (!(ownText(el) || control(el))) continue;
  if (el.closest(':disabled') || !visible(el)) continue;
  const s = getComputedStyle(el);
  const svg = el instanceof SVGElement;
  const bg = background(svg ? el.ownerSVGElement || el : el);
  const fg = over(parse(svg ? s.fill : s.color) || [0, 0, 0, 1], bg);
  const ratio = contrast(fg, bg);
  checked++;
  const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  const need = large ? 3 : 4.5;
  if (ratio < need) {
    failures.push(describe(el) + ': ' + hex(fg) + ' on ' + hex(bg) + ' = ' + ratio.toFixed(2)
      + ':1, needs ' + need + ':1 (' + size + 'px' + (bold ? ' bold' : '') + ')');
  }
}
return {checked, failures};
"#;

/// Form controls without an accessible name (a label, `aria-label` or `aria-labelledby`),
/// buttons and links without text, images and charts without a text alternative.
const LABELS: &str = r#"
const named = el => {
  if ((el.getAttribute('aria-label') || '').trim()) return true;
  const by = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(x => x);
  if (by.some(id => { const t = document.getElementById(id); return t && t.textContent.trim(); })) return true;
  return !!(el.labels && Array.from(el.labels).some(l => l.textContent.trim()));
};
const failures = [];
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden') continue;
  const button = ['submit', 'button', 'reset'].includes(el.type);
  if (button ? !(el.value || '').trim() && !named(el) : !named(el)) failures.push(describe(el) + ': no accessible name');
}
for (const el of document.querySelectorAll('button, a[href]')) {
  if (!el.textContent.trim() && !named(el) && !el.querySelector('img[alt]:not([alt=""]), svg[aria-label]'))
    failures.push(describe(el) + ': no text');
}
for (const el of document.querySelectorAll('img')) {
  if (!el.hasAttribute('alt')) failures.push(describe(el) + ': no alt');
}
for (const el of document.querySelectorAll('svg')) {
  if (el.closest('[aria-hidden=true]')) continue;
  const title = el.querySelector(':scope > title');
  if (!named(el) && !(title && title.textContent.trim())) failures.push(describe(el) + ': a chart without a text alternative');
}
return failures;
"#;

/// Whether the page scrolls sideways, and if so the elements sticking out past the right edge
/// (outside an explicitly scrollable wrapper, whose content scrolls inside it).
const OVERFLOW: &str = r#"
const de = document.documentElement, width = de.clientWidth;
if (de.scrollWidth <= width + 1) return null;
const scrolls = el => { for (let e = el.parentElement; e; e = e.parentElement) { const o = getComputedStyle(e).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
const out = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  const parent = el.parentElement;
  const outermost = parent === document.body || parent.getBoundingClientRect().right <= width + 1;
  if (r.right > width + 1 && r.width > 0 && !scrolls(el) && outermost)
    out.push(describe(el) + ' reaches ' + Math.round(r.right) + 'px');
}
// An absolutely positioned element escapes a scrolling wrapper that is not its containing block.
if (!out.length) for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.right > width + 1 && getComputedStyle(el).position === 'absolute') out.push(describe(el) + ' (absolute) reaches ' + Math.round(r.right) + 'px');
}
return 'scrollWidth ' + de.scrollWidth + ' > ' + width + ': ' + out.slice(0, 6).join('; ');
"#;

/// The hrefs of the links matching a selector on the current page, in order.
async fn links(b: &Browser, css: &str) -> Vec<String> {
    let v = b
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0])).map(a => a.getAttribute('href'));",
            json!([css]),
        )
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect()
}

async fn sign_in_as(b: &Browser, base: &str, email: &str) {
    b.delete_cookies().await;
    b.sign_in(base, email, keel_demo::DEMO_PASSWORD).await;
}

/// Loads `path` and checks it answered a page (not an error page) before the checks run.
async fn visit(b: &Browser, base: &str, path: &str) {
    b.go(&format!("{base}{path}")).await;
    let title = b.execute("return document.title;", json!([])).await;
    let title = title.as_str().unwrap_or_default();
    assert!(
        !title.starts_with("Forbidden") && !title.starts_with("Not found") && !title.is_empty(),
        "{path} did not render a page: {title}"
    );
}

async fn strings(b: &Browser, script: &str) -> Vec<String> {
    let v = b.execute(&format!("{DESCRIBE}{script}"), json!([])).await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The contrast and label failures of one page.
async fn check(b: &Browser, base: &str, who: &str, path: &str) -> Vec<String> {
    visit(b, base, path).await;
    let contrast = texts_contrast(b).await;
    assert!(contrast.0 >= 5, "{path}: only {} texts checked", contrast.0);
    let labels = strings(b, LABELS).await.into_iter();
    contrast
        .1
        .into_iter()
        .map(|f| format!("{path} ({who}) contrast: {f}"))
        .chain(labels.map(|f| format!("{path} ({who}) label: {f}")))
        .collect()
}

/// How many texts of the current page were checked, and the contrast failures.
async fn texts_contrast(b: &Browser) -> (u64, Vec<String>) {
    let v = b
        .execute(&format!("{DESCRIBE}{COLOURS}{CONTRAST}"), json!([]))
        .await;
    let failures = v["failures"].as_array().unwrap();
    (
        v["checked"].as_u64().unwrap(),
        failures
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect(),
    )
}

/// Whether one page scrolls sideways, and why.
async fn sideways(b: &Browser, base: &str, who: &str, path: &str) -> Option<String> {
    visit(b, base, path).await;
    let v = b.execute(&format!("{DESCRIBE}{OVERFLOW}"), json!([])).await;
    v.as_str().map(|s| format!("{path} ({who}): {s}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_pages_have_contrast_labels_and_fit_a_phone() {
    if !browser_available() {
        return;
    }
    let demo = spawn_demo().await;
    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    let base = &demo.base;

    // The pages, as the demo administrator finds them: the navigation's own links, the
    // administration's sub-navigation, and representative pages of each kind.
    let admin = keel_demo::DEMO_ADMIN_EMAIL;
    sign_in_as(&b, base, admin).await;
    let mut pages: Vec<String> = links(&b, ".site-nav a").await;
    assert!(pages.len() >= 5, "the main navigation: {pages:?}");
    b.go(&format!("{base}/admin")).await;
    pages.extend(links(&b, ".sub-nav a").await);
    assert!(
        pages.iter().any(|p| p == "/admin/audit"),
        "the administration's sub-navigation: {pages:?}"
    );
    let o = demo.objective();
    let kr = demo
        .snap
        .key_results
        .iter()
        .find(|k| k.objective_id == o.id)
        .unwrap();
    let scored = &demo.snap.scores[0].key_result_id;
    let closed = &demo
        .snap
        .key_results
        .iter()
        .find(|k| &k.id == scored)
        .unwrap()
        .objective_id;
    let review = &demo.snap.reviews[0];
    let person = demo.owner();
    let team = &demo.snap.teams[0];
    let cycle = &demo.snap.cycles[0];
    pages.extend([
        format!("/objectives/{}", o.id),
        format!("/objectives/{}/edit", o.id),
        format!("/objectives/{}/key-results/new", o.id),
        format!("/key-results/{}/edit", kr.id),
        format!("/objectives/{closed}/close-out"),
        format!("/teams/{}", review.team_id),
        format!("/teams/{}/reviews/new", review.team_id),
        format!("/reviews/{}", review.id),
        "/objectives/new".into(),
        "/reports/calibration".into(),
        format!("/admin/people/{}", person.id),
        format!("/admin/teams/{}", team.id),
        format!("/admin/cycles/{}", cycle.id),
        "/account/password".into(),
    ]);
    pages.dedup();
    // A conversation is private to its two people: checked as its author.
    let talk = &demo.snap.conversations[0];
    let author = demo.person(&talk.author_id).email.as_str().to_string();
    let conversation = format!("/conversations/{}", talk.id);

    let mut failures = vec![];
    for p in &pages {
        failures.extend(check(&b, base, "admin", p).await);
    }
    sign_in_as(&b, base, &author).await;
    failures.extend(check(&b, base, "author", "/conversations").await);
    failures.extend(check(&b, base, "author", &conversation).await);
    b.delete_cookies().await;
    failures.extend(check(&b, base, "anonymous", "/sign-in").await);
    // The check itself can fail: a grey that is too light is reported.
    b.execute(
        "document.querySelector('h1').style.color = '#aaaaaa';",
        json!([]),
    )
    .await;
    let light = texts_contrast(&b).await.1;
    assert!(
        light
            .iter()
            .any(|f| f.starts_with("h1") && f.contains("#aaaaaa")),
        "{light:?}"
    );
    assert!(
        failures.is_empty(),
        "accessibility failures on {} pages:\n{}",
        pages.len() + 3,
        failures.join("\n")
    );

    // A phone: 375 px wide. No page scrolls sideways.
    b.set_window_size(375, 812).await;
    let inner = b.execute("return window.innerWidth;", json!([])).await;
    assert!(inner.as_u64().unwrap() <= 400, "viewport {inner}");
    let mut wide = vec![];
    wide.extend(sideways(&b, base, "anonymous", "/sign-in").await);
    sign_in_as(&b, base, &author).await;
    wide.extend(sideways(&b, base, "author", "/conversations").await);
    wide.extend(sideways(&b, base, "author", &conversation).await);
    sign_in_as(&b, base, admin).await;
    for p in &pages {
        wide.extend(sideways(&b, base, "admin", p).await);
    }
    visit(&b, base, &format!("/objectives/{}", o.id)).await;
    b.screenshot("a11y-phone-objective").await;
    assert!(
        wide.is_empty(),
        "pages scrolling sideways at 375 px:\n{}",
        wide.join("\n")
    );
    b.close().await;
}

/// What has the focus, as the keyboard test needs it.
const FOCUSED: &str = r#"
const el = document.activeElement;
if (!el || el === document.body) return null;
window.__focused = window.__focused || [];
if (!window.__focused.includes(el)) window.__focused.push(el);
const r = el.getBoundingClientRect(), s = getComputedStyle(el);
return {
  index: window.__focused.indexOf(el),
  what: describe(el),
  id: el.id,
  name: el.getAttribute('name') || '',
  placeholder: el.getAttribute('placeholder') || '',
  field: el.matches('input, select, textarea, button'),
  form: el.form ? el.form.getAttribute('action') : (el.closest('form') ? el.closest('form').getAttribute('action') : null),
  top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left + scrollX, right: r.right + scrollX,
  onscreen: r.width > 1 && r.height > 1 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 1,
  ring: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + ' / ' + s.boxShadow,
  visible_ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none',
  // WCAG 1.4.11: the ring against what is around it (the parent's background), at least 3:1.
  ring_contrast: s.outlineStyle !== 'none' ? contrast(parse(s.outlineColor) || [0, 0, 0, 1], background(el.parentElement)) : null,
};
"#;

/// The focus ring of each element the focus went to, once nothing has the focus; then the
/// focus goes back where the keyboard left it.
const UNFOCUSED: &str = r#"
const active = document.activeElement;
active.blur();
const rings = (window.__focused || []).map(el => { const s = getComputedStyle(el); return s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + ' / ' + s.boxShadow; });
active.focus();
return rings;
"#;

async fn focused(b: &Browser) -> Value {
    b.execute(&format!("{DESCRIBE}{COLOURS}{FOCUSED}"), json!([]))
        .await
}

/// Tabs through the page from the top, typing into fields as `fill` says, until the focus
/// reaches `stop` (a predicate on the focused element); returns what had the focus, in order.
/// Then checks every focused element showed a focus ring that differs from its look without
/// the focus, and that the fields of `form` came in their visual order.
async fn tab_through(
    b: &Browser,
    page: &str,
    form: &str,
    fill: impl Fn(&Value) -> Option<String>,
    stop: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let mut seen: Vec<Value> = vec![];
    for _ in 0..300 {
        b.press(&[keys::TAB]).await;
        let f = focused(b).await;
        assert!(
            !f.is_null(),
            "{page}: the focus left the page after {seen:?}"
        );
        // A date input's parts each take a Tab: one element.
        if seen.last().is_some_and(|l| l["index"] == f["index"]) {
            continue;
        }
        if let Some(text) = fill(&f) {
            b.type_keys(&text).await;
        }
        seen.push(f.clone());
        if stop(&f) {
            break;
        }
    }
    let last = seen.last().unwrap();
    assert!(stop(last), "{page}: Tab never reached the end: {seen:#?}");
    // Back one and forward again: Shift+Tab goes to the previous element.
    b.shift_tab().await;
    let back = focused(b).await;
    assert_eq!(
        back["index"],
        seen[seen.len() - 2]["index"],
        "{page}: Shift+Tab from {}",
        last["what"]
    );
    b.press(&[keys::TAB]).await;
    assert_eq!(focused(b).await["index"], last["index"]);

    let unfocused = b.execute(UNFOCUSED, json!([])).await;
    let mut problems = vec![];
    for f in &seen {
        let plain = &unfocused[f["index"].as_u64().unwrap() as usize];
        if f["visible_ring"] != true || &f["ring"] == plain {
            problems.push(format!(
                "{}: no visible focus indicator (focused {}, unfocused {plain})",
                f["what"], f["ring"]
            ));
        }
        if f["ring_contrast"].as_f64().is_some_and(|c| c < 3.0) {
            problems.push(format!(
                "{}: focus ring {} contrasts {:.2}:1 with its surroundings, needs 3:1",
                f["what"],
                f["ring"],
                f["ring_contrast"].as_f64().unwrap()
            ));
        }
        if f["onscreen"] != true {
            problems.push(format!("{}: focused off screen", f["what"]));
        }
    }
    let fields: Vec<&Value> = seen
        .iter()
        .filter(|f| f["field"] == true && f["form"] == form)
        .collect();
    assert!(fields.len() >= 2, "{page}: the form's fields: {seen:#?}");
    for w in fields.windows(2) {
        let (a, b) = (w[0], w[1]);
        let n = |v: &Value, k: &str| v[k].as_f64().unwrap();
        let below = n(b, "top") >= n(a, "bottom") - 2.0;
        let right_of = n(b, "left") >= n(a, "right") - 2.0 && n(b, "top") < n(a, "bottom");
        if !(below || right_of) {
            problems.push(format!(
                "focus order: {} comes after {} but is above or left of it",
                b["what"], a["what"]
            ));
        }
    }
    assert!(problems.is_empty(), "{page}:\n{}", problems.join("\n"));
    seen
}

/// The skip link is the first thing Tab reaches, shows itself, and moves the focus to the
/// main content: the next Tab lands inside `<main>`.
async fn skip_to_main(b: &Browser, page: &str) {
    b.press(&[keys::TAB]).await;
    let f = focused(b).await;
    assert!(
        f["what"].as_str().unwrap().starts_with("a.skip-link"),
        "{page}: the first Tab reaches {}",
        f["what"]
    );
    assert_eq!(f["onscreen"], true, "{page}: the skip link shows itself");
    assert_eq!(f["visible_ring"], true);
    b.press(&[keys::ENTER]).await;
    let at = b
        .execute(
            "return [location.hash, document.activeElement.id];",
            json!([]),
        )
        .await;
    assert_eq!(at, json!(["#main", "main"]), "{page}");
    // Start over from the top for the walk that follows.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_alone_signs_in_checks_in_and_creates_an_objective() {
    if !browser_available() {
        return;
    }
    let demo = spawn_demo().await;
    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    let base = &demo.base;
    let owner = demo.owner();
    let email = owner.email.as_str().to_string();

    // Sign in: skip link, then the fields in order, typed, and Enter sends the form.
    b.go(&format!("{base}/sign-in")).await;
    skip_to_main(&b, "/sign-in").await;
    b.press(&[keys::TAB]).await;
    assert_eq!(focused(&b).await["id"], "f-email", "after the skip link");
    b.go(&format!("{base}/sign-in")).await;
    tab_through(
        &b,
        "/sign-in",
        "/sign-in",
        |f| match f["id"].as_str() {
            Some("f-email") => Some(email.clone()),
            Some("f-password") => Some(keel_demo::DEMO_PASSWORD.into()),
            _ => None,
        },
        |f| f["form"] == "/sign-in" && f["what"].as_str().unwrap().starts_with("button"),
    )
    .await;
    b.shift_tab().await;
    assert_eq!(focused(&b).await["id"], "f-password");
    b.press(&[keys::ENTER]).await;
    b.wait_for_url(|u| u.ends_with("/my-week")).await;

    // The weekly check-in: the first key result's value (its current one), a confidence and a
    // note, typed; the button pressed with Space.
    skip_to_main(&b, "/my-week").await;
    b.press(&[keys::TAB]).await;
    let first = focused(&b).await;
    assert!(
        b.execute(
            "return !!document.activeElement.closest('main');",
            json!([])
        )
        .await
            == true,
        "after the skip link the focus is in main: {}",
        first["what"]
    );
    b.go(&format!("{base}/my-week")).await;
    let typed = std::sync::Mutex::new(0);
    tab_through(
        &b,
        "/my-week",
        "/my-week/check-in",
        |f| {
            let name = f["name"].as_str().unwrap_or_default();
            let text = match name {
                "value.0" => f["placeholder"].as_str().unwrap().to_string(),
                "confidence.0" => "7".into(),
                "note.0" => "typed without a mouse".into(),
                _ => return None,
            };
            *typed.lock().unwrap() += 1;
            Some(text)
        },
        |f| f["form"] == "/my-week/check-in" && f["what"].as_str().unwrap().starts_with("button"),
    )
    .await;
    assert_eq!(*typed.lock().unwrap(), 3, "the first row's three fields");
    b.press(&[keys::SPACE]).await;
    b.wait_for_url(|u| u.contains("done=check-in")).await;
    assert!(b.source().await.contains("Check-in recorded"));

    // A new objective: its title typed, the other fields left at their defaults (the key-result
    // rows blank), past "Add another key result", sent with Space on the button.
    b.go(&format!("{base}/objectives/new")).await;
    tab_through(
        &b,
        "/objectives/new",
        "/objectives/new",
        |f| (f["id"] == "f-title").then(|| "Typed with the keyboard alone".to_string()),
        |f| {
            f["form"] == "/objectives/new"
                && f["what"].as_str().unwrap().starts_with("button")
                && f["id"] != "kr-add"
        },
    )
    .await;
    b.press(&[keys::SPACE]).await;
    b.wait_for_url(|u| u.contains("/objectives/") && u.contains("done=saved"))
        .await;
    assert!(b.source().await.contains("Typed with the keyboard alone"));
    b.close().await;
}
