//! `keel serve` on an organisation without an administrator: writes the one-time setup token
//! (`keel_server::services::setup`) to the data directory and says where it is, never what it
//! is, so that the log can be shared or shipped without handing over the organisation.

use crate::config::{DbArgs, FileConfig};
use anyhow::Context;
use keel_server::services::setup::{self, SetupGate};
use keel_store::DynStore;

/// The first-run gate for `keel serve`: open (with the token written to
/// `<data dir>/setup-token`, mode 0600) when no active administrator exists, else closed.
pub async fn prepare(
    store: &DynStore,
    db: &DbArgs,
    file: &FileConfig,
    addr: std::net::SocketAddr,
) -> anyhow::Result<SetupGate> {
    let dir = db.data_directory(file);
    let gate = match setup::prepare(store.as_ref(), &dir).await {
        Ok(gate) => gate,
        // A database error is the server's problem; a data directory Keel cannot write to
        // (a read-only container on PostgreSQL) only costs the setup page.
        Err(keel_server::error::ApiError::Internal(e)) if e.contains("setup token") => {
            tracing::warn!(error = %e, "no setup page: create an administrator with `keel admin create`");
            eprintln!("No administrator yet, and {e}: create one with `keel admin create`.");
            SetupGate::closed()
        }
        Err(e) => return Err(anyhow::anyhow!("{e}")).context("cannot prepare the first-run setup"),
    };
    if let Some(path) = gate.token_file() {
        tracing::warn!(
            token_file = %path.display(),
            "no administrator yet: open http://{addr}/setup to set Keel up"
        );
        eprintln!(
            "No administrator yet. Open http://{addr}/setup and enter the setup token from the file {} \
             (readable only by this user; it works once). Or run `keel admin create`.",
            path.display()
        );
    }
    Ok(gate)
}
