//! Team reviews: the agenda of owners' notes and decisions a team goes through together.

use crate::db::{args, map_err, Arg, Row};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

pub(crate) const REVIEW_COLS: Select = Select(&REVIEW);

pub(crate) fn review_from(r: &Row) -> StoreResult<review::Review> {
    Ok(review::Review {
        id: ReviewId::from_string(r.text("id")?),
        team_id: TeamId::from_string(r.text("team_id")?),
        held_on: date_from("held_on", &r.text("held_on")?)?,
        run_by: r.opt_text("run_by")?.map(PersonId::from_string),
        items: from_json("items", &r.text("items")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

/// The `reviews` table.
pub(crate) const REVIEW: Table = Table {
    name: "reviews",
    columns: &[
        "id",
        "team_id",
        "held_on",
        "run_by",
        "items",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const REVIEW_INSERT: &[&str] = REVIEW.columns;

pub(crate) fn review_row(r: &review::Review) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.team_id.as_str(),
        r.held_on.to_string(),
        r.run_by.as_ref().map(|x| x.as_str()),
        json(&r.items),
        ts(&r.created_at),
        ts(&r.updated_at),
        r.version,
    ]
}

/// Team reviews.
#[async_trait]
pub trait Reviews: Send + Sync {
    /// Inserts a team review with its items. Audited.
    async fn insert_review(&self, ctx: &WriteCtx, review: &review::Review) -> StoreResult<()>;
    /// The review with this id, with its items.
    async fn review(&self, id: &ReviewId) -> StoreResult<Option<review::Review>>;
    /// The reviews with these ids (unknown ids left out), in one query per 500 ids.
    async fn reviews_by_ids(&self, ids: &[ReviewId]) -> StoreResult<Vec<review::Review>>;
    /// A team's reviews, latest `held_on` first.
    async fn list_reviews(
        &self,
        team_id: &TeamId,
        page: &PageRequest,
    ) -> StoreResult<Page<review::Review>>;
    /// Replaces the review's items (notes and decisions); `StaleVersion` if `before` is stale.
    async fn update_review(
        &self,
        ctx: &WriteCtx,
        before: &review::Review,
        after: &review::Review,
    ) -> StoreResult<review::Review>;
}

/// The Reviews area through the shared handle: a caller holding a `DynStore` calls it with
/// `Reviews` in scope.
#[async_trait]
impl Reviews for dyn Store {
    async fn insert_review(&self, ctx: &WriteCtx, review: &review::Review) -> StoreResult<()> {
        self.as_reviews().insert_review(ctx, review).await
    }

    async fn review(&self, id: &ReviewId) -> StoreResult<Option<review::Review>> {
        self.as_reviews().review(id).await
    }

    async fn reviews_by_ids(&self, ids: &[ReviewId]) -> StoreResult<Vec<review::Review>> {
        self.as_reviews().reviews_by_ids(ids).await
    }

    async fn list_reviews(
        &self,
        team_id: &TeamId,
        page: &PageRequest,
    ) -> StoreResult<Page<review::Review>> {
        self.as_reviews().list_reviews(team_id, page).await
    }

    async fn update_review(
        &self,
        ctx: &WriteCtx,
        before: &review::Review,
        after: &review::Review,
    ) -> StoreResult<review::Review> {
        self.as_reviews().update_review(ctx, before, after).await
    }
}

#[async_trait]
impl Reviews for SqlStore {
    async fn insert_review(&self, ctx: &WriteCtx, r: &review::Review) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "reviews",
            REVIEW_INSERT,
            vec![review_row(r)],
        )
        .await
        .map_err(map_err)?;
        let told = crate::jobs::review_scheduled(&mut tx, ctx, r).await?;
        crate::jobs::notify(&mut tx, ctx, told).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "review",
                verb: "create",
                object_id: r.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(r),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn review(&self, id: &ReviewId) -> StoreResult<Option<review::Review>> {
        let sql = format!("SELECT {REVIEW_COLS} FROM reviews WHERE id = $1");
        self.db
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(review_from)
            .transpose()
    }

    async fn reviews_by_ids(&self, ids: &[ReviewId]) -> StoreResult<Vec<review::Review>> {
        let keys: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        let select = format!("SELECT {REVIEW_COLS} FROM reviews WHERE id");
        fetch_in(&mut self.ex(), &select, "", &keys)
            .await?
            .iter()
            .map(review_from)
            .collect()
    }

    async fn list_reviews(
        &self,
        team_id: &TeamId,
        page: &PageRequest,
    ) -> StoreResult<Page<review::Review>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(team_id.as_str());
        w.add(format!("team_id = {p}"));
        if let Some(c) = &page.cursor {
            let (day, id) = c
                .strip_prefix("d:")
                .and_then(|r| r.split_once(':'))
                .filter(|(d, i)| d.parse::<Date>().is_ok() && !i.is_empty())
                .ok_or(StoreError::BadCursor)?;
            let d = w.arg(day);
            let i = w.arg(id);
            w.add(format!("(held_on < {d} OR (held_on = {d} AND id < {i}))"));
        }
        let sql = format!(
            "SELECT {REVIEW_COLS} FROM reviews {} ORDER BY held_on DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(review_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |r| {
            format!("d:{}:{}", r.held_on, r.id)
        }))
    }

    async fn update_review(
        &self,
        ctx: &WriteCtx,
        before: &review::Review,
        after: &review::Review,
    ) -> StoreResult<review::Review> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE reviews SET items = $1, updated_at = $2, version = version + 1 \
                 WHERE id = $3 AND version = $4",
                args![
                    json(&after.items),
                    ts(&now()),
                    before.id.as_str(),
                    before.version
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "reviews", before.id.as_str(), "").await);
        }
        let sql = format!("SELECT {REVIEW_COLS} FROM reviews WHERE id = $1");
        let stored = tx
            .fetch_optional(&sql, args![before.id.as_str()])
            .await?
            .as_ref()
            .map(review_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "review",
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
