use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user, as Auth.js stores it.
///
/// Serializes with Auth.js names (`emailVerified`). Dates are ISO-8601 with milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdapterUser {
    /// The id the backend assigned (a UUID, or an integer as a string on PostgreSQL).
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Email address, compared exactly (normalise it first, see
    /// [`normalize_identifier`](crate::normalize_identifier)). `None` is allowed because the
    /// Auth.js schemas allow `NULL`; at most one user holds any given address.
    pub email: Option<String>,
    /// When the address was last verified by an email sign-in.
    #[serde(with = "crate::backend::dates::option")]
    pub email_verified: Option<DateTime<Utc>>,
    /// Avatar URL.
    pub image: Option<String>,
}

/// The fields of a user to create; the backend assigns the id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    /// Display name.
    pub name: Option<String>,
    /// Email address (unique when present).
    pub email: Option<String>,
    /// When the address was verified.
    #[serde(with = "crate::backend::dates::option")]
    pub email_verified: Option<DateTime<Utc>>,
    /// Avatar URL.
    pub image: Option<String>,
}

impl NewUser {
    /// A user with this email and nothing else set.
    pub fn with_email(email: impl Into<String>) -> Self {
        NewUser {
            email: Some(email.into()),
            ..NewUser::default()
        }
    }
}

/// A partial update of a user: `None` keeps a field, `Some(None)` clears it.
///
/// ```
/// use auth_adapter_core::UserUpdate;
/// let update = UserUpdate::new("42").name(Some("Ada".into())).image(None);
/// assert_eq!(update.name, Some(Some("Ada".to_string())));
/// assert_eq!(update.image, Some(None));
/// assert_eq!(update.email, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdate {
    /// The user to update.
    pub id: String,
    /// New display name.
    pub name: Option<Option<String>>,
    /// New email address (unique when present).
    pub email: Option<Option<String>>,
    /// New verification time.
    pub email_verified: Option<Option<DateTime<Utc>>>,
    /// New avatar URL.
    pub image: Option<Option<String>>,
}

impl UserUpdate {
    /// An update of user `id` that changes nothing yet.
    pub fn new(id: impl Into<String>) -> Self {
        UserUpdate {
            id: id.into(),
            name: None,
            email: None,
            email_verified: None,
            image: None,
        }
    }

    /// Sets (or with `None`, clears) the name.
    pub fn name(mut self, name: Option<String>) -> Self {
        self.name = Some(name);
        self
    }

    /// Sets (or clears) the email.
    pub fn email(mut self, email: Option<String>) -> Self {
        self.email = Some(email);
        self
    }

    /// Sets (or clears) the verification time.
    pub fn email_verified(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.email_verified = Some(at);
        self
    }

    /// Sets (or clears) the image.
    pub fn image(mut self, image: Option<String>) -> Self {
        self.image = Some(image);
        self
    }

    /// Applies this update to `user` (the id is left as it is).
    pub fn apply_to(&self, user: &mut AdapterUser) {
        if let Some(v) = &self.name {
            user.name.clone_from(v);
        }
        if let Some(v) = &self.email {
            user.email.clone_from(v);
        }
        if let Some(v) = self.email_verified {
            user.email_verified = v;
        }
        if let Some(v) = &self.image {
            user.image.clone_from(v);
        }
    }
}
