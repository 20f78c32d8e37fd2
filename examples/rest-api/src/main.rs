//! `cargo run -p rest-api`: the notes API on an Auth.js app's sessions; see the crate's docs.

use std::process::ExitCode;

use rest_api::{ApiState, Backend, Settings, app, server};
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
            "AUTH_SECRET is not set: using a fixed development secret; set it to your Auth.js app's AUTH_SECRET"
        );
    }
    let backend = Backend::open(&settings.store).await?;
    tracing::info!("store: {}", backend.describe());
    let state = ApiState::open(&settings, &backend).await?;
    let listener = TcpListener::bind((settings.host.as_str(), settings.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", settings.host, settings.port))?;
    tracing::info!("listening on {}", listener.local_addr()?);
    println!("Notes API at {}/api/notes", settings.site_url);
    server::serve(listener, app(state)).await?;
    Ok(())
}
