//! The SMTP side of sending: the server setting (`KEEL_SMTP_URL`) read and checked once, the
//! connection (STARTTLS, implicit TLS, or plain for loopback tests; authentication), and the
//! message as it goes on the wire (multipart text + HTML, From with the organisation's name,
//! RFC 8058 one-click unsubscribe headers).
//!
//! Why here: one place knows lettre; the rest of Keel speaks [`super::EmailMessage`]. Nothing in
//! this module logs a message body or a credential, and [`SmtpSettings`]' `Debug` hides the
//! password.

use super::EmailMessage;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (required): `smtp://…:587`, the default.
    StartTls,
    /// TLS from the first byte: `smtps://…:465`.
    Tls,
    /// No encryption (`?tls=none`): for a mail relay on the same machine, and tests.
    None,
}

impl Security {
    /// The word the settings page saves: `starttls`, `tls` or `none`.
    pub fn parse(word: &str) -> Option<Security> {
        match word {
            "starttls" => Some(Security::StartTls),
            "tls" => Some(Security::Tls),
            "none" => Some(Security::None),
            _ => None,
        }
    }
}

/// The mail server Keel sends through, read from a URL such as
/// `smtp://user:pass@host:587?tls=starttls`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Why an SMTP URL was refused, in words (never repeating the password).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct SmtpUrlError(pub String);

fn refuse(why: &str) -> SmtpUrlError {
    SmtpUrlError(format!(
        "{why}: use e.g. smtp://user:password@mail.example.com:587 (STARTTLS), \
         smtps://user:password@mail.example.com:465 or smtp://127.0.0.1:2525?tls=none"
    ))
}

impl SmtpSettings {
    /// Reads an SMTP URL; the error says what is wrong without repeating the URL.
    pub fn parse(text: &str) -> Result<SmtpSettings, SmtpUrlError> {
        let url = reqwest::Url::parse(text.trim()).map_err(|_| refuse("not a URL"))?;
        let implicit = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            _ => return Err(refuse("the scheme must be smtp or smtps")),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| refuse("the mail server's host is missing"))?;
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v);
        let security = match (implicit, tls.as_deref()) {
            (true, None | Some("implicit" | "tls")) => Security::Tls,
            (false, None | Some("starttls")) => Security::StartTls,
            (false, Some("implicit" | "tls")) => Security::Tls,
            (false, Some("none")) => Security::None,
            _ => return Err(refuse("tls must be starttls, implicit or none")),
        };
        let port = url.port().unwrap_or(match security {
            Security::Tls => 465,
            _ => 587,
        });
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| refuse("the user or password is not valid UTF-8"))
        };
        let user = Some(url.username()).filter(|u| !u.is_empty());
        Ok(SmtpSettings {
            host: host.trim_matches(['[', ']']).to_string(),
            port,
            security,
            user: user.map(decode).transpose()?,
            password: url.password().map(decode).transpose()?,
        })
    }

    /// The transport for these settings (connects when a message is sent).
    pub fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let tls = match self.security {
            Security::None => Tls::None,
            Security::StartTls | Security::Tls => {
                let params = TlsParameters::new(self.host.clone())
                    .map_err(|e| format!("the TLS settings for {} are refused: {e}", self.host))?;
                if self.security == Security::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(30)));
        if let Some(user) = &self.user {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                self.password.clone().unwrap_or_default(),
            ));
        }
        Ok(builder.build())
    }
}

/// Whether `text` is an email address a message can be sent to.
pub fn is_address(text: &str) -> bool {
    text.parse::<lettre::Address>().is_ok()
}

/// `%xx` escapes of a URL's user and password.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `List-Unsubscribe: <url>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.trim_matches(['<', '>']).to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

/// The message as sent: From `"<organisation>" <from address>`, To the resolved address, the
/// text and HTML parts as alternatives, and the unsubscribe headers when it has a link.
pub fn build(
    message: &EmailMessage,
    organisation: &str,
    from: &str,
    to: &str,
) -> Result<Message, String> {
    let from: lettre::Address = from
        .parse()
        .map_err(|_| format!("the sender address '{from}' (KEEL_MAIL_FROM) is not an address"))?;
    let to: lettre::Address = to
        .parse()
        .map_err(|_| "the recipient's address is not a valid address".to_string())?;
    let mut builder = Message::builder()
        .from(Mailbox::new(Some(organisation.to_string()), from))
        .to(Mailbox::new(None, to))
        .subject(message.subject.clone());
    if let Some(url) = &message.unsubscribe_url {
        builder = builder
            .header(ListUnsubscribe(url.clone()))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            message.text.clone(),
            message.html.clone(),
        ))
        .map_err(|e| format!("the message cannot be built: {e}"))
}

