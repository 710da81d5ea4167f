//! The first run without a terminal: while no active person holds the admin role, `keel serve`
//! writes a one-time setup token to `<data dir>/setup-token` (readable only by the server's
//! user) and every page leads to `/setup`, where whoever can read that file names the
//! organisation, picks its time zone and creates the first administrator.
//!
//! Why a token in a file: the first visitor of a fresh server is not necessarily its operator
//! (a server reachable from a network is found within minutes). Reading a file on the server
//! proves the same thing a terminal does, and the log only says where the file is.
//!
//! The gate ([`SetupGate`]) is open from the moment the token is written until the setup
//! succeeds (or an administrator appears another way, e.g. `keel admin create`); then the file
//! is deleted and `/setup` answers 404. Whether an administrator exists is decided inside the
//! store's write transaction (`FirstRun`), so two submissions at once make one administrator.
//!
//! There is no `/api/v1/setup`: an API client needs a token, hence an account, before it can
//! call anything, and scripted installs already have `keel admin create`.

use crate::auth::{hash_secret, password, random_token, same_secret, AuthConfig};
use crate::error::{ApiError, ApiResult};
use keel_domain::*;
use keel_store::{FirstRun, Store, WriteCtx};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The setup token file's name, in the data directory.
pub const TOKEN_FILE: &str = "setup-token";

/// Whether the organisation still waits for its first administrator, and the token that
/// proves the right to set it up (kept hashed; the token itself is only in the file).
#[derive(Debug, Default)]
pub struct SetupGate {
    open: Mutex<Option<OpenGate>>,
}

#[derive(Debug, Clone)]
struct OpenGate {
    file: PathBuf,
    token_hash: String,
}

impl SetupGate {
    /// A gate that is closed: the organisation has an administrator (or setup is not offered).
    pub fn closed() -> Self {
        Self::default()
    }

    /// Whether `/setup` is offered.
    pub fn is_open(&self) -> bool {
        self.slot().is_some()
    }

    /// The token file while the gate is open.
    pub fn token_file(&self) -> Option<PathBuf> {
        self.slot().as_ref().map(|g| g.file.clone())
    }

    /// Whether `sent` is the setup token (compared in constant time).
    fn admits(&self, sent: &str) -> bool {
        self.slot()
            .as_ref()
            .is_some_and(|g| same_secret(&g.token_hash, &hash_secret(sent.trim())))
    }

