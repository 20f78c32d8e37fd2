//! WebAuthn authenticators: create, read, list by user, update the counter.

use std::sync::Arc;

use auth_adapter_core::{Adapter, AdapterAuthenticator};

use crate::check::{ErrorKind, err, ok};
use crate::fixtures;

/// Auth.js #19 `createAuthenticator`: after linking the `webauthn` account, the
/// authenticator is stored exactly as given (booleans as booleans, counter as a number).
pub async fn create_authenticator(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let authenticator = AdapterAuthenticator {
        counter: 57,
        ..fixtures::authenticator(&user.id, Some("usb,ble,nfc"))
    };
    fixtures::register_authenticator(&adapter, &authenticator).await;
    assert_eq!(
        ok(
            adapter
                .get_authenticator(&authenticator.credential_id)
                .await,
            "get_authenticator"
        ),
        Some(authenticator)
    );
}

/// Auth.js #20 `getAuthenticator`: an unknown credential id is `None`; a real one returns
/// the authenticator.
pub async fn get_authenticator(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let authenticator = fixtures::authenticator(&user.id, Some("usb,ble,nfc"));
    fixtures::register_authenticator(&adapter, &authenticator).await;
    assert_eq!(
        ok(
            adapter.get_authenticator("invalid-credential-id").await,
            "get_authenticator of an unknown id"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter
                .get_authenticator(&authenticator.credential_id)
                .await,
            "get_authenticator"
        ),
        Some(authenticator)
    );
}

/// Auth.js #21 `listAuthenticatorsByUserId`, made strict: an unknown user has `[]`, and
/// each user's list is exactly their authenticators (compared sorted by credential id).
pub async fn list_authenticators_by_user_id(adapter: Arc<dyn Adapter>) {
    let user1 = fixtures::create_user(&adapter).await;
    let user2 = fixtures::create_user(&adapter).await;
    let a1 = fixtures::authenticator(&user1.id, Some("usb,ble,nfc"));
    let a2 = fixtures::authenticator(&user1.id, Some("usb,nfc"));
    let a3 = fixtures::authenticator(&user2.id, Some("usb,ble"));
    for a in [&a1, &a2, &a3] {
        fixtures::register_authenticator(&adapter, a).await;
    }
    assert_eq!(
        ok(
            adapter
                .list_authenticators_by_user_id("invalid-user-id")
                .await,
            "list_authenticators_by_user_id of an unknown user"
        ),
        Vec::new()
    );
    assert_eq!(
        fixtures::sorted(ok(
            adapter.list_authenticators_by_user_id(&user1.id).await,
            "list_authenticators_by_user_id"
        )),
        fixtures::sorted(vec![a1, a2]),
        "user1's authenticators"
    );
    assert_eq!(
        ok(
            adapter.list_authenticators_by_user_id(&user2.id).await,
            "list_authenticators_by_user_id"
        ),
        vec![a3],
        "user2's authenticators"
    );
}

/// Auth.js #22 `updateAuthenticatorCounter`: an unknown credential is `NotFound`; a real
/// one gets the new counter, returned and stored.
pub async fn update_authenticator_counter(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let authenticator = fixtures::authenticator(&user.id, Some("usb,ble,nfc"));
    fixtures::register_authenticator(&adapter, &authenticator).await;
    err(
        adapter
            .update_authenticator_counter("invalid-credential-id", 1)
            .await,
        ErrorKind::NotFound,
        "update_authenticator_counter of an unknown credential",
    );
    assert_eq!(
        ok(
            adapter.get_authenticator("invalid-credential-id").await,
            "get_authenticator"
        ),
        None,
        "update_authenticator_counter of an unknown credential created one"
    );
    let expected = AdapterAuthenticator {
        counter: authenticator.counter + 37,
        ..authenticator.clone()
    };
    assert_eq!(
        ok(
            adapter
                .update_authenticator_counter(&authenticator.credential_id, expected.counter)
                .await,
            "update_authenticator_counter"
        ),
        expected
    );
    assert_eq!(
        ok(
            adapter
                .get_authenticator(&authenticator.credential_id)
                .await,
            "get_authenticator"
        ),
        Some(expected)
    );
}

