//! Who a verified address or number belongs to: the Auth.js rules for email, and phone
//! users an Auth.js app reads without trouble.
//!
//! # Phone users
//!
//! Auth.js users have a name, an email and an image, nothing for a phone number, and the
//! adapter can find a user by email, by id or by an account. A phone user is therefore:
//!
//! - a user with **`email` null** (every Auth.js schema of this project's backends allows
//!   it) and **`name` = the number in E.164**, so an Auth.js app shows something and
//!   `GET /api/auth/session` answers `{"user": {"name": "+4915…", "email": null, …}}`
//!   without error;
//! - plus an **account row** `{type: "email", provider: "phone", providerAccountId:
//!   "+4915…"}`, which is how the next sign-in finds the user (`get_user_by_account`, one
//!   round trip). The type is `email`, the Auth.js account type of one-time-token sign-in,
//!   so code typed on `AdapterAccountType` accepts the row; no Auth.js provider is called
//!   `phone`, so Auth.js itself never reads it.
//!
//! A made-up address (`+4915…@phone.invalid`) was the other choice; it would put an
//! address no one can receive mail at where apps expect a real one, and confuse the email
//! sign-in of the same store. Its one advantage, schemas whose `email` is `NOT NULL`
//! (Prisma's PostgreSQL layout), does not apply to this project's backends.

use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterError, AdapterUser, NewUser, UserUpdate,
};
use chrono::{DateTime, Utc};

/// The provider of the account row that holds a phone user's number.
pub const PHONE_PROVIDER: &str = "phone";

/// The user with this (normalised) email, as Auth.js's email callback finds it: an
/// existing user gets `emailVerified = now`, a new one is created with it. No account row
/// is written. Returns the user and whether it is new.
pub(crate) async fn by_email(
    adapter: &dyn Adapter,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(AdapterUser, bool), AdapterError> {
    if let Some(user) = adapter.get_user_by_email(email).await? {
        return Ok((verified(adapter, user, now).await?, false));
    }
    let new = NewUser {
        email: Some(email.to_owned()),
        email_verified: Some(now),
        ..NewUser::default()
    };
    match adapter.create_user(new).await {
        Ok(user) => Ok((user, true)),
        // A concurrent sign-in of the same address created it first.
        Err(e) if e.is_conflict() => match adapter.get_user_by_email(email).await? {
            Some(user) => Ok((verified(adapter, user, now).await?, false)),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

async fn verified(
    adapter: &dyn Adapter,
    user: AdapterUser,
    now: DateTime<Utc>,
) -> Result<AdapterUser, AdapterError> {
    adapter
        .update_user(UserUpdate::new(&user.id).email_verified(Some(now)))
        .await
}

/// The user whose phone account is `e164`, created (user and account) on its first
/// sign-in. Returns the user and whether it is new.
pub(crate) async fn by_phone(
    adapter: &dyn Adapter,
    e164: &str,
) -> Result<(AdapterUser, bool), AdapterError> {
    if let Some(user) = adapter.get_user_by_account(PHONE_PROVIDER, e164).await? {
        return Ok((user, false));
    }
    let user = adapter
        .create_user(NewUser {
            name: Some(e164.to_owned()),
            ..NewUser::default()
        })
        .await?;
    let account = AdapterAccount::new(&user.id, AccountType::Email, PHONE_PROVIDER, e164);
    match adapter.link_account(account).await {
        Ok(_) => Ok((user, true)),
        Err(e) => {
            // Not linked: the user just made must not stay behind without its account.
            adapter.delete_user(&user.id).await?;
            if e.is_conflict() {
                // A concurrent first sign-in of the same number linked it first.
                if let Some(user) = adapter.get_user_by_account(PHONE_PROVIDER, e164).await? {
                    return Ok((user, false));
                }
            }
            Err(e)
        }
    }
}
