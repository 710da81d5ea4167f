//! Single sign-on with OpenID Connect: the authorization code flow with PKCE (S256), `state`
//! bound to the browser by a cookie, a `nonce` checked in the ID token, and the ID token's
//! signature verified against the provider's JWKS (found through its discovery document).
//!
//! What this module answers is a [`VerifiedIdentity`]: a verified email, a name and the groups
//! claim. Finding or creating the person behind it (just-in-time provisioning, groups → roles)
//! is the directory's business: `services::provisioning`.

use super::{hash_secret, random_token, same_secret, AuthConfig};
use crate::error::{ApiError, ApiResult};
use base64::Engine;
use jsonwebtoken::{jwk::JwkSet, Algorithm, DecodingKey, Validation};
use keel_domain::Role;
use keel_store::{Accounts, OidcLogin, Store};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::RwLock;

/// The cookie binding a pending SSO sign-in to the browser that started it.
pub const STATE_COOKIE: &str = "keel_oidc_state";
/// How long a started SSO sign-in may take.
const LOGIN_TTL_MINUTES: i64 = 10;

/// The provider and how its groups map to Keel roles.
pub struct OidcConfig {
    /// The issuer URL (its `/.well-known/openid-configuration` is the discovery document).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: `<public URL>/sign-in/sso/callback`.
    pub redirect_uri: String,
    /// The claim holding the person's groups (default `groups`).
    pub roles_claim: String,
    /// Group → role, e.g. `okr-admins=admin`.
    pub role_map: Vec<(String, Role)>,
    http: reqwest::Client,
    provider: RwLock<Option<Provider>>,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("redirect_uri", &self.redirect_uri)
            .field("roles_claim", &self.roles_claim)
            .field("role_map", &self.role_map)
            .finish()
    }
}

/// What discovery and the JWKS told us, fetched once and refreshed when a key id is unknown.
#[derive(Clone)]
struct Provider {
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
    jwks: JwkSet,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
}

/// Parses `KEEL_OIDC_ROLE_MAP`: `group=role,group=role`.
pub fn parse_role_map(text: &str) -> Result<Vec<(String, Role)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (group, role) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not group=role"))?;
            let role: Role =
                serde_json::from_value(serde_json::Value::String(role.trim().to_string()))
                    .map_err(|_| format!("'{}' is not a Keel role", role.trim()))?;
            Ok((group.trim().to_string(), role))
        })
        .collect()
}

impl OidcConfig {
    pub fn new(
        issuer: &str,
        client_id: &str,
        client_secret: Option<String>,
        public_url: &str,
        roles_claim: Option<String>,
        role_map: Vec<(String, Role)>,
    ) -> Self {
        Self {
            issuer: issuer.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            client_secret,
            redirect_uri: format!("{}/sign-in/sso/callback", public_url.trim_end_matches('/')),
            roles_claim: roles_claim.unwrap_or_else(|| "groups".into()),
            role_map,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            provider: RwLock::new(None),
        }
    }

    async fn fetch_provider(&self) -> ApiResult<Provider> {
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let d: Discovery = self.get_json(&url).await?;
        if d.issuer.trim_end_matches('/') != self.issuer {
            return Err(ApiError::Internal(format!(
                "the provider's discovery document names issuer {} instead of {}",
                d.issuer, self.issuer
            )));
        }
        let jwks: JwkSet = self.get_json(&d.jwks_uri).await?;
        Ok(Provider {
            authorization_endpoint: d.authorization_endpoint,
            token_endpoint: d.token_endpoint,
            userinfo_endpoint: d.userinfo_endpoint,
            jwks,
        })
    }

