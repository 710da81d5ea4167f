//! Teams: the units OKRs are shared with, and the reach of a team lead.

use crate::db::{args, map_err, Arg, Exec, Row};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

pub(crate) const TEAM_COLS: Select = Select(&TEAM);

/// The `teams` table.
pub(crate) const TEAM: Table = Table {
    name: "teams",
    columns: &[
        "id",
        "name",
        "parent_id",
        "lead_id",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const TEAM_INSERT: &[&str] = TEAM.columns;

pub(crate) fn team_row(t: &Team) -> Vec<Arg> {
    args![
        t.id.as_str(),
        t.name.as_str(),
        t.parent_id.as_ref().map(|x| x.as_str()),
        t.lead_id.as_ref().map(|x| x.as_str()),
        ts(&t.created_at),
        ts(&t.updated_at),
        t.version,
    ]
}

pub(crate) fn team_from(r: &Row) -> StoreResult<Team> {
    Ok(Team {
        id: TeamId::from_string(r.text("id")?),
        name: r.text("name")?,
        parent_id: r.opt_text("parent_id")?.map(TeamId::from_string),
        lead_id: r.opt_text("lead_id")?.map(PersonId::from_string),
        member_ids: vec![],
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

/// The `team_members` table: a team's members, in order.
pub(crate) const TEAM_MEMBER: Table = Table {
    name: "team_members",
    columns: &["team_id", "person_id", "position"],
    not_selected: &[],
    later: &[],
};

/// Teams and team leads' reach.
#[async_trait]
pub trait Teams: Send + Sync {
    /// Inserts a team with its members. Audited.
    async fn insert_team(&self, ctx: &WriteCtx, team: &Team) -> StoreResult<()>;
    /// The team with this id, with its members.
    async fn team(&self, id: &TeamId) -> StoreResult<Option<Team>>;
    /// The teams among `ids` that exist, with their members, in no particular order.
    async fn teams_by_ids(&self, ids: &[TeamId]) -> StoreResult<Vec<Team>>;
    /// `(id, name)` of the teams among `ids` that exist, in no particular order, in one query
    /// (without their members): what an OKR shows of its teams.
    async fn team_names(&self, ids: &[TeamId]) -> StoreResult<Vec<(TeamId, String)>>;
    /// Teams by id, a page at a time, filtered by parent or member.
    async fn list_teams(&self, filter: &TeamFilter, page: &PageRequest) -> StoreResult<Page<Team>>;
    /// Teams matching `filter` by name (then id), at most `limit` of them after the first
    /// `offset`, with their members, and how many match in all: an administrator's numbered
    /// pages. Three queries: the total, the page, its members.
    async fn teams_by_name(
        &self,
        filter: &TeamFilter,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<Team>, u64)>;
    /// Updates a team and replaces its members. Audited.
    async fn update_team(&self, ctx: &WriteCtx, before: &Team, after: &Team) -> StoreResult<Team>;
    /// The teams this person leads and every team below them (the team lead's reach).
    async fn teams_led_by(&self, person_id: &PersonId) -> StoreResult<Vec<TeamId>>;
    /// Each of `ids` with itself and every team above it, as `(team, ancestor, ancestor's
    /// name)`, each team's from itself upwards (its department, the team with no parent, last):
    /// which department a team belongs to and whether it lies below a given team, for many
    /// teams in one query.
    async fn team_ancestors(&self, ids: &[TeamId]) -> StoreResult<Vec<(TeamId, TeamId, String)>>;
}

/// The Teams area through the shared handle: a caller holding a `DynStore` calls it with
/// `Teams` in scope.
#[async_trait]
impl Teams for dyn Store {
    async fn insert_team(&self, ctx: &WriteCtx, team: &Team) -> StoreResult<()> {
        self.as_teams().insert_team(ctx, team).await
    }

    async fn team(&self, id: &TeamId) -> StoreResult<Option<Team>> {
        self.as_teams().team(id).await
    }

    async fn teams_by_ids(&self, ids: &[TeamId]) -> StoreResult<Vec<Team>> {
        self.as_teams().teams_by_ids(ids).await
    }

    async fn team_names(&self, ids: &[TeamId]) -> StoreResult<Vec<(TeamId, String)>> {
        self.as_teams().team_names(ids).await
    }

    async fn list_teams(&self, filter: &TeamFilter, page: &PageRequest) -> StoreResult<Page<Team>> {
        self.as_teams().list_teams(filter, page).await
    }

    async fn teams_by_name(
        &self,
        filter: &TeamFilter,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<Team>, u64)> {
        self.as_teams().teams_by_name(filter, offset, limit).await
    }

    async fn update_team(&self, ctx: &WriteCtx, before: &Team, after: &Team) -> StoreResult<Team> {
        self.as_teams().update_team(ctx, before, after).await
    }

    async fn teams_led_by(&self, person_id: &PersonId) -> StoreResult<Vec<TeamId>> {
        self.as_teams().teams_led_by(person_id).await
    }

    async fn team_ancestors(&self, ids: &[TeamId]) -> StoreResult<Vec<(TeamId, TeamId, String)>> {
        self.as_teams().team_ancestors(ids).await
    }
}

impl SqlStore {
    pub(crate) async fn do_insert_team(&self, ctx: &WriteCtx, t: &Team) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(&mut tx, usize::MAX, "teams", TEAM_INSERT, vec![team_row(t)]).await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            TEAM_MEMBER.name,
            TEAM_MEMBER.columns,
            junction_rows(t.id.as_str(), &id_strings(&t.member_ids)),
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "team",
                verb: "create",
                object_id: t.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(t),
            },
        )
        .await?;
        tx.commit().await
    }

    pub(crate) async fn do_update_team(
        &self,
        ctx: &WriteCtx,
        before: &Team,
        after: &Team,
    ) -> StoreResult<Team> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE teams SET name = $1, parent_id = $2, lead_id = $3, updated_at = $4, \
                 version = version + 1 WHERE id = $5 AND version = $6",
                args![
                    after.name.as_str(),
                    after.parent_id.as_ref().map(|x| x.as_str()),
                    after.lead_id.as_ref().map(|x| x.as_str()),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "teams", before.id.as_str(), "").await);
        }
        replace_junction(
            &mut tx,
            TEAM_MEMBER.name,
            "team_id",
            "person_id",
            before.id.as_str(),
            &id_strings(&after.member_ids),
        )
        .await?;
        let stored = team_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "team",
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
impl Teams for SqlStore {
    async fn insert_team(&self, ctx: &WriteCtx, team: &Team) -> StoreResult<()> {
        self.do_insert_team(ctx, team).await.map_err(map_err)
    }

    async fn team(&self, id: &TeamId) -> StoreResult<Option<Team>> {
        team_in(&mut self.ex(), id.as_str()).await
    }

    async fn teams_by_ids(&self, ids: &[TeamId]) -> StoreResult<Vec<Team>> {
        let keys = id_strings(ids);
        let select = format!("SELECT {TEAM_COLS} FROM teams WHERE id");
        let mut ex = self.ex();
        let rows = fetch_in(&mut ex, &select, "", &keys).await?;
        fill_teams(&mut ex, rows).await
    }

    async fn team_names(&self, ids: &[TeamId]) -> StoreResult<Vec<(TeamId, String)>> {
        fetch_in(
            &mut self.ex(),
            "SELECT id, name FROM teams WHERE id",
            "",
            &id_strings(ids),
        )
        .await?
        .iter()
        .map(|r| Ok((TeamId::from_string(r.text("id")?), r.text("name")?)))
        .collect()
    }

    async fn list_teams(&self, filter: &TeamFilter, page: &PageRequest) -> StoreResult<Page<Team>> {
        let limit = clamp(page.limit);
        let mut w = team_where(filter);
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("id > {p}"));
        }
        let sql = format!(
            "SELECT {TEAM_COLS} FROM teams {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, w.args).await?;
        let items = fill_teams(&mut ex, rows).await?;
        Ok(paginate(items, limit, |t| format!("i:{}", t.id)))
    }

    async fn teams_by_name(
        &self,
        filter: &TeamFilter,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<Team>, u64)> {
        // The total apart: a window count over the page's query costs the sort of every team
        // again (measured in sqlite3 at 15,716 teams, docs/benchmarks.md, a16).
        let mut ex = self.ex();
        let w = team_where(filter);
        let sql = format!("SELECT COUNT(*) AS total FROM teams {}", w.sql());
        let total = match ex.fetch_all(&sql, w.args).await?.first() {
            Some(r) => r.int("total")?,
            None => 0,
        };
        let w = team_where(filter);
        let sql = format!(
            "SELECT {TEAM_COLS} FROM teams {} ORDER BY LOWER(name), id LIMIT {} OFFSET {}",
            w.sql(),
            clamp(limit),
            i64::try_from(offset).unwrap_or(i64::MAX)
        );
        let rows = ex.fetch_all(&sql, w.args).await?;
        let teams = fill_teams(&mut ex, rows).await?;
        Ok((teams, u64::try_from(total).unwrap_or(0)))
    }

    async fn update_team(&self, ctx: &WriteCtx, before: &Team, after: &Team) -> StoreResult<Team> {
        self.do_update_team(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn teams_led_by(&self, person_id: &PersonId) -> StoreResult<Vec<TeamId>> {
        let sql = format!("{} SELECT id FROM led ORDER BY id", led_teams("$1"));
        self.db
            .fetch_all(&sql, args![person_id.as_str()])
            .await?
            .iter()
            .map(|r| Ok(TeamId::from_string(r.text("id")?)))
            .collect()
    }

    async fn team_ancestors(&self, ids: &[TeamId]) -> StoreResult<Vec<(TeamId, TeamId, String)>> {
        let ids: Vec<String> = ids.iter().map(|t| t.to_string()).collect();
        fetch_in(
            &mut self.ex(),
            "WITH RECURSIVE up(team_id, ancestor_id, level) AS ( \
             SELECT id, id, 0 FROM teams WHERE id",
            "UNION ALL SELECT up.team_id, t.parent_id, up.level + 1 \
             FROM up JOIN teams t ON t.id = up.ancestor_id WHERE t.parent_id IS NOT NULL) \
             SELECT up.team_id AS team_id, up.ancestor_id AS ancestor_id, a.name AS name \
             FROM up JOIN teams a ON a.id = up.ancestor_id ORDER BY up.team_id, up.level",
            &ids,
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                TeamId::from_string(r.text("team_id")?),
                TeamId::from_string(r.text("ancestor_id")?),
                r.text("name")?,
            ))
        })
        .collect()
    }
}

