//! Users: create, read, update (including email changes), delete with its cascade.

use std::sync::Arc;

use auth_adapter_core::{Adapter, AdapterUser, NewUser, UserUpdate};

use crate::check::{ErrorKind, err, ok};
use crate::fixtures;

/// Auth.js #2 `createUser`: every field of the fixture round-trips (the email verification
/// time to the millisecond), with an id the backend assigned.
pub async fn create_user(adapter: Arc<dyn Adapter>) {
    let input = fixtures::new_user();
    let user = ok(adapter.create_user(input.clone()).await, "create_user");
    assert!(!user.id.is_empty(), "create_user returned an empty id");
    let expected = fixtures::as_stored(&user.id, &input);
    assert_eq!(user, expected, "create_user must return the user as given");
    let stored = ok(
        adapter.get_user(&user.id).await,
        "get_user after create_user",
    );
    assert_eq!(
        stored,
        Some(expected),
        "the stored user differs from the one created"
    );
}

/// Auth.js #3 `getUser`: an unknown (UUID-shaped) id is `None`, never an error; a real id
/// returns the whole user.
pub async fn get_user(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    assert_eq!(
        ok(
            adapter.get_user(&fixtures::uuid()).await,
            "get_user of a random UUID"
        ),
        None
    );
    assert_eq!(ok(adapter.get_user(&user.id).await, "get_user"), Some(user));
}

/// Auth.js #4 `getUserByEmail`: an unknown email is `None`; a real one returns the user.
pub async fn get_user_by_email(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    assert_eq!(
        ok(
            adapter.get_user_by_email("non-existent-email").await,
            "get_user_by_email of an unknown email"
        ),
        None
    );
    let email = user.email.clone().expect("the fixture has an email");
    assert_eq!(
        ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
        Some(user)
    );
}

/// Auth.js #7 `updateUser`: the new name is returned and stored, every other field kept.
pub async fn update_user(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let updated = ok(
        adapter
            .update_user(UserUpdate::new(&user.id).name(Some("Updated Name".into())))
            .await,
        "update_user",
    );
    let expected = AdapterUser {
        name: Some("Updated Name".into()),
        ..user.clone()
    };
    assert_eq!(
        updated, expected,
        "update_user must return the whole updated user"
    );
    assert_eq!(
        ok(adapter.get_user(&user.id).await, "get_user after update"),
        Some(expected)
    );
}

/// Auth.js #17 `deleteUser`: the user, its session and its account are all gone.
pub async fn delete_user(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let session = ok(
        adapter.create_session(fixtures::session(&user.id)).await,
        "create_session",
    );
    let account = ok(
        adapter.link_account(fixtures::account(&user.id)).await,
        "link_account",
    );
    assert_eq!(
        ok(adapter.delete_user(&user.id).await, "delete_user"),
        Some(user.clone()),
        "delete_user must return the user as it was"
    );
    assert_eq!(ok(adapter.get_user(&user.id).await, "get_user"), None);
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user"
        ),
        None,
        "the user's session survived delete_user"
    );
    assert_eq!(
        ok(
            adapter
                .get_account(&account.provider, &account.provider_account_id)
                .await,
            "get_account"
        ),
        None,
        "the user's account survived delete_user"
    );
    assert_eq!(
        ok(
            adapter
                .get_user_by_account(&account.provider, &account.provider_account_id)
                .await,
            "get_user_by_account"
        ),
        None
    );
}

/// A second user with a taken email is `Conflict`; the first user is unchanged and still
/// found by the email.
pub async fn create_user_duplicate_email_is_conflict(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let email = user.email.clone().expect("the fixture has an email");
    let dup = NewUser {
        name: Some("Impostor".into()),
        ..NewUser::with_email(&email)
    };
    err(
        adapter.create_user(dup).await,
        ErrorKind::Conflict,
        "create_user with a taken email",
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
        Some(user.clone())
    );
    assert_eq!(ok(adapter.get_user(&user.id).await, "get_user"), Some(user));
}