    async fn provider(&self, refresh: bool) -> ApiResult<Provider> {
        if !refresh {
            if let Some(p) = self.provider.read().await.clone() {
                return Ok(p);
            }
        }
        let p = self.fetch_provider().await?;
        *self.provider.write().await = Some(p.clone());
        Ok(p)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> ApiResult<T> {
        let resp =
            self.http.get(url).send().await.map_err(|e| {
                ApiError::Internal(format!("SSO provider unreachable ({url}): {e}"))
            })?;
        if !resp.status().is_success() {
            return Err(ApiError::Internal(format!(
                "SSO provider answered {} for {url}",
                resp.status()
            )));
        }
        resp.json()
            .await
            .map_err(|e| ApiError::Internal(format!("SSO provider sent bad JSON ({url}): {e}")))
    }
}

/// PKCE S256: the challenge for a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Starts an SSO sign-in: records state, nonce and PKCE verifier, and returns the provider's
/// authorization URL and the `state` for the browser-binding cookie.
pub async fn start(
    store: &dyn Store,
    auth: &AuthConfig,
    oidc: &OidcConfig,
    return_to: &str,
) -> ApiResult<(String, String)> {
    let provider = oidc.provider(false).await?;
    let state = random_token();
    let nonce = random_token();
    let verifier = random_token() + &random_token();
    store
        .insert_oidc_login(&OidcLogin {
            state_hash: hash_secret(&state),
            nonce: nonce.clone(),
            pkce_verifier: verifier.clone(),
            return_to: return_to.to_string(),
            created_at: auth.now(),
        })
        .await?;
    let mut url = reqwest::Url::parse(&provider.authorization_endpoint)
        .map_err(|e| ApiError::Internal(format!("bad authorization_endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &oidc.client_id)
        .append_pair("redirect_uri", &oidc.redirect_uri)
        .append_pair("scope", "openid email profile")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &pkce_challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    Ok((url.to_string(), state))
}

/// Why an SSO sign-in was refused, in words for the sign-in page (details go to the log).
#[derive(Debug)]
pub struct Refused(pub &'static str);

/// Refuses a sign-in: `why` for the person, `detail` for the log.
pub fn refused(why: &'static str, detail: String) -> Refused {
    tracing::warn!(%detail, "SSO sign-in refused: {why}");
    Refused(why)
}

/// Who the identity provider says signed in, once everything it sent has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    /// The provider's subject identifier (`sub`).
    pub subject: String,
    /// An email address the provider says is verified.
    pub email: String,
    /// The name the provider knows, if any.
    pub name: Option<String>,
    /// The groups claim (`OidcConfig::roles_claim`), as sent.
    pub groups: Vec<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
    access_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    nonce: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

/// Finishes an SSO sign-in: checks the state against the browser's cookie and the stored login,
/// redeems the code with the PKCE verifier, verifies the ID token (signature, issuer, audience,
/// expiry, nonce) and insists on a verified email. Returns who signed in and where to go.
pub async fn finish(
    store: &dyn Store,
    auth: &AuthConfig,
    oidc: &OidcConfig,
    code: &str,
    state: &str,
    state_cookie: Option<&str>,
) -> Result<(VerifiedIdentity, String), Refused> {
    if !state_cookie.is_some_and(|c| same_secret(c, state)) {
        return Err(refused(
            "this sign-in was not started in this browser; start again",
            "state does not match the browser's cookie".into(),
        ));
    }
    let login = store
        .take_oidc_login(&hash_secret(state))
        .await
        .map_err(|e| refused("single sign-on failed", e.to_string()))?
        .ok_or_else(|| {
            refused(
                "this sign-in is unknown or was already used; start again",
                "unknown state".into(),
            )
        })?;
    if auth.now() - login.created_at > chrono::Duration::minutes(LOGIN_TTL_MINUTES) {
        return Err(refused(
            "this sign-in took too long; start again",
            "state expired".into(),
        ));
    }
    let provider = oidc
        .provider(false)
        .await
        .map_err(|e| refused("the identity provider is unreachable", e.to_string()))?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", oidc.redirect_uri.as_str()),
        ("code_verifier", login.pkce_verifier.as_str()),
    ];
    let mut req = oidc.http.post(&provider.token_endpoint);
    match &oidc.client_secret {
        Some(secret) => req = req.basic_auth(&oidc.client_id, Some(secret)),
        None => form.push(("client_id", oidc.client_id.as_str())),
    }
    let resp = req
        .form(&form)
        .send()
        .await
        .map_err(|e| refused("the identity provider is unreachable", e.to_string()))?;
    if !resp.status().is_success() {
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        return Err(refused(
            "the identity provider refused the sign-in",
            format!("token endpoint answered {status}: {body}"),
        ));
    }
    let tokens: TokenResponse = resp
        .json()
        .await
        .map_err(|e| refused("the identity provider sent a bad answer", e.to_string()))?;
    let mut claims = verify_id_token(oidc, &provider, &tokens.id_token)
        .await
        .map_err(|e| refused("the identity provider's ID token is not valid", e))?;
    if claims.nonce.as_deref() != Some(login.nonce.as_str()) {
        return Err(refused(
            "the identity provider's ID token is not valid",
            "nonce does not match".into(),
        ));
    }
    // Some providers put email and groups only in UserInfo.
    let needs_userinfo =
        claims.email.is_none() || !claims.rest.contains_key(oidc.roles_claim.as_str());
    if let (true, Some(url), Some(access)) = (
        needs_userinfo,
        provider.userinfo_endpoint.as_deref(),
        tokens.access_token.as_deref(),
    ) {
        if let Ok(resp) = oidc.http.get(url).bearer_auth(access).send().await {
            if let Ok(info) = resp.json::<Claims>().await {
                if info.sub == claims.sub {
                    claims.email = claims.email.or(info.email);
                    claims.email_verified = claims.email_verified.or(info.email_verified);
                    claims.name = claims.name.or(info.name);
                    for (k, v) in info.rest {
                        claims.rest.entry(k).or_insert(v);
                    }
                }
            }
        }
    }
    let email = match (&claims.email, claims.email_verified) {
        (Some(e), Some(true)) => e.clone(),
        _ => {
            return Err(refused(
                "your identity provider did not confirm a verified email address",
                format!("sub {} has no verified email", claims.sub),
            ))
        }
    };
    let identity = VerifiedIdentity {
        groups: groups(oidc, &claims),
        subject: claims.sub,
        email,
        name: claims.name,
    };
    Ok((identity, login.return_to))
}

async fn verify_id_token(
    oidc: &OidcConfig,
    provider: &Provider,
    token: &str,
) -> Result<Claims, String> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
    // Only public-key algorithms: an HMAC "signature" keyed by a public value proves nothing.
    let allowed = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];
    if !allowed.contains(&header.alg) {
        return Err(format!("algorithm {:?} is not accepted", header.alg));
    }
    let find = |jwks: &JwkSet| match &header.kid {
        Some(kid) => jwks.find(kid).cloned(),
        None => jwks.keys.first().cloned(),
    };
    let jwk = match find(&provider.jwks) {
        Some(k) => k,
        None => {
            // Keys rotate: fetch the set again once.
            let fresh = oidc.provider(true).await.map_err(|e| e.to_string())?;
            find(&fresh.jwks).ok_or("no key in the provider's JWKS matches the token")?
        }
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[oidc.issuer.as_str(), &format!("{}/", oidc.issuer)]);
    validation.set_audience(&[oidc.client_id.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 60;
    jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}

/// The groups the provider's roles claim names: a JSON array of strings, or one string of
/// names separated by spaces or commas.
fn groups(oidc: &OidcConfig, claims: &Claims) -> Vec<String> {
    match claims.rest.get(oidc.roles_claim.as_str()) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(serde_json::Value::String(s)) => s.split([' ', ',']).map(str::to_string).collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_maps_parse() {
        let m = parse_role_map("okr-admins=admin, okr-coaches=champion").unwrap();
        assert_eq!(
            m,
            vec![
                ("okr-admins".to_string(), Role::Admin),
                ("okr-coaches".to_string(), Role::Champion)
            ]
        );
        assert!(parse_role_map("okr-admins").is_err());
        assert!(parse_role_map("x=emperor").is_err());
    }

    #[test]
    fn pkce_matches_rfc_7636() {
        // RFC 7636 appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
