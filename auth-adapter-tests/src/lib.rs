//! The conformance suite every `auth-adapter` backend runs.
//!
//! # Using it in a backend
//!
//! In the backend's `tests/conformance.rs`, give the macro an `async fn` that returns a
//! **new, isolated** store on every call (a fresh schema, key prefix or file):
//!
//! ```no_run
//! use std::sync::Arc;
//! use auth_adapter_core::Adapter;
//!
//! async fn fresh_adapter() -> Arc<dyn Adapter> {
//!     // connect, create a schema / prefix / file of its own, migrate
//!     # todo!()
//! }
//!
//! auth_adapter_tests::conformance_suite!(fresh_adapter);
//! # fn main() {}
//! ```
//!
//! with these dev-dependencies:
//!
//! ```toml
//! [dev-dependencies]
//! auth-adapter-tests.workspace = true
//! tokio = { workspace = true, features = ["rt-multi-thread", "macros"] }
//! ```
//!
//! The macro expands to one `#[tokio::test]` per case, named after the case (the names are
//! in [`CASE_NAMES`], the same on every backend), each on a fresh store, plus one test
//! `model_check` (see [`run_model_check`]). This crate runs it against `MemoryAdapter`
//! in its own `tests/memory.rs`:
//!
//! ```
//! async fn fresh_adapter() -> std::sync::Arc<dyn auth_adapter_core::Adapter> {
//!     std::sync::Arc::new(auth_adapter_core::MemoryAdapter::new())
//! }
//! auth_adapter_tests::conformance_suite!(fresh_adapter);
//! # fn main() {}
//! ```
//!
//! A case can also be run by hand, e.g. from a backend's own test with extra setup:
//!
//! ```
//! use std::sync::Arc;
//! use auth_adapter_core::{Adapter, MemoryAdapter};
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
//! auth_adapter_tests::cases::users::delete_user_cascades_everything(adapter).await;
//! # });
//! ```
//!
//! # What the suite covers
//!
//! - **Every case of Auth.js's own adapter suite** (`runBasicTests` in
//!   `packages/utils/adapter.ts`), made self-contained and named after it in snake_case:
//!   `required_methods_exist`, `create_user`, `get_user`, `get_user_by_email`,
//!   `create_session`, `get_session_and_user`, `update_user`, `update_session`,
//!   `link_account`, `get_user_by_account`, `delete_session`,
//!   `verification_token_methods_exist`, `create_verification_token`,
//!   `use_verification_token`, `future_methods_exist`, `unlink_account`, `delete_user`,
//!   `get_account`, `create_authenticator`, `get_authenticator`,
//!   `list_authenticators_by_user_id` (strict: the whole list, not a subset),
//!   `update_authenticator_counter`. Auth.js reads storage directly; here the adapter's own
//!   getters read it back, with full equality wherever Auth.js uses `toEqual`.
//! - **What Auth.js's suite misses** ([`cases`] documents each): unique keys (email,
//!   account, session token, `(identifier, token)`, credential id) → `Conflict` with the
//!   original untouched; references to unknown users → `NotFound` with nothing stored;
//!   updates of missing records → `NotFound`; lookups and deletes of missing, non-numeric,
//!   empty, NUL-containing and overflowing ids → `Ok(None)`; `delete_user` of a user with
//!   several sessions, accounts and authenticators (all gone, other users untouched,
//!   verification tokens kept); email changes keeping `get_user_by_email` right; exact
//!   (case-sensitive) emails; expired sessions and tokens (returned unchanged or not at
//!   all, gone after `delete_expired`, live ones untouched, the `expires < now` boundary);
//!   the extensions `delete_sessions_by_user_id`, `update_account`, `delete_expired`;
//!   `update_session`'s return value; oversize (256 characters), empty and NUL input →
//!   `InvalidInput` with nothing stored, 255 multi-byte characters accepted; Unicode, `:`
//!   and `?` in every key; edge values (all-`None` users, unknown account types,
//!   millisecond dates, `u32::MAX` counters); no secret in `Debug` output or error
//!   messages; and races of 16 tasks (`use_verification_token`, `create_user`,
//!   `link_account`, `delete_session`) with exactly one winner.
//! - **A model check** ([`run_model_check`]): random sequences of every trait operation,
//!   run against the backend and a plain reference model, every answer compared.
//! - **The store traits beside `Adapter`**: [`counter_suite!`] for the
//!   [`CounterStore`](auth_adapter_core::CounterStore), and [`token_suite!`] for the
//!   [`TokenStore`](auth_adapter_core::TokenStore) (bound tokens: realm isolation,
//!   conflicts that never move a token, expiry, revoke one and all, the `delete_user`
//!   cascade also when racing binds, the listing, the last-use throttle, bad input,
//!   Unicode) with its own model check ([`run_token_model_check`]).
//!
//! # Lints
//!
//! This is test-support code: failing loudly is its job, so `unwrap`, `expect` and
//! `panic!` are allowed throughout.

