//! Expiry on Redis: TTLs at each record's `expires`, records kept without TTLs until
//! delete_expired, the expiry indexes pruned and paged through, the sweep that finds what
//! only JS wrote, and create_session's cost whatever dead sessions the user has.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use auth_adapter_core::{Adapter, NewUser, SessionUpdate, VerificationToken, backend::dates};
use auth_adapter_redis::RedisOptions;
use chrono::{TimeDelta, Utc};
use common::*;
use serde_json::json;

async fn pttl(conn: &mut redis::aio::ConnectionManager, key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(conn)
        .await
        .expect("PTTL")
}

#[tokio::test]
async fn sessions_and_tokens_expire_by_ttl_at_their_expires() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a
        .create_user(NewUser::with_email("ttl@example.com"))
        .await
        .unwrap();
    a.create_session(session(&user.id, "t", TimeDelta::hours(1)))
        .await
        .unwrap();
    let key = format!("{p}user:session:t");
    let ttl = pttl(&mut c, &key).await;
    assert!(
        (3_590_000..=3_600_000).contains(&ttl),
        "PTTL {ttl} should be about one hour"
    );
    a.update_session(SessionUpdate::new("t", Utc::now() + TimeDelta::days(30)))
        .await
        .unwrap();
    let ttl = pttl(&mut c, &key).await;
    let month = 30 * 24 * 3_600_000;
    assert!(
        (month - 10_000..=month).contains(&ttl),
        "update_session moves the TTL; PTTL {ttl}"
    );

    a.create_verification_token(VerificationToken {
        identifier: "ttl@example.com".into(),
        token: "h".into(),
        expires: Utc::now() + TimeDelta::minutes(15),
    })
    .await
    .unwrap();
    let ttl = pttl(&mut c, &format!("{p}user:token:ttl@example.com:h")).await;
    assert!((890_000..=900_000).contains(&ttl), "PTTL {ttl}");

    // Users and accounts never expire.
    assert_eq!(pttl(&mut c, &format!("{p}user:{}", user.id)).await, -1);

    // A session that is already over is checked but not stored.
    let past = a
        .create_session(session(&user.id, "old", TimeDelta::seconds(-5)))
        .await
        .unwrap();
    assert!(past.expires < Utc::now());
    assert_eq!(a.get_session_and_user("old").await.unwrap(), None);
    assert_eq!(get_raw(&mut c, &format!("{p}user:session:old")).await, None);
    let err = a
        .create_session(session(
            "0b6f8c5e-1f5b-4f55-9a32-1f8d1d3c6a10",
            "x",
            TimeDelta::seconds(-5),
        ))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    // A session moved into the past is gone at once; the update still reports it.
    let moved = a
        .update_session(SessionUpdate::new("t", Utc::now() - TimeDelta::seconds(1)))
        .await
        .unwrap()
        .unwrap();
    assert!(moved.expires < Utc::now());
    assert_eq!(get_raw(&mut c, &key).await, None);
}