/// A taken credential id is `Conflict` (also for another user); the stored authenticator
/// is unchanged and nobody else lists it.
pub async fn create_authenticator_duplicate_is_conflict(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let other = fixtures::create_user(&adapter).await;
    let authenticator = fixtures::authenticator(&user.id, Some("usb"));
    fixtures::register_authenticator(&adapter, &authenticator).await;
    for owner in [&user, &other] {
        let dup = AdapterAuthenticator {
            user_id: owner.id.clone(),
            credential_public_key: fixtures::uuid(),
            counter: 1,
            ..authenticator.clone()
        };
        let e = err(
            adapter.create_authenticator(dup.clone()).await,
            ErrorKind::Conflict,
            "create_authenticator with a taken credential id",
        );
        crate::check::error_hides(&e, &dup.credential_public_key, "authenticator conflict");
    }
    assert_eq!(
        ok(
            adapter
                .get_authenticator(&authenticator.credential_id)
                .await,
            "get_authenticator"
        ),
        Some(authenticator.clone())
    );
    assert_eq!(
        ok(
            adapter.list_authenticators_by_user_id(&user.id).await,
            "list_authenticators_by_user_id"
        ),
        vec![authenticator]
    );
    assert_eq!(
        ok(
            adapter.list_authenticators_by_user_id(&other.id).await,
            "list_authenticators_by_user_id"
        ),
        Vec::new()
    );
}

/// An authenticator for a user that does not exist is `NotFound`, and nothing is stored.
pub async fn create_authenticator_unknown_user_is_not_found(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    ok(adapter.delete_user(&user.id).await, "delete_user");
    for user_id in [user.id.clone(), fixtures::uuid()] {
        let authenticator = fixtures::authenticator(&user_id, None);
        err(
            adapter.create_authenticator(authenticator.clone()).await,
            ErrorKind::NotFound,
            "create_authenticator for an unknown user",
        );
        assert_eq!(
            ok(
                adapter
                    .get_authenticator(&authenticator.credential_id)
                    .await,
                "get_authenticator"
            ),
            None,
            "an authenticator for an unknown user was stored"
        );
    }
}

/// Every field round-trips at its edges: no transports, not backed up, counter 0 and
/// `u32::MAX` (WebAuthn's signature counter is an unsigned 32-bit number), or the largest
/// counter of a layout's documented [`Limits`](crate::Limits), one over which is
/// `InvalidInput` and changes nothing.
pub async fn authenticator_fields_round_trip(adapter: Arc<dyn Adapter>) {
    let max_counter = crate::limits::current().max_counter;
    let user = fixtures::create_user(&adapter).await;
    let authenticator = AdapterAuthenticator {
        counter: 0,
        credential_backed_up: false,
        credential_device_type: "singleDevice".into(),
        credential_id: format!("{}+/==", fixtures::uuid()),
        ..fixtures::authenticator(&user.id, None)
    };
    assert_eq!(
        ok(
            adapter.create_authenticator(authenticator.clone()).await,
            "create_authenticator"
        ),
        authenticator
    );
    assert_eq!(
        ok(
            adapter
                .get_authenticator(&authenticator.credential_id)
                .await,
            "get_authenticator"
        ),
        Some(authenticator.clone())
    );
    if let Some(over) = max_counter.checked_add(1) {
        err(
            adapter
                .update_authenticator_counter(&authenticator.credential_id, over)
                .await,
            ErrorKind::InvalidInput,
            "update_authenticator_counter past the layout's largest counter",
        );
        let mut too_big = fixtures::authenticator(&user.id, None);
        too_big.counter = over;
        err(
            adapter.create_authenticator(too_big.clone()).await,
            ErrorKind::InvalidInput,
            "create_authenticator past the layout's largest counter",
        );
        assert_eq!(
            ok(
                adapter.get_authenticator(&too_big.credential_id).await,
                "get"
            ),
            None
        );
    }
    let max = AdapterAuthenticator {
        counter: max_counter,
        ..authenticator.clone()
    };
    assert_eq!(
        ok(
            adapter
                .update_authenticator_counter(&authenticator.credential_id, max_counter)
                .await,
            "update_authenticator_counter to u32::MAX"
        ),
        max
    );
    assert_eq!(
        ok(
            adapter
                .get_authenticator(&authenticator.credential_id)
                .await,
            "get_authenticator"
        ),
        Some(max)
    );
}
