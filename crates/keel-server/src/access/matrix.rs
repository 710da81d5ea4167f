//! The permission matrix: for every role (and the team lead position), every API route and
//! every page of the web UI, whether it is allowed. One table, three uses: a test walks the
//! whole table against the running app (so the table cannot drift from the rules in
//! `access::rules`), tests fail when a route in the OpenAPI document or a page the UI router
//! registers has no row (so new routes and pages must be added here), and `docs/permissions.md`
//! is generated from it (`keel permissions`, or the test with `KEEL_UPDATE_DOCS=1`).
//!
//! One row per line (a route and its nine cells), so that a diff names exactly the cell that
//! changed. Visibility (which OKRs a person may see at all) applies on top of every cell: an OKR
//! you may not see answers 404 whatever the table says. Pages of the web UI are rows of kind
//! [`Kind::Page`] (`PAGES`); the few pages open to anonymous visitors (signing in, assets) are
//! listed in [`PUBLIC_PAGES`] instead.

/// Who the column is about: each of Keel's roles, and the team lead, a position in the team
/// tree (a team's `lead_id`) rather than a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Admin,
    Champion,
    TeamLead,
    Member,
    Reviewer,
    Analyst,
    Hr,
    Finance,
    Viewer,
}

impl Holder {
    pub const ALL: [Holder; 9] = [
        Holder::Admin,
        Holder::Champion,
        Holder::TeamLead,
        Holder::Member,
        Holder::Reviewer,
        Holder::Analyst,
        Holder::Hr,
        Holder::Finance,
        Holder::Viewer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Holder::Admin => "admin",
            Holder::Champion => "champion",
            Holder::TeamLead => "team lead",
            Holder::Member => "member",
            Holder::Reviewer => "reviewer",
            Holder::Analyst => "analyst",
            Holder::Hr => "hr",
            Holder::Finance => "finance",
            Holder::Viewer => "viewer",
        }
    }
}

/// One cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Allowed on anything the person may see.
    Yes,
    /// Allowed only on their own: OKRs they own or sponsor (or, for check-ins, contribute to);
    /// for a team lead, the OKRs, teams and reviews of the teams they lead; for finance, key
    /// results tagged financial; for ownership answers, requests naming them; for feedback
    /// answers, requests asking them; for conversations, those they are one of the two people
    /// of; for review notes, items on OKRs they own; for tokens, their own.
    Own,
    /// Refused (403).
    No,
}

impl Access {
    fn parse(c: char) -> Access {
        match c {
            'y' => Access::Yes,
            'o' => Access::Own,
            'n' => Access::No,
            other => panic!("permission cell '{other}': use y, o or n"),
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Access::Yes => "yes",
            Access::Own => "own",
            Access::No => "—",
        }
    }
}

/// What a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A route of the JSON API (`/api/v1` + path).
    Api,
    /// A page (or form) of the web UI, signed in by session cookie: path as registered in
    /// `ui/`, e.g. `/objectives/{id}/edit`.
    Page,
}

/// One row: a route (or page) and a cell per [`Holder::ALL`] column.
#[derive(Debug, Clone)]
pub struct Row {
    pub kind: Kind,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// As in the OpenAPI document, e.g. `/objectives/{id}` (API rows), or as registered by
    /// the UI router (page rows).
    pub path: &'static str,
    pub access: [Access; 9],
    /// Why, in a few words.
    pub note: &'static str,
}

impl Row {
    pub fn access(&self, h: Holder) -> Access {
        self.access[Holder::ALL.iter().position(|x| *x == h).unwrap_or(0)]
    }
}

