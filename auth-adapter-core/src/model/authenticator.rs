use std::fmt;

use serde::{Deserialize, Serialize};

use crate::redact::Redacted;

/// A WebAuthn credential, with the Auth.js field names (`credentialID`, …).
/// `Debug` redacts the public key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdapterAuthenticator {
    /// The credential id (standard base64); unique.
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    /// The owning user.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// The `providerAccountId` of the matching `webauthn` account.
    #[serde(rename = "providerAccountId")]
    pub provider_account_id: String,
    /// The COSE public key, base64.
    #[serde(rename = "credentialPublicKey")]
    pub credential_public_key: String,
    /// The signature counter.
    pub counter: u32,
    /// `"singleDevice"` or `"multiDevice"`.
    #[serde(rename = "credentialDeviceType")]
    pub credential_device_type: String,
    /// Whether the credential is backed up.
    #[serde(rename = "credentialBackedUp")]
    pub credential_backed_up: bool,
    /// Transports joined with `,` (e.g. `"usb,ble,nfc"`).
    pub transports: Option<String>,
}

impl fmt::Debug for AdapterAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterAuthenticator")
            .field("credential_id", &self.credential_id)
            .field("user_id", &self.user_id)
            .field("provider_account_id", &self.provider_account_id)
            .field(
                "credential_public_key",
                &Redacted(&self.credential_public_key),
            )
            .field("counter", &self.counter)
            .field("credential_device_type", &self.credential_device_type)
            .field("credential_backed_up", &self.credential_backed_up)
            .field("transports", &self.transports)
            .finish()
    }
}
