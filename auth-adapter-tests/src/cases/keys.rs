//! Keys built from several parts, and the limits on every key field.
//!
//! A store that joins the parts of a key with a separator (Redis: `provider:id`,
//! `identifier:token`) sees two records whose parts join alike under one key. These cases
//! create such pairs with separators and pattern characters in every part and check that
//! no method ever returns, changes or deletes the other record of a pair.

use std::sync::Arc;

use auth_adapter_core::{
    AccountUpdate, Adapter, AdapterAccount, AdapterSession, VerificationToken,
};

use crate::check::{ErrorKind, err, ok};
use crate::fixtures;

/// Characters that mean something to some store: separators, glob and Lua pattern
/// characters, braces (Redis Cluster hash tags), whitespace, and non-ASCII.
const TRICKY: &[&str] = &[":", "*", "?", "[", "]", "{", "}", " ", "\t", "%", "ü", "🦀"];

/// Two key parts `(a, b)` and `(a', b')` that differ but join alike with `sep`:
/// `a + sep + b == a' + sep + b'`.
fn colliding_pairs(tag: &str) -> Vec<[(String, String); 2]> {
    let mut pairs = vec![[
        (format!("p{tag}:x"), "y".to_owned()),
        (format!("p{tag}"), "x:y".to_owned()),
    ]];
    for c in TRICKY {
        pairs.push([
            (format!("p{tag}{c}:{c}"), format!("{c}q")),
            (format!("p{tag}{c}"), format!("{c}:{c}q")),
        ]);
    }
    pairs
}

/// Accounts whose `(provider, providerAccountId)` join alike are two accounts: each is
/// found, updated and unlinked by its own parts only, on every method.
pub async fn accounts_whose_parts_join_alike_stay_apart(adapter: Arc<dyn Adapter>) {
    let tag = fixtures::uuid();
    for [(p1, id1), (p2, id2)] in colliding_pairs(&tag) {
        let u1 = fixtures::create_user(&adapter).await;
        let u2 = fixtures::create_user(&adapter).await;
        let a1 = AdapterAccount {
            provider: p1.clone(),
            provider_account_id: id1.clone(),
            ..fixtures::account(&u1.id)
        };
        let a2 = AdapterAccount {
            provider: p2.clone(),
            provider_account_id: id2.clone(),
            ..fixtures::account(&u2.id)
        };
        let what = format!("accounts ({p1:?}, {id1:?}) and ({p2:?}, {id2:?})");
        ok(adapter.link_account(a1.clone()).await, &what);
        assert_eq!(
            ok(adapter.get_account(&p2, &id2).await, &what),
            None,
            "{what}: get_account of the second before it exists"
        );
        assert_eq!(
            ok(adapter.get_user_by_account(&p2, &id2).await, &what),
            None,
            "{what}: get_user_by_account of the second before it exists"
        );
        err(
            adapter.update_account(AccountUpdate::new(&p2, &id2)).await,
            ErrorKind::NotFound,
            &format!("{what}: update_account of the second before it exists"),
        );
        assert_eq!(
            ok(adapter.unlink_account(&p2, &id2).await, &what),
            None,
            "{what}: unlink_account of the second before it exists"
        );
        ok(adapter.link_account(a2.clone()).await, &what);
        for (a, u) in [(&a1, &u1), (&a2, &u2)] {
            assert_eq!(
                ok(
                    adapter
                        .get_account(&a.provider, &a.provider_account_id)
                        .await,
                    &what
                ),
                Some(a.clone()),
                "{what}: get_account"
            );
            assert_eq!(
                ok(
                    adapter
                        .get_user_by_account(&a.provider, &a.provider_account_id)
                        .await,
                    &what
                ),
                Some(u.clone()),
                "{what}: get_user_by_account"
            );
        }
        let refreshed = ok(
            adapter
                .update_account(
                    AccountUpdate::new(&p2, &id2).access_token(Some("refreshed".into())),
                )
                .await,
            &what,
        );
        assert_eq!(refreshed.access_token.as_deref(), Some("refreshed"));
        assert_eq!(
            ok(adapter.get_account(&p1, &id1).await, &what),
            Some(a1.clone()),
            "{what}: the first is untouched by the second's update"
        );
        err(
            adapter.link_account(a1.clone()).await,
            ErrorKind::Conflict,
            &format!("{what}: link_account of the first again"),
        );
        assert_eq!(
            ok(adapter.unlink_account(&p1, &id1).await, &what),
            Some(a1.clone()),
            "{what}: unlink_account of the first"
        );
        assert_eq!(ok(adapter.get_account(&p1, &id1).await, &what), None);
        assert_eq!(
            ok(adapter.get_account(&p2, &id2).await, &what),
            Some(refreshed),
            "{what}: the second outlives the first"
        );
        // The first can come back beside the second.
        ok(adapter.link_account(a1.clone()).await, &what);
        ok(adapter.delete_user(&u2.id).await, &what);
        assert_eq!(ok(adapter.get_account(&p2, &id2).await, &what), None);
        assert_eq!(
            ok(adapter.get_account(&p1, &id1).await, &what),
            Some(a1),
            "{what}: deleting the second's user keeps the first"
        );
    }
}