/// A user with every optional field `None` round-trips, and several users may have no
/// email at all; where a layout requires an email ([`Limits`](crate::Limits)), creating a
/// user without one is `InvalidInput`, and users with only an email round-trip.
pub async fn user_without_optional_fields_round_trips(adapter: Arc<dyn Adapter>) {
    let email_required = crate::limits::current().email_required;
    let bare = || {
        if email_required {
            NewUser::with_email(fixtures::unique_email())
        } else {
            NewUser::default()
        }
    };
    if email_required {
        err(
            adapter.create_user(NewUser::default()).await,
            ErrorKind::InvalidInput,
            "create_user without the email the layout requires",
        );
    }
    let (new_a, new_b) = (bare(), bare());
    let a = ok(
        adapter.create_user(new_a.clone()).await,
        "create_user with no fields",
    );
    let b = ok(
        adapter.create_user(new_b.clone()).await,
        "a second create_user with no email",
    );
    assert_ne!(a.id, b.id, "two users got the same id");
    for (user, new) in [(&a, &new_a), (&b, &new_b)] {
        assert_eq!(
            user,
            &fixtures::as_stored(&user.id, new),
            "create_user must return a user with every optional field None"
        );
        assert_eq!(
            ok(adapter.get_user(&user.id).await, "get_user"),
            Some(user.clone())
        );
    }
}

/// `email_verified` keeps its milliseconds through create, read and update.
pub async fn email_verified_keeps_milliseconds(adapter: Arc<dyn Adapter>) {
    let at = chrono::DateTime::from_timestamp_millis(1_795_000_409_559).expect("valid date");
    let user = ok(
        adapter
            .create_user(NewUser {
                email_verified: Some(at),
                ..NewUser::with_email(fixtures::unique_email())
            })
            .await,
        "create_user",
    );
    assert_eq!(user.email_verified, Some(at));
    let stored = ok(adapter.get_user(&user.id).await, "get_user").expect("user exists");
    assert_eq!(
        stored.email_verified,
        Some(at),
        "email_verified lost precision"
    );
    let later = chrono::DateTime::from_timestamp_millis(1_795_000_409_999).expect("valid date");
    let updated = ok(
        adapter
            .update_user(UserUpdate::new(&user.id).email_verified(Some(later)))
            .await,
        "update_user",
    );
    assert_eq!(updated.email_verified, Some(later));
    let stored = ok(adapter.get_user(&user.id).await, "get_user").expect("user exists");
    assert_eq!(stored.email_verified, Some(later));
}

/// Emails are compared exactly: another case is another email.
pub async fn get_user_by_email_is_exact(adapter: Arc<dyn Adapter>) {
    let local = fixtures::uuid();
    let mixed = format!("Mixed-{local}@Example.com");
    let lower = mixed.to_lowercase();
    let user = ok(
        adapter.create_user(NewUser::with_email(&mixed)).await,
        "create_user",
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&lower).await, "get_user_by_email"),
        None,
        "get_user_by_email must compare exactly"
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&mixed).await, "get_user_by_email"),
        Some(user.clone())
    );
    let other = ok(
        adapter.create_user(NewUser::with_email(&lower)).await,
        "create_user with the lower-cased email of another user",
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&lower).await, "get_user_by_email"),
        Some(other)
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&mixed).await, "get_user_by_email"),
        Some(user)
    );
}

/// Changing a user's email moves the lookup: the old email finds nobody (and can be used
/// by a new user), the new one finds the user.
pub async fn update_user_email_moves_lookup(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let old = user.email.clone().expect("the fixture has an email");
    let new = fixtures::unique_email();
    let updated = ok(
        adapter
            .update_user(UserUpdate::new(&user.id).email(Some(new.clone())))
            .await,
        "update_user email",
    );
    let expected = AdapterUser {
        email: Some(new.clone()),
        ..user.clone()
    };
    assert_eq!(updated, expected);
    assert_eq!(
        ok(
            adapter.get_user_by_email(&old).await,
            "get_user_by_email old"
        ),
        None,
        "the old email still finds the user"
    );
    assert_eq!(
        ok(
            adapter.get_user_by_email(&new).await,
            "get_user_by_email new"
        ),
        Some(expected.clone())
    );
    let newcomer = ok(
        adapter.create_user(NewUser::with_email(&old)).await,
        "create_user with the released email",
    );
    assert_eq!(
        ok(
            adapter.get_user_by_email(&old).await,
            "get_user_by_email old"
        ),
        Some(newcomer)
    );
    assert_eq!(
        ok(adapter.get_user(&user.id).await, "get_user"),
        Some(expected)
    );
}

