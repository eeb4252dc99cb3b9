//! The network streams libgit2 talks HTTP over, replaced: TCP with `TCP_NODELAY` and bounded waits, and TLS
//! through rustls with built-in certificate authorities.
//!
//! Why: libgit2 writes an HTTP request in several small writes (the headers, then each chunk's size line, its
//! data and its end). Its own sockets keep Nagle's algorithm on, so every POST of a fetch or a push waits for
//! the server's delayed acknowledgement of the first write (40 ms on Linux) before the rest leaves: a third of
//! the time of a whole drill commit over HTTP. Its sockets also have no read timeout, so a server that stops
//! answering would hang a tick until the job's own limit. And libgit2 is built here without OpenSSL (one static
//! binary), so without a TLS stream of our own an `https://` remote could not be reached at all.
//!
//! The streams are registered once per process ([`install`], with the first repository opened) for every
//! libgit2 connection (`http://` and `https://`). Certificates are checked against the Mozilla roots built
//! into the binary, plus the PEM file named by `SSL_CERT_FILE` when it is set (a private certificate
//! authority, as git and curl read it). HTTP `CONNECT` proxies are not supported (firedrill never configures
//! one for libgit2).
//!
//! The only module allowed `unsafe`: libgit2 calls these functions through C pointers. Each `unsafe` block
//! says what makes it sound; no pointer outlives the call that received it, except the stream itself, which
//! libgit2 owns between `init` and `free`.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Once, OnceLock};
use std::time::Duration;

/// How long to wait for a connection (at most the wait without progress).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one read or write may wait without progress: a pack being prepared
/// by a busy server can be silent for a while, a server that stopped answering must not hang a tick.
/// `FIREDRILL_GIT_TIMEOUT` (whole seconds, 1 to 3600) sets another.
const IO_TIMEOUT: Duration = Duration::from_secs(300);

/// The wait without progress: `FIREDRILL_GIT_TIMEOUT`, else [`IO_TIMEOUT`].
fn io_timeout() -> Result<Duration, String> {
    match std::env::var("FIREDRILL_GIT_TIMEOUT") {
        Err(_) => Ok(IO_TIMEOUT),
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(secs @ 1..=3600) => Ok(Duration::from_secs(secs)),
            _ => Err(format!(
                "FIREDRILL_GIT_TIMEOUT is `{}`: expected whole seconds from 1 to 3600 (default 300)",
                text.chars().take(20).collect::<String>()
            )),
        },
    }
}

/// `git_stream` of `git2/sys/stream.h` (version 1).
#[repr(C)]
struct RawStream {
    version: c_int,
    /// Bit 0: `encrypted`; bit 1: `proxy_support`.
    flags: c_uint,
    /// Milliseconds. libgit2 sets them only on its own sockets: firedrill's waits come from [`io_timeout`].
    timeout: c_int,
    connect_timeout: c_int,
    connect: Option<unsafe extern "C" fn(*mut RawStream) -> c_int>,
    certificate: Option<unsafe extern "C" fn(*mut *mut c_void, *mut RawStream) -> c_int>,
    set_proxy: Option<unsafe extern "C" fn(*mut RawStream, *const c_void) -> c_int>,
    read: Option<unsafe extern "C" fn(*mut RawStream, *mut c_void, usize) -> isize>,
    write: Option<unsafe extern "C" fn(*mut RawStream, *const c_char, usize, c_int) -> isize>,
    close: Option<unsafe extern "C" fn(*mut RawStream) -> c_int>,
    free: Option<unsafe extern "C" fn(*mut RawStream)>,
}

/// `git_stream_registration`.
#[repr(C)]
struct Registration {
    version: c_int,
    init: Option<unsafe extern "C" fn(*mut *mut RawStream, *const c_char, *const c_char) -> c_int>,
    wrap: Option<unsafe extern "C" fn(*mut *mut RawStream, *mut RawStream, *const c_char) -> c_int>,
}

const STREAM_VERSION: c_int = 1;
const STREAM_STANDARD: c_int = 1;
const STREAM_TLS: c_int = 2;
const ENCRYPTED: c_uint = 1;

unsafe extern "C" {
    fn git_stream_register(kind: c_int, registration: *mut Registration) -> c_int;
}

/// Registers the streams for the rest of the process (from `super::settings`, before any repository is opened).
pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        libgit2_sys::init();
        for (kind, init) in [(STREAM_STANDARD, init_plain as InitFn), (STREAM_TLS, init_tls as InitFn)] {
            let mut registration = Registration { version: STREAM_VERSION, init: Some(init), wrap: None };
            // SAFETY: libgit2 is initialised; it copies the registration.
            let code = unsafe { git_stream_register(kind, &raw mut registration) };
            if code != 0 {
                tracing::warn!(code, "libgit2 refused firedrill's network stream; its own is used");
            }
        }
    });
}

