//! Git smart HTTP at `/OWNER/REPO.git/...`, served by git's own `git http-backend` (CGI) so clients fetch
//! (shallow too) and push exactly as against github.com; basic auth carries a token (`x-access-token:TOKEN`).
//! A push meets branch protection and rulesets before the backend sees it: the ref commands are judged from what
//! the repository already holds, and a refused push is answered the way GitHub's hook answers it.

use std::process::Stdio;

use axum::body::Body;
use axum::http::Response;
use base64::Engine;
use tokio::io::AsyncWriteExt;

use git2::Oid;

use crate::guard::RefUpdate;
use crate::http::ApiError;
use crate::http::{Incoming, plain};
use crate::ops::App;
use crate::ops::Ctx;
use crate::state::Permission;

pub async fn serve(app: &App, key: &str, request: Incoming) -> Response<Body> {
    let pushing = request.path.ends_with("/git-receive-pack") || request.param("service") == Some("git-receive-pack");
    let needed = if pushing { Permission::Write } else { Permission::Read };
    let login = match credentials(&request) {
        None => None,
        Some(token) => match app.state.lock().expect("state lock").tokens.get(&token).cloned() {
            Some(login) => Some(login),
            None => return unauthorized(),
        },
    };
    let allowed = {
        let st = app.state.lock().expect("state lock");
        let Some(repo) = st.repos.get(key) else {
            return plain(404, "Repository not found.");
        };
        st.permission(repo, login.as_deref())
    };
    if allowed < needed {
        return match login {
            None => unauthorized(),
            Some(_) if allowed == Permission::None => plain(404, "Repository not found."),
            Some(_) => plain(403, "Permission to repository denied."),
        };
    }
    let mut config = Vec::new();
    if request.method == "POST"
        && request.path.ends_with("/git-receive-pack")
        && let Some(login) = &login
    {
        match judge_push(app, key, login, &request) {
            Ok(Push::Refused(response)) => return response,
            Ok(Push::FastForwardOnly) => config.push(("receive.denyNonFastForwards", "true")),
            Ok(Push::Allowed) => {}
            Err(e) => return plain(500, &e.to_string()),
        }
    }
    run_backend(app, &request, login.as_deref().unwrap_or("anonymous"), &config).await
}

enum Push {
    Allowed,
    /// Allowed, but the new objects are not known yet: git itself must refuse a move that is no fast forward.
    FastForwardOnly,
    Refused(Response<Body>),
}

/// One ref command of a push: old sha, new sha, ref name.
type Command = (String, String, String);

/// The ref commands of a receive-pack request (`old new ref`, then the capabilities after a NUL on the first line).
fn ref_commands(body: &[u8]) -> Option<(Vec<Command>, String)> {
    let (mut at, mut commands, mut capabilities) = (0, Vec::new(), String::new());
    loop {
        let length = usize::from_str_radix(std::str::from_utf8(body.get(at..at + 4)?).ok()?, 16).ok()?;
        if length == 0 {
            return Some((commands, capabilities));
        }
        let line = std::str::from_utf8(body.get(at + 4..at + length)?).ok()?.trim_end_matches('\n');
        at += length;
        let (command, caps) = line.split_once('\0').unwrap_or((line, ""));
        if commands.is_empty() {
            capabilities = caps.to_owned();
        }
        let mut parts = command.split(' ');
        let (old, new, name) = (parts.next()?, parts.next()?, parts.next()?);
        commands.push((old.to_owned(), new.to_owned(), name.to_owned()));
    }
}

/// Judges a push's ref updates by branch protection and rulesets, as the pushing user.
fn judge_push(app: &App, key: &str, login: &str, request: &Incoming) -> Result<Push, ApiError> {
    let encoded = request.headers.get("content-encoding").is_some_and(|e| e.as_bytes() != b"identity");
    let Some((commands, capabilities)) = (!encoded).then(|| ref_commands(&request.body)).flatten() else {
        return Ok(Push::Allowed);
    };
    let mut st = app.state.lock().expect("state lock");
    let actor = st.ensure_user(login);
    let ctx = Ctx { st: &mut st, dir: app.dir.clone(), urls: &app.urls, key: key.to_owned(), actor };
    let git = ctx.git()?;
    let oid = |hex: &str| Oid::from_str(hex).ok().filter(|o| !o.is_zero());
    let (mut lines, mut fast_forward_only) = (Vec::new(), false);
    for (old, new, name) in &commands {
        let update = RefUpdate { old: oid(old), new: oid(new) };
        let rules_url = format!("{}/{key}/rules?ref={}", app.urls.base, name.replace('/', "%2F"));
        if let Some(refusal) = ctx.ref_verdict(&git, name, &update)? {
            lines.extend(refusal.push_lines(name, &rules_url));
        } else if let (Some(branch), Some(new)) = (name.strip_prefix("refs/heads/"), update.new) {
            fast_forward_only |=
                git.find_commit(new).is_err() && update.old.is_some() && ctx.forbids_force_push(branch);
        }
    }
    if lines.is_empty() {
        return Ok(if fast_forward_only { Push::FastForwardOnly } else { Push::Allowed });
    }
    let names: Vec<&str> = commands.iter().map(|(_, _, name)| name.as_str()).collect();
    Ok(Push::Refused(declined(&names, &lines, &capabilities)))
}

