//! The [`TokenStore`](auth_adapter_core::TokenStore) contract: bindings by realm and keyed
//! hash, conflicts that never move a token, expiry, revocation, the cascade of
//! `delete_user`, the listing, the last-use throttle and bad input.
//!
//! Every case takes an [`Arc<dyn TokenBackend>`](crate::TokenBackend) (the backend as
//! both an `Adapter` and a `TokenStore`) and uses users and tokens of its own. Times are
//! passed explicitly (the contract takes the caller's `now`), so the cases wait for
//! nothing.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use auth_adapter_core::backend::dates;
use auth_adapter_core::{
    Adapter, AdapterUser, Entity, LAST_USED_INTERVAL, MAX_SCOPES, NewTokenBinding, TokenBinding,
    TokenFormat, TokenHash, TokenSecret,
};
use chrono::{DateTime, TimeDelta, Utc};

use crate::TokenBackend;
use crate::check::{ErrorKind, err, hides, ok};
use crate::fixtures;

/// The server secret of the cases.
pub fn secret() -> &'static TokenSecret {
    static SECRET: LazyLock<TokenSecret> = LazyLock::new(|| {
        TokenSecret::new("auth-adapter-tests bound-token secret").expect("a non-empty secret")
    });
    &SECRET
}

/// A new generated token, as text, and its hash.
pub fn fresh_token() -> (String, TokenHash) {
    let token = TokenFormat::default().generate();
    let hash = secret().hash(&token);
    (token.expose_secret().to_owned(), hash)
}

/// A binding of a fresh token for `user_id` in `realm`, created at `created_at` (no name,
/// no scopes, no expiry), and the token's hash.
pub fn binding_at(
    user_id: &str,
    realm: &str,
    created_at: DateTime<Utc>,
) -> (NewTokenBinding, TokenHash) {
    let token = TokenFormat::default().generate();
    let mut binding = NewTokenBinding::new(user_id, realm, &token, secret());
    binding.created_at = created_at;
    let hash = binding.token_hash.clone();
    (binding, hash)
}

/// [`binding_at`] now.
pub fn binding(user_id: &str, realm: &str) -> (NewTokenBinding, TokenHash) {
    binding_at(user_id, realm, fixtures::now_ms())
}

async fn user(store: &Arc<dyn TokenBackend>) -> AdapterUser {
    let adapter: Arc<dyn Adapter> = store.clone();
    fixtures::create_user(&adapter).await
}

async fn bind(store: &Arc<dyn TokenBackend>, binding: NewTokenBinding) -> TokenBinding {
    ok(store.bind_token(binding).await, "bind_token")
}

/// The binding `bind_token` should return for `new` with the id `id`.
fn as_bound(id: &str, new: &NewTokenBinding) -> TokenBinding {
    TokenBinding {
        id: id.to_owned(),
        user_id: new.user_id.clone(),
        realm: new.realm.clone(),
        name: new.name.clone(),
        display_prefix: new.display_prefix.clone(),
        scopes: new.scopes.clone(),
        created_at: new.created_at,
        last_used_at: None,
        expires: new.expires,
    }
}

async fn authenticates_as(
    store: &Arc<dyn TokenBackend>,
    realm: &str,
    hash: &TokenHash,
    now: DateTime<Utc>,
) -> Option<(TokenBinding, AdapterUser)> {
    ok(store.authenticate(realm, hash, now).await, "authenticate")
}

/// A bound token authenticates as its user, with the binding exactly as bound (name,
/// scopes in order, dates to the millisecond) and its first use recorded.
pub async fn bind_and_authenticate(store: Arc<dyn TokenBackend>) {
    let ada = user(&store).await;
    let t0 = fixtures::now_ms();
    let (new, hash) = binding_at(&ada.id, "users", t0);
    let new = new
        .name("CI deploy")
        .scopes(["write", "read", "admin:all"])
        .expires(t0 + TimeDelta::days(90));
    let bound = bind(&store, new.clone()).await;
    assert_eq!(bound, as_bound(&bound.id, &new));
    assert!(!bound.id.is_empty());

    let now = t0 + TimeDelta::seconds(5);
    let (binding, who) = authenticates_as(&store, "users", &hash, now)
        .await
        .expect("a bound token authenticates");
    assert_eq!(who, ada);
    assert_eq!(
        binding,
        TokenBinding {
            last_used_at: Some(now),
            ..bound.clone()
        }
    );
    assert!(binding.has_scope("admin:all"));
    let listed = ok(store.list_tokens(&ada.id).await, "list_tokens");
    assert_eq!(listed, [binding]);
    // A hash nobody bound finds nothing.
    let (_, unknown) = fresh_token();
    assert!(
        authenticates_as(&store, "users", &unknown, now)
            .await
            .is_none()
    );
}

