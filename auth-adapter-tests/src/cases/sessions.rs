//! Database sessions: create, read with the user, update, delete, expiry.

use std::sync::Arc;

use auth_adapter_core::{Adapter, AdapterSession, AdapterUser, SessionUpdate, UserUpdate};
use chrono::TimeDelta;

use crate::check::{ErrorKind, err, ok};
use crate::fixtures;

async fn user_and_session(adapter: &Arc<dyn Adapter>) -> (AdapterUser, AdapterSession) {
    let user = fixtures::create_user(adapter).await;
    let session = fixtures::session(&user.id);
    let created = ok(
        adapter.create_session(session.clone()).await,
        "create_session",
    );
    assert_eq!(
        created, session,
        "create_session must return the session as given"
    );
    (user, session)
}

/// Auth.js #5 `createSession`: the session is stored exactly as given.
pub async fn create_session(adapter: Arc<dyn Adapter>) {
    let (user, session) = user_and_session(&adapter).await;
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user"
        ),
        Some((session, user))
    );
}

/// Auth.js #6 `getSessionAndUser`: an unknown token is `None`; a real one returns exactly
/// the session and its user.
pub async fn get_session_and_user(adapter: Arc<dyn Adapter>) {
    let (user, session) = user_and_session(&adapter).await;
    assert_eq!(
        ok(
            adapter.get_session_and_user("invalid-token").await,
            "get_session_and_user of an unknown token"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user"
        ),
        Some((session.clone(), user.clone()))
    );
    // The user part is the current user, not a copy taken when the session was created.
    let renamed = ok(
        adapter
            .update_user(UserUpdate::new(&user.id).name(Some("Renamed".into())))
            .await,
        "update_user",
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user after update_user"
        ),
        Some((session, renamed))
    );
}

/// Auth.js #8 `updateSession`: the stored `expires` moves to the new value.
pub async fn update_session(adapter: Arc<dyn Adapter>) {
    let (_, session) = user_and_session(&adapter).await;
    let new_expires = fixtures::one_month_from_now();
    assert_ne!(session.expires, new_expires);
    ok(
        adapter
            .update_session(SessionUpdate::new(&session.session_token, new_expires))
            .await,
        "update_session",
    );
    let (stored, _) = ok(
        adapter.get_session_and_user(&session.session_token).await,
        "get_session_and_user",
    )
    .expect("the session exists");
    assert_eq!(
        stored.expires, new_expires,
        "update_session did not store expires"
    );
}

/// Auth.js #11 `deleteSession`: the session is gone, and the call returned it.
pub async fn delete_session(adapter: Arc<dyn Adapter>) {
    let (_, session) = user_and_session(&adapter).await;
    assert_eq!(
        ok(
            adapter.delete_session(&session.session_token).await,
            "delete_session"
        ),
        Some(session.clone()),
        "delete_session must return the deleted session"
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user"
        ),
        None
    );
}

/// A taken session token is `Conflict`; the first session (and its owner) is unchanged.
pub async fn create_session_duplicate_token_is_conflict(adapter: Arc<dyn Adapter>) {
    let (user, session) = user_and_session(&adapter).await;
    let other = fixtures::create_user(&adapter).await;
    let dup = AdapterSession {
        user_id: other.id.clone(),
        expires: fixtures::one_month_from_now(),
        ..session.clone()
    };
    let e = err(
        adapter.create_session(dup).await,
        ErrorKind::Conflict,
        "create_session with a taken token",
    );
    crate::check::error_hides(&e, &session.session_token, "session token conflict");
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user"
        ),
        Some((session, user))
    );
    assert_eq!(
        ok(
            adapter.delete_sessions_by_user_id(&other.id).await,
            "delete_sessions_by_user_id"
        ),
        0,
        "the rejected session was stored for the other user"
    );
}

