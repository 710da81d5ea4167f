//! HTTP load benchmark: the check-in write path and the objective read path, through the real
//! `keel serve` process, against a synthetic 10,000-person organisation.
//!
//! Run: `cargo bench -p keel --bench http` (SQLite), and with
//! `KEEL_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL too.
//! Knobs: `KEEL_BENCH_PEOPLE` (10000), `KEEL_BENCH_SECONDS` (10), `KEEL_BENCH_CONCURRENCY` (32).
//! Results are printed as Markdown for docs/benchmarks.md. Nothing here asserts a time: the
//! figures are measurements, read by people.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEEL: &str = env!("CARGO_BIN_EXE_keel");

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn keel(url: &str, args: &[&str]) -> String {
    let out = Command::new(KEEL)
        .args(args)
        .env("KEEL_DATABASE_URL", url)
        .env("KEEL_LOG", "warn")
        .output()
        .expect("run keel");
    assert!(
        out.status.success(),
        "keel {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// CPU seconds (user + system) a process has used so far, from /proc (Linux).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct Outcome {
    requests: u64,
    errors: u64,
    seconds: f64,
    latencies: Vec<Duration>,
}

/// Runs `concurrency` workers for `seconds`, each calling `op(i)` in a loop.
async fn load<F, Fut>(concurrency: usize, seconds: u64, op: F) -> Outcome
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = vec![];
    for _ in 0..concurrency {
        let (op, stop, counter, errors) =
            (op.clone(), stop.clone(), counter.clone(), errors.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                if !op(i).await {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = vec![];
    for w in workers {
        latencies.extend(w.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    Outcome {
        requests: latencies.len() as u64,
        errors: errors.load(Ordering::Relaxed),
        seconds,
        latencies,
    }
}

async fn bench(
    backend: &str,
    url: &str,
    people: usize,
    seconds: u64,
    concurrency: usize,
) -> Vec<String> {
    let t = Instant::now();
    keel(url, &["demo", "--people", &people.to_string()]);
    let load_secs = t.elapsed().as_secs_f64();
    let token = keel(
        url,
        &["token", "create", "--email", "person1@synthetic.example"],
    )
    .trim()
    .to_string();
    let port = free_port();
    let server = Server(
        Command::new(KEEL)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("KEEL_DATABASE_URL", url)
            .env("KEEL_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start keel serve"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Objective and key result ids to work on, from the API itself.
    let page: serde_json::Value = client
        .get(format!("{base}/api/v1/objectives?limit=500"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let objectives: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    // Check-ins go to key results of active objectives (closed ones answer 409, as they should).
    let krs: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["state"] == "active")
        .flat_map(|o| o["key_results"].as_array().unwrap().iter())
        .filter(|k| k["kind"] != "milestone" && k["kind"] != "boolean")
        .map(|k| k["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!krs.is_empty() && !objectives.is_empty());

    let server_pid = server.0.id();
    let cpu_before = cpu_seconds(server_pid);
    let write = {
        let (client, base, token, krs) =
            (client.clone(), base.clone(), token.clone(), Arc::new(krs));
        load(concurrency, seconds, move |i| {
            let req = client
                .post(format!("{base}/api/v1/key-results/{}/check-ins", krs[(i as usize * 7919) % krs.len()]))
                .bearer_auth(&token)
                .json(&serde_json::json!({"value": (i % 100) as f64, "confidence": (i % 11) as i64, "note": "bench"}));
            async move { req.send().await.is_ok_and(|r| r.status() == 201) }
        })
        .await
    };
    let write_cpu_ms =
        (cpu_seconds(server_pid) - cpu_before) * 1000.0 / write.requests.max(1) as f64;
    let read = |c: usize| {
        let (client, base, token, objectives) = (
            client.clone(),
            base.clone(),
            token.clone(),
            objectives.clone(),
        );
        load(c, seconds, move |i| {
            let req = client
                .get(format!(
                    "{base}/api/v1/objectives/{}",
                    objectives[(i as usize * 31) % objectives.len()]
                ))
                .bearer_auth(&token);
            async move { req.send().await.is_ok_and(|r| r.status() == 200) }
        })
    };
    let only_write = std::env::var("KEEL_BENCH_ONLY").is_ok_and(|v| v == "write");
    let cpu_before_read = cpu_seconds(server_pid);
    let (read1, read8) = if only_write {
        let none = || Outcome {
            requests: 0,
            errors: 0,
            seconds: 1.0,
            latencies: vec![],
        };
        (none(), none())
    } else {
        (read(1).await, read(8).await)
    };
    let read_cpu_ms = (cpu_seconds(server_pid) - cpu_before_read) * 1000.0
        / (read1.requests + read8.requests).max(1) as f64;
    let row = |name: &str, o: &Outcome| {
        format!(
            "| {backend} | {name} | {:.0} req/s | {:.2} ms | {:.2} ms | {:.2} ms | {} / {} |",
            o.requests as f64 / o.seconds,
            percentile(&o.latencies, 0.50),
            percentile(&o.latencies, 0.99),
            percentile(&o.latencies, 0.999),
            o.errors,
            o.requests
        )
    };
    vec![
        format!("| {backend} | load {people}-person organisation (`keel demo --people {people}`) | {load_secs:.1} s | | | | |"),
        row(&format!("POST check-in, {concurrency} concurrent (server CPU {write_cpu_ms:.2} ms per check-in)"), &write),
        row(&format!("GET objective, 1 at a time (server CPU {read_cpu_ms:.2} ms per read, both GET runs)"), &read1),
        row("GET objective, 8 concurrent", &read8),
    ]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not run us for long.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let people: usize = env_or("KEEL_BENCH_PEOPLE", 10_000);
    let seconds: u64 = env_or("KEEL_BENCH_SECONDS", 10);
    let concurrency: usize = env_or("KEEL_BENCH_CONCURRENCY", 32);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rows = vec![
        "| backend | what | throughput / time | p50 | p99 | p99.9 | errors / requests |"
            .to_string(),
        "|---|---|---|---|---|---|---|".to_string(),
    ];
    let dir = std::env::temp_dir().join(format!("keel-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}", dir.join("bench.db").display());
    rows.extend(rt.block_on(bench("SQLite", &sqlite, people, seconds, concurrency)));
    if let Ok(admin) = std::env::var("KEEL_BENCH_POSTGRES_URL") {
        // Dropped when the guard is, even if the benchmark panics.
        let db = rt.block_on(keel_store::testing::TestDatabase::create(&admin));
        rows.extend(rt.block_on(bench("PostgreSQL", db.url(), people, seconds, concurrency)));
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("\n{}", rows.join("\n"));
}