    /// Closes the gate for good and deletes the token file.
    pub fn close(&self) {
        if let Some(g) = self.slot().take() {
            if let Err(e) = std::fs::remove_file(&g.file) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(file = %g.file.display(), error = %e, "cannot delete the setup token file");
                }
            }
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<OpenGate>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// At `keel serve`: when no active administrator exists, writes a fresh setup token to
/// `<data_dir>/setup-token` (mode 0600, replacing any older one) and returns the open gate;
/// otherwise deletes a leftover token file and returns a closed gate.
pub async fn prepare(store: &dyn Store, data_dir: &Path) -> ApiResult<SetupGate> {
    let file = data_dir.join(TOKEN_FILE);
    if store.has_administrator().await? {
        let _ = std::fs::remove_file(&file);
        return Ok(SetupGate::closed());
    }
    let token = random_token();
    write_private(&file, &token).map_err(|e| {
        ApiError::Internal(format!(
            "cannot write the setup token to {}: {e}",
            file.display()
        ))
    })?;
    // Named in full on the page and in the log, wherever Keel was started from.
    let file = std::fs::canonicalize(&file).unwrap_or(file);
    Ok(SetupGate {
        open: Mutex::new(Some(OpenGate {
            file,
            token_hash: hash_secret(&token),
        })),
    })
}

/// Writes `text` to a new file only its owner may read or write (an older file is removed
/// first, so its permissions are never inherited).
fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::remove_file(file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(file)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// What the setup page sends.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct SetupInput {
    #[serde(default)]
    pub organisation_name: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub setup_token: String,
}

/// Why a setup was refused.
#[derive(Debug)]
pub enum Refusal {
    /// 403: the setup token is missing or wrong (the other fields' errors too, if any).
    WrongToken(Vec<FieldError>),
    /// 422: these fields are invalid, each with its message.
    Invalid(Vec<FieldError>),
    /// Anything else: already set up (404), a taken email (409), a database error.
    Other(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal::Other(e)
    }
}

impl From<keel_store::StoreError> for Refusal {
    fn from(e: keel_store::StoreError) -> Self {
        Refusal::Other(e.into())
    }
}

/// The settings and the administrator `input` describes, or every field's error at once
/// (each named by the setup form's field).
fn validated(
    auth: &AuthConfig,
    input: &SetupInput,
) -> Result<(OrgSettings, Person), Vec<FieldError>> {
    let mut errors = Vec::new();
    // The organisation's rules, one field at a time, so that every error shows at once.
    let settings = OrgSettings {
        name: input.organisation_name.clone(),
        time_zone: input.time_zone.clone(),
        ..OrgSettings::default()
    };
    for probe in [
        OrgSettings {
            time_zone: "UTC".into(),
            ..settings.clone()
        },
        OrgSettings {
            name: "Keel".into(),
            ..settings.clone()
        },
    ] {
        if let Err(e) = probe.validated() {
            let field = if e.field == "name" {
                "organisation_name"
            } else {
                e.field.as_str()
            };
            errors.push(FieldError::new(field, e.message.clone()));
        }
    }
    let settings = settings.validated().map_err(|_| ());
    let email = Email::parse("email", &input.email).map_err(|e| errors.push(e));
    if let Err(ApiError::Invalid(e)) = password::check_new(auth, "password", &input.password) {
        errors.push(e);
    }
    let t = crate::services::now();
    let person = email.and_then(|email| {
        Person {
            id: PersonId::generate(),
            name: input.name.clone(),
            email,
            title: "Administrator".into(),
            manager_id: None,
            active: true,
            roles: vec![Role::Admin],
            time_zone: None,
            created_at: t,
            updated_at: t,
            version: 1,
        }
        .validated()
        .map_err(|e| errors.push(e))
    });
    if input.name.trim().is_empty() && !errors.iter().any(|e| e.field == "name") {
        errors.push(FieldError::new("name", "enter the administrator's name"));
    }
    match (settings, person) {
        (Ok(s), Ok(p)) if errors.is_empty() => Ok((s, p)),
        _ => Err(errors),
    }
}

/// Sets the organisation up: checks the token and every field, then (in one transaction, only
/// while no administrator exists) saves the settings and creates the administrator with an
/// Argon2id hash of their password. Closes the gate on success.
pub async fn complete(
    store: &dyn Store,
    auth: &AuthConfig,
    gate: &SetupGate,
    input: &SetupInput,
    request_id: Option<String>,
) -> Result<Person, Refusal> {
    if !gate.is_open() {
        return Err(Refusal::Other(ApiError::NotFound("setup")));
    }
    let checked = validated(auth, input);
    if !gate.admits(&input.setup_token) {
        let mut errors = checked.err().unwrap_or_default();
        errors.push(FieldError::new(
            "setup_token",
            if input.setup_token.trim().is_empty() {
                "enter the setup token: the server's log says which file holds it"
            } else {
                "this is not the setup token: copy it again from the file the server's log names"
            },
        ));
        return Err(Refusal::WrongToken(errors));
    }
    let (settings, admin) = checked.map_err(Refusal::Invalid)?;
    let hash = password::hash(&input.password).await?;
    let ctx = WriteCtx {
        actor_id: Some(admin.id.clone()),
        source: Source::Ui,
        request_id,
    };
    match store
        .complete_first_run(&ctx, &settings, &admin, &hash)
        .await
    {
        Ok(()) => {
            gate.close();
            tracing::info!(administrator = %admin.id, "the organisation was set up from the browser");
            Ok(admin)
        }
        Err(keel_store::StoreError::Conflict { field, .. }) if field == "setup" => {
            gate.close();
            Err(Refusal::Other(ApiError::NotFound("setup")))
        }
        Err(e) => Err(e.into()),
    }
}

/// While the gate is open, whether it should close because an administrator appeared another
/// way (`keel admin create` on the same database); closes it if so.
pub async fn still_needed(store: &dyn Store, gate: &SetupGate) -> ApiResult<bool> {
    if !gate.is_open() {
        return Ok(false);
    }
    if store.has_administrator().await? {
        gate.close();
        return Ok(false);
    }
    Ok(true)
}