#![deny(missing_docs)]
// Test support: a failed expectation must panic with a message, that is how cases fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cases;
pub mod check;
pub mod fixtures;
#[cfg(feature = "interop")]
pub mod interop;
pub mod limits;
mod model;
#[cfg(feature = "passwordless")]
pub mod passwordless;

pub use limits::{KeyLimit, Limits};
pub use model::{
    ModelConfig, run_model_check, run_model_check_with, run_model_check_within,
    run_token_model_check, run_token_model_check_with,
};

/// A backend as both an [`Adapter`](auth_adapter_core::Adapter) and a
/// [`TokenStore`](auth_adapter_core::TokenStore) on one store, which every backend is: what
/// the [`token_suite!`] cases take (they create and delete users, and bind tokens to them).
/// Implemented for every such type; `Arc::new(adapter)` coerces to `Arc<dyn TokenBackend>`.
pub trait TokenBackend: auth_adapter_core::Adapter + auth_adapter_core::TokenStore {}

impl<T: auth_adapter_core::Adapter + auth_adapter_core::TokenStore + ?Sized> TokenBackend for T {}

/// Calls `$mode` handling with the list of every case, as `module::name` paths relative
/// to [`cases`]. The one place the case list is written.
#[doc(hidden)]
#[macro_export]
macro_rules! __for_each_case {
    ($($mode:tt)*) => {
        $crate::__expand_cases! { [$($mode)*]
            // Auth.js runBasicTests, in its order.
            methods::required_methods_exist
            users::create_user
            users::get_user
            users::get_user_by_email
            sessions::create_session
            sessions::get_session_and_user
            users::update_user
            sessions::update_session
            accounts::link_account
            accounts::get_user_by_account
            sessions::delete_session
            methods::verification_token_methods_exist
            verification_tokens::create_verification_token
            verification_tokens::use_verification_token
            methods::future_methods_exist
            accounts::unlink_account
            users::delete_user
            accounts::get_account
            authenticators::create_authenticator
            authenticators::get_authenticator
            authenticators::list_authenticators_by_user_id
            authenticators::update_authenticator_counter
            // Users.
            users::create_user_duplicate_email_is_conflict
            users::user_without_optional_fields_round_trips
            users::email_verified_keeps_milliseconds
            users::get_user_by_email_is_exact
            users::update_user_email_moves_lookup
            users::update_user_to_taken_email_is_conflict
            users::update_user_partial_and_clear
            users::update_user_missing_is_not_found
            users::delete_user_cascades_everything
            users::delete_user_releases_email
            // Accounts.
            accounts::link_account_duplicate_is_conflict
            accounts::link_account_unknown_user_is_not_found
            accounts::account_type_other_round_trips
            accounts::user_with_several_accounts
            accounts::update_account_refreshes_tokens
            accounts::update_account_missing_is_not_found
            // Sessions.
            sessions::create_session_duplicate_token_is_conflict
            sessions::create_session_unknown_user_is_not_found
            sessions::update_session_returns_updated_row
            sessions::update_session_without_expires_returns_row
            sessions::update_session_missing_is_none
            sessions::delete_session_missing_is_none
            sessions::delete_sessions_by_user_id
            sessions::expired_session_is_kept_unchanged_or_dropped
            sessions::delete_expired_removes_only_expired
            // Verification tokens.
            verification_tokens::create_verification_token_duplicate_is_conflict
            verification_tokens::verification_tokens_are_keyed_by_identifier_and_token
            verification_tokens::expired_verification_token_is_kept_unchanged_or_dropped
            // Authenticators.
            authenticators::create_authenticator_duplicate_is_conflict
            authenticators::create_authenticator_unknown_user_is_not_found
            authenticators::authenticator_fields_round_trip
            // Input.
            input::impossible_ids_are_not_found
            input::updates_of_missing_records_are_not_found
            input::oversize_input_is_invalid
            input::nul_bytes_are_invalid
            input::empty_keys_are_invalid
            input::unicode_and_separators_round_trip
            input::debug_output_hides_secrets
            // Keys of several parts, key limits, the date range.
            keys::accounts_whose_parts_join_alike_stay_apart
            keys::verification_tokens_whose_parts_join_alike_stay_apart
            keys::single_part_keys_with_pattern_characters_are_exact
            keys::oversize_keys_are_invalid_and_lookups_of_any_size_are_not_found
            dates::dates_at_both_ends_of_the_range_round_trip
            dates::dates_outside_the_range_are_invalid
            // Concurrency.
            concurrency::concurrent_use_verification_token_has_one_winner
            concurrency::concurrent_create_user_same_email_has_one_winner
            concurrency::concurrent_link_account_has_one_winner
            concurrency::concurrent_delete_session_returns_it_once
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __expand_cases {
    ([names] $($module:ident :: $name:ident)*) => {
        &[$(::core::stringify!($name)),*]
    };
    ([tests $factory:path] $($module:ident :: $name:ident)*) => {
        $crate::__expand_cases! { [tests $factory, $crate::Limits::CONTRACT]
            $($module :: $name)*
        }
    };
    ([tests $factory:path, $limits:expr] $($module:ident :: $name:ident)*) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::run_case(::core::stringify!($name), $limits, async {
                    let adapter = $factory().await;
                    $crate::cases::$module::$name(adapter).await;
                })
                .await;
            }
        )*
    };
}

