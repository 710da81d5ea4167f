//! Just-in-time provisioning for single sign-on: the person behind an identity the provider has
//! verified. On the first sign-in a person is created from the verified email; on every sign-in
//! the roles the role map names follow the provider's groups claim, and roles the map does not
//! name are left as an administrator set them (so an administrator can make someone a champion
//! in Keel without asking the identity provider's owners).
//!
//! It lives with the directory's services rather than in `auth::oidc`: signing in proves who
//! someone is, while creating people and granting roles changes the directory.

use super::directory::{insert_person, NewPerson};
use crate::auth::oidc::VerifiedIdentity;
use keel_domain::{Email, Person, Role, Source};
use keel_store::{People, Store, WriteCtx};
use std::collections::BTreeSet;

/// Why a verified identity gets no person to sign in as.
#[derive(Debug, PartialEq, Eq)]
pub enum NotProvisioned {
    /// The person exists but was deactivated: only an administrator can let them back in.
    Deactivated,
    /// Anything else (an email Keel does not accept, the store failing), for the log.
    Failed(String),
}

/// The roles `groups` grant under `role_map` (group → role).
pub fn granted_roles(role_map: &[(String, Role)], groups: &[String]) -> BTreeSet<Role> {
    role_map
        .iter()
        .filter(|(g, _)| groups.iter().any(|x| x == g))
        .map(|(_, r)| *r)
        .collect()
}

/// The person to sign in as `identity`: found by email and given the roles its groups grant, or
/// created on this first sign-in (named as the provider names them, else after the email's
/// local part; with the granted roles, else `member`).
pub async fn person_for_sign_in(
    store: &dyn Store,
    identity: &VerifiedIdentity,
    role_map: &[(String, Role)],
) -> Result<Person, NotProvisioned> {
    let failed = |e: &dyn std::fmt::Display| NotProvisioned::Failed(e.to_string());
    let email = Email::parse("email", &identity.email).map_err(|e| failed(&e))?;
    let granted = granted_roles(role_map, &identity.groups);
    let existing = store
        .person_by_email(&email.key())
        .await
        .map_err(|e| failed(&e))?;
    match existing {
        Some(p) if !p.active => Err(NotProvisioned::Deactivated),
        Some(p) => {
            let managed: BTreeSet<Role> = role_map.iter().map(|(_, r)| *r).collect();
            let mut roles: BTreeSet<Role> = p
                .roles
                .iter()
                .copied()
                .filter(|r| !managed.contains(r))
                .collect();
            roles.extend(granted);
            if roles.is_empty() {
                roles.insert(Role::Member);
            }
            let roles: Vec<Role> = roles.into_iter().collect();
            let mut current = p.roles.clone();
            current.sort();
            if current == roles {
                return Ok(p);
            }
            let ctx = WriteCtx {
                actor_id: Some(p.id.clone()),
                source: Source::Ui,
                request_id: crate::error::current_request_id(),
            };
            let after = Person { roles, ..p.clone() };
            store
                .update_person(&ctx, &p, &after)
                .await
                .map_err(|e| failed(&e))
        }
        None => {
            let mut roles: Vec<Role> = granted.into_iter().collect();
            if roles.is_empty() {
                roles.push(Role::Member);
            }
            let email = identity.email.as_str();
            let name = identity
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_string());
            let ctx = WriteCtx {
                actor_id: None,
                source: Source::Ui,
                request_id: crate::error::current_request_id(),
            };
            let input = NewPerson {
                name,
                email: email.to_string(),
                title: String::new(),
                manager_id: None,
                roles,
            };
            insert_person(store, &ctx, input)
                .await
                .map_err(|e| failed(&e))
                .inspect(
                    |p| tracing::info!(person = %p.id, "created a person on first SSO sign-in"),
                )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(email: &str, name: Option<&str>, groups: &[&str]) -> VerifiedIdentity {
        VerifiedIdentity {
            subject: "sub-1".into(),
            email: email.into(),
            name: name.map(str::to_string),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    fn role_map() -> Vec<(String, Role)> {
        vec![
            ("okr-admins".into(), Role::Admin),
            ("okr-coaches".into(), Role::Champion),
        ]
    }

    #[test]
    fn groups_grant_only_the_roles_the_map_names() {
        let groups = vec!["okr-coaches".to_string(), "everyone".to_string()];
        assert_eq!(
            granted_roles(&role_map(), &groups),
            BTreeSet::from([Role::Champion])
        );
        assert!(granted_roles(&role_map(), &[]).is_empty());
    }

    #[tokio::test]
    async fn a_first_sign_in_creates_the_person_and_later_ones_follow_the_groups() {
        let store = keel_store::open("sqlite::memory:").await.unwrap();
        let store = store.as_ref();
        let map = role_map();

        // First sign-in: created, named after the email without a name, a member without groups.
        let ada = person_for_sign_in(store, &identity("ada@example.com", None, &[]), &map)
            .await
            .unwrap();
        assert_eq!(ada.name, "ada");
        assert_eq!(ada.roles, vec![Role::Member]);
        let grace = identity("grace@example.com", Some("Grace Hopper"), &["okr-coaches"]);
        let grace = person_for_sign_in(store, &grace, &map).await.unwrap();
        assert_eq!(grace.name, "Grace Hopper");
        assert_eq!(grace.roles, vec![Role::Champion]);

        // Next sign-in (email case differs): the same person; the groups now grant admin, and
        // the champion role the map manages goes; a role the map does not name stays.
        let with_finance = Person {
            roles: vec![Role::Champion, Role::Finance],
            ..grace.clone()
        };
        store
            .update_person(&WriteCtx::system(Source::Cli), &grace, &with_finance)
            .await
            .unwrap();
        let again = identity("Grace@Example.com", None, &["okr-admins"]);
        let again = person_for_sign_in(store, &again, &map).await.unwrap();
        assert_eq!(again.id, grace.id);
        let mut roles = again.roles.clone();
        roles.sort();
        assert_eq!(roles, vec![Role::Admin, Role::Finance]);

        // Deactivated: refused, not re-created.
        let inactive = Person {
            active: false,
            ..store.person(&ada.id).await.unwrap().unwrap()
        };
        let before = store.person(&ada.id).await.unwrap().unwrap();
        store
            .update_person(&WriteCtx::system(Source::Cli), &before, &inactive)
            .await
            .unwrap();
        let refused =
            person_for_sign_in(store, &identity("ada@example.com", None, &[]), &map).await;
        assert!(matches!(refused, Err(NotProvisioned::Deactivated)));
    }
}
