//! `keel notify digest|reminders` as an operator runs it on the demo organisation: what it
//! prints, dry runs queue nothing, a second run queues nothing new (once per period), and bad
//! input (no public URL, an unknown person) fails with one clear line.

use std::path::PathBuf;
use std::process::{Command, Output};

const KEEL: &str = env!("CARGO_BIN_EXE_keel");

struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let d = std::env::temp_dir().join(format!("keel-notify-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn url(&self) -> String {
        format!("sqlite://{}", self.0.join("keel.db").display())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn keel(dir: &Dir, args: &[&str]) -> Output {
    let url = dir.url();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--database-url", &url]);
    Command::new(KEEL)
        .args(&all)
        .current_dir(&dir.0)
        .env_remove("KEEL_DATABASE_URL")
        .env_remove("KEEL_PUBLIC_URL")
        .env("KEEL_LOG", "warn")
        .output()
        .unwrap()
}

fn out(o: &Output) -> (String, String) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

const URL: [&str; 2] = ["--public-url", "https://keel.example/"];

fn lines_starting(text: &str, state: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with(&format!("{state}\t")))
        .count()
}

#[test]
fn digests_are_printed_queued_once_and_a_dry_run_queues_nothing() {
    let dir = Dir::new();
    out(&keel(&dir, &["demo"]));
    let (dry, err) = out(&keel(
        &dir,
        &["notify", "digest", "--dry-run", URL[0], URL[1]],
    ));
    let would = lines_starting(&dry, "would queue");
    assert!(would > 0, "{dry}{err}");
    assert!(err.contains("nothing was queued"), "{err}");
    let first = dry.lines().next().unwrap();
    let cols: Vec<&str> = first.split('\t').collect();
    assert!(cols[2].starts_with("email:digest:"), "{first}");
    assert!(cols[3].starts_with("Your week in "), "{first}");
    // The dry run queued nothing: the real run queues every one of them.
    let (real, _) = out(&keel(&dir, &["notify", "digest", URL[0], URL[1]]));
    assert_eq!(lines_starting(&real, "queued"), would, "{real}");
    let (again, err) = out(&keel(&dir, &["notify", "digest", URL[0], URL[1]]));
    assert_eq!(lines_starting(&again, "queued"), 0, "{again}");
    assert_eq!(lines_starting(&again, "already queued"), would);
    assert!(err.contains("0 digest message(s) queued"), "{err}");
    // One person's, by email address.
    let email = cols[1];
    let (one, _) = out(&keel(
        &dir,
        &[
            "notify",
            "digest",
            "--person",
            email,
            "--dry-run",
            URL[0],
            URL[1],
        ],
    ));
    assert_eq!(one.lines().count(), 1, "{one}");
    assert!(one.contains(email));
}

#[test]
fn reminders_are_queued_once_a_day() {
    let dir = Dir::new();
    out(&keel(&dir, &["demo"]));
    let (dry, _) = out(&keel(
        &dir,
        &["notify", "reminders", "--dry-run", URL[0], URL[1]],
    ));
    assert!(lines_starting(&dry, "would queue") > 0, "{dry}");
    let (real, _) = out(&keel(&dir, &["notify", "reminders", URL[0], URL[1]]));
    assert_eq!(
        lines_starting(&real, "queued"),
        lines_starting(&dry, "would queue"),
        "{real}"
    );
    for l in real.lines() {
        assert!(
            l.split('\t').nth(2).unwrap().starts_with("email:reminder:"),
            "{l}"
        );
    }
    let (again, _) = out(&keel(&dir, &["notify", "reminders", URL[0], URL[1]]));
    assert_eq!(lines_starting(&again, "queued"), 0, "{again}");
}

#[test]
fn bad_input_fails_with_one_clear_line() {
    let dir = Dir::new();
    out(&keel(&dir, &["demo"]));
    for (args, says) in [
        (vec!["notify", "digest"], "KEEL_PUBLIC_URL"),
        (
            vec![
                "notify",
                "digest",
                "--person",
                "nobody@nowhere.test",
                URL[0],
                URL[1],
            ],
            "nobody has the email address nobody@nowhere.test",
        ),
        (vec!["notify", "weekly"], "unrecognized subcommand"),
    ] {
        let o = keel(&dir, &args);
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// Moves every waiting ownership request of the demo `days` into the past.
fn age_requests(dir: &Dir, days: i64) -> usize {
    let conn = rusqlite::Connection::open(dir.0.join("keel.db")).unwrap();
    conn.execute(
        "UPDATE ownership_requests SET created_at = created_at - ?1 WHERE state = 'pending'",
        rusqlite::params![days * 86_400 * 1_000_000],
    )
    .unwrap()
}

#[test]
fn ownership_reminders_are_printed_and_queued_once_a_week() {
    let dir = Dir::new();
    out(&keel(&dir, &["demo"]));
    // A week on, the demo's waiting requests are brought up.
    assert!(
        age_requests(&dir, 8) > 0,
        "the demo has waiting ownership requests"
    );
    let (dry, err) = out(&keel(
        &dir,
        &["notify", "ownership-reminders", "--dry-run", URL[0], URL[1]],
    ));
    let would = lines_starting(&dry, "would queue");
    assert!(would > 0, "{dry}{err}");
    for l in dry.lines() {
        let cols: Vec<&str> = l.split('\t').collect();
        assert!(cols[2].starts_with("ownership_reminder:"), "{l}");
        assert!(
            cols[3].contains("is waiting for your answer") || cols[3].contains("has not answered"),
            "{l}"
        );
    }
    let (real, _) = out(&keel(
        &dir,
        &["notify", "ownership-reminders", URL[0], URL[1]],
    ));
    assert_eq!(lines_starting(&real, "queued"), would, "{real}");
    let (again, err) = out(&keel(
        &dir,
        &["notify", "ownership-reminders", URL[0], URL[1]],
    ));
    assert_eq!(lines_starting(&again, "queued"), 0, "{again}");
    assert!(
        err.contains("0 ownership reminder message(s) queued"),
        "{err}"
    );
}

#[test]
fn score_reminders_run_and_say_what_they_queued() {
    let dir = Dir::new();
    out(&keel(&dir, &["demo"]));
    let (dry, err) = out(&keel(
        &dir,
        &["notify", "score-reminders", "--dry-run", URL[0], URL[1]],
    ));
    assert!(
        err.contains("scoring reminder message(s) would be queued"),
        "{err}"
    );
    for l in dry.lines() {
        assert!(
            l.split('\t').nth(2).unwrap().starts_with("score_reminder:"),
            "{l}"
        );
    }
    let o = keel(&dir, &["notify", "score-reminders"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("KEEL_PUBLIC_URL"));
}
