//! A tiny HTTP/1.1 server running git's own `git http-backend` as CGI over a folder of bare repositories,
//! behind `x-access-token` basic auth: the real smart HTTP protocol, no stub transport.
//!
//! [`GitHttp::start_tls`] serves the same over HTTPS (rustls), with a certificate from a certificate authority
//! made for the server ([`GitHttp::ca_pem`]): what a client must be told to trust.
//!
//! One thread accepts, one thread serves each connection (keep-alive is honoured). Every request is recorded as
//! (method, path, status) for assertions. Git runs in the server's own [`TestEnv`]. Dropping the server stops it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::common::TestEnv;

/// The only user name the server accepts, as GitHub does for tokens.
pub const USER: &str = "x-access-token";

/// One request the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET` or `POST`.
    pub method: String,
    /// The path with its query, e.g. `/target.git/info/refs?service=git-upload-pack`.
    pub path: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// Whether the request body came with `Transfer-Encoding: chunked`.
    pub chunked: bool,
}

struct Shared {
    token: String,
    root: PathBuf,
    env: TestEnv,
    log: Mutex<Vec<Request>>,
    stop: AtomicBool,
}

/// A running smart HTTP git server on `127.0.0.1`; repositories live in [`GitHttp::root`] as `<name>.git`.
pub struct GitHttp {
    addr: SocketAddr,
    /// The PEM of the certificate authority behind the HTTPS certificate (`None`: plain HTTP).
    ca_pem: Option<String>,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
    _root: tempfile::TempDir,
}

impl GitHttp {
    /// Starts a server that requires `token` (user [`USER`]) on every request.
    pub fn start(token: &str) -> GitHttp {
        GitHttp::serve(token, None)
    }

    /// [`GitHttp::start`] over HTTPS: the certificate names `127.0.0.1` and `localhost` and is signed by a
    /// certificate authority made here ([`GitHttp::ca_pem`]), which no client trusts by default.
    pub fn start_tls(token: &str) -> GitHttp {
        let (config, ca_pem) = tls_config();
        let mut server = GitHttp::serve(token, Some(config));
        server.ca_pem = Some(ca_pem);
        server
    }

    fn serve(token: &str, tls: Option<Arc<rustls::ServerConfig>>) -> GitHttp {
        let root = tempfile::tempdir().expect("temporary folder for repositories");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            root: root.path().to_path_buf(),
            env: TestEnv::new(),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let accepting = Arc::clone(&shared);
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let serving = Arc::clone(&accepting);
                let tls = tls.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    // As nginx and Go's servers do by default: an answer's head and body leave at once.
                    let _ = stream.set_nodelay(true);
                    match tls {
                        None => serve_connection(stream, &serving),
                        Some(config) => {
                            let Ok(conn) = rustls::ServerConnection::new(config) else { return };
                            serve_connection(rustls::StreamOwned::new(conn, stream), &serving);
                        }
                    }
                });
            }
        });
        GitHttp { addr, ca_pem: None, shared, accept: Some(accept), _root: root }
    }

    /// The PEM of the certificate authority that signed the HTTPS certificate ([`GitHttp::start_tls`]).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// `http://127.0.0.1:<port>/<name>.git` (`https://` for [`GitHttp::start_tls`]).
    pub fn url(&self, name: &str) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}/{name}.git", self.addr)
    }

    /// The folder holding the bare repositories.
    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    /// The bare repository behind [`GitHttp::url`]`(name)`.
    pub fn repo_path(&self, name: &str) -> PathBuf {
        self.shared.root.join(format!("{name}.git"))
    }

    /// Creates an empty bare repository `name` (default branch `main`) and returns its path.
    pub fn create_repo(&self, name: &str) -> PathBuf {
        let path = self.repo_path(name);
        let status = self
            .shared
            .env
            .git()
            .args(["init", "--quiet", "--bare", "--initial-branch=main"])
            .arg(&path)
            .status()
            .expect("run git init");
        assert!(status.success(), "git init --bare {} failed", path.display());
        path
    }

    /// Makes every push to `name` fail the realistic way: a `pre-receive` hook that prints `message` and exits
    /// 1, so the server answers 200 with a per-reference `ng ... pre-receive hook declined`.
    pub fn reject_pushes(&self, name: &str, message: &str) {
        let hook = self.repo_path(name).join("hooks").join("pre-receive");
        std::fs::create_dir_all(hook.parent().expect("hooks folder")).expect("create hooks folder");
        let quoted = message.replace('\'', r"'\''");
        std::fs::write(&hook, format!("#!/bin/sh\nprintf '%s\\n' '{quoted}' >&2\nexit 1\n")).expect("write hook");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("make hook executable");
    }

    /// Undoes [`GitHttp::reject_pushes`].
    pub fn accept_pushes(&self, name: &str) {
        let _ = std::fs::remove_file(self.repo_path(name).join("hooks").join("pre-receive"));
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.log.lock().expect("request log").clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.log.lock().expect("request log").clear();
    }

    /// `git` in the server's own [`TestEnv`].
    pub fn git(&self) -> Command {
        self.shared.env.git()
    }
}