fn pkt(payload: &[u8]) -> Vec<u8> {
    let mut out = format!("{:04x}", payload.len() + 4).into_bytes();
    out.extend_from_slice(payload);
    out
}

/// receive-pack's answer when GitHub's hook declines the push: every ref `ng`, the reasons on the progress band.
fn declined(names: &[&str], lines: &[String], capabilities: &str) -> Response<Body> {
    let mut report = pkt(b"unpack ok\n");
    for name in names {
        report.extend(pkt(format!("ng {name} protected branch hook declined\n").as_bytes()));
    }
    report.extend_from_slice(b"0000");
    let sideband = capabilities.split(' ').any(|c| c == "side-band-64k" || c == "side-band");
    let body = if sideband {
        let mut out = Vec::new();
        for line in lines {
            out.extend(pkt(&[&[2u8][..], format!("{line}\n").as_bytes()].concat()));
        }
        for chunk in report.chunks(900) {
            out.extend(pkt(&[&[1u8][..], chunk].concat()));
        }
        out.extend_from_slice(b"0000");
        out
    } else {
        report
    };
    Response::builder()
        .status(200)
        .header("content-type", "application/x-git-receive-pack-result")
        .header("cache-control", "no-cache")
        .body(Body::from(body))
        .unwrap_or_else(|_| plain(500, "bad response"))
}

fn unauthorized() -> Response<Body> {
    let mut response =
        plain(401, "Invalid username or token. Password authentication is not supported for Git operations.");
    response.headers_mut().insert("www-authenticate", axum::http::HeaderValue::from_static("Basic realm=\"GitHub\""));
    response
}

/// The token from `Authorization: Basic` (password, or the user name when the password is empty).
fn credentials(request: &Incoming) -> Option<String> {
    let header = request.headers.get("authorization")?.to_str().ok()?;
    let encoded = header.strip_prefix("Basic ").or_else(|| header.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
    Some(if password.is_empty() { user.to_owned() } else { password.to_owned() })
}

async fn run_backend(app: &App, request: &Incoming, user: &str, config: &[(&str, &str)]) -> Response<Body> {
    let mut cmd = tokio::process::Command::new("git");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &app.git_home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_COUNT", (2 + config.len()).to_string())
        .env("GIT_CONFIG_KEY_0", "http.receivepack")
        .env("GIT_CONFIG_VALUE_0", "true")
        .env("GIT_CONFIG_KEY_1", "uploadpack.allowFilter")
        .env("GIT_CONFIG_VALUE_1", "true")
        .env("GIT_PROJECT_ROOT", app.dir.join("repos"))
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("REQUEST_METHOD", &request.method)
        .env("PATH_INFO", &request.path)
        .env("QUERY_STRING", &request.query)
        .env("CONTENT_LENGTH", request.body.len().to_string())
        .env("REMOTE_USER", user)
        .env("REMOTE_ADDR", "127.0.0.1")
        .arg("http-backend")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (i, (name, value)) in config.iter().enumerate() {
        cmd.env(format!("GIT_CONFIG_KEY_{}", i + 2), name).env(format!("GIT_CONFIG_VALUE_{}", i + 2), value);
    }
    for (header, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("git-protocol", "HTTP_GIT_PROTOCOL"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
    ] {
        if let Some(value) = request.headers.get(header).and_then(|v| v.to_str().ok()) {
            cmd.env(var, value);
        }
    }
    let Ok(mut child) = cmd.spawn() else {
        return plain(500, "cannot run git http-backend");
    };
    // Feed the body concurrently: the backend may answer before it has read everything.
    let feeder = child.stdin.take().map(|mut stdin| {
        let body = request.body.clone();
        tokio::spawn(async move {
            let _ = stdin.write_all(&body).await;
        })
    });
    let output = child.wait_with_output().await;
    if let Some(feeder) = feeder {
        let _ = feeder.await;
    }
    match output {
        Ok(output) => cgi_response(&output.stdout),
        Err(_) => plain(500, "git http-backend failed"),
    }
}

/// Turns a CGI answer (`Status:` and headers, blank line, body) into a response.
fn cgi_response(out: &[u8]) -> Response<Body> {
    let split = find(out, b"\r\n\r\n").map(|i| (i, i + 4)).or_else(|| find(out, b"\n\n").map(|i| (i, i + 2)));
    let Some((head_end, body_start)) = split else {
        return plain(502, "git http-backend gave no headers");
    };
    let mut builder = Response::builder().status(200);
    for line in String::from_utf8_lossy(&out[..head_end]).lines() {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split(' ').next().and_then(|c| c.parse::<u16>().ok()).unwrap_or(500);
            builder = builder.status(code);
        } else if !name.eq_ignore_ascii_case("content-length") {
            builder = builder.header(name.trim(), value);
        }
    }
    builder.body(Body::from(out[body_start..].to_vec())).unwrap_or_else(|_| plain(502, "bad CGI headers"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