/// How long one conformance case may take, store set-up included, before it fails. Every
/// case does a few hundred store calls at most; a case still running after this is stuck
/// on a store (a lost connection, a lock never released, a deadlock).
pub const CASE_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs one case under [`CASE_TIME_LIMIT`] with `limits` in scope (see [`limits::current`]),
/// failing with the case's name when it passes the time limit.
#[doc(hidden)]
pub async fn run_case(name: &str, limits: Limits, case: impl std::future::Future<Output = ()>) {
    let case = limits::scope(limits, case);
    if tokio::time::timeout(CASE_TIME_LIMIT, case).await.is_err() {
        panic!(
            "conformance case `{name}` did not finish within {CASE_TIME_LIMIT:?}: a call to \
             the store is stuck (is its server up and answering?)"
        );
    }
}

/// The [`CounterStore`](auth_adapter_core::CounterStore) cases, one `module::name` each.
#[doc(hidden)]
#[macro_export]
macro_rules! __for_each_counter_case {
    ($($mode:tt)*) => {
        $crate::__expand_cases! { [$($mode)*]
            counters::increments_count_within_a_window
            counters::keys_are_exact
            counters::the_window_ends_and_counting_starts_again
            counters::reset_removes_the_counter
            counters::concurrent_increments_are_atomic
            counters::bad_input_is_invalid
            counters::purge_expired_keeps_live_counters
        }
    };
}

