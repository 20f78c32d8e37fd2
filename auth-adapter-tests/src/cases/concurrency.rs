//! Races: N tasks doing the same single-winner operation at once; exactly one wins.

use std::future::Future;
use std::sync::Arc;

use auth_adapter_core::{Adapter, AdapterAccount, NewUser, Result};
use tokio::sync::Barrier;

use crate::check::{ErrorKind, ok};
use crate::fixtures;

/// How many tasks race in each case.
pub const RACERS: usize = 16;

/// Runs `op` in [`RACERS`] tasks released at the same moment; returns every result.
async fn race<T, F, Fut>(adapter: &Arc<dyn Adapter>, op: F) -> Vec<Result<T>>
where
    T: Send + 'static,
    F: Fn(Arc<dyn Adapter>) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut handles = Vec::with_capacity(RACERS);
    for _ in 0..RACERS {
        let barrier = Arc::clone(&barrier);
        let fut = op(Arc::clone(adapter));
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            fut.await
        }));
    }
    let mut results = Vec::with_capacity(RACERS);
    for handle in handles {
        results.push(handle.await.expect("a racing task panicked"));
    }
    results
}

/// Of 16 concurrent `use_verification_token` calls for one token, exactly one gets it;
/// the others get `None`.
pub async fn concurrent_use_verification_token_has_one_winner(adapter: Arc<dyn Adapter>) {
    for _round in 0..3 {
        let token = fixtures::verification_token(&fixtures::unique_email());
        ok(
            adapter.create_verification_token(token.clone()).await,
            "create_verification_token",
        );
        let (identifier, value) = (token.identifier.clone(), token.token.clone());
        let results = race(&adapter, move |a| {
            let (identifier, value) = (identifier.clone(), value.clone());
            async move { a.use_verification_token(&identifier, &value).await }
        })
        .await;
        let mut winners = 0;
        for r in results {
            if let Some(t) = ok(r, "use_verification_token under concurrency") {
                assert_eq!(t, token);
                winners += 1;
            }
        }
        assert_eq!(
            winners, 1,
            "{winners} of {RACERS} concurrent uses got the token"
        );
    }
}

/// Of 16 concurrent `create_user` calls with one email, exactly one succeeds; the others
/// are `Conflict`, and the email finds the winner.
pub async fn concurrent_create_user_same_email_has_one_winner(adapter: Arc<dyn Adapter>) {
    let email = fixtures::unique_email();
    let for_tasks = email.clone();
    let results = race(&adapter, move |a| {
        let email = for_tasks.clone();
        async move { a.create_user(NewUser::with_email(email)).await }
    })
    .await;
    let mut winners = Vec::new();
    for r in results {
        match r {
            Ok(user) => winners.push(user),
            Err(e) => assert_eq!(
                ErrorKind::of(&e),
                ErrorKind::Conflict,
                "a losing create_user must be Conflict, got {e}"
            ),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "{} users got the same email",
        winners.len()
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
        winners.pop()
    );
}

/// Of 16 concurrent `link_account` calls for one `(provider, provider_account_id)` (each
/// from its own user), exactly one succeeds; the others are `Conflict`.
pub async fn concurrent_link_account_has_one_winner(adapter: Arc<dyn Adapter>) {
    let mut users = Vec::new();
    for _ in 0..RACERS {
        users.push(fixtures::create_user(&adapter).await);
    }
    let template = fixtures::account("placeholder");
    let users = Arc::new(users);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (t, u, n) = (template.clone(), Arc::clone(&users), Arc::clone(&next));
    let results = race(&adapter, move |a| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let account = AdapterAccount {
            user_id: u[i].id.clone(),
            ..t.clone()
        };
        async move { a.link_account(account).await }
    })
    .await;
    let mut winners = Vec::new();
    for r in results {
        match r {
            Ok(account) => winners.push(account),
            Err(e) => assert_eq!(
                ErrorKind::of(&e),
                ErrorKind::Conflict,
                "a losing link_account must be Conflict, got {e}"
            ),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "{} links of one account succeeded",
        winners.len()
    );
    let winner = winners.pop().expect("one winner");
    assert_eq!(
        ok(
            adapter
                .get_account(&template.provider, &template.provider_account_id)
                .await,
            "get_account"
        ),
        Some(winner.clone())
    );
    let owner = users
        .iter()
        .find(|u| u.id == winner.user_id)
        .expect("the winner is one of the racing users");
    assert_eq!(
        ok(
            adapter
                .get_user_by_account(&template.provider, &template.provider_account_id)
                .await,
            "get_user_by_account"
        ),
        Some(owner.clone())
    );
}

/// Of 16 concurrent `delete_session` calls for one session, exactly one returns it.
pub async fn concurrent_delete_session_returns_it_once(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let session = ok(
        adapter.create_session(fixtures::session(&user.id)).await,
        "create_session",
    );
    let token = session.session_token.clone();
    let results = race(&adapter, move |a| {
        let token = token.clone();
        async move { a.delete_session(&token).await }
    })
    .await;
    let returned: Vec<_> = results
        .into_iter()
        .filter_map(|r| ok(r, "delete_session under concurrency"))
        .collect();
    assert_eq!(
        returned,
        vec![session],
        "exactly one delete_session must return the session"
    );
}