/// Changing a user's email to another user's is `Conflict`, and nothing changes (not even
/// the other fields of the same update).
pub async fn update_user_to_taken_email_is_conflict(adapter: Arc<dyn Adapter>) {
    let a = fixtures::create_user(&adapter).await;
    let b = fixtures::create_user(&adapter).await;
    let a_email = a.email.clone().expect("fixture email");
    let b_email = b.email.clone().expect("fixture email");
    err(
        adapter
            .update_user(
                UserUpdate::new(&a.id)
                    .name(Some("Changed".into()))
                    .email(Some(b_email.clone())),
            )
            .await,
        ErrorKind::Conflict,
        "update_user to a taken email",
    );
    assert_eq!(
        ok(adapter.get_user(&a.id).await, "get_user"),
        Some(a.clone())
    );
    assert_eq!(
        ok(adapter.get_user(&b.id).await, "get_user"),
        Some(b.clone())
    );
    assert_eq!(
        ok(
            adapter.get_user_by_email(&a_email).await,
            "get_user_by_email"
        ),
        Some(a)
    );
    assert_eq!(
        ok(
            adapter.get_user_by_email(&b_email).await,
            "get_user_by_email"
        ),
        Some(b)
    );
}

/// A partial update changes only what it names: `Some(None)` clears a field (a cleared
/// email releases the address), `None` keeps it.
pub async fn update_user_partial_and_clear(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let email = user.email.clone().expect("fixture email");
    if crate::limits::current().email_required {
        // The layout keeps an email on every user: clearing it is refused, nothing changes.
        err(
            adapter
                .update_user(UserUpdate::new(&user.id).image(None).email(None))
                .await,
            ErrorKind::InvalidInput,
            "update_user clearing the email the layout requires",
        );
        assert_eq!(
            ok(adapter.get_user(&user.id).await, "get_user"),
            Some(user.clone())
        );
        let updated = ok(
            adapter
                .update_user(UserUpdate::new(&user.id).image(None))
                .await,
            "update_user clearing image",
        );
        let expected = AdapterUser {
            image: None,
            ..user.clone()
        };
        assert_eq!(updated, expected);
        assert_eq!(
            ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
            Some(expected)
        );
        return;
    }
    let updated = ok(
        adapter
            .update_user(UserUpdate::new(&user.id).image(None).email(None))
            .await,
        "update_user clearing image and email",
    );
    let expected = AdapterUser {
        image: None,
        email: None,
        ..user.clone()
    };
    assert_eq!(updated, expected);
    assert_eq!(
        ok(adapter.get_user(&user.id).await, "get_user"),
        Some(expected.clone())
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
        None,
        "a cleared email still finds the user"
    );
    let unchanged = ok(
        adapter.update_user(UserUpdate::new(&user.id)).await,
        "update_user with nothing to change",
    );
    assert_eq!(unchanged, expected);
    let other = ok(
        adapter.create_user(NewUser::with_email(&email)).await,
        "create_user with the cleared email",
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
        Some(other)
    );
}

/// Updating a user that does not exist is `NotFound`, and creates nobody.
pub async fn update_user_missing_is_not_found(adapter: Arc<dyn Adapter>) {
    let email = fixtures::unique_email();
    let user = fixtures::create_user(&adapter).await;
    assert_eq!(
        ok(adapter.delete_user(&user.id).await, "delete_user"),
        Some(user.clone())
    );
    for id in [user.id.clone(), fixtures::uuid()] {
        err(
            adapter
                .update_user(UserUpdate::new(&id).email(Some(email.clone())))
                .await,
            ErrorKind::NotFound,
            "update_user of a missing user",
        );
        assert_eq!(ok(adapter.get_user(&id).await, "get_user"), None);
    }
    assert_eq!(
        ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
        None
    );
}