/// Columns: admin, champion, team lead, member, reviewer, analyst, hr, finance, viewer.
#[rustfmt::skip]
const API: &[(&str, &str, &str, &str)] = &[
    // people
    ("GET",    "/people",                             "yyyyyyyyy", "the directory is open to everyone"),
    ("POST",   "/people",                             "ynnnnnnnn", "administrators manage people"),
    ("GET",    "/people/{id}",                        "yyyyyyyyy", ""),
    ("PATCH",  "/people/{id}",                        "ynnnnnnnn", "roles and deactivation too; never the last administrator"),
    ("GET",    "/people/{id}/ownership",              "yyyyyyyyy", "lists only OKRs the reader may see"),
    ("GET",    "/people/{id}/okrs",                   "yyyyyyyyy", "a person's OKRs in a cycle; lists and counts only OKRs the reader may see"),
    ("GET",    "/search",                             "yyyyyyyyy", "finds only OKRs the reader may see; people and teams are open to everyone"),
    ("GET",    "/alignment",                          "yyyyyyyyy", "lists only OKRs the reader may see; a parent they may not see is never named"),
    ("GET",    "/people/{id}/export",                 "ynnnnnnnn", "everything about one person, their 1:1s included"),
    ("POST",   "/people/{id}/erase",                  "ynnnnnnnn", "a person who left; never oneself, nor an owner of open OKRs"),
    // teams
    ("GET",    "/teams",                              "yyyyyyyyy", ""),
    ("POST",   "/teams",                              "yynnnnnnn", ""),
    ("GET",    "/teams/{id}",                         "yyyyyyyyy", ""),
    ("PATCH",  "/teams/{id}",                         "yyonnnnnn", "a lead changes their team and the teams below it"),
    ("GET",    "/teams/{id}/okrs",                    "yyyyyyyyy", "lists only OKRs the reader may see"),
    ("GET",    "/teams/{id}/dashboard",               "yyyyyyyyy", "counts only key results the reader may see"),
    ("GET",    "/dashboard",                          "yyyyyyyyy", "counts only OKRs the reader may see"),
    ("GET",    "/dashboard/key-results",              "yyyyyyyyy", "lists only key results the reader may see"),
    // cycles and settings
    ("GET",    "/cycles",                             "yyyyyyyyy", ""),
    ("POST",   "/cycles",                             "yynnnnnnn", "champions run the OKR cadence"),
    ("GET",    "/cycles/{id}",                        "yyyyyyyyy", ""),
    ("PATCH",  "/cycles/{id}",                        "yynnnnnnn", ""),
    ("GET",    "/settings",                           "yyyyyyyyy", ""),
    ("PATCH",  "/settings",                           "yynnnnnnn", ""),
    // objectives
    ("GET",    "/objectives",                         "yyyyyyyyy", "lists only OKRs the reader may see"),
    ("POST",   "/objectives",                         "yyyynnnnn", "read-only roles do not create OKRs"),
    ("GET",    "/objectives/{id}",                    "yyyyyyyyy", "404 when the reader may not see it"),
    ("PATCH",  "/objectives/{id}",                    "yyooooono", "owner, sponsor, lead of one of its teams"),
    ("DELETE", "/objectives/{id}",                    "yyooooono", ""),
    ("GET",    "/objectives/{id}/history",            "yyyyyyyyy", "whoever can see the objective"),
    // key results
    ("POST",   "/objectives/{id}/key-results",        "yyooooono", "whoever may edit the objective"),
    ("GET",    "/key-results/{id}",                   "yyyyyyyyy", ""),
    ("PATCH",  "/key-results/{id}",                   "yyooooooo", "finance: key results tagged financial"),
    ("DELETE", "/key-results/{id}",                   "yyooooooo", ""),
    // check-ins and initiatives
    ("POST",   "/key-results/{id}/check-ins",         "yonoooooo", "the people doing the work, not their leads"),
    ("GET",    "/key-results/{id}/check-ins",         "yyyyyyyyy", ""),
    ("PATCH",  "/key-results/{id}/check-ins/{check_in_id}", "oonoooooo", "only the check-in's author corrects it"),
    ("POST",   "/key-results/{id}/check-ins/{check_in_id}/withdraw", "oonoooooo", "only the check-in's author withdraws it"),
    ("POST",   "/key-results/{id}/initiatives",       "yyooooooo", ""),
    ("GET",    "/key-results/{id}/initiatives",       "yyyyyyyyy", ""),
    ("PATCH",  "/initiatives/{id}",                   "yyooooooo", "also the initiative's own owner"),
    // ownership
    ("POST",   "/objectives/{id}/ownership",          "yyooooono", "whoever may edit the objective proposes"),
    ("GET",    "/objectives/{id}/ownership",          "yyyyyyyyy", ""),
    ("POST",   "/objectives/{id}/ownership/accept",   "oonoooono", "only the person proposed"),
    ("POST",   "/objectives/{id}/ownership/decline",  "oonoooono", "only the person proposed"),
    ("POST",   "/key-results/{id}/ownership",         "yyooooooo", ""),
    ("GET",    "/key-results/{id}/ownership",         "yyyyyyyyy", ""),
    ("POST",   "/key-results/{id}/ownership/accept",  "oonoooono", "only the person proposed"),
    ("POST",   "/key-results/{id}/ownership/decline", "oonoooono", "only the person proposed"),
    ("GET",    "/ownership-requests",                 "yyyyyyyyy", "admins and champions: all they may see; others: their own"),
    // dependencies
    ("POST",   "/key-results/{id}/dependencies",      "yyooooooo", "whoever may edit the dependent key result; the other must be visible to them"),
    ("GET",    "/key-results/{id}/dependencies",      "yyyyyyyyy", "a key result the reader may not see is never named"),
    ("DELETE", "/key-results/{id}/dependencies/{dep_id}", "yyooooooo", "whoever may edit the dependent key result"),
    ("POST",   "/dependencies/{id}/accept",           "oonoooono", "only the owner of the key result depended on"),
    ("POST",   "/dependencies/{id}/decline",          "oonoooono", "only the owner of the key result depended on"),
    // data in: pushed values, ingest tokens, KPIs
    ("POST",   "/key-results/{id}/ingest-tokens",     "yonoooono", "the key result's owner (or an admin); the secret is shown once"),
    ("GET",    "/key-results/{id}/ingest-tokens",     "yonoooono", "never the secrets"),
    ("DELETE", "/key-results/{id}/ingest-tokens/{token_id}", "yonoooono", "refused at once from then on"),
    ("POST",   "/key-results/{id}/values",            "yonoooooo", "whoever may check in; or the key result's own ingest token, which is nobody's word"),
    ("GET",    "/kpis",                               "yyyyyyyyy", "KPIs are the organisation's shared measures"),
    ("POST",   "/kpis",                               "yyyynnnnn", "read-only roles do not create KPIs; only admins name another owner"),
    ("GET",    "/kpis/{id}",                          "yyyyyyyyy", ""),
    ("PATCH",  "/kpis/{id}",                          "yoooooooo", "its owner"),
    ("DELETE", "/kpis/{id}",                          "yoooooooo", "its owner; its tokens stop"),
    ("POST",   "/kpis/{id}/values",                   "yoooooooo", "its owner; or its own ingest token"),
    ("GET",    "/kpis/{id}/values",                   "yyyyyyyyy", ""),
    ("POST",   "/kpis/{id}/ingest-tokens",            "yoooooooo", "its owner; the secret is shown once"),
    ("GET",    "/kpis/{id}/ingest-tokens",            "yoooooooo", "never the secrets"),
    ("DELETE", "/kpis/{id}/ingest-tokens/{token_id}", "yoooooooo", ""),
    ("POST",   "/key-results/{id}/source",            "yonoooono", "the key result's owner (or an admin); tried before it is saved"),
    ("GET",    "/key-results/{id}/source",            "yonoooono", "never the header values"),
    ("PATCH",  "/key-results/{id}/source",            "yonoooono", ""),
    ("DELETE", "/key-results/{id}/source",            "yonoooono", "its values stay in the history"),
    ("POST",   "/key-results/{id}/source/run",        "yonoooono", "a failure is recorded, not refused"),
    ("GET",    "/key-results/{id}/source/runs",       "yonoooono", ""),
    ("POST",   "/kpis/{id}/source",                   "yoooooooo", "its owner; tried before it is saved"),
    ("GET",    "/kpis/{id}/source",                   "yoooooooo", "never the header values"),
    ("PATCH",  "/kpis/{id}/source",                   "yoooooooo", ""),
    ("DELETE", "/kpis/{id}/source",                   "yoooooooo", ""),
    ("POST",   "/kpis/{id}/source/run",               "yoooooooo", ""),
    ("GET",    "/kpis/{id}/source/runs",              "yoooooooo", ""),
    ("POST",   "/source-databases",                   "ynnnnnnnn", "the connection URL is sealed and never shown again"),
    ("GET",    "/source-databases",                   "yyyyyyyyy", "names only: whoever sets an SQL source picks one"),
    ("DELETE", "/source-databases/{id}",              "ynnnnnnnn", "refused while a source queries it"),
    // reports
    ("GET",    "/health",                             "yyyyyyyyn", "covers only OKRs the reader may see"),
    ("GET",    "/audit",                              "yynnnnnnn", "JSON or CSV; leaves out objectives the reader may not see"),
    ("GET",    "/export",                             "ynnnnnnnn", "every OKR, private ones included: administrators only"),
    ("POST",   "/import",                             "ynnnnnnnn", "administrators only; all or nothing; `?dry_run=true` writes nothing"),
    ("GET",    "/export/{list}",                      "yyyyyyyyy", "people, objectives or key results as CSV; only the objectives the reader may see"),
    // accounts
    ("PUT",    "/me/password",                        "yyyyyyyyy", "your own password; the current one is required"),
    ("POST",   "/people/{id}/password",               "ynnnnnnnn", "administrators reset passwords; the person's sessions end"),
    ("POST",   "/people/{id}/invitation",             "ynnnnnnnn", "a link to choose a password: emailed, or in the answer once when email is off"),
    // the owner's rhythm: what is due, status, cadence
    ("GET",    "/people/{id}/due",                    "yyyyyyyyy", "lists only OKRs the reader may see"),
    ("PUT",    "/objectives/{id}/status",             "yonoooono", "the objective's owner overrides its status, with a reason"),
    ("DELETE", "/objectives/{id}/status",             "yonoooono", ""),
    ("GET",    "/teams/{id}/cadence",                 "yyyyyyyyy", ""),
    ("PUT",    "/teams/{id}/cadence",                 "yyonnnnnn", "whoever may change the team"),
    // end of cycle
    ("POST",   "/key-results/{id}/score",             "yynoooono", "the key result's or the objective's owner"),
    ("GET",    "/objectives/{id}/retrospective",      "yyyyyyyyy", ""),
    ("PUT",    "/objectives/{id}/retrospective",      "yynoooono", "the objective's owner; carrying over creates a draft in one transaction"),
    ("POST",   "/cycles/{id}/close",                  "yynnnnnnn", "locks the cycle's OKRs"),
    ("POST",   "/cycles/{id}/reopen",                 "ynnnnnnnn", "administrators only; audited"),
    ("GET",    "/cycles/{id}/calibration",            "yynnnyynn", "computed only from OKRs the reader may see"),
    // reports for HR, team leads, finance and analysts
    ("GET",    "/reports/participation",              "yyonnyynn", "people's participation: a team lead reads the members of the teams they lead; only OKRs the reader may see count"),
    ("GET",    "/reports/financial",                  "yynnnnnyn", "key results tagged financial the reader may see, with totals per team and currency"),
    ("GET",    "/reports/calibration",                "yyonnyynn", "calibration by team: a team lead reads the teams they lead; computed only from OKRs the reader may see"),
    ("GET",    "/reports/compliance",                 "yyonnyynn", "check-in compliance by team and week: a team lead reads the teams they lead; only OKRs the reader may see count"),
    // team reviews
    ("POST",   "/teams/{id}/reviews",                 "yyonnnnnn", "the lead of the team or of a team above it"),
    ("GET",    "/teams/{id}/reviews",                 "yyyyyyyyy", "each agenda lists only OKRs the reader may see"),
    ("GET",    "/reviews/{id}",                       "yyyyyyyyy", "likewise"),
    ("PUT",    "/reviews/{id}/items/{objective_id}",  "yyooooono", "the OKR's owner, or whoever runs the review"),
    // conversations, feedback, recognition
    ("POST",   "/conversations",                      "yyyyyyyyy", "a 1:1 with someone"),
    ("GET",    "/conversations",                      "yyyyyyyyy", "your own 1:1s"),
    ("GET",    "/conversations/{id}",                 "ooooooooo", "only its two people; anyone else gets 404"),
    ("POST",   "/feedback-requests",                  "yyyyyyyyn", "on an OKR the asker may see; viewers do not give feedback"),
    ("GET",    "/feedback-requests",                  "yyyyyyyyy", "lists only requests on OKRs the reader may see"),
    ("GET",    "/feedback-requests/{id}",             "yyyyyyyyy", ""),
    ("PUT",    "/feedback-requests/{id}/answer",      "oooooooon", "only the people asked"),
    ("POST",   "/recognitions",                       "yyyyyyyyn", "on an OKR the giver may see"),
    ("GET",    "/okrs/{id}/recognitions",             "yyyyyyyyy", "404 when the reader may not see the OKR"),
    ("GET",    "/people/{id}/recognitions",           "yyyyyyyyy", "received (or `given=true`); lists only recognition on OKRs the reader may see"),
    // tokens
    ("POST",   "/tokens",                             "yyyyyyyyy", "your own tokens"),
    ("GET",    "/tokens",                             "yyyyyyyyy", "your own tokens"),
    ("DELETE", "/tokens/{id}",                        "ooooooooo", "someone else's token answers 404"),
    // health checks (open to anyone, without a token too; also at the server's root)
    ("GET",    "/healthz",                            "yyyyyyyyy", "liveness: the process answers"),
    ("GET",    "/readyz",                             "yyyyyyyyy", "readiness: the database answers"),
    // notifications
    ("GET",    "/me/notifications",                   "yyyyyyyyy", "your own; leaves out those about OKRs you can no longer see"),
    ("GET",    "/me/notifications/unread-count",      "yyyyyyyyy", "likewise counted"),
    ("POST",   "/me/notifications/{id}/read",         "ooooooooo", "your own; someone else's answers 404"),
    ("POST",   "/me/notifications/read-all",          "yyyyyyyyy", "your own"),
    ("GET",    "/me/notification-preferences",        "yyyyyyyyy", "your own"),
    ("PUT",    "/me/notification-preferences",        "yyyyyyyyy", "your own"),
    // outbound webhooks
    ("POST",   "/webhooks",                           "ynnnnnnnn", "the signing secret is in this answer only; stored sealed"),
    ("GET",    "/webhooks",                           "ynnnnnnnn", "never the secrets"),
    ("GET",    "/webhooks/{id}",                      "ynnnnnnnn", ""),
    ("PATCH",  "/webhooks/{id}",                      "ynnnnnnnn", ""),
    ("DELETE", "/webhooks/{id}",                      "ynnnnnnnn", "with its deliveries"),
    ("POST",   "/webhooks/{id}/test",                 "ynnnnnnnn", "queues a test event"),
    ("GET",    "/webhooks/{id}/deliveries",           "ynnnnnnnn", "with each attempt's status code, duration and error, never the receiver's body"),
    // automation rules
    ("POST",   "/automation-rules",                   "ynnnnnnnn", "audited"),
    ("GET",    "/automation-rules",                   "ynnnnnnnn", ""),
    ("POST",   "/automation-rules/dry-run",           "ynnnnnnnn", "an unsaved rule: what it would have done over the last 7 days"),
    ("GET",    "/automation-rules/{id}",              "ynnnnnnnn", ""),
    ("PATCH",  "/automation-rules/{id}",              "ynnnnnnnn", "audited; enable or disable here"),
    ("DELETE", "/automation-rules/{id}",              "ynnnnnnnn", "audited, with its memory of firings"),
    ("POST",   "/automation-rules/{id}/dry-run",      "ynnnnnnnn", "what it would have done over the last 7 days, in words"),
];