#[tokio::test]
async fn without_ttls_records_stay_until_delete_expired() {
    let p = fresh_prefix();
    let a = adapter_with(
        RedisOptions::new()
            .key_prefix(p.clone())
            .expire_by_ttl(false),
    )
    .await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    let old = a
        .create_session(session(&user.id, "old", TimeDelta::seconds(-5)))
        .await
        .unwrap();
    a.create_session(session(&user.id, "new", TimeDelta::hours(1)))
        .await
        .unwrap();
    assert_eq!(pttl(&mut c, &format!("{p}user:session:new")).await, -1);
    let (s, _) = a.get_session_and_user("old").await.unwrap().unwrap();
    assert_eq!(s, old, "returned with its past expires");
    let n = a.delete_expired(Utc::now()).await.unwrap();
    assert_eq!((n.sessions, n.verification_tokens), (1, 0));
    assert_eq!(a.get_session_and_user("old").await.unwrap(), None);
    assert!(a.get_session_and_user("new").await.unwrap().is_some());
    // A future `now` (as the model check uses) also counts.
    let n = a
        .delete_expired(Utc::now() + TimeDelta::hours(2))
        .await
        .unwrap();
    assert_eq!(n.sessions, 1);
    let left: Vec<String> = keys_under(&mut c, &p)
        .await
        .into_iter()
        .filter(|k| k.contains("session"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn delete_expired_honours_a_js_extension_of_the_session() {
    let p = fresh_prefix();
    let a = adapter_with(
        RedisOptions::new()
            .key_prefix(p.clone())
            .expire_by_ttl(false),
    )
    .await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    a.create_session(session(&user.id, "s", TimeDelta::hours(1)))
        .await
        .unwrap();
    // The JS adapter's updateSession rewrites the value and knows nothing of our zset.
    let later = dates::to_iso(&(Utc::now() + TimeDelta::days(3)));
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:session:s"))
        .arg(json!({"sessionToken": "s", "userId": user.id, "expires": later}).to_string())
        .query_async(&mut c)
        .await
        .unwrap();
    let n = a
        .delete_expired(Utc::now() + TimeDelta::hours(2))
        .await
        .unwrap();
    assert_eq!(n.sessions, 0, "a session extended by JS is not expired");
    assert!(a.get_session_and_user("s").await.unwrap().is_some());
    let n = a
        .delete_expired(Utc::now() + TimeDelta::days(4))
        .await
        .unwrap();
    assert_eq!(n.sessions, 1);
}

#[tokio::test]
async fn create_session_costs_the_same_whatever_sessions_the_user_has() {
    // The script samples a fixed number of the user's sessions: with thousands of dead
    // members in the user's set, a create still touches only a handful, and the set
    // shrinks towards the live sessions as creates go on.
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    let set_key = format!("{p}auth-adapter:user-sessions:{}", user.id);
    let dead: Vec<String> = (0..5000)
        .map(|i| format!("{p}user:session:gone-{i}"))
        .collect();
    let _: () = redis::cmd("SADD")
        .arg(&set_key)
        .arg(&dead)
        .query_async(&mut c)
        .await
        .unwrap();
    for _ in 0..200 {
        a.create_session(session(
            &user.id,
            &uuid::Uuid::new_v4().to_string(),
            TimeDelta::hours(1),
        ))
        .await
        .unwrap();
    }
    let members: usize = redis::cmd("SCARD")
        .arg(&set_key)
        .query_async(&mut c)
        .await
        .unwrap();
    // 200 live sessions and at most 4 members checked per create: at most 800 of the
    // 5000 dead ones are gone (a whole-set scan would have left exactly 200), and some are.
    assert!(
        (5200 - 800..5200).contains(&members),
        "members after 200 creates: {members}"
    );
}

#[tokio::test]
async fn with_ttls_the_expiry_index_of_expired_keys_is_pruned_on_create() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    // What Redis leaves once a session's TTL fired: the key is gone, our index entries not.
    let gone = format!("{p}user:session:gone");
    let zset = format!("{p}auth-adapter:sessions-by-expiry");
    let past = (Utc::now() - TimeDelta::minutes(1)).timestamp_millis();
    let _: () = redis::cmd("ZADD")
        .arg(&zset)
        .arg(past)
        .arg(&gone)
        .query_async(&mut c)
        .await
        .unwrap();
    let _: () = redis::cmd("SADD")
        .arg(format!("{p}auth-adapter:user-sessions:{}", user.id))
        .arg(&gone)
        .query_async(&mut c)
        .await
        .unwrap();
    a.create_session(session(&user.id, "long", TimeDelta::hours(1)))
        .await
        .unwrap();
    let members: Vec<String> = redis::cmd("ZRANGE")
        .arg(&zset)
        .arg(0)
        .arg(-1)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(members, [format!("{p}user:session:long")]);
    let set: Vec<String> = redis::cmd("SMEMBERS")
        .arg(format!("{p}auth-adapter:user-sessions:{}", user.id))
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(set, [format!("{p}user:session:long")]);
    // Nothing to count: TTL removed it, delete_expired only counts what it removes.
    let n = a.delete_expired(Utc::now()).await.unwrap();
    assert_eq!(n.sessions, 0);
}

#[tokio::test]
async fn the_sweep_lets_delete_expired_find_what_only_js_wrote() {
    let p = fresh_prefix();
    let mut c = raw_conn().await;
    let past = dates::to_iso(&(Utc::now() - TimeDelta::minutes(1)));
    let future = dates::to_iso(&(Utc::now() + TimeDelta::hours(1)));
    let uid = uuid::Uuid::new_v4().to_string();
    for (k, v) in [
        (
            format!("{p}user:token:a@example.com:old"),
            json!({"identifier": "a@example.com", "token": "old", "expires": past}),
        ),
        (
            format!("{p}user:token:a@example.com:new"),
            json!({"identifier": "a@example.com", "token": "new", "expires": future}),
        ),
        (
            format!("{p}user:session:js-old"),
            json!({"sessionToken": "js-old", "userId": uid, "expires": past}),
        ),
    ] {
        let _: () = redis::cmd("SET")
            .arg(k)
            .arg(v.to_string())
            .query_async(&mut c)
            .await
            .unwrap();
    }
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:session:by-user-id:{uid}"))
        .arg(format!("{p}user:session:js-old"))
        .query_async(&mut c)
        .await
        .unwrap();
    let plain = adapter_with(RedisOptions::new().key_prefix(p.clone())).await;
    let n = plain.delete_expired(Utc::now()).await.unwrap();
    assert_eq!(
        (n.sessions, n.verification_tokens),
        (0, 0),
        "not indexed: not found"
    );
    let swept = adapter_with(
        RedisOptions::new()
            .key_prefix(p.clone())
            .sweep_unindexed(true),
    )
    .await;
    let n = swept.delete_expired(Utc::now()).await.unwrap();
    assert_eq!((n.sessions, n.verification_tokens), (1, 1));
    let left = keys_under(&mut c, &p).await;
    assert_eq!(left, [format!("{p}user:token:a@example.com:new")]);
}

async fn zset_members(c: &mut redis::aio::ConnectionManager, key: &str) -> Vec<String> {
    redis::cmd("ZRANGE")
        .arg(key)
        .arg(0)
        .arg(-1)
        .query_async(c)
        .await
        .unwrap()
}

#[tokio::test]
async fn delete_expired_pages_through_a_large_backlog() {
    let p = fresh_prefix();
    let a = adapter_with(
        RedisOptions::new()
            .key_prefix(p.clone())
            .expire_by_ttl(false),
    )
    .await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    for i in 0..600 {
        a.create_session(session(
            &user.id,
            &format!("old{i}"),
            TimeDelta::minutes(-1 - i),
        ))
        .await
        .unwrap();
    }
    a.create_session(session(&user.id, "live", TimeDelta::hours(1)))
        .await
        .unwrap();
    let n = a.delete_expired(Utc::now()).await.unwrap();
    assert_eq!(n.sessions, 600);
    assert_eq!(
        zset_members(&mut c, &format!("{p}auth-adapter:sessions-by-expiry")).await,
        [format!("{p}user:session:live")]
    );
    assert_eq!(a.delete_sessions_by_user_id(&user.id).await.unwrap(), 1);
}

#[tokio::test]
async fn delete_expired_with_a_past_now_forgets_keys_redis_already_expired() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    a.create_session(session(&user.id, "live", TimeDelta::hours(1)))
        .await
        .unwrap();
    let zset = format!("{p}auth-adapter:sessions-by-expiry");
    let expired_by_ttl = (Utc::now() - TimeDelta::minutes(1)).timestamp_millis();
    let _: () = redis::cmd("ZADD")
        .arg(&zset)
        .arg(expired_by_ttl)
        .arg(format!("{p}user:session:ttl-gone"))
        .query_async(&mut c)
        .await
        .unwrap();
    let n = a
        .delete_expired(Utc::now() - TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(n.sessions, 0, "nothing before `now` to remove");
    assert_eq!(
        zset_members(&mut c, &zset).await,
        [format!("{p}user:session:live")]
    );
    assert!(a.get_session_and_user("live").await.unwrap().is_some());
}