type InitFn = unsafe extern "C" fn(*mut *mut RawStream, *const c_char, *const c_char) -> c_int;

/// One connection. `raw` comes first: libgit2 holds a pointer to it, which is a pointer to the whole.
#[repr(C)]
struct Stream {
    raw: RawStream,
    host: String,
    port: String,
    conn: Option<Conn>,
}

enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

unsafe extern "C" fn init_plain(out: *mut *mut RawStream, host: *const c_char, port: *const c_char) -> c_int {
    // SAFETY: libgit2 passes a valid out pointer and NUL-terminated strings.
    unsafe { new_stream(out, host, port, false) }
}

unsafe extern "C" fn init_tls(out: *mut *mut RawStream, host: *const c_char, port: *const c_char) -> c_int {
    // SAFETY: as in `init_plain`.
    unsafe { new_stream(out, host, port, true) }
}

unsafe fn new_stream(out: *mut *mut RawStream, host: *const c_char, port: *const c_char, tls: bool) -> c_int {
    if out.is_null() || host.is_null() || port.is_null() {
        return fail(-1, "libgit2 asked for a stream without a host or a port");
    }
    // SAFETY: non-null, NUL-terminated, valid for this call (copied).
    let (host, port) = unsafe { (CStr::from_ptr(host), CStr::from_ptr(port)) };
    let stream = Box::new(Stream {
        raw: RawStream {
            version: STREAM_VERSION,
            flags: if tls { ENCRYPTED } else { 0 },
            timeout: 0,
            connect_timeout: 0,
            connect: Some(connect),
            certificate: Some(certificate),
            set_proxy: None,
            read: Some(read),
            write: Some(write),
            close: Some(close),
            free: Some(free),
        },
        host: host.to_string_lossy().into_owned(),
        port: port.to_string_lossy().into_owned(),
        conn: None,
    });
    // SAFETY: `out` is valid; libgit2 frees the stream through `free`.
    unsafe { *out = Box::into_raw(stream).cast::<RawStream>() };
    0
}

/// The stream behind libgit2's pointer.
///
/// # Safety
/// `raw` must come from [`new_stream`] and not be freed.
unsafe fn stream<'a>(raw: *mut RawStream) -> &'a mut Stream {
    // SAFETY: `RawStream` is the first field of the `repr(C)` `Stream` that was boxed.
    unsafe { &mut *raw.cast::<Stream>() }
}

unsafe extern "C" fn connect(raw: *mut RawStream) -> c_int {
    // SAFETY: called by libgit2 on a live stream.
    let stream = unsafe { stream(raw) };
    guarded(|| match open(stream) {
        Ok(conn) => {
            stream.conn = Some(conn);
            0
        }
        Err((code, message)) => fail(code, &message),
    })
}

/// Connects (and for TLS, shakes hands, so an untrusted certificate fails here): (libgit2 code, message).
fn open(stream: &Stream) -> Result<Conn, (c_int, String)> {
    let net = |what: String| (-1, what);
    let port: u16 = stream.port.parse().map_err(|_| net(format!("`{}` is not a port number", stream.port)))?;
    let addrs: Vec<SocketAddr> = (stream.host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| net(format!("cannot resolve {}: {e}", stream.host)))?
        .collect();
    let io = io_timeout().map_err(net)?;
    let wait = CONNECT_TIMEOUT.min(io);
    let mut last = None;
    let tcp = addrs
        .iter()
        .find_map(|addr| TcpStream::connect_timeout(addr, wait).map_err(|e| last = Some(e)).ok())
        .ok_or_else(|| {
            let why = last.map_or_else(|| "no address".to_owned(), |e| e.to_string());
            net(format!("cannot connect to {}:{port}: {why}", stream.host))
        })?;
    // Requests leave as libgit2 writes them, without waiting for the acknowledgement of the previous write.
    tcp.set_nodelay(true)
        .and_then(|()| tcp.set_read_timeout(Some(io)))
        .and_then(|()| tcp.set_write_timeout(Some(io)))
        .map_err(|e| net(format!("cannot set up the connection to {}: {e}", stream.host)))?;
    if stream.raw.flags & ENCRYPTED == 0 {
        return Ok(Conn::Plain(tcp));
    }
    let config = tls_config().map_err(net)?;
    let name = rustls::pki_types::ServerName::try_from(stream.host.clone())
        .map_err(|_| net(format!("`{}` is not a host name TLS can check", stream.host)))?;
    let client = rustls::ClientConnection::new(config, name).map_err(|e| net(format!("TLS: {e}")))?;
    let mut tls = rustls::StreamOwned::new(client, tcp);
    while tls.conn.is_handshaking() {
        if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
            let untrusted = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .is_some_and(|inner| matches!(inner, rustls::Error::InvalidCertificate(_)));
            return Err(if untrusted {
                (
                    libgit2_sys::GIT_ECERTIFICATE,
                    format!(
                        "the TLS certificate of {} is not trusted ({e}); if the server uses a private certificate \
                         authority, set SSL_CERT_FILE to its PEM file",
                        stream.host
                    ),
                )
            } else {
                net(format!("TLS handshake with {} failed: {e}", stream.host))
            });
        }
    }
    Ok(Conn::Tls(Box::new(tls)))
}