/// Pages of the web UI, same columns. A refused page answers an HTML 403 (or 404 for what the
/// reader may not see); `own` as for the API route the page stands for.
#[rustfmt::skip]
const PAGES: &[(&str, &str, &str, &str)] = &[
    // everyone's pages
    ("GET",  "/my-week",                            "yyyyyyyyy", "what is due for the reader's own OKRs"),
    ("GET",  "/company",                            "yyyyyyyyy", "lists only OKRs the reader may see"),
    ("GET",  "/company/node",                       "yyyyyyyyy", "a team's level of the company tree, for the page (htmx); counts and lists only OKRs the reader may see"),
    ("GET",  "/dashboard",                          "yyyyyyyyy", "as `GET /api/v1/dashboard`"),
    ("GET",  "/dashboard/key-results",              "yyyyyyyyy", "as `GET /api/v1/dashboard/key-results`"),
    ("GET",  "/teams/{id}/dashboard",               "yyyyyyyyy", "as `GET /api/v1/teams/{id}/dashboard`"),
    ("GET",  "/alignment",                          "yyyyyyyyy", "as `GET /api/v1/alignment`"),
    ("GET",  "/alignment/children",                 "yyyyyyyyy", "a node's children, for the tree page (htmx); as `GET /api/v1/alignment?parent=`"),
    ("GET",  "/alignment/pick",                     "yyyyyyyyy", "objectives and key results the reader may see matching what was typed"),
    ("GET",  "/dependencies/pick",                  "yyyyyyyyy", "key results the reader may see matching what was typed"),
    ("GET",  "/ownership",                          "yyyyyyyyy", "likewise"),
    ("GET",  "/health",                             "yyyyyyyyn", "as `GET /api/v1/health`"),
    ("GET",  "/teams/{id}",                         "yyyyyyyyy", ""),
    ("GET",  "/teams/{id}/dependencies",            "yyyyyyyyy", "the team's dependency map; a key result the reader may not see is never named"),
    ("GET",  "/objectives/{id}",                    "yyyyyyyyy", "404 when the reader may not see it"),
    ("GET",  "/key-results/{id}",                   "yyyyyyyyy", "404 when the reader may not see its objective"),
    ("GET",  "/account",                            "yyyyyyyyy", "your own account: links to password, time zone and API tokens"),
    ("GET",  "/account/password",                   "yyyyyyyyy", "your own password"),
    ("GET",  "/account/tokens",                     "yyyyyyyyy", "your own API tokens"),
    ("GET",  "/account/time-zone",                  "yyyyyyyyy", "your own time zone"),
    ("GET",  "/notifications",                      "yyyyyyyyy", "your own notifications; those about OKRs you can no longer see are left out"),
    ("GET",  "/notifications/{id}/open",            "ooooooooo", "your own: marks it read and opens where you act on it; someone else's answers 404"),
    ("GET",  "/account/notifications",              "yyyyyyyyy", "your own notification preferences"),
    ("GET",  "/account/digest",                     "yyyyyyyyy", "a preview of your own weekly digest; only what you may see"),
    ("GET",  "/admin/notifications",                "yynnnnnnn", "the organisation's notification defaults, as the settings"),
    ("GET",  "/people/{id}",                        "yyyyyyyyy", "a person's page: lists and counts only OKRs the reader may see"),
    ("GET",  "/search",                             "yyyyyyyyy", "as `GET /api/v1/search`"),
    ("GET",  "/objectives",                         "yyyyyyyyy", "lists only objectives the reader may see"),
    ("GET",  "/kpis",                               "yyyyyyyyy", "as `GET /api/v1/kpis`; the create form for those who may create"),
    ("GET",  "/kpis/{id}",                          "yyyyyyyyy", "the record and token forms for its owner"),
    // OKR forms
    ("GET",  "/objectives/new",                     "yyyynnnnn", "read-only roles get the 403 page instead of a form they cannot save"),
    ("GET",  "/objectives/{id}/edit",               "yyooooono", "whoever may edit the objective"),
    ("GET",  "/objectives/{id}/key-results/new",    "yyooooono", "whoever may edit the objective"),
    ("GET",  "/key-results/{id}/edit",              "yyooooooo", "finance: key results tagged financial"),
    // the owner's rhythm: close-out, reviews, conversations and feedback, reports
    ("GET",  "/objectives/{id}/close-out",          "yynoooono", "whoever may score one of its key results or write its retrospective"),
    ("GET",  "/teams/{id}/reviews/new",             "yyonnnnnn", "as `POST /api/v1/teams/{id}/reviews`"),
    ("GET",  "/reviews/{id}",                       "yyyyyyyyy", "lists only OKRs the reader may see"),
    ("GET",  "/conversations",                      "yyyyyyyyy", "your own 1:1s"),
    ("GET",  "/conversations/{id}",                 "ooooooooo", "only its two people; anyone else gets 404"),
    ("GET",  "/feedback",                           "yyyyyyyyy", "requests on OKRs the reader may see; viewers only read"),
    ("GET",  "/reports",                            "yyynnyyyn", "lists only the reports the reader may open"),
    ("GET",  "/reports/calibration",                "yyonnyynn", "people as `GET /api/v1/cycles/{id}/calibration` (not for a team lead), teams as `GET /api/v1/reports/calibration`"),
    ("GET",  "/reports/calibration/export",         "yyonnyynn", "as `GET /api/v1/reports/calibration?format=csv`"),
    ("GET",  "/reports/participation",              "yyonnyynn", "as `GET /api/v1/reports/participation`"),
    ("GET",  "/reports/compliance",                 "yyonnyynn", "as `GET /api/v1/reports/compliance`"),
    ("GET",  "/reports/compliance/export",          "yyonnyynn", "as `GET /api/v1/reports/compliance?format=csv`"),
    ("GET",  "/reports/participation/export",       "yyonnyynn", "as `GET /api/v1/reports/participation?format=csv`"),
    ("GET",  "/reports/financial",                  "yynnnnnyn", "as `GET /api/v1/reports/financial`"),
    ("GET",  "/reports/financial/export",           "yynnnnnyn", "as `GET /api/v1/reports/financial?format=csv`"),
    // administration
    ("GET",  "/admin",                              "ynnnnnnnn", "people"),
    ("GET",  "/admin/people/new",                   "ynnnnnnnn", ""),
    ("GET",  "/admin/people/{id}",                  "ynnnnnnnn", ""),
    ("GET",  "/admin/people/{id}/password",         "ynnnnnnnn", "administrators reset passwords"),
    ("GET",  "/admin/people/{id}/export",           "ynnnnnnnn", "as `GET /api/v1/people/{id}/export`"),
    ("GET",  "/admin/people/{id}/erase",            "ynnnnnnnn", "what erasing does, and the button"),
    ("GET",  "/admin/teams",                        "yynnnnnnn", ""),
    ("GET",  "/admin/teams/new",                    "yynnnnnnn", ""),
    ("GET",  "/admin/teams/{id}",                   "yyonnnnnn", ""),
    ("GET",  "/admin/cycles",                       "yynnnnnnn", ""),
    ("GET",  "/admin/cycles/new",                   "yynnnnnnn", ""),
    ("GET",  "/admin/cycles/{id}",                  "yynnnnnnn", ""),
    ("GET",  "/admin/settings",                     "yynnnnnnn", ""),
    ("GET",  "/admin/sso",                          "ynnnnnnnn", "read-only; single sign-on is configured by administrators"),
    ("GET",  "/admin/email",                        "ynnnnnnnn", "what email settings are in effect, the last result; the password is never shown"),
    ("GET",  "/admin/people/{id}/invite",           "ynnnnnnnn", "what inviting does"),
    ("GET",  "/admin/cycles/{id}/close",            "yynnnnnnn", "asks before closing"),
    ("GET",  "/admin/cycles/{id}/reopen",           "ynnnnnnnn", "asks before re-opening"),
    ("GET",  "/admin/audit",                        "yynnnnnnn", "as `GET /api/v1/audit`"),
    ("GET",  "/admin/import",                       "ynnnnnnnn", "administrators only; paste a document to check"),
    ("POST", "/admin/import",                       "ynnnnnnnn", "a dry run first, then all or nothing, as `POST /api/v1/import`"),
    // forms (CSRF-protected; each as the API route it stands for)
    ("POST", "/my-week/check-in",                   "yyyyyyyyy", "checks in only on key results the person may check in on"),
    ("POST", "/objectives/new",                     "yyyynnnnn", "read-only roles do not create OKRs"),
    ("POST", "/objectives/{id}/close-out",          "yynoooono", "the page's one save: scores by the key result's or the objective's owner, the retrospective by the objective's owner"),
    ("POST", "/objectives/{id}/edit",               "yyooooono", ""),
    ("POST", "/objectives/{id}/key-results/new",    "yyooooono", ""),
    ("POST", "/key-results/{id}/edit",              "yyooooooo", "finance: key results tagged financial"),
    ("POST", "/key-results/{id}/alignment",         "yyooooooo", "what it aligns to: as `PATCH /api/v1/key-results/{id}` with `parent_ids`"),
    ("POST", "/key-results/{id}/dependencies",      "yyooooooo", "as `POST /api/v1/key-results/{id}/dependencies`"),
    ("POST", "/key-results/{id}/dependencies/{dep_id}/remove", "yyooooooo", "as `DELETE /api/v1/key-results/{id}/dependencies/{dep_id}`"),
    ("POST", "/dependencies/{id}/accept",           "oonoooono", "as `POST /api/v1/dependencies/{id}/accept`: only the owner of the key result depended on"),
    ("POST", "/dependencies/{id}/decline",          "oonoooono", "as `POST /api/v1/dependencies/{id}/decline`"),
    ("POST", "/key-results/{id}/check-ins/{check_in_id}/correct",  "oonoooooo", "as `PATCH /api/v1/key-results/{id}/check-ins/{check_in_id}`"),
    ("POST", "/key-results/{id}/check-ins/{check_in_id}/withdraw", "oonoooooo", "as `POST /api/v1/key-results/{id}/check-ins/{check_in_id}/withdraw`"),
    ("POST", "/key-results/{id}/initiatives",       "yyooooooo", ""),
    ("POST", "/key-results/{id}/ingest-tokens",     "yonoooono", "as `POST /api/v1/key-results/{id}/ingest-tokens`"),
    ("POST", "/key-results/{id}/ingest-tokens/{token_id}/revoke", "yonoooono", "as `DELETE /api/v1/key-results/{id}/ingest-tokens/{token_id}`"),
    ("POST", "/kpis",                               "yyyynnnnn", "as `POST /api/v1/kpis`"),
    ("POST", "/kpis/{id}/values",                   "yoooooooo", "as `POST /api/v1/kpis/{id}/values`"),
    ("POST", "/kpis/{id}/ingest-tokens",            "yoooooooo", "as `POST /api/v1/kpis/{id}/ingest-tokens`"),
    ("POST", "/key-results/{id}/source",            "yonoooono", "as `POST` (or `PATCH`) `/api/v1/key-results/{id}/source`"),
    ("POST", "/key-results/{id}/source/run",        "yonoooono", "as `POST /api/v1/key-results/{id}/source/run`"),
    ("POST", "/key-results/{id}/source/remove",     "yonoooono", "as `DELETE /api/v1/key-results/{id}/source`"),
    ("POST", "/kpis/{id}/source",                   "yoooooooo", "as `POST` (or `PATCH`) `/api/v1/kpis/{id}/source`"),
    ("POST", "/kpis/{id}/source/run",               "yoooooooo", "as `POST /api/v1/kpis/{id}/source/run`"),
    ("POST", "/kpis/{id}/source/remove",            "yoooooooo", "as `DELETE /api/v1/kpis/{id}/source`"),
    ("POST", "/kpis/{id}/ingest-tokens/{token_id}/revoke", "yoooooooo", "as `DELETE /api/v1/kpis/{id}/ingest-tokens/{token_id}`"),
    ("POST", "/objectives/{id}/initiatives",        "yyooooooo", "the objective page's one propose form, naming the key result"),
    ("POST", "/initiatives/{id}/done",              "yyooooooo", "also the initiative's own owner"),
    ("POST", "/initiatives/{id}/drop",              "yyooooooo", ""),
    ("POST", "/objectives/{id}/ownership",          "yyooooono", "proposes"),
    ("POST", "/key-results/{id}/ownership",         "yyooooooo", "proposes"),
    ("POST", "/objectives/{id}/ownership/accept",   "oonoooono", "only the person proposed"),
    ("POST", "/objectives/{id}/ownership/decline",  "oonoooono", "only the person proposed"),
    ("POST", "/key-results/{id}/ownership/accept",  "oonoooono", "only the person proposed"),
    ("POST", "/key-results/{id}/ownership/decline", "oonoooono", "only the person proposed"),
    ("POST", "/admin/people/new",                   "ynnnnnnnn", ""),
    ("POST", "/admin/people/{id}",                  "ynnnnnnnn", ""),
    ("POST", "/admin/people/{id}/password",         "ynnnnnnnn", "the person's sessions end"),
    ("POST", "/admin/people/{id}/erase",            "ynnnnnnnn", "as `POST /api/v1/people/{id}/erase`"),
    ("POST", "/admin/email/test",                   "ynnnnnnnn", "queues a test message"),
    ("POST", "/admin/email",                        "ynnnnnnnn", "saves the mail server; its password is sealed and never shown"),
    ("POST", "/admin/people/{id}/invite",           "ynnnnnnnn", "emails a link to set a password, or shows it once when email is off"),
    ("POST", "/admin/teams/new",                    "yynnnnnnn", ""),
    ("POST", "/admin/teams/{id}",                   "yyonnnnnn", ""),
    ("POST", "/admin/cycles/new",                   "yynnnnnnn", ""),
    ("POST", "/admin/cycles/{id}",                  "yynnnnnnn", ""),
    ("POST", "/admin/settings",                     "yynnnnnnn", ""),
    ("POST", "/account/tokens",                     "yyyyyyyyy", "your own tokens"),
    ("POST", "/account/tokens/{id}/revoke",         "ooooooooo", "someone else's token answers 404; revoking one again is answered as the first time"),
    ("POST", "/account/password",                   "yyyyyyyyy", "your own password; the current one is required"),
    ("POST", "/account/time-zone",                  "yyyyyyyyy", "your own time zone"),
    ("POST", "/notifications/{id}/read",            "ooooooooo", "your own; someone else's answers 404"),
    ("POST", "/notifications/read-all",             "yyyyyyyyy", "your own"),
    ("POST", "/account/notifications",              "yyyyyyyyy", "your own notification preferences"),
    ("POST", "/admin/notifications",                "yynnnnnnn", "as `GET /admin/notifications`"),
    ("POST", "/objectives/{id}/status",             "yonoooono", "the objective's owner overrides its status, with a reason"),
    ("POST", "/objectives/{id}/status/clear",       "yonoooono", ""),
    ("POST", "/admin/cycles/{id}/close",            "yynnnnnnn", "locks the cycle's OKRs"),
    ("POST", "/admin/cycles/{id}/reopen",           "ynnnnnnnn", "administrators only; audited"),
    ("POST", "/teams/{id}/cadence",                 "yyonnnnnn", "as `PUT /api/v1/teams/{id}/cadence`: whoever may change the team"),
    ("POST", "/teams/{id}/reviews",                 "yyonnnnnn", "the lead of the team or of a team above it"),
    ("POST", "/reviews/{id}",                       "yyooooono", "the page's one save: each item by the OKR's owner, or whoever runs the review"),
    ("POST", "/conversations",                      "yyyyyyyyy", "a 1:1 with someone"),
    ("POST", "/feedback",                           "yyyyyyyyn", "on an OKR the asker may see; viewers do not give feedback"),
    ("POST", "/feedback/{id}/answer",               "oooooooon", "only the people asked"),
    ("POST", "/recognitions",                       "yyyyyyyyn", "on an OKR the giver may see"),
    // the forms' pickers (suggestions as the reader types)
    ("GET",  "/pickers/people",                     "yyyyyyyyy", "active people matching what was typed"),
    ("GET",  "/pickers/objectives",                 "yyyyyyyyy", "open objectives the reader may see matching what was typed"),
    ("GET",  "/pickers/teams",                      "yyyyyyyyy", "teams whose name matches what was typed (team names are not secret)"),
    // outbound webhooks
    ("GET",  "/admin/webhooks",                     "ynnnnnnnn", "the endpoints, a form to add one; whether private addresses are allowed"),
    ("GET",  "/admin/webhooks/{id}",                "ynnnnnnnn", "the endpoint's settings (never its secret) and recent deliveries"),
    ("POST", "/admin/webhooks",                     "ynnnnnnnn", "as `POST /api/v1/webhooks`: the secret is shown once"),
    ("POST", "/admin/webhooks/{id}",                "ynnnnnnnn", "as `PATCH /api/v1/webhooks/{id}`"),
    ("POST", "/admin/webhooks/{id}/delete",         "ynnnnnnnn", "as `DELETE /api/v1/webhooks/{id}`"),
    ("POST", "/admin/webhooks/{id}/test",           "ynnnnnnnn", "as `POST /api/v1/webhooks/{id}/test`"),
    // databases for data sources
    ("GET",  "/admin/source-databases",             "ynnnnnnnn", "what each connects to (never its password), who registered it, the sources querying it"),
    ("POST", "/admin/source-databases",             "ynnnnnnnn", "as `POST /api/v1/source-databases`"),
    ("POST", "/admin/source-databases/{id}/delete", "ynnnnnnnn", "as `DELETE /api/v1/source-databases/{id}`: refused while a source queries it"),
    // automation rules
    ("GET",  "/admin/automation",                   "ynnnnnnnn", "the rules in words, a form in three parts (when, only, then)"),
    ("POST", "/admin/automation",                   "ynnnnnnnn", "as `POST /api/v1/automation-rules`, or its dry run shown on the page"),
    ("POST", "/admin/automation/{id}",              "ynnnnnnnn", "turns the rule on or off, as `PATCH /api/v1/automation-rules/{id}`"),
    ("POST", "/admin/automation/{id}/dry-run",      "ynnnnnnnn", "as `POST /api/v1/automation-rules/{id}/dry-run`, shown on the page"),
    ("POST", "/admin/automation/{id}/delete",       "ynnnnnnnn", "as `DELETE /api/v1/automation-rules/{id}`"),
];

