//! The one SQL form of the visibility rule documented on `Audience` (see docs/method.md,
//! "Visibility"): every list that filters by reader builds its predicate here.

use crate::sql::*;

/// The teams an audience person leads and every team below them.
pub(crate) const LED_TEAMS: &str = "WITH RECURSIVE led(id) AS ( \
     SELECT id FROM teams WHERE lead_id = {me} \
     UNION SELECT t.id FROM teams t JOIN led ON t.parent_id = led.id) ";

/// A predicate on the objective row aliased `t`: true when `a` may see it.
pub(crate) fn visible_sql(w: &mut Where, a: &Audience, t: &str) -> String {
    let me = w.arg(a.person_id.as_str());
    visible_to(&me, a.teams, t)
}

/// The rule itself: a predicate on the objective row aliased `t`, true when the person `me`
/// (a placeholder, or a column naming one reader per row for many readers in one query) with
/// team scope `teams` may see it.
pub(crate) fn visible_to(me: &str, teams: TeamScope, t: &str) -> String {
    let circle = format!(
        "{t}.owner_id = {me} OR {t}.sponsor_id = {me} \
         OR {t}.id IN (SELECT objective_id FROM objective_contributors WHERE person_id = {me}) \
         OR {t}.id IN (SELECT objective_id FROM objective_co_owners WHERE person_id = {me}) \
         OR {t}.id IN (SELECT objective_id FROM key_results \
             WHERE deleted_at IS NULL AND (owner_id = {me} OR sponsor_id = {me})) \
         OR {t}.id IN (SELECT k.objective_id FROM key_results k \
             JOIN key_result_contributors c ON c.key_result_id = k.id \
             WHERE k.deleted_at IS NULL AND c.person_id = {me}) \
         OR {t}.id IN (SELECT k.objective_id FROM key_results k \
             JOIN key_result_co_owners c ON c.key_result_id = k.id \
             WHERE k.deleted_at IS NULL AND c.person_id = {me}) \
         OR {t}.id IN (SELECT objective_id FROM ownership_requests \
             WHERE state = 'pending' AND previous_owner_id = {me})"
    );
    let team = match teams {
        TeamScope::None => "1 = 0".to_string(),
        TeamScope::All => format!("{t}.visibility = 'team'"),
        TeamScope::Reach => {
            let led = LED_TEAMS.replace("{me}", me);
            format!(
                "{t}.visibility = 'team' AND {t}.id IN ({led}, \
                 mine(id) AS (SELECT id FROM led \
                     UNION SELECT team_id FROM team_members WHERE person_id = {me}) \
                 SELECT objective_id FROM objective_teams WHERE team_id IN (SELECT id FROM mine) \
                 UNION SELECT k.objective_id FROM key_results k \
                     JOIN key_result_teams kt ON kt.key_result_id = k.id \
                     WHERE k.deleted_at IS NULL AND kt.team_id IN (SELECT id FROM mine))"
            )
        }
    };
    format!("({t}.visibility = 'public' OR ({team}) OR {circle})")
}

/// A predicate on an objective id column: true when `a` may see that objective.
pub(crate) fn visible_objective(w: &mut Where, a: &Audience, col: &str) -> String {
    let v = visible_sql(w, a, "vo");
    format!("{col} IN (SELECT vo.id FROM objectives vo WHERE {v})")
}
