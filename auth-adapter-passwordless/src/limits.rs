//! [`Limits`]: how many codes are checked and how many messages are sent, per recipient
//! and per client address, counted in the store ([`CounterStore`]).
//!
//! [`CounterStore`]: auth_adapter_core::CounterStore

use chrono::TimeDelta;

/// At most `max` events per fixed window of `window`, counted in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    max: u64,
    window: TimeDelta,
}

impl Limit {
    /// At most `max` per `window` (the window opens with the first event and ends
    /// `window` later, see [`CounterStore`](auth_adapter_core::CounterStore)).
    pub fn new(max: u64, window: TimeDelta) -> Self {
        Limit { max, window }
    }

    /// The most events per window.
    pub fn get_max(&self) -> u64 {
        self.max
    }

    /// The window's length.
    pub fn get_window(&self) -> TimeDelta {
        self.window
    }

    /// Whether the store takes this limit: `max ≥ 1`, a window of 1 ms to
    /// [`MAX_WINDOW`](auth_adapter_core::MAX_WINDOW).
    pub(crate) fn is_valid(&self) -> bool {
        self.max >= 1
            && self.window >= TimeDelta::milliseconds(1)
            && self.window <= auth_adapter_core::MAX_WINDOW
    }
}

/// The attempt and rate limits of a [`Passwordless`](crate::Passwordless) service. Every
/// one is a counter in the store, incremented *before* the work it limits, so that
/// concurrent requests on every instance behind a load balancer share it.
///
/// | limit | default | counts |
/// |---|---|---|
/// | [`wrong_codes`](Limits::wrong_codes) | 5 per 15 min | code checks per recipient; a correct code resets it, a new code does not |
/// | [`code_checks_per_ip`](Limits::code_checks_per_ip) | 50 per 15 min | code checks per client address (IPv6 by /64), for any recipient |
/// | [`sends_per_recipient`](Limits::sends_per_recipient) | 5 per 15 min | links and codes sent to one address or number |
/// | [`sends_per_ip`](Limits::sends_per_ip) | 30 per 15 min | links and codes asked for by one client address |
///
/// ```
/// use auth_adapter_passwordless::{Limit, Limits};
/// use chrono::TimeDelta;
///
/// let limits = Limits::default().wrong_codes(Limit::new(3, TimeDelta::minutes(10)));
/// assert_eq!(limits.get_wrong_codes().get_max(), 3);
/// assert_eq!(limits.get_sends_per_recipient().get_max(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    wrong_codes: Limit,
    code_checks_per_ip: Limit,
    sends_per_recipient: Limit,
    sends_per_ip: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        let window = TimeDelta::minutes(15);
        Limits {
            wrong_codes: Limit::new(5, window),
            code_checks_per_ip: Limit::new(50, window),
            sends_per_recipient: Limit::new(5, window),
            sends_per_ip: Limit::new(30, window),
        }
    }
}

impl Limits {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Limits::default()
    }

    /// Code checks per recipient per window. The counter is incremented before a code is
    /// looked at, so of any number of concurrent guesses at most `max` are evaluated; past
    /// `max`, even the right code is refused until the window ends. A correct code resets
    /// it; sending a new code does not (the budget holds across re-sends).
    pub fn wrong_codes(mut self, limit: Limit) -> Self {
        self.wrong_codes = limit;
        self
    }

    /// Code checks per client address per window, whatever the recipient: one address
    /// spraying guesses over many recipients is stopped here.
    pub fn code_checks_per_ip(mut self, limit: Limit) -> Self {
        self.code_checks_per_ip = limit;
        self
    }

    /// Links and codes sent to one recipient per window.
    pub fn sends_per_recipient(mut self, limit: Limit) -> Self {
        self.sends_per_recipient = limit;
        self
    }

    /// Links and codes asked for by one client address per window.
    pub fn sends_per_ip(mut self, limit: Limit) -> Self {
        self.sends_per_ip = limit;
        self
    }

    /// See [`wrong_codes`](Limits::wrong_codes).
    pub fn get_wrong_codes(&self) -> Limit {
        self.wrong_codes
    }

    /// See [`code_checks_per_ip`](Limits::code_checks_per_ip).
    pub fn get_code_checks_per_ip(&self) -> Limit {
        self.code_checks_per_ip
    }

    /// See [`sends_per_recipient`](Limits::sends_per_recipient).
    pub fn get_sends_per_recipient(&self) -> Limit {
        self.sends_per_recipient
    }

    /// See [`sends_per_ip`](Limits::sends_per_ip).
    pub fn get_sends_per_ip(&self) -> Limit {
        self.sends_per_ip
    }

    /// The first limit the store would refuse, by name.
    pub(crate) fn invalid(&self) -> Option<&'static str> {
        [
            ("wrong_codes", self.wrong_codes),
            ("code_checks_per_ip", self.code_checks_per_ip),
            ("sends_per_recipient", self.sends_per_recipient),
            ("sends_per_ip", self.sends_per_ip),
        ]
        .into_iter()
        .find(|(_, limit)| !limit.is_valid())
        .map(|(name, _)| name)
    }
}

/// The counter keys, all under `pwl:` (the backends keep counters apart from the Auth.js
/// data: their own table or keys).
pub(crate) mod keys {
    /// Code checks for a recipient (`email:…` / `phone:…`).
    pub(crate) fn code_checks(recipient: &str) -> String {
        format!("pwl:checks:{recipient}")
    }

    /// Code checks from a client address.
    pub(crate) fn code_checks_ip(ip: &str) -> String {
        format!("pwl:checks-ip:{ip}")
    }

    /// Messages sent to a recipient.
    pub(crate) fn sends(recipient: &str) -> String {
        format!("pwl:sends:{recipient}")
    }

    /// Messages asked for by a client address.
    pub(crate) fn sends_ip(ip: &str) -> String {
        format!("pwl:sends-ip:{ip}")
    }

    /// The generation of a recipient's code: which one of the codes sent is current.
    pub(crate) fn generation(recipient: &str) -> String {
        format!("pwl:gen:{recipient}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_what_the_store_takes_are_named() {
        assert_eq!(Limits::default().invalid(), None);
        let zero = Limits::default().sends_per_ip(Limit::new(0, TimeDelta::minutes(1)));
        assert_eq!(zero.invalid(), Some("sends_per_ip"));
        let long = Limits::default().wrong_codes(Limit::new(1, TimeDelta::days(400)));
        assert_eq!(long.invalid(), Some("wrong_codes"));
        let none = Limits::default().code_checks_per_ip(Limit::new(1, TimeDelta::zero()));
        assert_eq!(none.invalid(), Some("code_checks_per_ip"));
    }
}