/// Pages open to anonymous visitors, outside the matrix: signing in, the embedded assets, and
/// redirects that show nothing. (`/` sends a signed-in person to `/my-week`, anyone else to
/// `/sign-in`; `/admin/tokens`, the old address of a person's API tokens, sends everyone to
/// `/account/tokens`; `/setup`, the first run, exists only until the first administrator does
/// and asks for the setup token instead of a session; `/unsubscribe/{token}`, the one-click link
/// of a digest or reminder, needs no session: its signed token names the person; `/forgot-password`
/// answers alike for every address, and `/set-password/{secret}` needs the secret of an emailed
/// invitation or reset link.)
pub const PUBLIC_PAGES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("GET", "/sign-in/sso"),
    ("GET", "/sign-in/sso/callback"),
    ("POST", "/sign-out"),
    ("GET", "/static/{file}"),
    ("GET", "/favicon.ico"),
    ("GET", "/admin/tokens"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/unsubscribe/{token}"),
    ("POST", "/unsubscribe/{token}"),
    ("GET", "/forgot-password"),
    ("POST", "/forgot-password"),
    ("GET", "/set-password/{secret}"),
    ("POST", "/set-password/{secret}"),
];

/// The whole matrix, in table order: API rows, then pages.
pub fn rows() -> Vec<Row> {
    let api = API.iter().map(|row| (Kind::Api, row));
    let pages = PAGES.iter().map(|row| (Kind::Page, row));
    api.chain(pages)
        .map(|(kind, (method, path, cells, note))| {
            let cells: Vec<Access> = cells.chars().map(Access::parse).collect();
            Row {
                kind,
                method,
                path,
                access: cells
                    .try_into()
                    .unwrap_or_else(|_| panic!("{method} {path}: one cell per column")),
                note,
            }
        })
        .collect()
}