/// A token bound in one realm never authenticates in another; the same token may be bound
/// in two realms, to two users, and each realm answers with its own.
pub async fn realms_are_isolated(store: Arc<dyn TokenBackend>) {
    let (ada, bob) = (user(&store).await, user(&store).await);
    let (new, hash) = binding(&ada.id, "users");
    bind(&store, new.clone()).await;
    let now = fixtures::now_ms();
    for other in ["_superusers", "Users", "users ", "user", "users:", "*"] {
        assert!(
            authenticates_as(&store, other, &hash, now).await.is_none(),
            "{other:?}"
        );
    }
    let in_admins = NewTokenBinding {
        user_id: bob.id.clone(),
        realm: "_superusers".into(),
        ..new
    };
    let second = bind(&store, in_admins).await;
    let (b, who) = authenticates_as(&store, "_superusers", &hash, now)
        .await
        .expect("bound in _superusers");
    assert_eq!((b.id, who.id), (second.id, bob.id.clone()));
    let (_, who) = authenticates_as(&store, "users", &hash, now)
        .await
        .expect("still bound in users");
    assert_eq!(who.id, ada.id);
}

/// Binding a token that is bound in the realm already is `Conflict` (entity
/// `BoundToken`), whoever asks, and the token stays exactly where it was.
pub async fn binding_a_bound_token_is_conflict_and_never_moves_it(store: Arc<dyn TokenBackend>) {
    let (ada, mallory) = (user(&store).await, user(&store).await);
    let (new, hash) = binding(&ada.id, "users");
    let new = new.name("mine").scopes(["read"]);
    let original = bind(&store, new.clone()).await;
    let takeover = NewTokenBinding {
        user_id: mallory.id.clone(),
        name: Some("stolen".into()),
        scopes: vec!["admin".into()],
        expires: None,
        ..new.clone()
    };
    let e = err(
        store.bind_token(takeover).await,
        ErrorKind::Conflict,
        "binding another user's token",
    );
    assert!(
        matches!(
            e,
            auth_adapter_core::AdapterError::Conflict {
                entity: Entity::BoundToken,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.to_string().contains(hash.as_hex()), "{e}");
    err(
        store.bind_token(new).await,
        ErrorKind::Conflict,
        "binding one's own token twice",
    );
    let (b, who) = authenticates_as(&store, "users", &hash, fixtures::now_ms())
        .await
        .expect("still bound");
    assert_eq!(who.id, ada.id);
    assert_eq!(
        b,
        TokenBinding {
            last_used_at: b.last_used_at,
            ..original.clone()
        }
    );
    assert_eq!(ok(store.list_tokens(&mallory.id).await, "list").len(), 0);
    assert_eq!(
        ok(store.list_tokens(&ada.id).await, "list")
            .into_iter()
            .map(|b| b.id)
            .collect::<Vec<_>>(),
        [original.id]
    );
}

/// Of 16 users binding one token at once, exactly one gets it.
pub async fn concurrent_binds_of_one_token_have_one_winner(store: Arc<dyn TokenBackend>) {
    let mut users = Vec::new();
    for _ in 0..16 {
        users.push(user(&store).await);
    }
    let (new, hash) = binding(&users[0].id, "users");
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let store = store.clone();
            let b = NewTokenBinding {
                user_id: u.id.clone(),
                ..new.clone()
            };
            tokio::spawn(async move { store.bind_token(b).await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(b) => winners.push(b.user_id),
            Err(e) => assert_eq!(ErrorKind::of(&e), ErrorKind::Conflict, "{e}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let (_, who) = authenticates_as(&store, "users", &hash, fixtures::now_ms())
        .await
        .expect("bound once");
    assert_eq!(who.id, winners[0]);
}

/// A token authenticates until its `expires` and never from then on; `purge_expired_tokens`
/// removes it (counted) and leaves live ones.
pub async fn expired_tokens_never_authenticate(store: Arc<dyn TokenBackend>) {
    let ada = user(&store).await;
    let t0 = fixtures::now_ms();
    let (new, hash) = binding_at(&ada.id, "users", t0);
    let ends = t0 + TimeDelta::minutes(10);
    let bound = bind(&store, new.expires(ends)).await;
    let (live, live_hash) = binding_at(&ada.id, "users", t0);
    let live = bind(&store, live.expires(t0 + TimeDelta::days(1))).await;
    let (forever, forever_hash) = binding_at(&ada.id, "users", t0);
    let forever = bind(&store, forever).await;

    let before = ends - TimeDelta::milliseconds(1);
    assert!(
        authenticates_as(&store, "users", &hash, before)
            .await
            .is_some()
    );
    for at in [
        ends,
        ends + TimeDelta::milliseconds(1),
        ends + TimeDelta::days(400),
    ] {
        assert!(
            authenticates_as(&store, "users", &hash, at).await.is_none(),
            "authenticated at {at}, expires {ends}"
        );
    }
    // Expired, yet listed until purged (no backend drops it before its real expiry).
    let ids: BTreeSet<String> = ok(store.list_tokens(&ada.id).await, "list")
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert!(ids.contains(&bound.id));

    assert_eq!(ok(store.purge_expired_tokens(before).await, "purge"), 0);
    assert_eq!(ok(store.purge_expired_tokens(ends).await, "purge"), 1);
    assert_eq!(ok(store.purge_expired_tokens(ends).await, "purge again"), 0);
    let ids: BTreeSet<String> = ok(store.list_tokens(&ada.id).await, "list")
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(ids, BTreeSet::from([live.id, forever.id]));
    let later = ends + TimeDelta::hours(1);
    assert!(
        authenticates_as(&store, "users", &live_hash, later)
            .await
            .is_some()
    );
    assert!(
        authenticates_as(&store, "users", &forever_hash, later)
            .await
            .is_some()
    );
}

/// A token bound with an `expires` already past by the real clock never authenticates; a
/// backend may keep it listed until purged or drop it at once (Redis with TTLs).
pub async fn token_bound_already_expired_is_kept_or_dropped(store: Arc<dyn TokenBackend>) {
    let ada = user(&store).await;
    let t0 = fixtures::minutes_ago(120);
    let (new, hash) = binding_at(&ada.id, "users", t0);
    let bound = bind(&store, new.expires(t0 + TimeDelta::minutes(60))).await;
    let now = fixtures::now_ms();
    assert!(
        authenticates_as(&store, "users", &hash, now)
            .await
            .is_none()
    );
    let listed = ok(store.list_tokens(&ada.id).await, "list");
    assert!(
        listed.is_empty() || listed == [bound.clone()],
        "kept unchanged or dropped: {listed:?}"
    );
    let purged = ok(store.purge_expired_tokens(now).await, "purge");
    assert!(purged <= 1, "{purged}");
    assert!(ok(store.list_tokens(&ada.id).await, "list").is_empty());
}

/// `revoke_token` removes one binding of its own user; another user's id is left alone.
pub async fn revoke_token_is_scoped_to_its_user(store: Arc<dyn TokenBackend>) {
    let (ada, bob) = (user(&store).await, user(&store).await);
    let (first, first_hash) = binding(&ada.id, "users");
    let first = bind(&store, first).await;
    let (second, second_hash) = binding(&ada.id, "_superusers");
    let second = bind(&store, second).await;
    let now = fixtures::now_ms();

    assert_eq!(
        ok(store.revoke_token(&bob.id, &first.id).await, "revoke"),
        None
    );
    assert!(
        authenticates_as(&store, "users", &first_hash, now)
            .await
            .is_some()
    );
    // The binding as stored (with its recorded use) comes back.
    let stored = ok(store.list_tokens(&ada.id).await, "list")
        .into_iter()
        .find(|b| b.id == first.id)
        .expect("listed");
    assert_eq!(
        ok(store.revoke_token(&ada.id, &first.id).await, "revoke"),
        Some(stored)
    );
    assert!(
        authenticates_as(&store, "users", &first_hash, now)
            .await
            .is_none()
    );
    assert!(
        authenticates_as(&store, "_superusers", &second_hash, now)
            .await
            .is_some()
    );
    assert_eq!(
        ok(store.revoke_token(&ada.id, &first.id).await, "revoke again"),
        None
    );
    for unknown in ["", "nobody", "a\0b", "00000000-0000-0000-0000-000000000000"] {
        assert_eq!(
            ok(store.revoke_token(&ada.id, unknown).await, unknown),
            None
        );
    }
    let left: Vec<String> = ok(store.list_tokens(&ada.id).await, "list")
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(left, [second.id]);
    // A revoked token's hash is free again.
    let rebound = NewTokenBinding::new(
        &bob.id,
        "users",
        &TokenFormat::default().generate(),
        secret(),
    );
    let rebound = NewTokenBinding {
        token_hash: first_hash.clone(),
        ..rebound
    };
    bind(&store, rebound).await;
    let (_, who) = authenticates_as(&store, "users", &first_hash, now)
        .await
        .expect("bound to bob now");
    assert_eq!(who.id, bob.id);
}

/// `revoke_all_tokens` removes every binding of the user, in every realm, and counts them;
/// other users keep theirs.
pub async fn revoke_all_tokens_removes_every_realm(store: Arc<dyn TokenBackend>) {
    let (ada, bob) = (user(&store).await, user(&store).await);
    let mut hashes = Vec::new();
    for realm in ["users", "users", "_superusers"] {
        let (b, h) = binding(&ada.id, realm);
        bind(&store, b).await;
        hashes.push((realm, h));
    }
    let (bobs, bobs_hash) = binding(&bob.id, "users");
    bind(&store, bobs).await;
    assert_eq!(ok(store.revoke_all_tokens(&ada.id).await, "revoke all"), 3);
    let now = fixtures::now_ms();
    for (realm, h) in &hashes {
        assert!(authenticates_as(&store, realm, h, now).await.is_none());
    }
    assert!(ok(store.list_tokens(&ada.id).await, "list").is_empty());
    assert!(
        authenticates_as(&store, "users", &bobs_hash, now)
            .await
            .is_some()
    );
    assert_eq!(ok(store.revoke_all_tokens(&ada.id).await, "again"), 0);
    assert_eq!(ok(store.revoke_all_tokens("nobody").await, "unknown"), 0);
}

/// `delete_user` removes the user's bindings with the user: none authenticates or is
/// listed, their hashes can be bound again, and other users keep theirs.
pub async fn delete_user_removes_its_tokens(store: Arc<dyn TokenBackend>) {
    let (ada, bob) = (user(&store).await, user(&store).await);
    let adapter: Arc<dyn Adapter> = store.clone();
    ok(
        adapter.create_session(fixtures::session(&ada.id)).await,
        "create_session",
    );
    let mut hashes = Vec::new();
    for realm in ["users", "_superusers", "ü:realm"] {
        let (b, h) = binding(&ada.id, realm);
        bind(&store, b.name("x").scopes(["read"])).await;
        hashes.push((realm, h));
    }
    let (bobs, bobs_hash) = binding(&bob.id, "users");
    bind(&store, bobs).await;

    assert_eq!(
        ok(adapter.delete_user(&ada.id).await, "delete_user"),
        Some(ada.clone())
    );
    let now = fixtures::now_ms();
    for (realm, h) in &hashes {
        assert!(authenticates_as(&store, realm, h, now).await.is_none());
    }
    assert!(ok(store.list_tokens(&ada.id).await, "list").is_empty());
    assert_eq!(ok(store.revoke_all_tokens(&ada.id).await, "revoke all"), 0);
    assert!(
        authenticates_as(&store, "users", &bobs_hash, now)
            .await
            .is_some()
    );
    for (realm, h) in hashes {
        let again = NewTokenBinding {
            token_hash: h,
            ..binding(&bob.id, realm).0
        };
        bind(&store, again).await;
    }
}

/// A `delete_user` racing 16 binds for that user leaves no binding behind: each bind
/// either failed (`NotFound`, the user was gone) or its binding went with the user.
pub async fn delete_user_racing_binds_leaves_no_binding(store: Arc<dyn TokenBackend>) {
    let (ada, bob) = (user(&store).await, user(&store).await);
    let news: Vec<(NewTokenBinding, TokenHash)> =
        (0..16).map(|_| binding(&ada.id, "users")).collect();
    let mut tasks = Vec::new();
    for (i, (new, _)) in news.iter().enumerate() {
        let store = store.clone();
        let new = new.clone();
        tasks.push(tokio::spawn(async move {
            if i % 4 == 0 {
                tokio::task::yield_now().await;
            }
            store.bind_token(new).await.map(|_| ())
        }));
    }
    let deleter = {
        let store = store.clone();
        let id = ada.id.clone();
        tokio::spawn(async move { Adapter::delete_user(store.as_ref(), &id).await })
    };
    for task in tasks {
        if let Err(e) = task.await.expect("task") {
            assert_eq!(ErrorKind::of(&e), ErrorKind::NotFound, "{e}");
        }
    }
    ok(deleter.await.expect("task"), "delete_user");
    assert!(ok(store.list_tokens(&ada.id).await, "list").is_empty());
    let now = fixtures::now_ms();
    for (new, hash) in news {
        assert!(
            authenticates_as(&store, "users", &hash, now)
                .await
                .is_none()
        );
        let again = NewTokenBinding {
            user_id: bob.id.clone(),
            ..new
        };
        bind(&store, again).await;
    }
}

/// `list_tokens` lists the user's bindings, oldest first, each exactly as bound plus its
/// recorded use, and holds neither a token nor a hash.
pub async fn list_tokens_shows_everything_but_the_secret(store: Arc<dyn TokenBackend>) {
    let (ada, bob) = (user(&store).await, user(&store).await);
    assert!(ok(store.list_tokens(&ada.id).await, "list").is_empty());
    let t0 = fixtures::now_ms();
    let mut expected = Vec::new();
    let mut secrets = Vec::new();
    // Bound out of order: the list is by created_at.
    let realms = [("users", 5), ("_superusers", 20), ("users", 10)];
    for (i, (realm, seconds_ago)) in realms.into_iter().enumerate() {
        let token = TokenFormat::default().generate();
        let mut new = NewTokenBinding::new(&ada.id, realm, &token, secret());
        new.created_at = t0 - TimeDelta::seconds(seconds_ago);
        if i == 1 {
            new = new
                .name("laptop")
                .scopes(["read"])
                .expires(t0 + TimeDelta::days(30));
        }
        let bound = bind(&store, new.clone()).await;
        assert_eq!(bound, as_bound(&bound.id, &new));
        secrets.push((token.expose_secret().to_owned(), new.token_hash.clone()));
        expected.push(bound);
    }
    bind(&store, binding(&bob.id, "users").0).await;
    // Use the second one.
    let used_at = t0 + TimeDelta::seconds(1);
    let (used, _) = authenticates_as(&store, "_superusers", &secrets[1].1, used_at)
        .await
        .expect("authenticates");
    expected[1].last_used_at = Some(used_at);
    assert_eq!(used, expected[1]);
    expected.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));

    let listed = ok(store.list_tokens(&ada.id).await, "list");
    assert_eq!(listed, expected);
    let json = serde_json::to_string(&listed).expect("serialize");
    for (token, hash) in &secrets {
        assert!(!json.contains(token.as_str()) && !json.contains(hash.as_hex()));
        hides(&listed, token, "list_tokens");
        hides(&listed, hash.as_hex(), "list_tokens");
    }
    for b in &listed {
        assert!(
            secrets
                .iter()
                .any(|(t, _)| t.starts_with(&b.display_prefix))
        );
        assert_eq!(b.display_prefix.len(), 7);
    }
}

/// The last use is written at most once per `LAST_USED_INTERVAL`: uses within a minute of
/// the recorded one leave it, the first one a minute or more later moves it, and a use
/// earlier than the recorded one (another instance's clock) never moves it back.
pub async fn last_use_is_written_at_most_once_a_minute(store: Arc<dyn TokenBackend>) {
    let ada = user(&store).await;
    let t0 = fixtures::now_ms();
    let (new, hash) = binding_at(&ada.id, "users", t0);
    bind(&store, new).await;
    let steps = [
        (0, 0),
        (30_000, 0),
        (59_999, 0),
        (60_000, 60_000),
        (61_000, 60_000),
        (119_999, 60_000),
        (10_000, 60_000),
        (500_000, 500_000),
    ];
    for (at_ms, recorded_ms) in steps {
        let now = t0 + TimeDelta::milliseconds(at_ms);
        let (b, _) = authenticates_as(&store, "users", &hash, now)
            .await
            .expect("authenticates");
        let recorded = Some(t0 + TimeDelta::milliseconds(recorded_ms));
        assert_eq!(b.last_used_at, recorded, "use at +{at_ms} ms");
        let listed = ok(store.list_tokens(&ada.id).await, "list");
        assert_eq!(listed[0].last_used_at, recorded, "stored after +{at_ms} ms");
    }
    assert_eq!(LAST_USED_INTERVAL, TimeDelta::seconds(60));

    // 32 concurrent uses a minute later: every one authenticates and answers either its
    // own use (it wrote it, or saw another's) or the one recorded before; one of the new
    // times is stored.
    let before = Some(t0 + TimeDelta::milliseconds(500_000));
    let later = t0 + TimeDelta::milliseconds(600_000);
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let store = store.clone();
            let hash = hash.clone();
            let at = later + TimeDelta::milliseconds(i);
            tokio::spawn(async move { store.authenticate("users", &hash, at).await })
        })
        .collect();
    for task in tasks {
        let found = ok(task.await.expect("task"), "concurrent authenticate");
        let (b, _) = found.expect("authenticates");
        let new = b
            .last_used_at
            .is_some_and(|l| l >= later && l < later + TimeDelta::milliseconds(32));
        assert!(new || b.last_used_at == before, "{:?}", b.last_used_at);
    }
    let stored = ok(store.list_tokens(&ada.id).await, "list")[0].last_used_at;
    assert!(stored.is_some_and(|s| s >= later && s < later + TimeDelta::milliseconds(32)));
}

/// Bad input is `InvalidInput` with nothing stored; an unknown user is `NotFound`.
pub async fn bad_input_is_invalid(store: Arc<dyn TokenBackend>) {
    let ada = user(&store).await;
    let t0 = fixtures::now_ms();
    let good = || binding_at(&ada.id, "users", t0).0;
    let long = "x".repeat(256);
    let many: Vec<String> = (0..=MAX_SCOPES).map(|i| format!("s{i}")).collect();
    let cases: Vec<(&str, NewTokenBinding)> = vec![
        (
            "empty realm",
            NewTokenBinding {
                realm: String::new(),
                ..good()
            },
        ),
        (
            "NUL realm",
            NewTokenBinding {
                realm: "us\0ers".into(),
                ..good()
            },
        ),
        (
            "oversize realm",
            NewTokenBinding {
                realm: long.clone(),
                ..good()
            },
        ),
        ("empty name", good().name("")),
        ("NUL name", good().name("a\0")),
        ("oversize name", good().name(long.clone())),
        ("empty scope", good().scopes([""])),
        ("scope with a space", good().scopes(["read write"])),
        ("NUL scope", good().scopes(["re\0ad"])),
        ("oversize scope", good().scopes([long.clone()])),
        ("too many scopes", good().scopes(many)),
        (
            "empty display prefix",
            NewTokenBinding {
                display_prefix: String::new(),
                ..good()
            },
        ),
        (
            "NUL display prefix",
            NewTokenBinding {
                display_prefix: "aa_\0".into(),
                ..good()
            },
        ),
        (
            "oversize display prefix",
            NewTokenBinding {
                display_prefix: "p".repeat(33),
                ..good()
            },
        ),
        ("expires at created_at", good().expires(t0)),
        (
            "expires before created_at",
            good().expires(t0 - TimeDelta::seconds(1)),
        ),
        (
            "expires out of range",
            good().expires(DateTime::<Utc>::MAX_UTC),
        ),
        (
            "created_at out of range",
            NewTokenBinding {
                created_at: dates::MIN - TimeDelta::days(1),
                ..good()
            },
        ),
        (
            "empty user id",
            NewTokenBinding {
                user_id: String::new(),
                ..good()
            },
        ),
        (
            "NUL user id",
            NewTokenBinding {
                user_id: "a\0b".into(),
                ..good()
            },
        ),
    ];
    for (what, new) in cases {
        let hash = new.token_hash.clone();
        let realm = new.realm.clone();
        let e = err(store.bind_token(new).await, ErrorKind::InvalidInput, what);
        assert!(!e.to_string().contains(hash.as_hex()));
        assert!(
            authenticates_as(&store, &realm, &hash, t0).await.is_none(),
            "{what}"
        );
    }
    for unknown in ["nobody", "0", "00000000-0000-0000-0000-000000000000"] {
        let new = NewTokenBinding {
            user_id: unknown.into(),
            ..good()
        };
        err(store.bind_token(new).await, ErrorKind::NotFound, unknown);
    }
    assert!(ok(store.list_tokens(&ada.id).await, "list").is_empty());
    // The limits themselves are fine.
    let at_limits = NewTokenBinding {
        realm: "r".repeat(255),
        display_prefix: "p".repeat(32),
        ..good()
    }
    .name("n".repeat(255))
    .scopes((0..MAX_SCOPES).map(|i| format!("{i}{}", "s".repeat(200))))
    .expires(dates::MAX);
    let bound = bind(&store, at_limits.clone()).await;
    assert_eq!(bound, as_bound(&bound.id, &at_limits));
}

/// Lookups with keys no binding can have answer nothing, never an error.
pub async fn impossible_keys_find_nothing(store: Arc<dyn TokenBackend>) {
    let ada = user(&store).await;
    let (new, hash) = binding(&ada.id, "users");
    bind(&store, new).await;
    let now = fixtures::now_ms();
    let long = "r".repeat(4000);
    for realm in ["", "a\0b", long.as_str()] {
        assert!(authenticates_as(&store, realm, &hash, now).await.is_none());
    }
    for id in [
        "",
        "a\0b",
        "nobody",
        "0",
        "-1",
        "99999999999",
        long.as_str(),
    ] {
        assert!(ok(store.list_tokens(id).await, id).is_empty());
        assert_eq!(ok(store.revoke_token(id, "x").await, id), None);
        assert_eq!(ok(store.revoke_all_tokens(id).await, id), 0);
    }
    assert_eq!(ok(store.list_tokens(&ada.id).await, "list").len(), 1);
}

/// Unicode and key separators in realms, names and scopes round-trip, and realms that
/// look alike stay apart.
pub async fn unicode_and_separators_round_trip(store: Arc<dyn TokenBackend>) {
    let ada = user(&store).await;
    let now = fixtures::now_ms();
    let realms = ["ü:realm 🦀", "r", "r:", "r*", "R", "r?x", "{r}", "例え"];
    let mut bound = Vec::new();
    let token = TokenFormat::default().generate();
    for realm in realms {
        let new = NewTokenBinding::new(&ada.id, realm, &token, secret())
            .name("Zoë 🦀:*")
            .scopes(["read:ü", "写", "a?b*"]);
        let new = NewTokenBinding {
            created_at: now,
            ..new
        };
        let b = bind(&store, new.clone()).await;
        assert_eq!(b, as_bound(&b.id, &new));
        bound.push(b);
    }
    let hash = secret().hash(&token);
    for b in &bound {
        let (found, _) = authenticates_as(&store, &b.realm, &hash, now)
            .await
            .expect("authenticates in its realm");
        assert_eq!(found.id, b.id, "{}", b.realm);
    }
    assert_eq!(
        ok(store.list_tokens(&ada.id).await, "list").len(),
        realms.len()
    );
}

/// `Debug` of what a caller handles while binding shows neither the token nor its hash.
pub async fn debug_output_hides_tokens(store: Arc<dyn TokenBackend>) {
    let ada = user(&store).await;
    let token = TokenFormat::default().generate();
    let new = NewTokenBinding::new(&ada.id, "users", &token, secret());
    let text = token.expose_secret().to_owned();
    let hash = new.token_hash.as_hex().to_owned();
    hides(&token, &text, "BoundToken");
    hides(&new, &text, "NewTokenBinding");
    hides(&new, &hash, "NewTokenBinding");
    hides(&secret().hash(&token), &hash, "TokenHash");
    let bound = bind(&store, new.clone()).await;
    hides(&bound, &hash, "TokenBinding");
    let e = err(store.bind_token(new).await, ErrorKind::Conflict, "again");
    crate::check::error_hides(&e, &hash, "Conflict");
    crate::check::error_hides(&e, &text, "Conflict");
}
