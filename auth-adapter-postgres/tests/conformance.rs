//! The conformance suite, each case (and each model-check sequence) in its own freshly
//! created and migrated schema `aa_<uuid>` on the server at DATABASE_URL.

mod common;

use common::fresh_adapter;

auth_adapter_tests::conformance_suite!(fresh_adapter);
