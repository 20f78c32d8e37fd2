//! Who is asking: the client's IP address (for the per-address limits) and user agent.

use std::net::{IpAddr, SocketAddr};

use auth_adapter_passwordless::Client;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;

/// The client's IP address as your app knows it, put in a request's extensions by a
/// middleware of yours: behind a reverse proxy you run, the address it forwards
/// (`X-Forwarded-For` as your proxy writes it). The passwordless routes take it over the
/// connection's address. Never take it from a header a client can set freely: a client
/// that picks its own address picks its own rate-limit bucket.
///
/// ```
/// use auth_adapter_axum::ClientIp;
/// use axum::{extract::Request, middleware::Next, response::Response};
///
/// // Behind exactly one proxy of yours, which appends the client's address last.
/// async fn client_ip(mut request: Request, next: Next) -> Response {
///     let forwarded = request
///         .headers()
///         .get("x-forwarded-for")
///         .and_then(|v| v.to_str().ok())
///         .and_then(|v| v.rsplit(',').next())
///         .and_then(|ip| ip.trim().parse().ok());
///     if let Some(ip) = forwarded {
///         request.extensions_mut().insert(ClientIp(ip));
///     }
///     next.run(request).await
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The [`Client`] of a request: [`ClientIp`], else the connection's address, and the
/// `User-Agent`.
pub(super) struct FromRequest(pub(super) Client);

impl<S: Send + Sync> FromRequestParts<S> for FromRequest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ClientIp>()
            .map(|ip| ip.0)
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|info| info.0.ip())
            });
        let mut client = Client::new(ip);
        if let Some(agent) = parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()) {
            client = client.user_agent(agent);
        }
        Ok(FromRequest(client))
    }
}