/// Verification tokens whose `(identifier, token)` join alike are two tokens: each is
/// created and used by its own parts only.
pub async fn verification_tokens_whose_parts_join_alike_stay_apart(adapter: Arc<dyn Adapter>) {
    let tag = fixtures::uuid();
    for [(i1, t1), (i2, t2)] in colliding_pairs(&tag) {
        let what = format!("tokens ({i1:?}, {t1:?}) and ({i2:?}, {t2:?})");
        let first = VerificationToken {
            identifier: i1.clone(),
            token: t1.clone(),
            expires: fixtures::fifteen_minutes_from_now(),
        };
        let second = VerificationToken {
            identifier: i2.clone(),
            token: t2.clone(),
            expires: fixtures::one_week_from_now(),
        };
        ok(
            adapter.create_verification_token(first.clone()).await,
            &what,
        );
        assert_eq!(
            ok(adapter.use_verification_token(&i2, &t2).await, &what),
            None,
            "{what}: using the second before it exists must not consume the first"
        );
        ok(
            adapter.create_verification_token(second.clone()).await,
            &what,
        );
        err(
            adapter.create_verification_token(first.clone()).await,
            ErrorKind::Conflict,
            &format!("{what}: the first again"),
        );
        assert_eq!(
            ok(adapter.use_verification_token(&i2, &t2).await, &what),
            Some(second),
            "{what}: use the second"
        );
        assert_eq!(
            ok(adapter.use_verification_token(&i1, &t1).await, &what),
            Some(first),
            "{what}: use the first"
        );
        assert_eq!(
            ok(adapter.use_verification_token(&i1, &t1).await, &what),
            None
        );
    }
}

/// Sessions, authenticators and emails with those characters round-trip, and a lookup by a
/// key that differs only in them finds nothing.
pub async fn single_part_keys_with_pattern_characters_are_exact(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    for c in TRICKY {
        let token = format!("s{c}{}", fixtures::uuid());
        let session = AdapterSession {
            session_token: token.clone(),
            ..fixtures::session(&user.id)
        };
        let what = format!("session token with {c:?}");
        ok(adapter.create_session(session.clone()).await, &what);
        for other in [
            token.replace(c, "*"),
            token.replace(c, "?"),
            format!("{token}*"),
        ] {
            if other != token {
                assert_eq!(
                    ok(adapter.get_session_and_user(&other).await, &what),
                    None,
                    "{what}: a pattern must not match"
                );
                assert_eq!(ok(adapter.delete_session(&other).await, &what), None);
            }
        }
        assert_eq!(
            ok(adapter.get_session_and_user(&token).await, &what),
            Some((session, user.clone()))
        );
        let mut authenticator = fixtures::authenticator(&user.id, None);
        authenticator.credential_id = format!("c{c}{}", fixtures::uuid());
        fixtures::register_authenticator(&adapter, &authenticator).await;
        let pattern = authenticator.credential_id.replace(c, "?");
        if pattern != authenticator.credential_id {
            assert_eq!(ok(adapter.get_authenticator(&pattern).await, &what), None);
        }
        assert_eq!(
            ok(
                adapter
                    .get_authenticator(&authenticator.credential_id)
                    .await,
                &what
            ),
            Some(authenticator)
        );
    }
}

