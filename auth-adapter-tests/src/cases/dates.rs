//! The range of dates every backend stores:
//! [`dates::MIN`](auth_adapter_core::backend::dates::MIN)`..=`[`dates::MAX`](auth_adapter_core::backend::dates::MAX) (or the
//! narrower range a layout documents in its [`Limits`](crate::Limits)), checked before any
//! write, and read back as written at both ends.

use std::sync::Arc;

use auth_adapter_core::{
    Adapter, AdapterSession, NewUser, SessionUpdate, UserUpdate, VerificationToken,
};
use chrono::{DateTime, TimeDelta, Utc};

use crate::check::{ErrorKind, err, ok};
use crate::fixtures;

/// Dates just outside the range: one millisecond past each end, and chrono's own limits.
fn outside() -> [DateTime<Utc>; 4] {
    let limits = crate::limits::current();
    [
        limits.earliest_date - TimeDelta::milliseconds(1),
        DateTime::<Utc>::MIN_UTC,
        // MAX is chrono's last whole millisecond: past it only sub-millisecond time is left.
        DateTime::<Utc>::MAX_UTC,
        limits.latest_date + TimeDelta::nanoseconds(999_999),
    ]
}

/// Users, sessions and verification tokens at both ends of the range are stored and read
/// back unchanged by every method that returns them; using or deleting them works.
pub async fn dates_at_both_ends_of_the_range_round_trip(adapter: Arc<dyn Adapter>) {
    let limits = crate::limits::current();
    let (earliest, latest) = (limits.earliest_date, limits.latest_date);
    for (end, at) in [("MIN", earliest), ("MAX", latest)] {
        let what = |m: &str| format!("{m} with a date at {end}");
        let user = ok(
            adapter
                .create_user(NewUser {
                    email_verified: Some(at),
                    ..fixtures::new_user()
                })
                .await,
            &what("create_user"),
        );
        assert_eq!(user.email_verified, Some(at));
        let email = user.email.clone().unwrap_or_default();
        assert_eq!(
            ok(adapter.get_user(&user.id).await, &what("get_user")),
            Some(user.clone())
        );
        assert_eq!(
            ok(
                adapter.get_user_by_email(&email).await,
                &what("get_user_by_email")
            ),
            Some(user.clone())
        );
        let renamed = ok(
            adapter
                .update_user(UserUpdate::new(&user.id).name(Some("renamed".into())))
                .await,
            &what("update_user"),
        );
        assert_eq!(renamed.email_verified, Some(at));

        // A session that ends at MAX is live; one that ended at MIN is long expired.
        let session = AdapterSession {
            expires: at,
            ..fixtures::session(&user.id)
        };
        ok(
            adapter.create_session(session.clone()).await,
            &what("create_session"),
        );
        if at == latest {
            assert_eq!(
                ok(
                    adapter.get_session_and_user(&session.session_token).await,
                    &what("get_session_and_user")
                ),
                Some((session.clone(), renamed.clone()))
            );
            let moved = ok(
                adapter
                    .update_session(SessionUpdate {
                        session_token: session.session_token.clone(),
                        expires: Some(latest - TimeDelta::days(1)),
                    })
                    .await,
                &what("update_session"),
            );
            assert_eq!(moved.map(|s| s.expires), Some(latest - TimeDelta::days(1)));
            assert!(
                ok(
                    adapter.delete_session(&session.session_token).await,
                    &what("delete_session")
                )
                .is_some()
            );
        }

        let token = VerificationToken {
            expires: at,
            ..fixtures::verification_token(&email)
        };
        ok(
            adapter.create_verification_token(token.clone()).await,
            &what("create_verification_token"),
        );
        let used = ok(
            adapter
                .use_verification_token(&token.identifier, &token.token)
                .await,
            &what("use_verification_token"),
        );
        if at == latest {
            assert_eq!(used, Some(token), "{}", what("use_verification_token"));
        } else {
            // Long expired: returned unchanged, or already dropped by the store.
            assert!(used.is_none_or(|t| t == token), "{}", what("expired token"));
        }

        assert_eq!(
            ok(adapter.delete_user(&user.id).await, &what("delete_user")),
            Some(renamed)
        );
    }
}

/// A date outside the range is `InvalidInput` on every write that takes one, naming the
/// field, and nothing is stored or changed.
pub async fn dates_outside_the_range_are_invalid(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let session = fixtures::session(&user.id);
    ok(
        adapter.create_session(session.clone()).await,
        "create_session",
    );
    for at in outside() {
        let what = |m: &str| format!("{m} with date {at:?}");
        let new = NewUser {
            email_verified: Some(at),
            ..fixtures::new_user()
        };
        let e = err(
            adapter.create_user(new.clone()).await,
            ErrorKind::InvalidInput,
            &what("create_user"),
        );
        assert!(e.to_string().contains("emailVerified"), "{e}");
        let email = new.email.clone().unwrap_or_default();
        assert_eq!(ok(adapter.get_user_by_email(&email).await, "get"), None);

        err(
            adapter
                .update_user(UserUpdate::new(&user.id).email_verified(Some(at)))
                .await,
            ErrorKind::InvalidInput,
            &what("update_user"),
        );
        let stale = AdapterSession {
            expires: at,
            ..fixtures::session(&user.id)
        };
        err(
            adapter.create_session(stale.clone()).await,
            ErrorKind::InvalidInput,
            &what("create_session"),
        );
        assert_eq!(
            ok(
                adapter.get_session_and_user(&stale.session_token).await,
                "get"
            ),
            None
        );
        err(
            adapter
                .update_session(SessionUpdate {
                    session_token: session.session_token.clone(),
                    expires: Some(at),
                })
                .await,
            ErrorKind::InvalidInput,
            &what("update_session"),
        );
        let token = VerificationToken {
            expires: at,
            ..fixtures::verification_token(&email)
        };
        err(
            adapter.create_verification_token(token.clone()).await,
            ErrorKind::InvalidInput,
            &what("create_verification_token"),
        );
        assert_eq!(
            ok(
                adapter
                    .use_verification_token(&token.identifier, &token.token)
                    .await,
                "use"
            ),
            None
        );
    }
    assert_eq!(
        ok(adapter.get_user(&user.id).await, "get_user"),
        Some(user.clone()),
        "the user is unchanged"
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user"
        ),
        Some((session, user)),
        "the session is unchanged"
    );
}
