//! The `http_session` workload: `GET /api/auth/session` over a real loopback socket, served
//! by axum with this crate (`auth_router()` + `session_cookies`, `axum::serve` on a task of
//! this process) against the same route of the real `@auth/express` app
//! (`node interop/authjs-app.mjs`, database strategy) on the same store. Both are driven by
//! the same load generator: a small HTTP/1.1 keep-alive client in this file (one connection
//! per concurrent task), each request with a random seeded session's cookie, in interleaved
//! 1-second rounds. Every answer must be a 200 whose body names the session's user.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use auth_adapter_core::Adapter;
use auth_adapter_core::cookies::SESSION_COOKIE;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, ChildStdin, Command};

use crate::BoxError;
use crate::cli::{Options, Workload};
use crate::extractor;
use crate::js::JsTarget;
use crate::report::{self, Kind, RatioSummary, Row};
use crate::runner::{self, Op};
use crate::workloads::Dataset;

/// The least axum ÷ `@auth/express` req/s may be at concurrency 16.
pub(crate) const TARGET: f64 = 5.0;
/// The concurrency the target is set at.
pub(crate) const TARGET_CONCURRENCY: usize = 16;

/// How long the express app may take to start, and any one request to answer.
const PATIENCE: Duration = Duration::from_secs(60);

/// The expected user of each seeded session: `workloads::seed` gives session `n` to user
/// `n % users`, whose email is `seed-{run_id}-{n % users}@example.com`.
#[derive(Debug)]
pub(crate) struct Expected {
    /// `(cookie header value, the user's email as it appears in the JSON body)`.
    requests: Vec<(String, String)>,
}

impl Expected {
    pub(crate) fn new(data: &Dataset, run_id: &str) -> Self {
        let users = data.user_ids.len().max(1);
        let requests = data
            .session_tokens
            .iter()
            .enumerate()
            .map(|(n, token)| {
                (
                    format!("{SESSION_COOKIE}={token}"),
                    format!("\"email\":\"seed-{run_id}-{}@example.com\"", n % users),
                )
            })
            .collect();
        Expected { requests }
    }

    fn pick(&self, rand: u64) -> Option<&(String, String)> {
        if self.requests.is_empty() {
            return None;
        }
        let i = usize::try_from(rand % self.requests.len() as u64).unwrap_or(0);
        self.requests.get(i)
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: BufReader<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(port: u16) -> Result<Conn, String> {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| format!("connecting to 127.0.0.1:{port}: {e}"))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("TCP_NODELAY: {e}"))?;
        Ok(Conn {
            stream: BufReader::new(stream),
            buf: Vec::with_capacity(1024),
        })
    }

    /// Sends `GET /api/auth/session` with `cookie`; returns the status, the body, and
    /// whether the connection may be reused.
    async fn get_session(
        &mut self,
        port: u16,
        cookie: &str,
    ) -> Result<(u16, Vec<u8>, bool), String> {
        let request = format!(
            "GET /api/auth/session HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n"
        );
        self.stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("writing the request: {e}"))?;
        read_response(&mut self.stream, &mut self.buf).await
    }
}

/// Reads one HTTP/1.1 response (head, then a `Content-Length` or chunked body).
async fn read_response<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    line: &mut Vec<u8>,
) -> Result<(u16, Vec<u8>, bool), String> {
    let io = |e: std::io::Error| format!("reading the response: {e}");
    line.clear();
    if r.read_until(b'\n', line).await.map_err(io)? == 0 {
        return Err("the server closed the connection".into());
    }
    let status_line = String::from_utf8_lossy(line);
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP status line: {:?}", status_line.trim_end()))?;
    let (mut length, mut chunked, mut keep_alive) = (None, false, true);
    loop {
        line.clear();
        if r.read_until(b'\n', line).await.map_err(io)? == 0 {
            return Err("the connection closed inside the response head".into());
        }
        let header = String::from_utf8_lossy(line);
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| format!("bad Content-Length {value:?}"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            keep_alive = !value.eq_ignore_ascii_case("close");
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            r.read_until(b'\n', line).await.map_err(io)?;
            let size = String::from_utf8_lossy(line);
            let size = size.trim_end().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size.trim(), 16)
                .map_err(|_| format!("bad chunk size {size:?}"))?;
            if size == 0 {
                // The trailer section, up to its empty line.
                loop {
                    line.clear();
                    if r.read_until(b'\n', line).await.map_err(io)? == 0
                        || line.as_slice() == b"\r\n"
                    {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..]).await.map_err(io)?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf).await.map_err(io)?;
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        r.read_exact(&mut body).await.map_err(io)?;
    } else {
        return Err("a response with neither Content-Length nor chunked encoding".into());
    }
    Ok((status, body, keep_alive))
}