impl Drop for GitHttp {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

struct Incoming {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    chunked: bool,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn serve_connection<S: Read + Write>(stream: S, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    while !shared.stop.load(Ordering::SeqCst) {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) | Err(_) => return,
        };
        let close = request.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let (status, reason, headers, body) = if authorized(&request, &shared.token) {
            run_backend(&request, shared)
        } else {
            (
                401,
                "Unauthorized".to_owned(),
                vec![("WWW-Authenticate".to_owned(), "Basic realm=\"git\"".to_owned())],
                Vec::new(),
            )
        };
        shared.log.lock().expect("request log").push(Request {
            method: request.method.clone(),
            path: request.target.clone(),
            status,
            chunked: request.chunked,
        });
        let writer = reader.get_mut();
        let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
        for (name, value) in &headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        if writer
            .write_all(head.as_bytes())
            .and_then(|()| writer.write_all(&body))
            .and_then(|()| writer.flush())
            .is_err()
            || close
        {
            return;
        }
    }
}

/// Reads one request (its body de-chunked); `None` at the end of the connection.
fn read_request<S: Read + Write>(reader: &mut BufReader<S>) -> std::io::Result<Option<Incoming>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return Ok(None) };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Ok(None);
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let mut request = Incoming { method, target, headers, body: Vec::new(), chunked: false };
    if request.header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        let writer = reader.get_mut();
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    if request.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        request.chunked = true;
        request.body = read_chunked(reader)?;
    } else if let Some(length) = request.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        request.body = body;
    }
    Ok(Some(request))
}

/// Decodes a `Transfer-Encoding: chunked` body (trailers are read and dropped).
fn read_chunked<S: Read>(reader: &mut BufReader<S>) -> std::io::Result<Vec<u8>> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line)?;
        let size_hex = size_line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| bad("chunk size"))?;
        if size == 0 {
            // Trailers, then an empty line.
            loop {
                let mut trailer = String::new();
                if reader.read_line(&mut trailer)? == 0 || trailer.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(bad("chunk terminator"));
        }
    }
}

fn authorized(request: &Incoming, token: &str) -> bool {
    let Some(credentials) = request.header("authorization").and_then(|v| v.strip_prefix("Basic ")) else {
        return false;
    };
    decode_base64(credentials.trim()).is_some_and(|decoded| decoded == format!("{USER}:{token}").into_bytes())
}

/// Runs `git http-backend` for an authorized request: (status, reason, headers, body).
fn run_backend(request: &Incoming, shared: &Shared) -> (u16, String, Vec<(String, String)>, Vec<u8>) {
    let (path, query) = request.target.split_once('?').unwrap_or((&request.target, ""));
    let mut cmd = shared.env.git();
    cmd.arg("http-backend")
        .env("GIT_PROJECT_ROOT", &shared.root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "http.receivepack")
        .env("GIT_CONFIG_VALUE_0", "true")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("REQUEST_METHOD", &request.method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", request.body.len().to_string())
        .env("REMOTE_USER", USER)
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(content_type) = request.header("content-type") {
        cmd.env("CONTENT_TYPE", content_type);
    }
    if let Some(protocol) = request.header("git-protocol") {
        cmd.env("HTTP_GIT_PROTOCOL", protocol);
    }
    if let Some(encoding) = request.header("content-encoding") {
        cmd.env("HTTP_CONTENT_ENCODING", encoding);
    }
    let Ok(mut child) = cmd.spawn() else {
        return (500, "Internal Server Error".to_owned(), Vec::new(), b"cannot run git http-backend".to_vec());
    };
    let stdin = child.stdin.take();
    // Feed the body from another thread: the backend may answer before it has read everything.
    let output = std::thread::scope(|scope| {
        if let Some(mut stdin) = stdin {
            scope.spawn(move || {
                let _ = stdin.write_all(&request.body);
            });
        }
        child.wait_with_output()
    });
    let Ok(output) = output else {
        return (500, "Internal Server Error".to_owned(), Vec::new(), b"git http-backend failed".to_vec());
    };
    parse_cgi(&output.stdout)
}

/// Splits a CGI response into (status, reason, headers, body); `Status:` sets the status (default 200).
fn parse_cgi(out: &[u8]) -> (u16, String, Vec<(String, String)>, Vec<u8>) {
    let (head_end, body_start) = match find(out, b"\r\n\r\n") {
        Some(i) => (i, i + 4),
        None => match find(out, b"\n\n") {
            Some(i) => (i, i + 2),
            None => return (502, "Bad Gateway".to_owned(), Vec::new(), out.to_vec()),
        },
    };
    let (mut status, mut reason) = (200, "OK".to_owned());
    let mut headers = Vec::new();
    for line in String::from_utf8_lossy(&out[..head_end]).lines() {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let (code, text) = value.split_once(' ').unwrap_or((value, ""));
            status = code.parse().unwrap_or(500);
            reason = text.to_owned();
        } else if !name.eq_ignore_ascii_case("content-length") {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    (status, reason, headers, out[body_start..].to_vec())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Standard base64 (with or without padding); `None` on anything else.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[test]
fn decodes_base64() {
    assert_eq!(decode_base64("eC1hY2Nlc3MtdG9rZW46dA==").as_deref(), Some(&b"x-access-token:t"[..]));
    assert_eq!(decode_base64("YWI").as_deref(), Some(&b"ab"[..]));
    assert_eq!(decode_base64("a*b"), None);
}

/// A server configuration for `127.0.0.1` and `localhost`, and the PEM of the certificate authority that
/// signed it.
fn tls_config() -> (Arc<rustls::ServerConfig>, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::new()).expect("CA parameters");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "firedrill test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate().expect("CA key");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("server parameters");
    params.distinguished_name.push(DnType::CommonName, "localhost");
    let key = KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &issuer).expect("server certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()))
        .expect("server certificate and key");
    (Arc::new(config), ca.pem())
}
