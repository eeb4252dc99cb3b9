//! What the team sees, end to end with the real servers: Debian's `prometheus` and `prometheus-alertmanager`,
//! started here on loopback ports with generated configs (1 s scrape and evaluation, an alerting rule with
//! `for: 0s`), scraping a small HTTP service of this test whose error counter rises while the target's `main`
//! holds the fault. Alertmanager's webhook goes to a receiver of this test, whose body is handed to
//! `firedrill action` as a `repository_dispatch`. These drills run at wall-clock time; nothing stands in for
//! Prometheus' API. A missing binary fails the test in CI (`.ci/run` installs both packages).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use firedrill::drill::event::{Event, EventKind, parse_log};
use firedrill::git::{FileChange, Identity, Repo};
use firedrill::scenario::builder::ScenarioBuilder;
use jiff::Timestamp;

use crate::common::{drill_command, firedrill, run};
use crate::support::git_http::GitHttp;

const TOKEN: &str = "ghs_observeTestToken0123456789";
const VALUES: &str = "charts/checkout/values-staging.yaml";
const HEALTH: &str = "rate(checkout_errors_total[3s]) == 0";
/// How many seconds after its instant a busy machine's Prometheus may append a scrape (observed: 2 s, with both
/// cores running the suite): a tick reading the range before that sees the change one or two steps late.
const LATE_SCRAPE: i64 = 4;
/// The stop condition of the test that stops a drill from the monitoring.
const STOP: &str = "max_over_time(checkout_errors_total[15s]) > 0";

/// The path of `name` on this machine; `None` (skipped, said) only outside CI.
fn binary(name: &str) -> Option<PathBuf> {
    let found = ["/usr/bin", "/usr/local/bin", "/bin"].iter().map(|d| Path::new(d).join(name)).find(|p| p.is_file());
    crate::common::needed(
        found,
        name,
        "`.ci/run` installs prometheus and prometheus-alertmanager; by hand: apt-get install prometheus \
         prometheus-alertmanager",
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads one HTTP request (headers and a `Content-Length` body) from `s`.
fn read_request(s: &mut TcpStream) -> (String, String) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0usize);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&buf[end + 4..]).into_owned();
            return (head, body);
        }
    }
    (String::new(), String::new())
}

