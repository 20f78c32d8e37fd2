//! The passwordless example in a real browser: `cargo`'s build of the server runs on a
//! free port with a fresh SQLite file and the development sender writing to an outbox
//! file, and `node interop/browser-passwordless.mjs` drives headless Chromium through
//! its page (sign in with an email code, reload, sign out, wrong codes until the limit).
//!
//! Needs Chromium (`CHROMIUM`, or `chromium` on the PATH: Debian's package `chromium`;
//! scripts/test installs it) and `npm ci --prefix interop` (playwright-core).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// The Chromium to drive, or a panic saying how to get one.
fn chromium() -> PathBuf {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "no Chromium: install Debian's package `chromium` (sudo apt-get install chromium; \
         scripts/test installs it when run as root), or set CHROMIUM to a Chromium or Chrome"
    );
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_reload_sign_out_and_the_limit_in_chromium() {
    let chromium = chromium();
    let interop = interop_dir();
    assert!(
        interop.join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run `npm ci --prefix interop` (scripts/test does)"
    );
    let tmp = std::env::temp_dir().join(format!("aa-browser-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&tmp).unwrap();
    let outbox = tmp.join("outbox.txt");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");

    let mut server = Command::new(env!("CARGO_BIN_EXE_passwordless"))
        .current_dir(&tmp)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("NODE_ENV")
        .env_remove("AUTH_ENV")
        .env("PORT", port.to_string())
        .env("AUTH_URL", &base)
        .env("AUTH_SECRET", "the browser test's secret")
        .env("SQLITE_PATH", tmp.join("auth.db"))
        .env("DEV_OUTBOX", &outbox)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start the passwordless example");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let started = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("Open ") {
                return line;
            }
        }
        panic!("the example exited before printing the URL to open");
    })
    .await
    .expect("the example did not print `Open <url>` within 30 s");
    assert_eq!(started, format!("Open {base} to sign in."));

    let screenshot = tmp.join("failure.png");
    let run = Command::new("node")
        .arg(interop.join("browser-passwordless.mjs"))
        .current_dir(&interop)
        .env("BASE_URL", &base)
        .env("DEV_OUTBOX", &outbox)
        .env("CHROMIUM", &chromium)
        .env("SCREENSHOT", &screenshot)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("the browser script did not finish within 90 s")
        .expect("run node (Node.js >= 20 is needed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser run failed ({}):\n{stdout}\n{stderr}\n(the temp dir {} keeps the screenshot if one was taken)",
        output.status,
        tmp.display()
    );
    println!("{stdout}");

    drop(server);
    let _ = std::fs::remove_dir_all(&tmp);
}