/// Every key a write stores has a limit, the same on every backend (or the one a layout
/// documents in its [`Limits`](crate::Limits)): over it is `InvalidInput` with nothing
/// stored; at it, the write succeeds; a lookup takes a key of any length and answers "not
/// found".
pub async fn oversize_keys_are_invalid_and_lookups_of_any_size_are_not_found(
    adapter: Arc<dyn Adapter>,
) {
    let limits = crate::limits::current();
    let user = fixtures::create_user(&adapter).await;
    let huge = "k".repeat(1 << 20);

    // Verification tokens: `identifier` in characters, `token` in bytes.
    let at_limit = VerificationToken {
        identifier: "é".repeat(limits.max_varchar),
        token: format!(
            "{}{}",
            fixtures::uuid(),
            "t".repeat(limits.max_key.ascii_len() - 36)
        ),
        expires: fixtures::fifteen_minutes_from_now(),
    };
    ok(
        adapter.create_verification_token(at_limit.clone()).await,
        "a verification token at both limits",
    );
    for (field, token) in [
        (
            "identifier",
            VerificationToken {
                identifier: "é".repeat(limits.max_varchar + 1),
                ..fixtures::verification_token("x")
            },
        ),
        (
            "token",
            VerificationToken {
                token: limits.max_key.over_in_two_byte_chars(),
                ..fixtures::verification_token(&fixtures::unique_email())
            },
        ),
    ] {
        let e = err(
            adapter.create_verification_token(token.clone()).await,
            ErrorKind::InvalidInput,
            &format!("create_verification_token with an oversize {field}"),
        );
        assert!(e.to_string().contains(field), "{e}");
        assert_eq!(
            ok(
                adapter
                    .use_verification_token(&token.identifier, &token.token)
                    .await,
                "use_verification_token of the oversize token"
            ),
            None,
            "nothing stored"
        );
    }
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&at_limit.identifier, &at_limit.token)
                .await,
            "use the token at the limits"
        ),
        Some(at_limit)
    );

    // Authenticators: credential id in bytes (a WebAuthn id of 1023 bytes is 1364
    // characters of base64url; its `webauthn` account, a VARCHAR(255) in Auth.js's
    // schema, cannot hold that, so it is created alone here).
    // (Or the longest a layout's VARCHAR credentialID holds.)
    let long_len = 1364.min(limits.max_key.ascii_len());
    let mut long_id = fixtures::authenticator(&user.id, None);
    long_id.credential_id = format!("{}{}", fixtures::uuid(), "A".repeat(long_len - 36));
    assert_eq!(
        ok(
            adapter.create_authenticator(long_id.clone()).await,
            "create_authenticator with a 1364-character credentialID"
        ),
        long_id
    );
    assert_eq!(
        ok(
            adapter.get_authenticator(&long_id.credential_id).await,
            "get"
        ),
        Some(long_id)
    );
    let mut over = fixtures::authenticator(&user.id, None);
    over.credential_id = "A".repeat(limits.max_key.ascii_len() + 1);
    err(
        adapter.create_authenticator(over.clone()).await,
        ErrorKind::InvalidInput,
        "create_authenticator with an oversize credentialID",
    );
    assert_eq!(
        ok(adapter.get_authenticator(&over.credential_id).await, "get"),
        None
    );

    // Lookups by keys of any size are answers, not errors.
    assert_eq!(ok(adapter.get_user(&huge).await, "get_user(1 MB)"), None);
    assert_eq!(
        ok(
            adapter.get_user_by_email(&huge).await,
            "get_user_by_email(1 MB)"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.get_user_by_account(&huge, &huge).await,
            "get_user_by_account(1 MB)"
        ),
        None
    );
    assert_eq!(
        ok(adapter.get_account(&huge, &huge).await, "get_account(1 MB)"),
        None
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&huge).await,
            "get_session_and_user(1 MB)"
        ),
        None
    );
    assert_eq!(
        ok(adapter.delete_session(&huge).await, "delete_session(1 MB)"),
        None
    );
    assert_eq!(
        ok(
            adapter.use_verification_token(&huge, &huge).await,
            "use_verification_token(1 MB)"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.get_authenticator(&huge).await,
            "get_authenticator(1 MB)"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.unlink_account(&huge, &huge).await,
            "unlink_account(1 MB)"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.list_authenticators_by_user_id(&huge).await,
            "list_authenticators_by_user_id(1 MB)"
        ),
        Vec::new()
    );
    assert_eq!(
        ok(adapter.delete_user(&huge).await, "delete_user(1 MB)"),
        None
    );
}