/// The name of every [`counter_suite!`] case.
pub const COUNTER_CASE_NAMES: &[&str] = __for_each_counter_case!(names);

/// Expands to one `#[tokio::test]` per [`CounterStore`](auth_adapter_core::CounterStore)
/// case (named as in [`COUNTER_CASE_NAMES`]), each on a store from `$factory`: the path of
/// an `async fn() -> Arc<dyn CounterStore>` (a fresh one or a shared one: every case uses
/// keys of its own). Each case runs under [`CASE_TIME_LIMIT`]. Use it in a module of its
/// own if the file also runs [`conformance_suite!`] (the names differ, but a module keeps
/// them apart from yours).
#[macro_export]
macro_rules! counter_suite {
    ($factory:path) => {
        $crate::__for_each_counter_case!(tests $factory);
    };
}

/// The `auth-adapter-passwordless` cases, one `module::name` each.
#[cfg(feature = "passwordless")]
#[doc(hidden)]
#[macro_export]
macro_rules! __for_each_passwordless_case {
    ($($mode:tt)*) => {
        $crate::__expand_cases! { [$($mode)*]
            passwordless::magic_link_round_trip
            passwordless::auth_js_links_are_redeemed
            passwordless::confirmed_codes_prove_without_a_session
            passwordless::email_code_round_trip
            passwordless::sms_code_round_trip
            passwordless::wrong_codes_hit_the_limit_with_retry_after
            passwordless::resend_replaces_the_code_and_keeps_the_budget
            passwordless::parallel_wrong_guesses_evaluate_at_most_the_limit
            passwordless::send_limits_per_recipient_and_per_ip
            passwordless::code_checks_per_ip_are_limited
            passwordless::expired_codes_and_links_are_refused
            passwordless::parallel_verifies_have_one_winner
            passwordless::failed_send_leaves_nothing_usable
            passwordless::emails_are_normalised
            passwordless::phones_are_normalised_and_invalid_ones_refused
            passwordless::users_are_created_once_and_email_verified_is_set
            passwordless::sessions_are_revoked_one_or_all
            passwordless::sends_do_the_same_work_for_known_and_unknown_addresses
            passwordless::nothing_secret_in_debug_or_errors
        }
    };
}

/// The [`TokenStore`](auth_adapter_core::TokenStore) cases, one `module::name` each.
#[doc(hidden)]
#[macro_export]
macro_rules! __for_each_token_case {
    ($($mode:tt)*) => {
        $crate::__expand_cases! { [$($mode)*]
            bound_tokens::bind_and_authenticate
            bound_tokens::realms_are_isolated
            bound_tokens::binding_a_bound_token_is_conflict_and_never_moves_it
            bound_tokens::concurrent_binds_of_one_token_have_one_winner
            bound_tokens::expired_tokens_never_authenticate
            bound_tokens::token_bound_already_expired_is_kept_or_dropped
            bound_tokens::revoke_token_is_scoped_to_its_user
            bound_tokens::revoke_all_tokens_removes_every_realm
            bound_tokens::delete_user_removes_its_tokens
            bound_tokens::delete_user_racing_binds_leaves_no_binding
            bound_tokens::list_tokens_shows_everything_but_the_secret
            bound_tokens::last_use_is_written_at_most_once_a_minute
            bound_tokens::bad_input_is_invalid
            bound_tokens::impossible_keys_find_nothing
            bound_tokens::unicode_and_separators_round_trip
            bound_tokens::debug_output_hides_tokens
        }
    };
}

/// The name of every [`passwordless_suite!`] case.
#[cfg(feature = "passwordless")]
pub const PASSWORDLESS_CASE_NAMES: &[&str] = __for_each_passwordless_case!(names);