/// How a failed send ends: retried later, or given up (the recipient's server refused the
/// address for good).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    Retry(String),
    Permanent(String),
}

/// Sends one message; the error says what went wrong in words (wrong host, bad credentials).
pub async fn send(settings: &SmtpSettings, message: Message) -> Result<(), SendFailure> {
    let transport = settings.transport().map_err(SendFailure::Retry)?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) => Err(describe(settings, &e)),
    }
}

/// Reply codes that refuse the recipient's address itself (RFC 5321 4.2.3): mailbox unavailable,
/// not local, over its quota, name not allowed. Other permanent replies (e.g. 535, bad
/// credentials) are the configuration's fault and retried once it is fixed.
const RECIPIENT_REFUSED: [&str; 4] = ["550", "551", "552", "553"];

fn describe(settings: &SmtpSettings, e: &lettre::transport::smtp::Error) -> SendFailure {
    let at = format!("{}:{}", settings.host, settings.port);
    let code = e.status().map(|c| c.to_string());
    if let Some(code) = code.as_deref() {
        if e.is_permanent() && RECIPIENT_REFUSED.contains(&code) {
            return SendFailure::Permanent(format!(
                "the mail server {at} refused the recipient ({code}): {e}"
            ));
        }
        if code == "535" || code == "530" || code == "534" {
            return SendFailure::Retry(format!(
                "the mail server {at} refused the credentials ({code}): check the user and password"
            ));
        }
        return SendFailure::Retry(format!("the mail server {at} answered {code}: {e}"));
    }
    if e.is_tls() {
        return SendFailure::Retry(format!(
            "the secure connection to the mail server {at} failed (check tls= and the port): {e}"
        ));
    }
    SendFailure::Retry(format!(
        "the mail server {at} cannot be reached (check the host and port): {e}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_host_port_security_and_credentials() {
        let s = SmtpSettings::parse("smtp://me%40x.org:p%40ss@mail.example.com:587").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.security),
            ("mail.example.com", 587, Security::StartTls)
        );
        assert_eq!(s.user.as_deref(), Some("me@x.org"));
        assert_eq!(s.password.as_deref(), Some("p@ss"));
        assert!(!format!("{s:?}").contains("p@ss"));
        let s = SmtpSettings::parse("smtps://mail.example.com").unwrap();
        assert_eq!((s.port, s.security), (465, Security::Tls));
        let s = SmtpSettings::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((s.port, s.security, s.user), (2525, Security::None, None));
    }

    #[test]
    fn bad_urls_are_refused_in_words_without_the_password() {
        for bad in [
            "mail.example.com",
            "http://mail.example.com",
            "smtp://",
            "smtps://u:secret@host?tls=none",
            "smtp://host?tls=maybe",
        ] {
            let e = SmtpSettings::parse(bad).unwrap_err();
            assert!(e.0.contains("smtp://"), "{bad}: {e}");
            assert!(!e.0.contains("secret"));
        }
    }

    #[test]
    fn a_message_has_both_parts_the_organisation_and_one_click_unsubscribe() {
        let m = EmailMessage {
            to: super::super::Recipient::Address("bo@example.com".into()),
            purpose: "digest".into(),
            subject: "Your week".into(),
            text: "plain words".into(),
            html: "<p>html words</p>".into(),
            unsubscribe_url: Some("https://keel.example/unsubscribe/t".into()),
        };
        let raw = build(&m, "Acme", "okr@acme.test", "bo@example.com").unwrap();
        let raw = String::from_utf8(raw.formatted()).unwrap();
        assert!(raw.contains("From: Acme <okr@acme.test>"), "{raw}");
        assert!(raw.contains("List-Unsubscribe: <https://keel.example/unsubscribe/t>"));
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        assert!(build(&m, "Acme", "not an address", "bo@example.com").is_err());
    }
}
