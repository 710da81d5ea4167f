# Helpers that install and start the services Keel's tests use, from Debian's packages.
# Sourced by scripts/test; idempotent; needs root (or sudo) only when something is missing.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# A PostgreSQL server on 127.0.0.1:5432 accepting user postgres without a password (trust), as
# the tests expect. Installs Debian's postgresql if there is none.
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "scripts/test: installing PostgreSQL (Debian package postgresql)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! as_root grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    # Test machines only: let the tests connect as postgres over loopback without a password.
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
    || as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && return 0
    sleep 1
  done
  echo "scripts/test: PostgreSQL did not start on 127.0.0.1:5432" >&2
  return 1
}

# The OpenID Connect provider the single sign-on tests start on loopback (the npm package
# oidc-provider, pinned by crates/keel-server/tests/oidc-provider/package-lock.json). Installs
# Debian's nodejs and npm when node is missing.
ensure_oidc_provider() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "scripts/test: installing Node.js (Debian packages nodejs, npm)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  (cd crates/keel-server/tests/oidc-provider && npm ci --no-audit --no-fund --loglevel=error)
}

# Chromium and its WebDriver (Debian's chromium and chromium-driver), for the end-to-end browser
# tests (crates/keel-server/tests/browser). Installs them when either is missing.
ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    return 0
  fi
  echo "scripts/test: installing Chromium and its WebDriver (Debian packages chromium chromium-driver)" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1
}

# cargo-deny, for the licence, ban and source checks of the dependency graph (deny.toml). Built
# from crates.io with `cargo install --locked` when missing (a few minutes, once per machine).
ensure_cargo_deny() {
  if cargo deny --version >/dev/null 2>&1; then
    return 0
  fi
  echo "scripts/services.sh: installing cargo-deny (cargo install --locked cargo-deny)" >&2
  cargo install --locked --quiet cargo-deny
}

# The SMTP server the email tests start on loopback (aiosmtpd from PyPI, run by
# crates/keel-server/tests/smtp/server.py). Installs Debian's python3 and pip when missing.
ensure_smtp_server() {
  if python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
    echo "scripts/test: installing Python (Debian packages python3, python3-pip)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip >/dev/null
  fi
  echo "scripts/test: installing aiosmtpd (pip, for the email tests)" >&2
  python3 -m pip install --quiet --user 'aiosmtpd==1.4.6' \
    || python3 -m pip install --quiet --user --break-system-packages 'aiosmtpd==1.4.6'
  python3 -c 'import aiosmtpd'
}