/// Expands to one `#[tokio::test]` per `auth-adapter-passwordless` case (named as in
/// [`PASSWORDLESS_CASE_NAMES`], documented in [`cases::passwordless`]), each on a store
/// from `$factory`: the path of an `async fn() -> Arc<T>` where `T` is a backend type
/// (it implements both `Adapter` and `CounterStore`), fresh or shared (every case uses
/// addresses, numbers and client addresses of its own). Each case runs under
/// [`CASE_TIME_LIMIT`]. Needs the `passwordless` feature.
///
/// ```
/// async fn fresh_store() -> std::sync::Arc<auth_adapter_core::MemoryAdapter> {
///     std::sync::Arc::new(auth_adapter_core::MemoryAdapter::new())
/// }
/// auth_adapter_tests::passwordless_suite!(fresh_store);
/// # fn main() {}
/// ```
#[cfg(feature = "passwordless")]
#[macro_export]
macro_rules! passwordless_suite {
    ($factory:path) => {
        $crate::__for_each_passwordless_case!(tests $factory);
    };
}

/// The name of every [`token_suite!`] case.
pub const TOKEN_CASE_NAMES: &[&str] = __for_each_token_case!(names);

/// Expands to one `#[tokio::test]` per [`TokenStore`](auth_adapter_core::TokenStore) case
/// (named as in [`TOKEN_CASE_NAMES`]), each on a store from `$factory`, plus the
/// `#[test] fn token_model_check()` ([`run_token_model_check`]).
///
/// `$factory` is the path of an `async fn() -> Arc<dyn TokenBackend>`. The cases use users
/// and tokens of their own, so they may share a store; the model check needs a NEW
/// isolated store on every call (it calls `$factory` once per sequence, on its own
/// runtime). Each case runs under [`CASE_TIME_LIMIT`]. Use it in a module of its own if the
/// file also runs [`conformance_suite!`]:
///
/// ```
/// mod tokens {
///     async fn fresh() -> std::sync::Arc<dyn auth_adapter_tests::TokenBackend> {
///         std::sync::Arc::new(auth_adapter_core::MemoryAdapter::new())
///     }
///     auth_adapter_tests::token_suite!(fresh);
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! token_suite {
    ($factory:path) => {
        $crate::__for_each_token_case!(tests $factory);

        #[test]
        fn token_model_check() {
            $crate::run_token_model_check(|| $factory());
        }
    };
}

/// The name of every conformance case, in the order the suite lists them. Each is both a
/// function in [`cases`] and a test generated by [`conformance_suite!`].
pub const CASE_NAMES: &[&str] = __for_each_case!(names);

/// Expands to one `#[tokio::test]` per conformance case (named as in [`CASE_NAMES`]),
/// each on a fresh store from `$factory`, plus the `#[test] fn model_check()`.
///
/// `$factory` is the path of an `async fn() -> Arc<dyn Adapter>` returning a NEW isolated
/// store on every call. The calling crate needs `tokio` (features `rt-multi-thread`,
/// `macros`) as a dev-dependency.
///
/// Every case runs on its own tokio runtime (that of its `#[tokio::test]`), and the model
/// check on one more, calling `$factory` once per sequence. So the factory must open its
/// connections inside the call: a pool created on one test's runtime breaks when that
/// runtime is gone. The generated functions take the case names in the calling module;
/// keep other items there named differently.
///
/// A backend whose layout cannot hold all of the contract (see [`Limits`]) names its
/// documented limits with `conformance_suite!(factory, limits = expr)`; the few cases and
/// the part of the model check that touch a limit then check the documented answer (an
/// `InvalidInput` or a `Conflict`, nothing stored). Without it, every case runs under
/// [`Limits::CONTRACT`].
#[macro_export]
macro_rules! conformance_suite {
    ($factory:path) => {
        $crate::conformance_suite!($factory, limits = $crate::Limits::CONTRACT);
    };
    ($factory:path, limits = $limits:expr) => {
        $crate::__for_each_case!(tests $factory, $limits);

        #[test]
        fn model_check() {
            $crate::run_model_check_within($limits, || $factory());
        }
    };
}
