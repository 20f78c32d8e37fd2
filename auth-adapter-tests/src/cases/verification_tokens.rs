//! Verification (magic-link) tokens: create, use once, expiry.

use std::sync::Arc;

use auth_adapter_core::{Adapter, VerificationToken};

use crate::check::{ErrorKind, err, ok};
use crate::fixtures;

/// Auth.js #13 `createVerificationToken`: the token is stored exactly as given.
pub async fn create_verification_token(adapter: Arc<dyn Adapter>) {
    let token = fixtures::verification_token(&fixtures::unique_email());
    assert_eq!(
        ok(
            adapter.create_verification_token(token.clone()).await,
            "create_verification_token"
        ),
        token
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&token.identifier, &token.token)
                .await,
            "use_verification_token"
        ),
        Some(token),
        "the stored token differs from the one created"
    );
}

/// Auth.js #14 `useVerificationToken`: the token comes back once; a second use is `None`;
/// a use must match both identifier and token.
pub async fn use_verification_token(adapter: Arc<dyn Adapter>) {
    let token = fixtures::verification_token(&fixtures::unique_email());
    ok(
        adapter.create_verification_token(token.clone()).await,
        "create_verification_token",
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&token.identifier, &token.token)
                .await,
            "use_verification_token"
        ),
        Some(token.clone())
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&token.identifier, &token.token)
                .await,
            "use_verification_token a second time"
        ),
        None,
        "a verification token was usable twice"
    );
    ok(
        adapter.create_verification_token(token.clone()).await,
        "create_verification_token again after use",
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token("invalid@identifier.com", &token.token)
                .await,
            "use_verification_token with another identifier"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&token.identifier, &token.token)
                .await,
            "use_verification_token"
        ),
        Some(token),
        "a use with the wrong identifier consumed the token"
    );
}

/// A taken `(identifier, token)` is `Conflict` and leaves the stored token unchanged.
pub async fn create_verification_token_duplicate_is_conflict(adapter: Arc<dyn Adapter>) {
    let token = fixtures::verification_token(&fixtures::unique_email());
    ok(
        adapter.create_verification_token(token.clone()).await,
        "create_verification_token",
    );
    let dup = VerificationToken {
        expires: fixtures::one_month_from_now(),
        ..token.clone()
    };
    let e = err(
        adapter.create_verification_token(dup).await,
        ErrorKind::Conflict,
        "create_verification_token with a taken (identifier, token)",
    );
    crate::check::error_hides(&e, &token.token, "verification token conflict");
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&token.identifier, &token.token)
                .await,
            "use_verification_token"
        ),
        Some(token)
    );
}

/// Tokens are keyed by `(identifier, token)`: one identifier holds several tokens, one
/// token value may exist for several identifiers, and using one leaves the others.
pub async fn verification_tokens_are_keyed_by_identifier_and_token(adapter: Arc<dyn Adapter>) {
    let email = fixtures::unique_email();
    let other_email = fixtures::unique_email();
    let first = fixtures::verification_token(&email);
    let second = fixtures::verification_token(&email);
    let same_value = VerificationToken {
        identifier: other_email.clone(),
        ..first.clone()
    };
    for t in [&first, &second, &same_value] {
        assert_eq!(
            ok(
                adapter.create_verification_token(t.clone()).await,
                "create_verification_token"
            ),
            t.clone()
        );
    }
    assert_eq!(
        ok(
            adapter.use_verification_token(&email, &first.token).await,
            "use_verification_token"
        ),
        Some(first.clone())
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&other_email, &first.token)
                .await,
            "use_verification_token"
        ),
        Some(same_value)
    );
    assert_eq!(
        ok(
            adapter.use_verification_token(&email, &second.token).await,
            "use_verification_token"
        ),
        Some(second)
    );
}

/// An expired token is either returned with its past `expires` unchanged or not at all
/// (expiry is the caller's to check); after `delete_expired(now)` it is gone, and a live
/// token is untouched.
pub async fn expired_verification_token_is_kept_unchanged_or_dropped(adapter: Arc<dyn Adapter>) {
    let email = fixtures::unique_email();
    let expired = VerificationToken {
        expires: fixtures::minutes_ago(5),
        ..fixtures::verification_token(&email)
    };
    assert_eq!(
        ok(
            adapter.create_verification_token(expired.clone()).await,
            "create_verification_token of an expired token"
        ),
        expired
    );
    match ok(
        adapter.use_verification_token(&email, &expired.token).await,
        "use_verification_token of an expired token",
    ) {
        None => {}
        Some(t) => assert_eq!(t, expired, "an expired token came back changed"),
    }

    let expired = VerificationToken {
        expires: fixtures::minutes_ago(1),
        ..fixtures::verification_token(&email)
    };
    ok(
        adapter.create_verification_token(expired.clone()).await,
        "create_verification_token of an expired token",
    );
    let live = fixtures::verification_token(&email);
    ok(
        adapter.create_verification_token(live.clone()).await,
        "create_verification_token",
    );
    ok(
        adapter.delete_expired(fixtures::now_ms()).await,
        "delete_expired",
    );
    assert_eq!(
        ok(
            adapter.use_verification_token(&email, &expired.token).await,
            "use_verification_token after delete_expired"
        ),
        None,
        "delete_expired left an expired token"
    );
    assert_eq!(
        ok(
            adapter.use_verification_token(&email, &live.token).await,
            "use_verification_token of a live token"
        ),
        Some(live),
        "delete_expired touched a live token"
    );
}