fn respond(s: &mut TcpStream, body: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The git server with the control repository and a target whose `main` holds the examples' staging values, and
/// a folder holding the seed scenario with `observe` (extra YAML) added; the scenario's text is returned too.
fn seeded(observe: &str) -> (GitHttp, tempfile::TempDir, String) {
    let server = GitHttp::start(TOKEN);
    let target = server.create_repo("target");
    server.create_repo("control");
    let repo = Repo::open(&target).unwrap();
    let root = crate::common::root().join("examples");
    let files = vec![FileChange::write(VALUES, std::fs::read_to_string(root.join(VALUES)).unwrap())];
    let who = Identity::new("Sam Rivera", "sam@acme.example", "2026-11-16T12:00:00Z".parse().unwrap());
    let c = repo.write_commit(None, &files, "Staging configuration\n", &who, &who).unwrap();
    repo.update_ref("refs/heads/main", &c, None, "test: initial commit").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = ScenarioBuilder::seed().repo(&server.url("target")).raw(observe).yaml();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    std::fs::write(dir.path().join("scenarios/redis.yaml"), &text).unwrap();
    (server, dir, text)
}

/// Everything a drill needs: the git server, the control and target repositories, the test service, Prometheus,
/// Alertmanager and the webhook receiver.
struct World {
    server: GitHttp,
    dir: tempfile::TempDir,
    prometheus: String,
    received: Arc<Mutex<Vec<String>>>,
    _servers: Vec<Server>,
}

impl World {
    /// `None` when the binaries are absent outside CI. `observe` is the scenario's extra YAML.
    fn start(observe: &str) -> Option<World> {
        let prom_bin = binary("prometheus")?;
        let am_bin = binary("prometheus-alertmanager")?;
        let (server, dir, scenario_text) = seeded(observe);
        let target = server.repo_path("target");

        // The service: its error counter rises by 5 per scrape while `main` holds the fault.
        let scenario = firedrill::scenario::load(Path::new("redis.yaml"), &scenario_text).unwrap();
        let service = TcpListener::bind("127.0.0.1:0").unwrap();
        let service_port = service.local_addr().unwrap().port();
        let target_path = target.clone();
        std::thread::spawn(move || {
            let mut errors: u64 = 0;
            for stream in service.incoming() {
                let Ok(mut s) = stream else { continue };
                let _ = read_request(&mut s);
                // A read racing a push (objects not there yet) counts as no change.
                let text = Repo::open(&target_path)
                    .ok()
                    .and_then(|repo| repo.read_file(&repo.branch_head("main").ok()??, VALUES).ok()?)
                    .and_then(|b| String::from_utf8(b).ok());
                if firedrill::drill::step::fault_holds(&scenario, text.as_deref()) {
                    errors += 5;
                }
                respond(&mut s, &format!("# TYPE checkout_errors_total counter\ncheckout_errors_total {errors}\n"));
            }
        });

        // The webhook receiver: keeps every body Alertmanager posts.
        let receiver = TcpListener::bind("127.0.0.1:0").unwrap();
        let receiver_port = receiver.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        std::thread::spawn(move || {
            for stream in receiver.incoming() {
                let Ok(mut s) = stream else { continue };
                let (_, body) = read_request(&mut s);
                kept.lock().unwrap().push(body);
                respond(&mut s, "");
            }
        });

        let (prom_port, am_port) = (free_port(), free_port());
        let cfg = dir.path().join("monitoring");
        std::fs::create_dir_all(&cfg).unwrap();
        std::fs::write(
            cfg.join("rules.yml"),
            "groups:\n  - name: checkout\n    interval: 1s\n    rules:\n      - alert: CheckoutErrors\n        \
             expr: rate(checkout_errors_total[3s]) > 0\n        for: 0s\n        labels:\n          \
             namespace: staging\n          service: checkout\n",
        )
        .unwrap();
        std::fs::write(
            cfg.join("prometheus.yml"),
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nalerting:\n  \
                 alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am_port}']\nscrape_configs:\n  \
                 - job_name: checkout\n    static_configs:\n      - targets: ['127.0.0.1:{service_port}']\n",
                cfg.join("rules.yml").display()
            ),
        )
        .unwrap();
        std::fs::write(
            cfg.join("alertmanager.yml"),
            format!(
                "route:\n  receiver: relay\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  \
                 - name: relay\n    webhook_configs:\n      - url: http://127.0.0.1:{receiver_port}/\n        \
                 send_resolved: false\n"
            ),
        )
        .unwrap();
        let quiet = || Stdio::null();
        let prom = Command::new(prom_bin)
            .arg(format!("--config.file={}", cfg.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", cfg.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(quiet())
            .stderr(quiet())
            .spawn()
            .unwrap();
        let am = Command::new(am_bin)
            .arg(format!("--config.file={}", cfg.join("alertmanager.yml").display()))
            .arg(format!("--storage.path={}", cfg.join("am").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{am_port}"))
            .arg("--cluster.listen-address=")
            .stdout(quiet())
            .stderr(quiet())
            .spawn()
            .unwrap();
        let world = World {
            server,
            dir,
            prometheus: format!("http://127.0.0.1:{prom_port}"),
            received,
            _servers: vec![Server(prom), Server(am)],
        };
        // Ready when the service was scraped a few times and the health expression has a sample.
        world.wait("Prometheus to see a healthy service", Duration::from_secs(60), || {
            world.instant("count_over_time(checkout_errors_total[10s]) >= 5").is_some_and(|r| !r.is_empty())
                && world.instant(HEALTH).is_some_and(|r| !r.is_empty())
        });
        Some(world)
    }

    /// An instant query's result list, asked straight from Prometheus (the test's own reading).
    fn instant(&self, expr: &str) -> Option<Vec<serde_json::Value>> {
        let v = http_get(&format!("{}/api/v1/query?query={}", self.prometheus, encode(expr)))?;
        v.pointer("/data/result").and_then(|r| r.as_array()).cloned()
    }

    /// The sample times of a `query_range` at 1 s steps (the test's own reading of Prometheus' series).
    fn range_times(&self, expr: &str, start: Timestamp, end: Timestamp) -> Vec<i64> {
        let url = format!(
            "{}/api/v1/query_range?query={}&start={}&end={}&step=1s",
            self.prometheus,
            encode(expr),
            start.as_second(),
            // Two steps past `end`: a rule evaluated at 12.4 s is first seen by the 13 s step (Prometheus looks
            // back from each step), and `end` counts whole seconds; on a quiet machine the whole drill fits in one.
            end.as_second() + 2
        );
        let v = http_get(&url).unwrap();
        let mut times: Vec<i64> = v
            .pointer("/data/result")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
            .flat_map(|s| s["values"].as_array().cloned().unwrap_or_default())
            .map(|p| p[0].as_f64().unwrap() as i64)
            .collect();
        times.sort();
        times.dedup();
        times
    }

    fn wait(&self, what: &str, within: Duration, mut ok: impl FnMut() -> bool) {
        let start = Instant::now();
        while !ok() {
            assert!(start.elapsed() < within, "waited {within:?} for {what}");
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn config(&self, extra: &str) {
        let text = format!("defaults:\n  observe:\n    prometheus: {}\n{extra}", self.prometheus);
        std::fs::write(self.dir.path().join("firedrill.yml"), text).unwrap();
    }

    fn firedrill(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = firedrill();
        cmd.args(args)
            .arg("--scenarios")
            .arg(self.dir.path().join("scenarios"))
            .arg("--config")
            .arg(self.dir.path().join("firedrill.yml"))
            .args([
                "--control",
                &self.server.url("control"),
                "--identity",
                "Sam Rivera <sam@acme.example>",
                "--workdir",
            ])
            .arg(self.dir.path().join("work"))
            .env("FIREDRILL_TOKEN", TOKEN);
        run(&mut cmd)
    }

    fn events(&self, drill: &str) -> Vec<Event> {
        let control = Repo::open(&self.server.repo_path("control")).unwrap();
        let tip = control.branch_head("firedrill/ledger").unwrap().unwrap();
        let bytes = control.read_file(&tip, &format!("drills/{drill}/events.jsonl")).unwrap().unwrap();
        parse_log(&String::from_utf8(bytes).unwrap()).unwrap()
    }

    fn ledger_file(&self, path: &str) -> Option<String> {
        let control = Repo::open(&self.server.repo_path("control")).unwrap();
        let tip = control.branch_head("firedrill/ledger").unwrap()?;
        control.read_file(&tip, path).unwrap().map(|b| String::from_utf8(b).unwrap())
    }

    /// Starts the drill now (merged in the same run) and returns its id.
    fn start_drill(&self) -> String {
        let (code, out, err) = self.firedrill(&["start", "redis-pool-exhaustion", "--merge-in", "0s"]);
        assert_eq!(code, 0, "{out}\n{err}");
        out.lines().find_map(|l| l.trim().split_once(": planned by hand").map(|(id, _)| id.to_owned())).unwrap()
    }

    /// A responder reverts the fault straight on `main` (the file as it was before the drill).
    fn revert_by_hand(&self) {
        let repo = Repo::open(&self.server.repo_path("target")).unwrap();
        let head = repo.branch_head("main").unwrap().unwrap();
        let original = std::fs::read_to_string(crate::common::root().join("examples").join(VALUES)).unwrap();
        let who = Identity::new("Ana Lima", "ana@acme.example", Timestamp::now());
        let c = repo
            .write_commit(
                Some(&head),
                &[FileChange::write(VALUES, original)],
                "Revert the redis pool tuning\n",
                &who,
                &who,
            )
            .unwrap();
        repo.update_ref("refs/heads/main", &c, Some(&head), "test: a responder reverts").unwrap();
    }
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// A plain HTTP GET on loopback, answered as JSON.
fn http_get(url: &str) -> Option<serde_json::Value> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut s = TcpStream::connect(host).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let body = text.split_once("\r\n\r\n")?.1;
    // Prometheus answers small bodies whole; a chunked one is decoded by taking the JSON between its braces.
    let start = body.find('{')?;
    let end = body.rfind('}')?;
    serde_json::from_str(&body[start..=end]).ok()
}

fn one<'a>(events: &'a [Event], name: &str) -> &'a Event {
    let found: Vec<&Event> = events.iter().filter(|e| e.kind.name() == name).collect();
    assert_eq!(found.len(), 1, "{name} recorded {} times: {events:#?}", found.len());
    found[0]
}

/// Runs `firedrill action` on a `repository_dispatch` whose `client_payload` is `body` (as a relay sends it).
fn dispatch(world: &World, body: &str) -> (i32, String, String) {
    let event = world.dir.path().join("dispatch.json");
    let payload: serde_json::Value = serde_json::from_str(body).unwrap();
    std::fs::write(&event, serde_json::json!({"action": "alert", "client_payload": {"alert": payload}}).to_string())
        .unwrap();
    let mut cmd = firedrill();
    cmd.arg("action")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "repository_dispatch")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_WORKSPACE", world.dir.path())
        .env("INPUT_SCENARIOS", world.dir.path().join("scenarios"))
        .env("INPUT_CONFIG", world.dir.path().join("firedrill.yml"))
        .env("INPUT_CONTROL", world.server.url("control"))
        .env("INPUT_IDENTITY", "Sam Rivera <sam@acme.example>")
        .env("INPUT_API-URL", "local")
        .env("INPUT_GITHUB-TOKEN", TOKEN)
        .env("INPUT_DRILL-TOKEN", TOKEN);
    run(&mut cmd)
}

#[test]
fn a_drill_is_seen_broken_alerted_and_restored_as_prometheus_saw_it() {
    let observe = "observe:\n  alerts: '{namespace=\"staging\", service=\"checkout\"}'\n  health: 'rate(checkout_errors_total[3s]) == 0'\n";
    let Some(w) = World::start(observe) else { return };
    w.config("");
    let drill = w.start_drill();
    let merged = one(&w.events(&drill), "merged").time;

    // The fault breaks the service; Alertmanager posts the alert to the relay.
    w.wait("Alertmanager's webhook", Duration::from_secs(60), || !w.received.lock().unwrap().is_empty());
    let body = w.received.lock().unwrap()[0].clone();
    // Pushed: the relay hands the body to the Action, which records the alert at its `startsAt`.
    let (code, out, err) = dispatch(&w, &body);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(&format!("recorded on drill {drill}")), "{out}");
    // The pushed alert spared the pull of `ALERTS`: the run asked the health alone, and says so.
    assert!(out.contains("Prometheus requests: 1"), "the run counts what it asked: {out}");
    // The same notification again (Alertmanager repeats itself) records nothing new.
    let (code, out, err) = dispatch(&w, &body);
    assert_eq!(code, 0, "{out}\n{err}");
    // A tick while the service is known broken and the alert known asks Prometheus nothing.
    let started = Instant::now();
    let (code, out, err) = w.firedrill(&["tick"]);
    eprintln!("measured: a tick with nothing to ask Prometheus took {:?}", started.elapsed());
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains("Prometheus requests"), "{out}");
    let (code, out, err) = w.firedrill(&["command", "ack", "--drill", &drill, "--actor", "ana"]);
    assert_eq!(code, 0, "{out}\n{err}");

    // A responder reverts; once the errors stop, a tick records the recovery and the restoration.
    w.revert_by_hand();
    w.wait("the restoration to be recorded", Duration::from_secs(60), || {
        let (code, out, err) = w.firedrill(&["tick"]);
        assert_eq!(code, 0, "{out}\n{err}");
        w.events(&drill).iter().any(|e| e.kind.name() == "restored")
    });
    let events = w.events(&drill);
    let broken = one(&events, "broken");
    let alert = one(&events, "alert_fired");
    let restored = one(&events, "restored");
    let recovered = one(&events, "recovered");
    assert!(
        matches!(&alert.kind, EventKind::AlertFired { alert, from, fingerprint: Some(_), labels } if alert == "CheckoutErrors" && from == "alertmanager" && labels["namespace"] == "staging")
    );

    // The recorded instants are what Prometheus' own series show, within one evaluation step (1 s), never earlier.
    // Later by a few seconds at most where Prometheus appended a scrape after the tick read the range (it dates a
    // sample by the scrape's start; with both cores busy it can append it seconds later): the tick then first saw
    // the change on a later step than the series shows once complete.
    let end = Timestamp::now();
    let healthy = w.range_times(HEALTH, merged, end);
    let first_broken = (merged.as_second()..=end.as_second()).find(|t| !healthy.contains(t)).unwrap();
    assert!(
        (first_broken - 1..=first_broken + LATE_SCRAPE).contains(&broken.time.as_second()),
        "broken at {} but Prometheus says {first_broken}",
        broken.time
    );
    let firing = w.range_times("ALERTS{alertname=\"CheckoutErrors\", alertstate=\"firing\"}", merged, end);
    assert!((alert.time.as_second() - firing[0]).abs() <= 1, "alert at {} but ALERTS says {}", alert.time, firing[0]);
    let first_restored = healthy.iter().copied().find(|t| *t >= recovered.time.as_second()).unwrap();
    assert!(
        (first_restored - 1..=first_restored + LATE_SCRAPE).contains(&restored.time.as_second()),
        "restored at {} but Prometheus says {first_restored}",
        restored.time
    );
    // Health is read at whole-second steps, `startsAt` to the millisecond: the order holds within a step.
    assert!(broken.time.as_second() <= alert.time.as_second() + 1 && alert.time < restored.time, "{events:#?}");

    // The report shows the new phases and figures.
    let report = w.ledger_file(&format!("drills/{drill}/report.md")).unwrap();
    for needle in [
        "## As the team saw it",
        "| Service broken |",
        "| Alert fired |",
        "| Restored |",
        "Time to detect",
        "Time to acknowledge",
    ] {
        assert!(report.contains(needle), "{needle:?} missing from the report:\n{report}");
    }
    let mttd = alert.time.duration_since(broken.time);

    // `stats` and the badges give the time to detect.
    let (code, out, err) = w.firedrill(&["stats", "--format", "json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let stats: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stats["time_to_detect"]["count"], 1, "{out}");
    let (code, out, err) = w.firedrill(&["stats"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Time to detect (from the service broken to the first alert"), "{out}");
    let badges = w.dir.path().join("badges");
    let (code, out, err) = w.firedrill(&["badge", "--out", badges.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    let badge = std::fs::read_to_string(badges.join("median-time-to-detect.json")).unwrap();
    assert!(badge.contains("median time to detect") && !badge.contains("not observed"), "{badge}");
    eprintln!(
        "measured: time to detect {mttd:?}; events: {:?}",
        events.iter().map(|e| (e.kind.name(), e.time.to_string())).collect::<Vec<_>>()
    );
}

#[test]
fn a_stop_condition_that_turns_true_reverts_in_the_same_run() {
    let observe = "observe:\n  health: 'rate(checkout_errors_total[3s]) == 0'\n";
    let Some(w) = World::start(observe) else { return };
    // Over a window, as docs/observe.md advises: with 1 s scrapes (and so a 1 s scrape timeout) a scrape the busy
    // machine answers late marks the counter stale, and a bare `checkout_errors_total > 0` would then read empty at
    // the tick's instant although the test had just seen it true.
    w.config(&format!("  safety:\n    stop_if: '{STOP}'\n"));
    let drill = w.start_drill();
    w.wait("errors", Duration::from_secs(30), || w.instant(STOP).is_some_and(|r| !r.is_empty()));
    let (code, out, err) = w.firedrill(&["tick"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let events = w.events(&drill);
    assert!(events.iter().any(|e| e.kind.name() == "aborted"), "no stop was recorded; the tick said:\n{out}\n{err}");
    let aborted = one(&events, "aborted");
    let EventKind::Aborted { reason } = &aborted.kind else { unreachable!() };
    assert!(reason.starts_with(&format!("safety.stop_if `{STOP}` was true at")), "{reason}");
    assert!(out.contains("→ reverted by"), "the fault was reverted in the same run: {out}");
    let repo = Repo::open(&w.server.repo_path("target")).unwrap();
    let text = repo.read_file(&repo.branch_head("main").unwrap().unwrap(), VALUES).unwrap().unwrap();
    let original = std::fs::read_to_string(crate::common::root().join("examples").join(VALUES)).unwrap();
    assert_eq!(String::from_utf8(text).unwrap(), original, "the fault is gone from main");
}

#[test]
fn a_service_already_broken_is_not_drilled() {
    let observe = "observe:\n  health: 'vector(1) == 0'\n";
    let Some(w) = World::start(observe) else { return };
    w.config("");
    let (code, out, err) = w.firedrill(&["start", "redis-pool-exhaustion", "--merge-in", "0s"]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(out.contains("staging is already broken: health `vector(1) == 0` is false now"), "{out}");
    let (code, doctor, _) = w.firedrill(&["doctor"]);
    assert_ne!(code, 0, "{doctor}");
    assert!(doctor.contains("`vector(1) == 0` is false now: a drill would be refused"), "{doctor}");
    let drill =
        out.lines().find_map(|l| l.trim().split_once(": planned by hand").map(|(id, _)| id.to_owned())).unwrap();
    let names: Vec<&str> = w.events(&drill).iter().map(|e| e.kind.name()).collect();
    assert_eq!(names, ["planned", "abandoned", "reported"], "nothing was opened");
}

#[test]
fn an_alert_pulled_from_prometheus_is_recorded_once_and_a_later_push_adds_nothing() {
    let observe =
        "observe:\n  alerts: '{alertname=\"CheckoutErrors\"}'\n  health: 'rate(checkout_errors_total[3s]) == 0'\n";
    let Some(w) = World::start(observe) else { return };
    w.config("");
    // Before the drill, `doctor` checks the monitoring: reachable, the selector matches the rule, healthy now.
    let (_, out, err) = w.firedrill(&["doctor"]);
    for needle in [
        "redis-pool-exhaustion: prometheus   ok",
        "`{alertname=\"CheckoutErrors\"}` matches rule(s) CheckoutErrors",
        "redis-pool-exhaustion: health",
        "is true now",
    ] {
        assert!(out.contains(needle), "{needle:?} missing from doctor:\n{out}\n{err}");
    }
    let drill = w.start_drill();
    let merged = one(&w.events(&drill), "merged").time;
    w.wait("the alert in ALERTS", Duration::from_secs(60), || {
        w.instant("ALERTS{alertname=\"CheckoutErrors\", alertstate=\"firing\"}").is_some_and(|r| !r.is_empty())
    });
    let started = Instant::now();
    let (code, out, err) = w.firedrill(&["tick"]);
    eprintln!("measured: a tick that pulls the alert and the health took {:?}", started.elapsed());
    assert_eq!(code, 0, "{out}\n{err}");
    // Two range queries (the alerts, the health) and nothing else.
    assert!(out.contains("Prometheus requests: 2"), "{out}");
    let events = w.events(&drill);
    let alert = one(&events, "alert_fired");
    assert!(
        matches!(&alert.kind, EventKind::AlertFired { from, fingerprint: None, .. } if from == "prometheus"),
        "{alert:?}"
    );
    let firing = w.range_times("ALERTS{alertname=\"CheckoutErrors\", alertstate=\"firing\"}", merged, Timestamp::now());
    assert!((alert.time.as_second() - firing[0]).abs() <= 1, "alert at {} but ALERTS says {}", alert.time, firing[0]);
    one(&events, "broken");

    w.wait("Alertmanager's webhook", Duration::from_secs(60), || !w.received.lock().unwrap().is_empty());
    let body = w.received.lock().unwrap()[0].clone();
    let (code, out, err) = dispatch(&w, &body);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("not recorded"), "{out}");
    one(&w.events(&drill), "alert_fired");
}

/// A drill on the plain git server only, at simulated times (`--now`): no Prometheus is needed to show what
/// happens when it cannot be reached, or when pushed alerts are hostile.
struct Offline {
    server: GitHttp,
    dir: tempfile::TempDir,
}

impl Offline {
    fn new(observe: &str) -> Offline {
        let (server, dir, _) = seeded(observe);
        Offline { server, dir }
    }

    fn firedrill(&self, args: &[&str], now: &str) -> (i32, String, String) {
        let (scenarios, work) = (self.dir.path().join("scenarios"), self.dir.path().join("work"));
        let mut cmd = drill_command(args, &scenarios, &self.server.url("control"), now, &work);
        cmd.env("FIREDRILL_TOKEN", TOKEN).env("PROM_TOKEN", "s3cr3t-prometheus-token");
        run(&mut cmd)
    }

    fn events(&self) -> Vec<Event> {
        let control = Repo::open(&self.server.repo_path("control")).unwrap();
        let tip = control.branch_head("firedrill/ledger").unwrap().unwrap();
        let tree = control.list_files(&tip).unwrap();
        let log = tree.iter().find(|p| p.ends_with("events.jsonl")).unwrap();
        parse_log(&String::from_utf8(control.read_file(&tip, log).unwrap().unwrap()).unwrap()).unwrap()
    }
}

#[test]
fn an_unreachable_prometheus_is_said_and_the_safety_revert_still_happens_on_time() {
    let closed = free_port();
    let observe = format!(
        "observe:\n  prometheus: http://127.0.0.1:{closed}\n  auth:\n    bearer_token_env: PROM_TOKEN\n  alerts: '{{service=\"checkout\"}}'\n  health: up == 1\n"
    );
    let f = Offline::new(&observe);
    let (code, out, err) = f.firedrill(&["start", "redis-pool-exhaustion", "--merge-in", "0s"], "2026-11-24T09:00:00Z");
    assert_eq!(code, 0, "the preflight cannot be made, and the drill goes ahead:\n{out}\n{err}");
    assert!(out.contains("monitoring not read") && out.contains("is unreachable"), "{out}");
    // The scenario's limit is 3 h: the tick after it reverts, Prometheus or not.
    let started = Instant::now();
    let (code, out, err) = f.firedrill(&["tick"], "2026-11-24T12:00:05Z");
    eprintln!("measured: the timeout tick with Prometheus down took {:?}", started.elapsed());
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("monitoring not read (the drill and its safety timer go on)"), "{out}");
    assert!(out.contains("→ reverted by"), "{out}");
    let names: Vec<&str> = f.events().iter().map(|e| e.kind.name()).collect();
    assert!(names.contains(&"timed_out") && names.contains(&"recovered"), "{names:?}");
    assert!(!out.contains("s3cr3t") && !err.contains("s3cr3t"), "the token is never shown");
}

#[test]
fn pushed_alerts_are_matched_to_the_drill_window_and_hostile_bodies_refused_clearly() {
    let f = Offline::new("observe:\n  alerts: '{namespace=\"staging\", service=\"checkout\"}'\n");
    let (code, out, err) = f.firedrill(&["start", "redis-pool-exhaustion", "--merge-in", "0s"], "2026-11-24T09:00:00Z");
    assert_eq!(code, 0, "{out}\n{err}");
    let alert = |starts: &str, fingerprint: &str, service: &str| {
        format!(
            r#"{{"receiver":"firedrill","status":"firing","version":"4","groupKey":"{{}}:{{}}","truncatedAlerts":0,
               "groupLabels":{{}},"commonLabels":{{}},"commonAnnotations":{{}},"externalURL":"http://am:9093",
               "alerts":[{{"status":"firing","labels":{{"alertname":"CheckoutErrors","namespace":"staging","service":"{service}"}},
               "annotations":{{}},"startsAt":"{starts}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"{fingerprint}"}}]}}"#
        )
    };
    let write = |name: &str, body: &str| crate::common::write(f.dir.path(), name, body);
    // Before the drill's fault landed (another drill's window), and another service's: ignored, said.
    let early = write("early.json", &alert("2026-11-24T08:00:00Z", "aa", "checkout"));
    let other = write("other.json", &alert("2026-11-24T09:05:00Z", "bb", "payments"));
    let (code, out, err) = f.firedrill(
        &["observe", "--alert", early.to_str().unwrap(), "--alert", other.to_str().unwrap()],
        "2026-11-24T09:10:00Z",
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(out.matches("not recorded").count(), 2, "{out}");
    assert!(!f.events().iter().any(|e| e.kind.name() == "alert_fired"));
    // In the window, twice over (Alertmanager repeats itself): recorded once, at `startsAt`.
    let good = write("good.json", &alert("2026-11-24T09:04:30.250Z", "cc", "checkout"));
    for _ in 0..2 {
        let (code, out, err) = f.firedrill(&["observe", "--alert", good.to_str().unwrap()], "2026-11-24T09:10:00Z");
        assert_eq!(code, 0, "{out}\n{err}");
    }
    let fired: Vec<Event> = f.events().into_iter().filter(|e| e.kind.name() == "alert_fired").collect();
    assert_eq!(fired.len(), 1, "{fired:#?}");
    assert_eq!(fired[0].time, "2026-11-24T09:04:30.250Z".parse::<Timestamp>().unwrap());
    // Hostile bodies: a clear error (exit 2) naming the file, never a crash.
    let huge = write("huge.json", &format!("{{\"alerts\": [], \"pad\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)));
    let wrong = write("wrong.json", r#"{"alerts": {"status": "firing"}}"#);
    let junk = write("junk.json", "\u{0}\u{1}not json");
    for (file, says) in [(&huge, "more than the"), (&wrong, "`alerts` is not a list"), (&junk, "is not JSON")] {
        let (code, out, err) = f.firedrill(&["observe", "--alert", file.to_str().unwrap()], "2026-11-24T09:11:00Z");
        assert_eq!(code, 2, "{}: {out}\n{err}", file.display());
        assert!(err.contains(says) && err.contains(file.file_name().unwrap().to_str().unwrap()), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