/// A session for a user that does not exist is `NotFound`, and nothing is stored.
pub async fn create_session_unknown_user_is_not_found(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    ok(adapter.delete_user(&user.id).await, "delete_user");
    for user_id in [user.id.clone(), fixtures::uuid()] {
        let session = fixtures::session(&user_id);
        err(
            adapter.create_session(session.clone()).await,
            ErrorKind::NotFound,
            "create_session for an unknown user",
        );
        assert_eq!(
            ok(
                adapter.get_session_and_user(&session.session_token).await,
                "get_session_and_user"
            ),
            None
        );
        assert_eq!(
            ok(
                adapter.delete_session(&session.session_token).await,
                "delete_session"
            ),
            None,
            "a session for an unknown user was stored"
        );
    }
}

/// `update_session` returns the updated session. (Where a layout stores `expires` in whole
/// seconds, a fraction of a second is `InvalidInput` and changes nothing.)
pub async fn update_session_returns_updated_row(adapter: Arc<dyn Adapter>) {
    let (user, session) = user_and_session(&adapter).await;
    let mut new_expires = fixtures::now_ms() + TimeDelta::days(30) + TimeDelta::milliseconds(123);
    let limits = crate::limits::current();
    if limits.expires(new_expires) != new_expires {
        err(
            adapter
                .update_session(SessionUpdate::new(&session.session_token, new_expires))
                .await,
            ErrorKind::InvalidInput,
            "update_session with a fraction of a second (whole-second expires)",
        );
        assert_eq!(
            ok(
                adapter.get_session_and_user(&session.session_token).await,
                "get_session_and_user"
            ),
            Some((session.clone(), user.clone())),
            "a refused update_session changed the session"
        );
        new_expires = limits.expires(new_expires);
    }
    let expected = AdapterSession {
        expires: new_expires,
        ..session.clone()
    };
    assert_eq!(
        ok(
            adapter
                .update_session(SessionUpdate::new(&session.session_token, new_expires))
                .await,
            "update_session"
        ),
        Some(expected.clone())
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user"
        ),
        Some((expected, user))
    );
}

/// `update_session` without a new `expires` returns the session unchanged.
pub async fn update_session_without_expires_returns_row(adapter: Arc<dyn Adapter>) {
    let (_, session) = user_and_session(&adapter).await;
    let update = SessionUpdate {
        session_token: session.session_token.clone(),
        expires: None,
    };
    assert_eq!(
        ok(adapter.update_session(update).await, "update_session"),
        Some(session)
    );
}

/// `update_session` of an unknown token is `None` and creates nothing.
pub async fn update_session_missing_is_none(adapter: Arc<dyn Adapter>) {
    let token = fixtures::uuid();
    assert_eq!(
        ok(
            adapter
                .update_session(SessionUpdate::new(&token, fixtures::one_month_from_now()))
                .await,
            "update_session of an unknown token"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&token).await,
            "get_session_and_user"
        ),
        None
    );
}

/// `delete_session` of an unknown (or already deleted) token is `Ok(None)`.
pub async fn delete_session_missing_is_none(adapter: Arc<dyn Adapter>) {
    assert_eq!(
        ok(
            adapter.delete_session(&fixtures::uuid()).await,
            "delete_session of an unknown token"
        ),
        None
    );
    let (_, session) = user_and_session(&adapter).await;
    ok(
        adapter.delete_session(&session.session_token).await,
        "delete_session",
    );
    assert_eq!(
        ok(
            adapter.delete_session(&session.session_token).await,
            "delete_session again"
        ),
        None
    );
}

/// `delete_sessions_by_user_id` removes exactly that user's sessions and counts them.
pub async fn delete_sessions_by_user_id(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let other = fixtures::create_user(&adapter).await;
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(ok(
            adapter.create_session(fixtures::session(&user.id)).await,
            "create_session",
        ));
    }
    let theirs = ok(
        adapter.create_session(fixtures::session(&other.id)).await,
        "create_session",
    );
    assert_eq!(
        ok(
            adapter.delete_sessions_by_user_id(&user.id).await,
            "delete_sessions_by_user_id"
        ),
        3
    );
    for s in &mine {
        assert_eq!(
            ok(
                adapter.get_session_and_user(&s.session_token).await,
                "get_session_and_user"
            ),
            None
        );
    }
    assert_eq!(
        ok(
            adapter.get_session_and_user(&theirs.session_token).await,
            "get_session_and_user"
        ),
        Some((theirs, other))
    );
    assert_eq!(
        ok(adapter.get_user(&user.id).await, "get_user"),
        Some(user.clone()),
        "delete_sessions_by_user_id must keep the user"
    );
    assert_eq!(
        ok(
            adapter.delete_sessions_by_user_id(&user.id).await,
            "delete_sessions_by_user_id again"
        ),
        0
    );
    assert_eq!(
        ok(
            adapter.delete_sessions_by_user_id(&fixtures::uuid()).await,
            "delete_sessions_by_user_id of an unknown user"
        ),
        0
    );
}

