//! [`Client`]: who is asking, for the per-address limits.

use std::net::IpAddr;

/// The client behind a request: its IP address (for the per-address limits) and its user
/// agent (for the application's logs). Take the address from the connection, or from a
/// proxy header only when the proxy is yours: a header anyone can set lets anyone pick
/// their own bucket.
///
/// A client without an address shares one bucket with every other such client (fails
/// closed, as better-auth's limiter does).
///
/// ```
/// use auth_adapter_passwordless::Client;
/// let client = Client::new(Some("203.0.113.7".parse().unwrap())).user_agent("curl/8");
/// assert_eq!(client.user_agent.as_deref(), Some("curl/8"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Client {
    /// The client's IP address, if known.
    pub ip: Option<IpAddr>,
    /// The `User-Agent` it sent, if any.
    pub user_agent: Option<String>,
}

impl Client {
    /// A client at `ip`.
    pub fn new(ip: Option<IpAddr>) -> Self {
        Client {
            ip,
            user_agent: None,
        }
    }

    /// Sets the user agent.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The key of this client's bucket: an IPv4 address, an IPv6 /64 (one subscriber gets a
    /// whole /64, so one address each would be no limit), or `unknown`.
    pub(crate) fn bucket(&self) -> String {
        auth_adapter_core::client_bucket(self.ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_group_ipv6_by_64_and_unmap_ipv4() {
        let c = |s: &str| Client::new(Some(s.parse().unwrap())).bucket();
        assert_eq!(c("203.0.113.7"), "203.0.113.7");
        assert_eq!(c("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(c("2001:db8:1:2:3:4:5:6"), c("2001:db8:1:2:ffff::1"));
        assert_ne!(c("2001:db8:1:2::1"), c("2001:db8:1:3::1"));
        assert_eq!(Client::default().bucket(), "unknown");
    }
}