/// Deleting a user with several sessions, accounts and authenticators removes all of
/// them; another user's records are untouched; verification tokens for the email stay.
/// (Where the layout allows one account per user, the user has one account.)
pub async fn delete_user_cascades_everything(adapter: Arc<dyn Adapter>) {
    let providers: &[&str] = if crate::limits::current().one_account_per_user {
        &["github"]
    } else {
        &["github", "google"]
    };
    let doomed = fixtures::create_user(&adapter).await;
    let other = fixtures::create_user(&adapter).await;
    let email = doomed.email.clone().expect("fixture email");

    let mut sessions = Vec::new();
    let mut accounts = Vec::new();
    let mut authenticators = Vec::new();
    for _ in 0..3 {
        sessions.push(ok(
            adapter.create_session(fixtures::session(&doomed.id)).await,
            "create_session",
        ));
    }
    for &provider in providers {
        let account = auth_adapter_core::AdapterAccount {
            provider: provider.into(),
            ..fixtures::account(&doomed.id)
        };
        accounts.push(ok(adapter.link_account(account).await, "link_account"));
    }
    for transports in [Some("usb"), None] {
        let a = fixtures::authenticator(&doomed.id, transports);
        if fixtures::register_authenticator(&adapter, &a).await {
            accounts.push(
                ok(
                    adapter
                        .get_account("webauthn", &a.provider_account_id)
                        .await,
                    "get_account",
                )
                .expect("webauthn account was linked"),
            );
        }
        authenticators.push(a);
    }
    let other_session = ok(
        adapter.create_session(fixtures::session(&other.id)).await,
        "create_session",
    );
    let other_account = ok(
        adapter.link_account(fixtures::account(&other.id)).await,
        "link_account",
    );
    let other_auth = fixtures::authenticator(&other.id, Some("nfc"));
    fixtures::register_authenticator(&adapter, &other_auth).await;
    let token = fixtures::verification_token(&email);
    ok(
        adapter.create_verification_token(token.clone()).await,
        "create_verification_token",
    );

    assert_eq!(
        ok(adapter.delete_user(&doomed.id).await, "delete_user"),
        Some(doomed.clone())
    );

    assert_eq!(ok(adapter.get_user(&doomed.id).await, "get_user"), None);
    assert_eq!(
        ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
        None
    );
    for s in &sessions {
        assert_eq!(
            ok(
                adapter.get_session_and_user(&s.session_token).await,
                "get_session_and_user"
            ),
            None,
            "a session of the deleted user survived"
        );
    }
    for a in &accounts {
        assert_eq!(
            ok(
                adapter
                    .get_account(&a.provider, &a.provider_account_id)
                    .await,
                "get_account"
            ),
            None,
            "an account of the deleted user survived: {a:?}"
        );
        assert_eq!(
            ok(
                adapter
                    .get_user_by_account(&a.provider, &a.provider_account_id)
                    .await,
                "get_user_by_account"
            ),
            None
        );
    }
    for a in &authenticators {
        assert_eq!(
            ok(
                adapter.get_authenticator(&a.credential_id).await,
                "get_authenticator"
            ),
            None,
            "an authenticator of the deleted user survived"
        );
    }
    assert_eq!(
        ok(
            adapter.list_authenticators_by_user_id(&doomed.id).await,
            "list_authenticators_by_user_id"
        ),
        Vec::new()
    );
    assert_eq!(
        ok(
            adapter.delete_sessions_by_user_id(&doomed.id).await,
            "delete_sessions_by_user_id"
        ),
        0
    );

    assert_eq!(
        ok(adapter.get_user(&other.id).await, "get_user"),
        Some(other.clone())
    );
    assert_eq!(
        ok(
            adapter
                .get_session_and_user(&other_session.session_token)
                .await,
            "get_session_and_user"
        ),
        Some((other_session, other.clone()))
    );
    assert_eq!(
        ok(
            adapter
                .get_account(&other_account.provider, &other_account.provider_account_id)
                .await,
            "get_account"
        ),
        Some(other_account)
    );
    assert_eq!(
        ok(
            adapter.list_authenticators_by_user_id(&other.id).await,
            "list_authenticators_by_user_id"
        ),
        vec![other_auth]
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&token.identifier, &token.token)
                .await,
            "use_verification_token"
        ),
        Some(token),
        "delete_user must leave verification tokens alone"
    );
    assert_eq!(
        ok(adapter.delete_user(&doomed.id).await, "delete_user again"),
        None
    );
}

/// Deleting a user releases its email for a new user.
pub async fn delete_user_releases_email(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let email = user.email.clone().expect("fixture email");
    ok(adapter.delete_user(&user.id).await, "delete_user");
    let again = ok(
        adapter.create_user(NewUser::with_email(&email)).await,
        "create_user with the email of a deleted user",
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
        Some(again)
    );
}