/// An expired session is either returned with its past `expires` unchanged or not at all;
/// after `delete_expired(now)` it is gone, and a live session is untouched.
pub async fn expired_session_is_kept_unchanged_or_dropped(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let expired = AdapterSession {
        expires: fixtures::minutes_ago(5),
        ..fixtures::session(&user.id)
    };
    assert_eq!(
        ok(
            adapter.create_session(expired.clone()).await,
            "create_session of an expired session"
        ),
        expired
    );
    let live = ok(
        adapter.create_session(fixtures::session(&user.id)).await,
        "create_session",
    );
    match ok(
        adapter.get_session_and_user(&expired.session_token).await,
        "get_session_and_user of an expired session",
    ) {
        None => {}
        Some((session, u)) => {
            assert_eq!(session, expired, "an expired session came back changed");
            assert_eq!(u, user);
        }
    }
    ok(
        adapter.delete_expired(fixtures::now_ms()).await,
        "delete_expired",
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&expired.session_token).await,
            "get_session_and_user after delete_expired"
        ),
        None,
        "delete_expired left an expired session"
    );
    assert_eq!(
        ok(
            adapter.delete_session(&expired.session_token).await,
            "delete_session after delete_expired"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&live.session_token).await,
            "get_session_and_user of a live session"
        ),
        Some((live, user)),
        "delete_expired touched a live session"
    );
}

/// `delete_expired(at)` removes sessions and tokens whose `expires` is before `at` (and
/// counts them), keeps those expiring at or after `at`.
pub async fn delete_expired_removes_only_expired(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let limits = crate::limits::current();
    let cutoff = limits.expires(fixtures::now_ms()) + TimeDelta::minutes(5);
    let make = |expires| AdapterSession {
        expires,
        ..fixtures::session(&user.id)
    };
    let soon = make(cutoff - TimeDelta::minutes(3));
    let at_cutoff = make(cutoff);
    let later = make(cutoff + TimeDelta::minutes(5));
    for s in [&soon, &at_cutoff, &later] {
        ok(adapter.create_session(s.clone()).await, "create_session");
    }
    let email = fixtures::unique_email();
    let mk_token = |expires| auth_adapter_core::VerificationToken {
        expires,
        ..fixtures::verification_token(&email)
    };
    let soon_token = mk_token(cutoff - limits.expires_step());
    let at_cutoff_token = mk_token(cutoff);
    for t in [&soon_token, &at_cutoff_token] {
        ok(
            adapter.create_verification_token(t.clone()).await,
            "create_verification_token",
        );
    }

    let count = ok(adapter.delete_expired(cutoff).await, "delete_expired");
    assert!(
        count.sessions >= 1 && count.verification_tokens >= 1,
        "delete_expired must count what it removed, got {count:?}"
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&soon.session_token).await,
            "get_session_and_user"
        ),
        None,
        "delete_expired kept a session that expired before `now`"
    );
    for s in [at_cutoff, later] {
        assert_eq!(
            ok(
                adapter.get_session_and_user(&s.session_token).await,
                "get_session_and_user"
            ),
            Some((s, user.clone())),
            "delete_expired removed a session that had not expired"
        );
    }
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&email, &soon_token.token)
                .await,
            "use_verification_token"
        ),
        None,
        "delete_expired kept a token that expired before `now`"
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&email, &at_cutoff_token.token)
                .await,
            "use_verification_token"
        ),
        Some(at_cutoff_token),
        "delete_expired removed a token that had not expired"
    );
}