/// The WHERE clause of a [`TeamFilter`]: by parent, by member, by words of the name.
fn team_where(filter: &TeamFilter) -> Where {
    let mut w = Where::default();
    if let Some(p) = &filter.parent_id {
        let p = w.arg(p.as_str());
        w.add(format!("parent_id = {p}"));
    }
    if let Some(m) = &filter.member_id {
        let p = w.arg(m.as_str());
        // From the person's side (their index): a few teams, not every team judged.
        w.add(format!(
            "teams.id IN (SELECT m.team_id FROM team_members m WHERE m.person_id = {p})"
        ));
    }
    if let Some(q) = filter
        .name_contains
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        let p = w.arg(contains_pattern(&q.to_lowercase()));
        w.add(format!("LOWER(name) LIKE {p} ESCAPE '\\'"));
    }
    w
}

/// Each of `teams` with every team below it (itself included), as (root, team) pairs: read
/// first by the queries that start from a subtree, because PostgreSQL estimates a recursive
/// `WITH` at about a thousand times its first step and so read every objective or key result
/// of the cycle to meet it; a list of ids it counts exactly.
pub(crate) async fn subtrees_of(
    db: &crate::db::Db,
    teams: &[TeamId],
) -> StoreResult<Vec<(String, String)>> {
    let mut w = Where::default();
    let ids: Vec<String> = teams.iter().map(|t| w.arg(t.as_str())).collect();
    let sql = format!(
        "WITH RECURSIVE below(root, id) AS (SELECT id, id FROM teams WHERE id IN ({}) \
         UNION SELECT b.root, t.id FROM teams t JOIN below b ON t.parent_id = b.id) \
         SELECT root, id FROM below",
        ids.join(", ")
    );
    db.fetch_all(&sql, w.args)
        .await?
        .iter()
        .map(|r| Ok((r.text("root")?, r.text("id")?)))
        .collect()
}
