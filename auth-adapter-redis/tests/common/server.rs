//! A private redis-server on a free port (for tests that kill it), and a TCP proxy that
//! records every command a client sends (for counting round trips).

use std::net::TcpListener as StdListener;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

pub struct PrivateServer {
    pub port: u16,
    child: Option<Child>,
}

pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl PrivateServer {
    /// Starts `redis-server` on a free port, without persistence.
    pub async fn start() -> Self {
        let mut s = PrivateServer {
            port: free_port(),
            child: None,
        };
        s.restart().await;
        s
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the server on the same port and waits until it accepts connections.
    pub async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): install it (Debian/Ubuntu package \
                     `redis-server`: apt-get install redis-server)"
                )
            });
        self.child = Some(child);
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    /// Kills the server and waits until it is gone.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("kill redis-server");
        }
    }
}

/// Forwards one local port to `upstream` and records the name of every command sent.
pub struct CountingProxy {
    pub port: u16,
    pub commands: Arc<Mutex<Vec<String>>>,
}

impl CountingProxy {
    pub async fn start(upstream: (String, u16)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let commands = Arc::new(Mutex::new(Vec::new()));
        let log = commands.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect((upstream.0.as_str(), upstream.1)).await else {
                    continue;
                };
                let log = log.clone();
                tokio::spawn(async move {
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut sr, &mut cw).await;
                    });
                    let mut pending = Vec::new();
                    let mut chunk = [0u8; 16 * 1024];
                    loop {
                        let n = match cr.read(&mut chunk).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        pending.extend_from_slice(&chunk[..n]);
                        while let Some(name) = take_command(&mut pending) {
                            log.lock().expect("log").push(name);
                        }
                        if sw.write_all(&chunk[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        CountingProxy { port, commands }
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.commands.lock().expect("log"))
    }
}

fn crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| from + i)
}

/// Removes one complete RESP command from the front of `buf` and returns its name.
pub fn take_command(buf: &mut Vec<u8>) -> Option<String> {
    let first = crlf(buf, 0)?;
    if buf.first() != Some(&b'*') {
        let line = String::from_utf8_lossy(&buf[..first]).to_string();
        buf.drain(..first + 2);
        return Some(line.split(' ').next().unwrap_or("").to_uppercase());
    }
    let n: usize = std::str::from_utf8(&buf[1..first]).ok()?.parse().ok()?;
    let mut pos = first + 2;
    let mut name = String::new();
    for i in 0..n {
        let end = crlf(buf, pos)?;
        let len: usize = std::str::from_utf8(&buf[pos + 1..end]).ok()?.parse().ok()?;
        let start = end + 2;
        if buf.len() < start + len + 2 {
            return None;
        }
        if i == 0 {
            name = String::from_utf8_lossy(&buf[start..start + len]).to_uppercase();
        }
        pos = start + len + 2;
    }
    buf.drain(..pos);
    Some(name)
}
