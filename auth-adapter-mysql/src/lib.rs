//! The MySQL and MariaDB backend of auth-adapter: the Auth.js [`Adapter`] on
//! [sqlx](https://docs.rs/sqlx), in the table layouts of
//! [`@auth/prisma-adapter`](https://authjs.dev/getting-started/adapters/prisma) and
//! [`@auth/drizzle-adapter`](https://authjs.dev/getting-started/adapters/drizzle).

#![deny(missing_docs)]

mod adapter;
mod checks;
mod error;
mod layout;
mod options;
mod rows;
mod schema;
mod sql;

pub use adapter::MySqlAdapter;
pub use auth_adapter_core::MigrationReport;
pub use error::ServerError;
pub use layout::Layout;
pub use options::MySqlOptions;

pub use auth_adapter_core::Adapter;
