//! The one HTTP client for requests Keel makes to addresses an administrator typed in (webhooks
//! now, pull data sources next), safe against server-side request forgery.
//!
//! Why one place: a URL field is a way into the network Keel runs in (the cloud's metadata
//! service at 169.254.169.254, a database's admin port on 10.0.0.5, `localhost:5432`). Every
//! outbound request goes through [`Outbound`], which:
//!
//! - accepts `http` and `https` URLs only;
//! - resolves host names itself and checks **every** address the name resolves to against
//!   [`refusal`]; the connection is then made to those checked addresses only (the resolver is
//!   the client's, so there is no second lookup a rebinding DNS server could answer
//!   differently); a literal IP in the URL is checked the same way;
//! - follows no redirect (a redirect is an error that says so: the next hop would escape the
//!   check), uses no proxy from the environment, and bounds connect time, total time and the
//!   size of the response it reads;
//! - words its errors for an administrator, and never puts the response body in them (a
//!   refused internal service must not leak its answer through an error message).
//!
//! Private, loopback, link-local, unique-local and shared (CGNAT) addresses are allowed only
//! with `KEEL_WEBHOOK_ALLOW_PRIVATE=true` ([`OutboundPolicy`]): on-premises receivers and tests
//! need it. Unspecified, multicast, broadcast, documentation and reserved addresses never are.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which addresses outbound requests may reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// `KEEL_WEBHOOK_ALLOW_PRIVATE=true`: private, loopback, link-local, unique-local and shared
    /// addresses are allowed (on-premises receivers, tests).
    pub allow_private: bool,
}

impl OutboundPolicy {
    /// The policy the environment sets (`KEEL_WEBHOOK_ALLOW_PRIVATE=true` or `1`).
    pub fn from_env() -> OutboundPolicy {
        let on = std::env::var("KEEL_WEBHOOK_ALLOW_PRIVATE")
            .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"));
        OutboundPolicy { allow_private: on }
    }
}

/// Bounds on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Until the TCP (and TLS) connection is up.
    pub connect: Duration,
    /// The whole request, body read included.
    pub total: Duration,
    /// The most response bytes read; a larger response is an error.
    pub max_response_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(10),
            max_response_bytes: 256 * 1024,
        }
    }
}

/// Why an outbound request failed, in words an administrator can act on. Never holds the
/// response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("not a valid URL: {0}")]
    BadUrl(String),
    #[error("only http and https URLs may be used, not {0}")]
    Scheme(String),
    #[error(
        "{host} is {addr}, {kind} address: Keel does not send to it{}",
        unless_allowed(.allowed_with_setting)
    )]
    Refused {
        host: String,
        addr: IpAddr,
        kind: &'static str,
        allowed_with_setting: bool,
    },
    #[error("the host name {0} could not be resolved")]
    Dns(String),
    #[error("could not connect to {0}")]
    Connect(String),
    #[error("no complete answer within {0} seconds")]
    Timeout(u64),
    #[error("the receiver answered with a redirect ({0}); redirects are not followed")]
    Redirect(u16),
    #[error("the receiver answered {0}")]
    Status(u16),
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the answer is not JSON")]
    NotJson,
    #[error("the request failed: {0}")]
    Other(String),
}

/// What an administrator can do about a refused address, if anything.
fn unless_allowed(allowed_with_setting: &bool) -> &'static str {
    if *allowed_with_setting {
        " unless KEEL_WEBHOOK_ALLOW_PRIVATE=true"
    } else {
        ""
    }
}

