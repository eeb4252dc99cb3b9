//! Git smart HTTP at `/OWNER/REPO.git/...`, served by git's own `git http-backend` (CGI) so clients fetch
//! (shallow too) and push exactly as against github.com; basic auth carries a token (`x-access-token:TOKEN`).

use std::process::Stdio;

use axum::body::Body;
use axum::http::Response;
use base64::Engine;
use tokio::io::AsyncWriteExt;

use crate::server::{App, Incoming, plain};
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
    run_backend(app, &request, login.as_deref().unwrap_or("anonymous")).await
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

async fn run_backend(app: &App, request: &Incoming, user: &str) -> Response<Body> {
    let mut cmd = tokio::process::Command::new("git");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &app.git_home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_COUNT", "2")
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
