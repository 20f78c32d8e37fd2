//! Signs a user in the way Auth.js does, step by step, printing each step.
//!
//! `cargo run -p quickstart` keeps its data in `auth.db` (SQLite, the `@auth/drizzle-adapter`
//! layout), created in the working directory on the first run; point a Node.js Auth.js app
//! with the Drizzle adapter at the same file and both see the same users and sessions.
//! `cargo run -p quickstart -- --memory` keeps everything in memory instead.

use std::error::Error;
use std::sync::Arc;

use auth_adapter::chrono::{TimeDelta, Utc};
use auth_adapter::sqlite::{SqliteAdapter, SqliteOptions};
use auth_adapter::{
    AccountType, Adapter, AdapterAccount, AdapterSession, MemoryAdapter, NewUser, SessionCheck,
    SessionPolicy, VERIFICATION_TOKEN_MAX_AGE, VerificationToken, generate_session_token,
    generate_verification_token, hash_verification_token, normalize_identifier,
};

/// Stands in for the `AUTH_SECRET` the Auth.js app is configured with.
const SECRET: &str = "change-me: the AUTH_SECRET of your Auth.js app";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let adapter: Arc<dyn Adapter> = if std::env::args().any(|a| a == "--memory") {
        println!("backend: in memory");
        Arc::new(MemoryAdapter::new())
    } else {
        let path = "auth.db";
        let sqlite = SqliteAdapter::open(path, SqliteOptions::default()).await?;
        sqlite.migrate().await?;
        println!("backend: SQLite file {path} (created if it was missing)");
        Arc::new(sqlite)
    };
    sign_in(adapter).await
}

async fn sign_in(adapter: Arc<dyn Adapter>) -> Result<(), Box<dyn Error>> {
    let policy = SessionPolicy::default();

    // 1. The sign-in form: Auth.js normalises the address it will send the link to.
    let email = normalize_identifier("  Ada.Lovelace@Example.COM ")?;
    println!("1. normalised email: {email}");

    // 2. The user exists already? If not, create them (Auth.js does this on first sign-in).
    let user = match adapter.get_user_by_email(&email).await? {
        Some(user) => user,
        None => adapter.create_user(NewUser::with_email(&email)).await?,
    };
    println!("2. user {} ({})", user.id, email);

    // 3. Link an OAuth account, as the GitHub provider would after its callback.
    let account = AdapterAccount {
        access_token: Some("gho_example_access_token".into()),
        token_type: Some("bearer".into()),
        scope: Some("read:user user:email".into()),
        expires_at: Some(Utc::now().timestamp() + 8 * 3600),
        ..AdapterAccount::new(&user.id, AccountType::Oauth, "github", "583231")
    };
    if adapter.get_account("github", "583231").await?.is_none() {
        adapter.link_account(account).await?;
    }
    let by_account = adapter.get_user_by_account("github", "583231").await?;
    println!(
        "3. linked github account 583231 -> user {}",
        by_account.map(|u| u.id).unwrap_or_default()
    );

    // 4. Magic link: the raw token goes in the e-mail, only its hash is stored.
    let raw = generate_verification_token();
    let hashed = hash_verification_token(&raw, SECRET);
    adapter
        .create_verification_token(VerificationToken {
            identifier: email.clone(),
            token: hashed.clone(),
            expires: Utc::now() + VERIFICATION_TOKEN_MAX_AGE,
        })
        .await?;
    println!("4. magic link: /api/auth/callback/email?token=<64 hex chars>&email={email}");

    // 5. The link is clicked: the token is consumed exactly once.
    let used = adapter.use_verification_token(&email, &hashed).await?;
    let again = adapter.use_verification_token(&email, &hashed).await?;
    match used {
        Some(token) if token.expires > Utc::now() => {}
        _ => return Err("the magic link was not accepted".into()),
    }
    println!(
        "5. token accepted once; a second click finds it: {}",
        again.is_some()
    );
    let user = adapter
        .update_user(auth_adapter::UserUpdate::new(&user.id).email_verified(Some(Utc::now())))
        .await?;

    // 6. A database session, with the Auth.js defaults (30 days, extended daily).
    let session = adapter
        .create_session(AdapterSession {
            session_token: generate_session_token(),
            user_id: user.id.clone(),
            expires: policy.expires_from(Utc::now()),
        })
        .await?;
    println!("6. session created, expires {}", session.expires);

    // 7. Every request: one round trip finds the session and its user.
    let (found, who) = adapter
        .get_session_and_user(&session.session_token)
        .await?
        .ok_or("session not found")?;
    println!(
        "7. get_session_and_user -> {} (session expires {})",
        who.email.as_deref().unwrap_or("?"),
        found.expires
    );

    // 8. Two days later, the Auth.js rule extends the session to now + 30 days.
    let later = Utc::now() + TimeDelta::days(2);
    if let SessionCheck::Extend { expires } = policy.check(found.expires, later) {
        let extended = adapter
            .update_session(auth_adapter::SessionUpdate::new(
                &session.session_token,
                expires,
            ))
            .await?
            .ok_or("session vanished")?;
        println!("8. two days later it is extended to {}", extended.expires);
    }

    // 9. Sign out: the session is deleted.
    let deleted = adapter.delete_session(&session.session_token).await?;
    let after = adapter.get_session_and_user(&session.session_token).await?;
    println!(
        "9. signed out (deleted: {}, still found: {})",
        deleted.is_some(),
        after.is_some()
    );
    Ok(())
}
