//! People: the directory every OKR names its owner, sponsor and contributors from.

use crate::db::{args, map_err, Arg, Exec, Row};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use serde_json::Value;

pub(crate) const PERSON_COLS: Select = Select(&PERSON);

/// The `people` table.
pub(crate) const PERSON: Table = Table {
    name: "people",
    columns: &[
        "id",
        "name",
        "email",
        "email_key",
        "search_key",
        "title",
        "manager_id",
        "active",
        "roles",
        "time_zone",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &["email_key", "search_key"],
    later: &["password_hash"],
};

pub(crate) const PERSON_INSERT: &[&str] = PERSON.columns;

pub(crate) fn person_search_key(p: &Person) -> String {
    format!("{}\n{}", p.name.to_lowercase(), p.email.key())
}

pub(crate) fn person_row(p: &Person) -> Vec<Arg> {
    args![
        p.id.as_str(),
        p.name.as_str(),
        p.email.as_str(),
        p.email.key(),
        person_search_key(p),
        p.title.as_str(),
        p.manager_id.as_ref().map(|m| m.as_str()),
        p.active,
        json(&p.roles),
        p.time_zone.as_deref(),
        ts(&p.created_at),
        ts(&p.updated_at),
        p.version,
    ]
}

/// The person columns qualified by a table alias, for joins.
pub(crate) fn person_cols_of(alias: &str) -> String {
    PERSON
        .selected()
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn person_from(r: &Row) -> StoreResult<Person> {
    Ok(Person {
        id: PersonId::from_string(r.text("id")?),
        name: r.text("name")?,
        email: serde_json::from_value(Value::String(r.text("email")?))
            .map_err(|e| corrupt("email", e))?,
        title: r.text("title")?,
        manager_id: r.opt_text("manager_id")?.map(PersonId::from_string),
        active: r.int("active")? != 0,
        roles: from_json("roles", &r.text("roles")?)?,
        time_zone: r.opt_text("time_zone")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

/// People: the directory.
#[async_trait]
pub trait People: Send + Sync {
    /// Conflict on `email` when the address (case-insensitively) is taken.
    async fn insert_person(&self, ctx: &WriteCtx, person: &Person) -> StoreResult<()>;
    /// The person with this id.
    async fn person(&self, id: &PersonId) -> StoreResult<Option<Person>>;
    /// The person with this email address (compared case-insensitively).
    async fn person_by_email(&self, email: &str) -> StoreResult<Option<Person>>;
    /// The people among `ids` that exist, in no particular order.
    async fn people_by_ids(&self, ids: &[PersonId]) -> StoreResult<Vec<Person>>;
    /// Names, titles and states of the people among `ids` that exist, in no particular order,
    /// in one query: what an OKR shows of the people named on it.
    async fn person_names(&self, ids: &[PersonId]) -> StoreResult<Vec<PersonName>>;
    /// People by id, a page at a time, filtered by name or email, manager and state.
    async fn list_people(
        &self,
        filter: &PeopleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Person>>;
    /// Updates a person. Conflict on `email` when the new address is taken. Audited.
    async fn update_person(
        &self,
        ctx: &WriteCtx,
        before: &Person,
        after: &Person,
    ) -> StoreResult<Person>;
    /// How many active people hold `role` (e.g. so the last administrator cannot leave).
    async fn count_active_with_role(&self, role: Role) -> StoreResult<u64>;
}

/// The People area through the shared handle: a caller holding a `DynStore` calls it with
/// `People` in scope.
#[async_trait]
impl People for dyn Store {
    async fn insert_person(&self, ctx: &WriteCtx, person: &Person) -> StoreResult<()> {
        self.as_people().insert_person(ctx, person).await
    }

    async fn person(&self, id: &PersonId) -> StoreResult<Option<Person>> {
        self.as_people().person(id).await
    }

    async fn person_by_email(&self, email: &str) -> StoreResult<Option<Person>> {
        self.as_people().person_by_email(email).await
    }

    async fn people_by_ids(&self, ids: &[PersonId]) -> StoreResult<Vec<Person>> {
        self.as_people().people_by_ids(ids).await
    }

    async fn person_names(&self, ids: &[PersonId]) -> StoreResult<Vec<PersonName>> {
        self.as_people().person_names(ids).await
    }

    async fn list_people(
        &self,
        filter: &PeopleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Person>> {
        self.as_people().list_people(filter, page).await
    }

    async fn update_person(
        &self,
        ctx: &WriteCtx,
        before: &Person,
        after: &Person,
    ) -> StoreResult<Person> {
        self.as_people().update_person(ctx, before, after).await
    }

    async fn count_active_with_role(&self, role: Role) -> StoreResult<u64> {
        self.as_people().count_active_with_role(role).await
    }
}

impl SqlStore {
    pub(crate) async fn do_insert_person(&self, ctx: &WriteCtx, p: &Person) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "people",
            PERSON_INSERT,
            vec![person_row(p)],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "person",
                verb: "create",
                object_id: p.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(p),
            },
        )
        .await?;
        tx.commit().await
    }

    pub(crate) async fn do_update_person(
        &self,
        ctx: &WriteCtx,
        before: &Person,
        after: &Person,
    ) -> StoreResult<Person> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE people SET name = $1, email = $2, email_key = $3, search_key = $4, \
                 title = $5, manager_id = $6, active = $7, roles = $8, updated_at = $9, \
                 time_zone = $12, version = version + 1 WHERE id = $10 AND version = $11",
                args![
                    after.name.as_str(),
                    after.email.as_str(),
                    after.email.key(),
                    person_search_key(after),
                    after.title.as_str(),
                    after.manager_id.as_ref().map(|x| x.as_str()),
                    after.active,
                    json(&after.roles),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                    after.time_zone.as_deref(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "people", before.id.as_str(), "").await);
        }
        let stored = person_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "person",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }
}

#[async_trait]
impl People for SqlStore {
    async fn insert_person(&self, ctx: &WriteCtx, person: &Person) -> StoreResult<()> {
        self.do_insert_person(ctx, person).await.map_err(map_err)
    }

    async fn person(&self, id: &PersonId) -> StoreResult<Option<Person>> {
        person_in(&mut self.ex(), id.as_str()).await
    }

    async fn person_by_email(&self, email: &str) -> StoreResult<Option<Person>> {
        let sql = format!("SELECT {PERSON_COLS} FROM people WHERE email_key = $1");
        self.db
            .fetch_optional(&sql, args![email.trim().to_lowercase()])
            .await?
            .as_ref()
            .map(person_from)
            .transpose()
    }

    async fn people_by_ids(&self, ids: &[PersonId]) -> StoreResult<Vec<Person>> {
        let keys = id_strings(ids);
        let select = format!("SELECT {PERSON_COLS} FROM people WHERE id");
        fetch_in(&mut self.ex(), &select, "", &keys)
            .await?
            .iter()
            .map(person_from)
            .collect()
    }

    async fn list_people(
        &self,
        filter: &PeopleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Person>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(q) = filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
        {
            let p = w.arg(contains_pattern(&q.to_lowercase()));
            w.add(format!("search_key LIKE {p} ESCAPE '\\'"));
        }
        if let Some(m) = &filter.manager_id {
            let p = w.arg(m.as_str());
            w.add(format!("manager_id = {p}"));
        }
        if let Some(a) = filter.active {
            let p = w.arg(a);
            w.add(format!("active = {p}"));
        }
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("id > {p}"));
        }
        let sql = format!(
            "SELECT {PERSON_COLS} FROM people {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(person_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |p| format!("i:{}", p.id)))
    }

    async fn update_person(
        &self,
        ctx: &WriteCtx,
        before: &Person,
        after: &Person,
    ) -> StoreResult<Person> {
        self.do_update_person(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn person_names(&self, ids: &[PersonId]) -> StoreResult<Vec<PersonName>> {
        fetch_in(
            &mut self.ex(),
            "SELECT id, name, title, active FROM people WHERE id",
            "",
            &id_strings(ids),
        )
        .await?
        .iter()
        .map(|r| {
            Ok(PersonName {
                id: PersonId::from_string(r.text("id")?),
                name: r.text("name")?,
                title: r.text("title")?,
                active: r.int("active")? != 0,
            })
        })
        .collect()
    }

    async fn count_active_with_role(&self, role: Role) -> StoreResult<u64> {
        // Roles are a JSON array of names: `["admin","member"]`.
        let row = self
            .db
            .fetch_optional(
                "SELECT COUNT(*) AS n FROM people WHERE active = 1 AND roles LIKE $1",
                args![format!("%\"{}\"%", role.as_str())],
            )
            .await?;
        Ok(row.map(|r| r.int("n")).transpose()?.unwrap_or(0).max(0) as u64)
    }
}