impl OutboundError {
    /// The receiver's HTTP status, when it answered one.
    pub fn status(&self) -> Option<u16> {
        match self {
            OutboundError::Redirect(s) | OutboundError::Status(s) => Some(*s),
            _ => None,
        }
    }
}

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub struct OutboundResponse {
    pub status: u16,
    /// At most [`Limits::max_response_bytes`].
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

/// Why an address may not be reached: `None` when it is a public address. The second value
/// says whether `KEEL_WEBHOOK_ALLOW_PRIVATE` allows it.
pub fn refusal(ip: IpAddr) -> Option<(&'static str, bool)> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<(&'static str, bool)> {
    let [a, b, c, _] = ip.octets();
    let internal = |kind| Some((kind, true));
    let never = |kind| Some((kind, false));
    match (a, b, c) {
        (0, _, _) => never("an unspecified (this-network)"),
        (10, _, _) => internal("a private"),
        (100, 64..=127, _) => internal("a shared (carrier-grade NAT)"),
        (127, _, _) => internal("a loopback"),
        (169, 254, _) => internal("a link-local"),
        (172, 16..=31, _) => internal("a private"),
        (192, 0, 0) => never("an IETF protocol"),
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => never("a documentation"),
        (192, 88, 99) => never("a deprecated relay"),
        (192, 168, _) => internal("a private"),
        (198, 18..=19, _) => never("a benchmarking"),
        (224..=239, _, _) => never("a multicast"),
        (240..=255, _, _) => never("a reserved or broadcast"),
        _ => None,
    }
}

fn refusal_v6(ip: Ipv6Addr) -> Option<(&'static str, bool)> {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if ip.is_unspecified() {
        return Some(("an unspecified", false));
    }
    if ip.is_loopback() {
        return Some(("a loopback", true));
    }
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 address decides.
    if s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0) {
        return refusal_v4(embedded(s[6], s[7])).or(if s[5] == 0 {
            Some(("a deprecated IPv4-compatible", false))
        } else {
            None
        });
    }
    // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return refusal_v4(embedded(s[6], s[7]));
    }
    // 6to4 (2002::/16) reaches the IPv4 address it embeds.
    if s[0] == 0x2002 {
        return refusal_v4(embedded(s[1], s[2]));
    }
    match s[0] {
        0x64 if s[1] == 0xff9b && s[2] == 1 => Some(("a local-use NAT64", true)),
        0x100 if s[1..4] == [0, 0, 0] => Some(("a discard-only", false)),
        0x2001 if s[1] == 0 => Some(("a Teredo tunnel", false)),
        0x2001 if s[1] == 0xdb8 => Some(("a documentation", false)),
        0x3fff if s[1] < 0x1000 => Some(("a documentation", false)),
        x if x & 0xfe00 == 0xfc00 => Some(("a unique-local", true)),
        x if x & 0xffc0 == 0xfe80 => Some(("a link-local", true)),
        x if x & 0xffc0 == 0xfec0 => Some(("a site-local", true)),
        x if x & 0xff00 == 0xff00 => Some(("a multicast", false)),
        _ => None,
    }
}

impl OutboundPolicy {
    /// The refusal of `addr` for `host` under this policy, if any.
    pub fn check(&self, host: &str, addr: IpAddr) -> Result<(), OutboundError> {
        match refusal(addr) {
            Some((_, true)) if self.allow_private => Ok(()),
            Some((kind, allowed_with_setting)) => Err(OutboundError::Refused {
                host: host.to_string(),
                addr,
                kind,
                allowed_with_setting,
            }),
            None => Ok(()),
        }
    }
}

impl OutboundPolicy {
    /// Checks a URL before it is saved or used: parses, http(s) only, and a literal IP address
    /// checked against the policy (host names are checked when resolved, at each request).
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, OutboundError> {
        let parsed =
            reqwest::Url::parse(url.trim()).map_err(|e| OutboundError::BadUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(OutboundError::Scheme(format!("{}://", parsed.scheme())));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(OutboundError::BadUrl(
                "credentials in the URL are not accepted (use a header)".into(),
            ));
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| OutboundError::BadUrl("the URL has no host".into()))?;
        // The URL parser has already written any IPv4 spelling (`2130706433`, `0x7f.1`) as
        // dotted decimal, and IPv6 in brackets.
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            self.check(literal, ip)?;
        }
        Ok(parsed)
    }
}

/// The client's resolver: every address a name resolves to is checked, and only checked
/// addresses are handed to the connector (one lookup, so no rebinding between check and use).
struct CheckedResolver {
    policy: OutboundPolicy,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| OutboundError::Dns(host.clone()))?
                .collect();
            if addrs.is_empty() {
                return Err(OutboundError::Dns(host).into());
            }
            for a in &addrs {
                policy.check(&host, a.ip())?;
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The SSRF-safe client (cheap to clone: one connection pool).
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    policy: OutboundPolicy,
    limits: Limits,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("policy", &self.policy)
            .field("limits", &self.limits)
            .finish()
    }
}