/// `GET /api/auth/session` on `127.0.0.1:port` with a random seeded session's cookie, over
/// pooled keep-alive connections (each concurrent task takes one, so at concurrency N at
/// most N are open). Checks every answer: 200, and the body names the session's user.
pub(crate) struct HttpSession {
    port: u16,
    expected: Arc<Expected>,
    pool: Mutex<Vec<Conn>>,
}

impl HttpSession {
    pub(crate) fn new(port: u16, expected: Arc<Expected>) -> Self {
        HttpSession {
            port,
            expected,
            pool: Mutex::new(Vec::new()),
        }
    }

    fn take(&self) -> Option<Conn> {
        self.pool.lock().ok().and_then(|mut p| p.pop())
    }

    fn put(&self, conn: Conn) {
        if let Ok(mut p) = self.pool.lock() {
            p.push(conn);
        }
    }
}

#[async_trait]
impl Op for HttpSession {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let (cookie, email) = self
            .expected
            .pick(rand)
            .ok_or("no seeded sessions to request")?;
        // A pooled connection the server may have closed while idle is retried once on a
        // fresh one; a fresh connection's failure is the request's.
        let (status, body, keep_alive, conn) = match self.take() {
            Some(mut conn) => match conn.get_session(self.port, cookie).await {
                Ok((s, b, k)) => (s, b, k, conn),
                Err(_) => {
                    let mut conn = Conn::open(self.port).await?;
                    let (s, b, k) = conn.get_session(self.port, cookie).await?;
                    (s, b, k, conn)
                }
            },
            None => {
                let mut conn = Conn::open(self.port).await?;
                let (s, b, k) = conn.get_session(self.port, cookie).await?;
                (s, b, k, conn)
            }
        };
        if keep_alive {
            self.put(conn);
        }
        if status != 200 {
            return Err(format!("GET /api/auth/session answered {status}"));
        }
        if !extractor::contains(&body, email.as_bytes()) {
            return Err(format!(
                "GET /api/auth/session with a seeded session's cookie did not name its user; \
                 body: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            ));
        }
        Ok(())
    }
}

/// The axum app on `127.0.0.1:0`, served by a task of this runtime until dropped.
pub(crate) struct AxumServer {
    pub(crate) port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for AxumServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(crate) async fn serve_axum(adapter: Arc<dyn Adapter>) -> Result<AxumServer, BoxError> {
    let app = extractor::router(adapter)?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("[bench] http_session: axum::serve stopped: {e}");
        }
    });
    Ok(AxumServer { port, task })
}

/// `node interop/authjs-app.mjs` on the store of `target`; killed when dropped, and its
/// stdin (whose end makes it exit) closed by [`ExpressApp::stop`].
pub(crate) struct ExpressApp {
    pub(crate) port: u16,
    child: Child,
    stdin: Option<ChildStdin>,
    stderr_tail: Arc<Mutex<Vec<String>>>,
}

