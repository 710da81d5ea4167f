//! Conversations, feedback and recognition: 1:1s, feedback requests with their answers, and
//! recognition given on people and OKRs.

use crate::db::{args, map_err, Arg, Exec, Row};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use std::collections::HashMap;

pub(crate) const CONVERSATION_COLS: Select = Select(&CONVERSATION);

pub(crate) fn conversation_from(r: &Row) -> StoreResult<cfr::Conversation> {
    Ok(cfr::Conversation {
        id: ConversationId::from_string(r.text("id")?),
        author_id: PersonId::from_string(r.text("author_id")?),
        with_id: PersonId::from_string(r.text("with_id")?),
        okr_ids: from_json("okr_ids", &r.text("okr_ids")?)?,
        held_on: date_from("held_on", &r.text("held_on")?)?,
        notes: r.text("notes")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

pub(crate) const RECOGNITION_COLS: Select = Select(&RECOGNITION);

pub(crate) fn recognition_from(r: &Row) -> StoreResult<cfr::Recognition> {
    Ok(cfr::Recognition {
        id: RecognitionId::from_string(r.text("id")?),
        from_id: PersonId::from_string(r.text("from_id")?),
        to_id: PersonId::from_string(r.text("to_id")?),
        okr_id: r.text("okr_id")?,
        check_in_id: r.opt_text("check_in_id")?.map(CheckInId::from_string),
        message: r.text("message")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
    })
}

/// The `conversations` table.
pub(crate) const CONVERSATION: Table = Table {
    name: "conversations",
    columns: &[
        "id",
        "author_id",
        "with_id",
        "okr_ids",
        "held_on",
        "notes",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const CONVERSATION_INSERT: &[&str] = CONVERSATION.columns;

pub(crate) fn conversation_row(c: &cfr::Conversation) -> Vec<Arg> {
    args![
        c.id.as_str(),
        c.author_id.as_str(),
        c.with_id.as_str(),
        json(&c.okr_ids),
        c.held_on.to_string(),
        c.notes.as_str(),
        ts(&c.created_at),
        ts(&c.updated_at),
        c.version,
    ]
}

/// The `feedback_requests` table.
pub(crate) const FEEDBACK_REQUEST: Table = Table {
    name: "feedback_requests",
    columns: &["id", "okr_id", "requester_id", "question", "created_at"],
    not_selected: &[],
    later: &[],
};

pub(crate) const FEEDBACK_REQUEST_INSERT: &[&str] = FEEDBACK_REQUEST.columns;

pub(crate) fn feedback_request_row(r: &cfr::FeedbackRequest) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.okr_id.as_str(),
        r.requester_id.as_str(),
        r.question.as_str(),
        ts(&r.created_at),
    ]
}

/// The `feedback_answers` table.
pub(crate) const FEEDBACK_ANSWER: Table = Table {
    name: "feedback_answers",
    columns: &[
        "request_id",
        "person_id",
        "position",
        "answer",
        "answered_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const FEEDBACK_ANSWER_INSERT: &[&str] = FEEDBACK_ANSWER.columns;

/// One row per addressee, in the order they were named.
pub(crate) fn feedback_answer_rows(
    r: &cfr::FeedbackRequest,
) -> impl Iterator<Item = Vec<Arg>> + '_ {
    r.answers.iter().enumerate().map(move |(i, a)| {
        args![
            r.id.as_str(),
            a.person_id.as_str(),
            i as i64,
            a.answer.clone(),
            a.answered_at.as_ref().map(ts),
        ]
    })
}

/// The `recognitions` table.
pub(crate) const RECOGNITION: Table = Table {
    name: "recognitions",
    columns: &[
        "id",
        "from_id",
        "to_id",
        "okr_id",
        "check_in_id",
        "message",
        "created_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const RECOGNITION_INSERT: &[&str] = RECOGNITION.columns;

pub(crate) fn recognition_row(r: &cfr::Recognition) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.from_id.as_str(),
        r.to_id.as_str(),
        r.okr_id.as_str(),
        r.check_in_id.as_ref().map(|x| x.as_str()),
        r.message.as_str(),
        ts(&r.created_at),
    ]
}

/// Feedback requests with their answers (addressees in the order they were named): two queries.
pub(crate) async fn fill_feedback(
    ex: &mut Exec<'_>,
    rows: Vec<Row>,
) -> StoreResult<Vec<cfr::FeedbackRequest>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(cfr::FeedbackRequest {
            id: FeedbackRequestId::from_string(r.text("id")?),
            okr_id: r.text("okr_id")?,
            requester_id: PersonId::from_string(r.text("requester_id")?),
            question: r.text("question")?,
            answers: vec![],
            created_at: to_ts("created_at", r.int("created_at")?)?,
        });
    }
    let ids: Vec<String> = out.iter().map(|f| f.id.to_string()).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = fetch_in(
        ex,
        "SELECT request_id, person_id, position, answer, answered_at FROM feedback_answers \
         WHERE request_id",
        "",
        &ids,
    )
    .await?;
    let mut by: HashMap<String, Vec<(i64, cfr::FeedbackAnswer)>> = HashMap::new();
    for r in &rows {
        by.entry(r.text("request_id")?).or_default().push((
            r.int("position")?,
            cfr::FeedbackAnswer {
                person_id: PersonId::from_string(r.text("person_id")?),
                answer: r.opt_text("answer")?,
                answered_at: opt_ts("answered_at", r.opt_int("answered_at")?)?,
            },
        ));
    }
    for f in &mut out {
        let mut answers = by.remove(f.id.as_str()).unwrap_or_default();
        answers.sort_by_key(|(p, _)| *p);
        f.answers = answers.into_iter().map(|(_, a)| a).collect();
    }
    Ok(out)
}

/// Conversations, feedback and recognition.
#[async_trait]
pub trait Cfrs: Send + Sync {
    /// Not audited with its notes: a 1:1 is private to its two people (the event says only that
    /// one was recorded).
    async fn insert_conversation(
        &self,
        ctx: &WriteCtx,
        conversation: &cfr::Conversation,
    ) -> StoreResult<()>;
    /// The 1:1 conversation with this id.
    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<cfr::Conversation>>;
    /// The conversations `person_id` is one of the two people of, newest first.
    async fn list_conversations(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Conversation>>;
    /// The request and one unanswered answer row per addressee, in one transaction. Audited.
    async fn insert_feedback_request(
        &self,
        ctx: &WriteCtx,
        request: &cfr::FeedbackRequest,
    ) -> StoreResult<()>;
    /// The feedback request with this id, with its addressees' answers.
    async fn feedback_request(
        &self,
        id: &FeedbackRequestId,
    ) -> StoreResult<Option<cfr::FeedbackRequest>>;
    /// Requests on `okr_id` (when given) involving `person_id` as requester or addressee (when
    /// given), newest first (by id), a page at a time.
    async fn list_feedback_requests(
        &self,
        okr_id: Option<&str>,
        person_id: Option<&PersonId>,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::FeedbackRequest>>;
    /// Records `person_id`'s answer; `NotFound` if they are not an addressee. Audited.
    async fn answer_feedback(
        &self,
        ctx: &WriteCtx,
        request_id: &FeedbackRequestId,
        answer: &cfr::FeedbackAnswer,
    ) -> StoreResult<()>;
    /// Records recognition. Audited.
    async fn insert_recognition(
        &self,
        ctx: &WriteCtx,
        recognition: &cfr::Recognition,
    ) -> StoreResult<()>;
    /// Recognition on an OKR (its check-ins included), newest first (by id), a page at a time.
    async fn list_recognitions(
        &self,
        okr_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>>;
    /// Recognition on any of these OKRs (ids of objectives or key results, their check-ins
    /// included), newest first (by `created_at`, then id), a page at a time.
    async fn recognitions_on_okrs(
        &self,
        okr_ids: &[String],
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>>;
    /// Recognition addressed to `person_id`, newest first (by `created_at`, then id), a page at
    /// a time. Unfiltered: the caller leaves out what its reader may not see.
    async fn recognitions_to(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>>;
    /// Recognition given by `person_id`, newest first (by `created_at`, then id), a page at a
    /// time.
    async fn recognitions_from(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>>;
}

/// The Cfrs area through the shared handle: a caller holding a `DynStore` calls it with
/// `Cfrs` in scope.
#[async_trait]
impl Cfrs for dyn Store {
    async fn insert_conversation(
        &self,
        ctx: &WriteCtx,
        conversation: &cfr::Conversation,
    ) -> StoreResult<()> {
        self.as_cfrs().insert_conversation(ctx, conversation).await
    }

    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<cfr::Conversation>> {
        self.as_cfrs().conversation(id).await
    }

    async fn list_conversations(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Conversation>> {
        self.as_cfrs().list_conversations(person_id, page).await
    }

    async fn insert_feedback_request(
        &self,
        ctx: &WriteCtx,
        request: &cfr::FeedbackRequest,
    ) -> StoreResult<()> {
        self.as_cfrs().insert_feedback_request(ctx, request).await
    }

    async fn feedback_request(
        &self,
        id: &FeedbackRequestId,
    ) -> StoreResult<Option<cfr::FeedbackRequest>> {
        self.as_cfrs().feedback_request(id).await
    }

    async fn list_feedback_requests(
        &self,
        okr_id: Option<&str>,
        person_id: Option<&PersonId>,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::FeedbackRequest>> {
        self.as_cfrs()
            .list_feedback_requests(okr_id, person_id, page)
            .await
    }

    async fn answer_feedback(
        &self,
        ctx: &WriteCtx,
        request_id: &FeedbackRequestId,
        answer: &cfr::FeedbackAnswer,
    ) -> StoreResult<()> {
        self.as_cfrs()
            .answer_feedback(ctx, request_id, answer)
            .await
    }

    async fn insert_recognition(
        &self,
        ctx: &WriteCtx,
        recognition: &cfr::Recognition,
    ) -> StoreResult<()> {
        self.as_cfrs().insert_recognition(ctx, recognition).await
    }

    async fn list_recognitions(
        &self,
        okr_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>> {
        self.as_cfrs().list_recognitions(okr_id, page).await
    }

    async fn recognitions_on_okrs(
        &self,
        okr_ids: &[String],
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>> {
        self.as_cfrs().recognitions_on_okrs(okr_ids, page).await
    }

    async fn recognitions_to(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>> {
        self.as_cfrs().recognitions_to(person_id, page).await
    }

    async fn recognitions_from(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>> {
        self.as_cfrs().recognitions_from(person_id, page).await
    }
}

impl SqlStore {
    /// Recognition whose `column` (`to_id` or `from_id`, never input) is `person_id`, newest
    /// first (by `created_at`, then id), a page at a time; served in order by the
    /// `(to_id|from_id, created_at, id)` indexes.
    pub(crate) async fn recognitions_where(
        &self,
        column: &'static str,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(person_id.as_str());
        w.add(format!("{column} = {p}"));
        if let Some((at, id)) = time_cursor(page)? {
            let a = w.arg(at);
            let i = w.arg(id);
            w.add(format!(
                "(created_at < {a} OR (created_at = {a} AND id < {i}))"
            ));
        }
        let sql = format!(
            "SELECT {RECOGNITION_COLS} FROM recognitions {} \
             ORDER BY created_at DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(recognition_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, recognition_time_cursor))
    }
}

#[async_trait]
impl Cfrs for SqlStore {
    async fn insert_conversation(&self, ctx: &WriteCtx, c: &cfr::Conversation) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "conversations",
            CONVERSATION_INSERT,
            vec![conversation_row(c)],
        )
        .await
        .map_err(map_err)?;
        crate::jobs::notify(&mut tx, ctx, crate::jobs::conversation_note(c)).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "conversation",
                verb: "create",
                object_id: c.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<cfr::Conversation>> {
        let sql = format!("SELECT {CONVERSATION_COLS} FROM conversations WHERE id = $1");
        self.db
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(conversation_from)
            .transpose()
    }

    async fn list_conversations(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Conversation>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(person_id.as_str());
        w.add(format!("(author_id = {p} OR with_id = {p})"));
        if let Some(id) = id_cursor(page)? {
            let i = w.arg(id);
            w.add(format!("id < {i}"));
        }
        let sql = format!(
            "SELECT {CONVERSATION_COLS} FROM conversations {} ORDER BY id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(conversation_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |c| format!("i:{}", c.id)))
    }

    async fn insert_feedback_request(
        &self,
        ctx: &WriteCtx,
        r: &cfr::FeedbackRequest,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "feedback_requests",
            FEEDBACK_REQUEST_INSERT,
            vec![feedback_request_row(r)],
        )
        .await
        .map_err(map_err)?;
        insert_rows(
            &mut tx,
            self.db.max_params(),
            "feedback_answers",
            FEEDBACK_ANSWER_INSERT,
            feedback_answer_rows(r).collect::<Vec<_>>(),
        )
        .await
        .map_err(map_err)?;
        let objective_id = objective_of_okr(&mut tx, &r.okr_id).await?;
        let told = crate::jobs::feedback_requested(r, objective_id.as_deref());
        crate::jobs::notify(&mut tx, ctx, told).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "feedback_request",
                verb: "create",
                object_id: r.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: None,
                before: None,
                after: value(r),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn feedback_request(
        &self,
        id: &FeedbackRequestId,
    ) -> StoreResult<Option<cfr::FeedbackRequest>> {
        let mut ex = self.ex();
        let rows = ex
            .fetch_all(
                "SELECT id, okr_id, requester_id, question, created_at FROM feedback_requests \
                 WHERE id = $1",
                args![id.as_str()],
            )
            .await?;
        Ok(fill_feedback(&mut ex, rows).await?.pop())
    }

    async fn list_feedback_requests(
        &self,
        okr_id: Option<&str>,
        person_id: Option<&PersonId>,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::FeedbackRequest>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(o) = okr_id {
            let p = w.arg(o);
            w.add(format!("okr_id = {p}"));
        }
        if let Some(person) = person_id {
            let p = w.arg(person.as_str());
            w.add(format!(
                "(requester_id = {p} OR id IN (SELECT request_id FROM feedback_answers \
                 WHERE person_id = {p}))"
            ));
        }
        if let Some(id) = id_cursor(page)? {
            let i = w.arg(id);
            w.add(format!("id < {i}"));
        }
        let sql = format!(
            "SELECT id, okr_id, requester_id, question, created_at FROM feedback_requests {} \
             ORDER BY id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, w.args).await?;
        let items = fill_feedback(&mut ex, rows).await?;
        Ok(paginate(items, limit, |r| format!("i:{}", r.id)))
    }

    async fn answer_feedback(
        &self,
        ctx: &WriteCtx,
        request_id: &FeedbackRequestId,
        a: &cfr::FeedbackAnswer,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE feedback_answers SET answer = $1, answered_at = $2 \
                 WHERE request_id = $3 AND person_id = $4",
                args![
                    a.answer.clone(),
                    a.answered_at.as_ref().map(ts),
                    request_id.as_str(),
                    a.person_id.as_str(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let told = crate::jobs::feedback_answered(&mut tx, request_id, a).await?;
        crate::jobs::notify(&mut tx, ctx, told).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "feedback_request",
                verb: "answer",
                object_id: request_id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(a),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn insert_recognition(&self, ctx: &WriteCtx, r: &cfr::Recognition) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "recognitions",
            RECOGNITION_INSERT,
            vec![recognition_row(r)],
        )
        .await
        .map_err(map_err)?;
        let objective_id = objective_of_okr(&mut tx, &r.okr_id).await?;
        let told = crate::jobs::recognition_received(r, objective_id.as_deref());
        crate::jobs::notify(&mut tx, ctx, told).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "recognition",
                verb: "create",
                object_id: r.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: None,
                before: None,
                after: value(r),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn list_recognitions(
        &self,
        okr_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(okr_id);
        w.add(format!("okr_id = {p}"));
        if let Some(id) = id_cursor(page)? {
            let i = w.arg(id);
            w.add(format!("id < {i}"));
        }
        let sql = format!(
            "SELECT {RECOGNITION_COLS} FROM recognitions {} ORDER BY id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(recognition_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |r| format!("i:{}", r.id)))
    }

    async fn recognitions_on_okrs(
        &self,
        okr_ids: &[String],
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>> {
        // The ids may be more than one IN-list holds: read them all, then page in order.
        let limit = clamp(page.limit);
        let after = time_cursor(page)?;
        let select = format!("SELECT {RECOGNITION_COLS} FROM recognitions WHERE okr_id");
        let mut out = fetch_in(&mut self.ex(), &select, "", okr_ids)
            .await?
            .iter()
            .map(recognition_from)
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));
        if let Some((at, id)) = after {
            out.retain(|r| (ts(&r.created_at), r.id.as_str()) < (at, id.as_str()));
        }
        out.truncate(limit + 1);
        Ok(paginate(out, limit, recognition_time_cursor))
    }

    async fn recognitions_to(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>> {
        self.recognitions_where("to_id", person_id, page).await
    }

    async fn recognitions_from(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Recognition>> {
        self.recognitions_where("from_id", person_id, page).await
    }
}

/// The cursor after a recognition in `(created_at, id)` order.
fn recognition_time_cursor(r: &cfr::Recognition) -> String {
    format!("t:{}:{}", ts(&r.created_at), r.id)
}