impl Outbound {
    /// A client under `policy` with these limits.
    pub fn new(policy: OutboundPolicy, limits: Limits) -> Outbound {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(CheckedResolver { policy }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(limits.connect)
            .timeout(limits.total)
            .user_agent(concat!("Keel/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a client without custom TLS roots always builds");
        Outbound {
            client,
            policy,
            limits,
        }
    }

    /// Whether private addresses are allowed (the admin page says so).
    pub fn policy(&self) -> OutboundPolicy {
        self.policy
    }

    /// Checks a URL before it is saved or used ([`OutboundPolicy::check_url`]).
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, OutboundError> {
        self.policy.check_url(url)
    }

    /// POSTs `body` (JSON text, serialized by the caller so that it can sign exactly what is
    /// sent) with `headers`; a 2xx answer is `Ok`, anything else an error with its status.
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<OutboundResponse, OutboundError> {
        let url = self.check_url(url)?;
        let mut h = header_map(headers)?;
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.send(self.client.post(url).headers(h).body(body)).await
    }

    /// GETs JSON from `url` with `headers` (authentication, say): the parsed answer of a 2xx
    /// response, else an error.
    pub async fn get_json(
        &self,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<(serde_json::Value, OutboundResponse), OutboundError> {
        let url = self.check_url(url)?;
        let mut h = header_map(headers)?;
        h.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let resp = self.send(self.client.get(url).headers(h)).await?;
        let value = serde_json::from_slice(&resp.body).map_err(|_| OutboundError::NotJson)?;
        Ok((value, resp))
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<OutboundResponse, OutboundError> {
        let started = Instant::now();
        let mut resp = req.send().await.map_err(|e| self.failure(&e))?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(OutboundError::Redirect(status));
        }
        if !resp.status().is_success() {
            return Err(OutboundError::Status(status));
        }
        let max = self.limits.max_response_bytes;
        if resp.content_length().is_some_and(|n| n > max as u64) {
            return Err(OutboundError::TooLarge(max));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.failure(&e))? {
            if body.len() + chunk.len() > max {
                return Err(OutboundError::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(OutboundResponse {
            status,
            body,
            elapsed: started.elapsed(),
        })
    }

    /// A client error in words: the resolver's refusal when that was the cause.
    fn failure(&self, e: &reqwest::Error) -> OutboundError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(s) = source {
            if let Some(o) = s.downcast_ref::<OutboundError>() {
                return o.clone();
            }
            source = s.source();
        }
        if e.is_timeout() {
            return OutboundError::Timeout(self.limits.total.as_secs().max(1));
        }
        let host = e
            .url()
            .and_then(|u| u.host_str())
            .unwrap_or("the receiver")
            .to_string();
        if e.is_connect() {
            return OutboundError::Connect(host);
        }
        OutboundError::Other(without_url(e))
    }
}

/// A reqwest error's words without the URL (it may carry a query string with a token).
fn without_url(e: &reqwest::Error) -> String {
    let mut words = e.to_string();
    if let Some(u) = e.url() {
        words = words.replace(u.as_str(), "the URL");
    }
    words
}

fn header_map(headers: &[(&str, String)]) -> Result<HeaderMap, OutboundError> {
    let mut h = HeaderMap::new();
    for (name, value) in headers {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| OutboundError::Other(format!("'{name}' is not a valid header name")))?;
        let v = HeaderValue::from_str(value)
            .map_err(|_| OutboundError::Other(format!("the header {name} has an invalid value")))?;
        h.insert(n, v);
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str) -> Option<bool> {
        refusal(s.parse().unwrap()).map(|(_, allowed)| allowed)
    }

    #[test]
    fn public_addresses_are_allowed() {
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.1.1",
            "192.169.0.1",
            "169.253.1.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:82b::200e",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(refused(a), None, "{a}");
        }
    }

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        for a in [
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::1",
        ] {
            assert_eq!(refused(a), Some(true), "{a}");
        }
    }

    #[test]
    fn unroutable_addresses_are_always_refused() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "192.0.0.1",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::ffff:0.0.0.0",
            "::ffff:224.0.0.1",
            "::1.2.3.4",
            "ff02::1",
            "ff05::2",
            "2001:db8::1",
            "2001::1",
            "100::1",
            "3fff::1",
        ] {
            assert_eq!(refused(a), Some(false), "{a}");
        }
    }

    #[test]
    fn the_setting_allows_internal_addresses_only() {
        let open = OutboundPolicy {
            allow_private: true,
        };
        let closed = OutboundPolicy::default();
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(open.check("localhost", lo).is_ok());
        let e = closed.check("localhost", lo).unwrap_err();
        assert_eq!(
            e.to_string(),
            "localhost is 127.0.0.1, a loopback address: Keel does not send to it unless \
             KEEL_WEBHOOK_ALLOW_PRIVATE=true"
        );
        let multicast: IpAddr = "224.0.0.1".parse().unwrap();
        assert!(open.check("m", multicast).is_err());
        assert!(!open
            .check("m", multicast)
            .unwrap_err()
            .to_string()
            .contains("KEEL_WEBHOOK_ALLOW_PRIVATE"));
    }

    #[test]
    fn urls_are_http_or_https_with_literal_addresses_checked() {
        let o = Outbound::new(OutboundPolicy::default(), Limits::default());
        assert!(o.check_url("https://hooks.example.com/x?y=1").is_ok());
        assert_eq!(
            o.check_url("ftp://example.com/").unwrap_err(),
            OutboundError::Scheme("ftp://".into())
        );
        assert!(matches!(
            o.check_url("not a url"),
            Err(OutboundError::BadUrl(_))
        ));
        for refused in [
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://[::ffff:169.254.169.254]/",
            "http://10.0.0.1/",
        ] {
            assert!(
                matches!(o.check_url(refused), Err(OutboundError::Refused { .. })),
                "{refused}"
            );
        }
        assert!(matches!(
            o.check_url("https://user:pw@example.com/"),
            Err(OutboundError::BadUrl(_))
        ));
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_before_connecting() {
        let o = Outbound::new(OutboundPolicy::default(), Limits::default());
        let e = o
            .post_json("http://localhost:9/hook", &[], b"{}".to_vec())
            .await
            .unwrap_err();
        assert!(matches!(e, OutboundError::Refused { .. }), "{e:?}");
    }
}
