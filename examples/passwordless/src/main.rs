//! `cargo run -p passwordless`: the passwordless sign-in server; see the crate's docs.

use std::process::ExitCode;

use passwordless::{AppState, Backend, Settings, app, dev_sender, server};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    server::init_tracing();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let settings = Settings::from_env()?;
    if settings.dev_secret {
        tracing::warn!(
            "AUTH_SECRET is not set: using a fixed development secret (anyone can forge sessions with it; set AUTH_SECRET outside development)"
        );
    }
    let backend = Backend::open(&settings.store).await?;
    tracing::info!("store: {}", backend.describe());
    let sender = dev_sender(&settings)?;
    let state = AppState::new(&settings, &backend, sender)?;
    let listener = TcpListener::bind((settings.host.as_str(), settings.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", settings.host, settings.port))?;
    let address = listener.local_addr()?;
    tracing::info!("listening on {address}");
    println!("Open {} to sign in.", settings.site_url);
    server::serve(listener, app(state)).await?;
    Ok(())
}