impl ExpressApp {
    pub(crate) async fn start(
        dir: &Path,
        target: &JsTarget,
        pool_size: u32,
    ) -> Result<ExpressApp, BoxError> {
        let mut cmd = Command::new("node");
        cmd.arg(dir.join("authjs-app.mjs"))
            .current_dir(dir)
            .env("ADAPTER", target.adapter)
            .env("STRATEGY", "database")
            .env("AUTH_SECRET", extractor::SECRET)
            .env("PG_POOL_SIZE", pool_size.to_string())
            .env_remove("AUTH_URL")
            .env_remove("PORT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in &target.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("could not start node authjs-app.mjs: {e}"))?;
        let stdin = child.stdin.take();
        let stderr_tail = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let tail = Arc::clone(&stderr_tail);
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(l)) = lines.next_line().await {
                    if let Ok(mut t) = tail.lock() {
                        if t.len() >= 20 {
                            t.remove(0);
                        }
                        t.push(l);
                    }
                }
            });
        }
        let stdout = child.stdout.take().ok_or("authjs-app.mjs has no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(PATIENCE, lines.next_line()).await;
        let mut app = ExpressApp {
            port: 0,
            child,
            stdin,
            stderr_tail,
        };
        let port = match first {
            Ok(Ok(Some(line))) => serde_json::from_str::<serde_json::Value>(&line)
                .ok()
                .and_then(|v| v.get("port")?.as_u64())
                .and_then(|p| u16::try_from(p).ok()),
            _ => None,
        };
        let Some(port) = port else {
            // Give its stderr a moment to arrive, for the message.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let why = app.stderr();
            app.stop().await;
            return Err(format!(
                "node authjs-app.mjs did not print its port within {PATIENCE:?}: {why}"
            )
            .into());
        };
        app.port = port;
        // Keep draining its stdout (it prints only sign-in links, none here).
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(app)
    }

    /// Its last lines on stderr.
    pub(crate) fn stderr(&self) -> String {
        self.stderr_tail
            .lock()
            .map(|t| t.join(" | "))
            .unwrap_or_default()
    }

    /// Closes its stdin (it exits), waits up to 5 s, then kills it.
    pub(crate) async fn stop(&mut self) {
        self.stdin = None;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// The rows of one backend: axum and `@auth/express` (when `express` is given: the
/// interop directory and the store's JS target) at every concurrency, and their ratio.
pub(crate) async fn run(
    options: &Options,
    backend: &str,
    adapter: &Arc<dyn Adapter>,
    data: &Arc<Dataset>,
    run_id: &str,
    express: Option<(&Path, &JsTarget)>,
) -> Result<(Vec<Row>, Vec<RatioSummary>), BoxError> {
    let expected = Arc::new(Expected::new(data, run_id));
    let axum_server = serve_axum(Arc::clone(adapter)).await?;
    let mut express_app = match express {
        Some((dir, target)) => Some(ExpressApp::start(dir, target, options.pool_size).await?),
        None => None,
    };
    let result = measure(
        options,
        backend,
        &expected,
        axum_server.port,
        express_app.as_ref(),
    )
    .await;
    if let Some(app) = express_app.as_mut() {
        app.stop().await;
    }
    drop(axum_server);
    result
}

async fn measure(
    options: &Options,
    backend: &str,
    expected: &Arc<Expected>,
    axum_port: u16,
    express: Option<&ExpressApp>,
) -> Result<(Vec<Row>, Vec<RatioSummary>), BoxError> {
    let workload = Workload::HttpSession.name();
    let mut rows = Vec::new();
    let mut ratios = Vec::new();
    for (i, &concurrency) in options.concurrency.iter().enumerate() {
        // Fresh connections per row: at concurrency N, N keep-alive connections per side.
        let mut ops: Vec<(Kind, &str, Arc<dyn Op>)> = vec![(
            Kind::Axum,
            "axum + auth-adapter-axum",
            Arc::new(HttpSession::new(axum_port, Arc::clone(expected))),
        )];
        if let Some(app) = express {
            ops.push((
                Kind::Js,
                "@auth/express",
                Arc::new(HttpSession::new(app.port, Arc::clone(expected))),
            ));
        }
        let seed = (i as u64) << 32 | 0x4770;
        let mut group =
            runner::measure_rows(&ops, backend, workload, concurrency, options.duration, seed)
                .await;
        if let (Some(app), Some(first)) = (
            express,
            group.get_mut(1).and_then(|r| r.first_error.as_mut()),
        ) {
            first.push_str(&format!("; authjs-app.mjs stderr: {}", app.stderr()));
        }
        if let [axum, express_row] = &group[..] {
            ratios.push(RatioSummary::new(
                backend,
                workload,
                concurrency,
                "req/s: axum ÷ @auth/express, GET /api/auth/session over loopback",
                report::ratio(axum.ops_per_sec, express_row.ops_per_sec),
                (concurrency == TARGET_CONCURRENCY).then_some(TARGET),
            ));
        }
        rows.extend(group);
    }
    Ok((rows, ratios))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads;
    use auth_adapter_core::MemoryAdapter;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_client_reads_sessions_from_axum_over_a_socket() {
        let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
        let data = workloads::seed(&adapter, "t", 3, 7).await.unwrap();
        let expected = Arc::new(Expected::new(&data, "t"));
        let server = serve_axum(Arc::clone(&adapter)).await.unwrap();
        let op = HttpSession::new(server.port, Arc::clone(&expected));
        for rand in 0..20 {
            op.call(rand).await.unwrap();
        }
        // One task, one kept-alive connection.
        assert_eq!(op.pool.lock().unwrap().len(), 1);
        // A session whose user is not the expected one is an error.
        let wrong = Arc::new(Expected {
            requests: vec![(
                expected.requests[0].0.clone(),
                "\"email\":\"someone-else@example.com\"".into(),
            )],
        });
        assert!(HttpSession::new(server.port, wrong).call(0).await.is_err());
        let unknown = Arc::new(Expected {
            requests: vec![(format!("{SESSION_COOKIE}=nope"), "\"email\"".into())],
        });
        assert!(
            HttpSession::new(server.port, unknown)
                .call(0)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn chunked_and_sized_bodies_parse() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n2\r\n\":\r\n0\r\n\r\n\
                    HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nConnection: close\r\n\r\nno";
        let mut r = BufReader::new(&raw[..]);
        let mut line = Vec::new();
        let (s, b, k) = read_response(&mut r, &mut line).await.unwrap();
        assert_eq!((s, b.as_slice(), k), (200, &b"{\"a\":"[..], true));
        let (s, b, k) = read_response(&mut r, &mut line).await.unwrap();
        assert_eq!((s, b.as_slice(), k), (404, &b"no"[..], false));
        assert!(read_response(&mut r, &mut line).await.is_err());
    }
}
