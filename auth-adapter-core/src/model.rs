//! The records Auth.js stores, and the inputs that create and update them.

mod account;
mod authenticator;
mod session;
mod user;
mod verification_token;

pub use account::{AccountType, AccountUpdate, AdapterAccount};
pub use authenticator::AdapterAuthenticator;
pub use session::{AdapterSession, ExpiredCount, SessionUpdate};
pub use user::{AdapterUser, NewUser, UserUpdate};
pub use verification_token::VerificationToken;