/// `docs/permissions.md`: the matrix as Markdown.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Permissions\n\n\
         Generated from `crates/keel-server/src/access/matrix.rs` (`keel permissions` prints it; \
         the test `permissions::docs_match_the_table` fails when this file is stale, and \
         `KEEL_UPDATE_DOCS=1` rewrites it). A test walks every cell against the running app.\n\n\
         - **yes**: allowed on anything the person may see.\n\
         - **own**: allowed only on their own: OKRs they own or sponsor (check-ins: own or \
         contribute to); for a team lead, the OKRs shared with and the teams at or below a team \
         they lead (what leading adds to the member role); for finance, key results tagged \
         `financial`; for ownership answers, requests naming them; for feedback answers, \
         requests asking them; for conversations, the 1:1s they are one of the two people of; \
         for review notes, agenda items on OKRs they own; for tokens, their own.\n\
         - **—**: refused with 403.\n\n\
         Visibility applies on top of every cell: an objective (and its key results, check-ins, scores, \
         retrospective, review agenda items, feedback requests, recognition, initiatives, ownership \
         and history) that a person may not see answers 404 and appears \
         in no list, report or count. `public`: everyone. `team`: members of the teams it (or one \
         of its key results) is shared with, the leads of those teams and of the teams above, \
         champions, analysts and finance. `private`: its owner, co-owners, sponsor and \
         contributors (and those of its key results), and administrators. People who hold only \
         `viewer` see public OKRs and those they take part in. A `read` token gets 403 on any write.\n\n",
    );
    out.push_str("## API\n\n");
    out.push_str(
        "The health checks `GET /api/v1/healthz` and `GET /api/v1/readyz` (also at `/healthz` and \
         `/readyz`) answer anyone, without a token. `GET /metrics` exists only when an operator \
         turns metrics on, and on the main port needs the metrics token (`KEEL_METRICS_TOKEN`), \
         not a person's.\n\n",
    );
    table(&mut out, Kind::Api, "route");
    out.push_str(
        "\n## Pages\n\n\
         The web UI, signed in with a session cookie. A refused page answers an HTML 403 (404 for \
         what the reader may not see); an anonymous visitor is sent to `/sign-in`. Open to \
         anonymous visitors: ",
    );
    let public: Vec<String> = PUBLIC_PAGES
        .iter()
        .map(|(m, p)| format!("`{m} {p}`"))
        .collect();
    out.push_str(&public.join(", "));
    out.push_str(".\n\n");
    table(&mut out, Kind::Page, "page");
    out
}

/// The rows of one kind as a Markdown table.
fn table(out: &mut String, kind: Kind, first: &str) {
    out.push_str(&format!("| {first} |"));
    for h in Holder::ALL {
        out.push_str(&format!(" {} |", h.name()));
    }
    out.push_str(" note |\n|---|");
    for _ in Holder::ALL {
        out.push_str(":-:|");
    }
    out.push_str("---|\n");
    for r in rows().into_iter().filter(|r| r.kind == kind) {
        let what = match r.kind {
            Kind::Api => format!("`{} /api/v1{}`", r.method, r.path),
            Kind::Page => format!("`{} {}`", r.method, r.path),
        };
        out.push_str(&format!("| {what} |"));
        for a in r.access {
            out.push_str(&format!(" {} |", a.symbol()));
        }
        out.push_str(&format!(" {} |\n", r.note));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_well_formed_and_unique() {
        let rows = rows();
        let mut seen = std::collections::HashSet::new();
        for r in &rows {
            assert!(
                seen.insert((r.kind, r.method, r.path)),
                "{} {} twice",
                r.method,
                r.path
            );
        }
        assert!(rows.iter().all(|r| r.access(Holder::Admin) != Access::No));
    }
}