/// The TLS client settings: Mozilla's roots (built in) and those of `SSL_CERT_FILE`, read once.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|f| !f.is_empty()) {
                let shown = std::path::Path::new(&file).display().to_string();
                let pem = std::fs::read(&file).map_err(|e| format!("SSL_CERT_FILE {shown}: {e}"))?;
                let (added, _) = roots.add_parsable_certificates(
                    <rustls::pki_types::CertificateDer<'_> as rustls::pki_types::pem::PemObject>::pem_slice_iter(&pem)
                        .filter_map(Result::ok),
                );
                if added == 0 {
                    return Err(format!(
                        "SSL_CERT_FILE {shown} holds no certificate firedrill can use (expected PEM `CERTIFICATE` \
                         blocks)"
                    ));
                }
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(Arc::new(config))
        })
        .clone()
}

unsafe extern "C" fn certificate(_out: *mut *mut c_void, _raw: *mut RawStream) -> c_int {
    // Asked only when a certificate callback is set, and firedrill sets none: rustls has already checked it.
    fail(-1, "firedrill's TLS stream does not hand certificates to callbacks")
}

unsafe extern "C" fn read(raw: *mut RawStream, data: *mut c_void, len: usize) -> isize {
    if len == 0 || data.is_null() {
        return 0;
    }
    // SAFETY: called by libgit2 on a live stream with a buffer of `len` bytes.
    let (stream, buf) = unsafe { (stream(raw), std::slice::from_raw_parts_mut(data.cast::<u8>(), len)) };
    guarded(|| {
        let host = stream.host.clone();
        let result = match stream.conn.as_mut() {
            Some(Conn::Plain(tcp)) => tcp.read(buf),
            Some(Conn::Tls(tls)) => match tls.read(buf) {
                // A server that closes without TLS's close_notify: HTTP's own framing tells a cut answer.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(0),
                other => other,
            },
            None => return fail(-1, "read on a closed connection") as isize,
        };
        match result {
            Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
            Err(e) => fail(-1, &io_message("reading from", &host, &e)) as isize,
        }
    })
}

unsafe extern "C" fn write(raw: *mut RawStream, data: *const c_char, len: usize, _flags: c_int) -> isize {
    if len == 0 || data.is_null() {
        return 0;
    }
    // SAFETY: called by libgit2 on a live stream with `len` readable bytes.
    let (stream, buf) = unsafe { (stream(raw), std::slice::from_raw_parts(data.cast::<u8>(), len)) };
    guarded(|| {
        let host = stream.host.clone();
        let result = match stream.conn.as_mut() {
            Some(Conn::Plain(tcp)) => tcp.write_all(buf),
            Some(Conn::Tls(tls)) => tls.write_all(buf).and_then(|()| tls.flush()),
            None => return fail(-1, "write on a closed connection") as isize,
        };
        match result {
            Ok(()) => isize::try_from(len).unwrap_or(isize::MAX),
            Err(e) => fail(-1, &io_message("writing to", &host, &e)) as isize,
        }
    })
}

fn io_message(doing: &str, host: &str, e: &std::io::Error) -> String {
    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) {
        format!("{doing} {host} timed out: the server stopped answering")
    } else {
        format!("{doing} {host} failed: {e}")
    }
}

unsafe extern "C" fn close(raw: *mut RawStream) -> c_int {
    // SAFETY: called by libgit2 on a live stream.
    let stream = unsafe { stream(raw) };
    guarded(|| {
        if let Some(Conn::Tls(mut tls)) = stream.conn.take() {
            tls.conn.send_close_notify();
            let _ = tls.conn.complete_io(&mut tls.sock);
        }
        0
    })
}

unsafe extern "C" fn free(raw: *mut RawStream) {
    if !raw.is_null() {
        // SAFETY: `raw` came from `Box::into_raw` in `new_stream`, and libgit2 frees it once.
        drop(unsafe { Box::from_raw(raw.cast::<Stream>()) });
    }
}

/// Sets libgit2's error message and returns `code`.
fn fail(code: c_int, message: &str) -> c_int {
    let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
    // SAFETY: a valid NUL-terminated string; libgit2 copies it.
    unsafe { libgit2_sys::git_error_set_str(libgit2_sys::GIT_ERROR_NET as c_int, text.as_ptr()) };
    code
}

/// Runs a callback body; a panic must not unwind into C, so it becomes an error.
fn guarded<T: From<i8>>(body: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or_else(|_| {
        fail(-1, "firedrill's network stream failed unexpectedly");
        T::from(-1)
    })
}
