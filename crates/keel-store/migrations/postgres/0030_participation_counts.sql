-- Each person's part in a cycle as the periodic evaluator last counted it (issue 16, the
-- participation report at 100,000 people): the objectives and key results they own (and of
-- those key results, the ones under way), co-own and contribute to, and the check-ins they gave,
-- so the report pages and counts these rows instead of counting the whole cycle on each request;
-- the report says when they were counted.
--
-- The counts are cumulative by how widely the OKRs are shown (`reach`): 0 counts the public
-- OKRs, 1 the public and team OKRs, 2 every OKR. A reader takes the widest reach they see whole
-- (administrators 2, those who see every team OKR 1, everyone else 0) and adds, live, the few
-- narrower OKRs they may see, so a private OKR never counts for a reader outside it. A person
-- with nothing at a reach has no row there.
CREATE TABLE participation_counts (
    cycle_id TEXT NOT NULL,
    reach BIGINT NOT NULL,
    person_id TEXT NOT NULL,
    owned_objectives BIGINT NOT NULL,
    owned_key_results BIGINT NOT NULL,
    owned_key_results_under_way BIGINT NOT NULL,
    co_owned BIGINT NOT NULL,
    contributed BIGINT NOT NULL,
    check_ins BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, reach, person_id),
    CONSTRAINT participation_counts_reach CHECK (reach IN (0, 1, 2)),
    CONSTRAINT participation_counts_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);

-- The company tree's figures over a whole top-level team's subtree (the company's own figure,
-- every objective of the cycle below it) and over the objectives of no team (`root_id` ''), as
-- the evaluator last counted them from the statuses and progress it stored
-- (`objective_signals`): how many objectives at each status (`status` '' when not evaluated
-- yet) and stored progress (`progress_milli` the smallest BIGINT when none), cumulative by reach as above, so the
-- median and the counts of the first level are summed from a few rows and the reader's narrower
-- objectives counted live.
CREATE TABLE company_figure_counts (
    cycle_id TEXT NOT NULL,
    root_id TEXT NOT NULL,
    reach BIGINT NOT NULL,
    status TEXT NOT NULL,
    progress_milli BIGINT NOT NULL,
    objectives BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, root_id, reach, status, progress_milli),
    CONSTRAINT company_figure_counts_reach CHECK (reach IN (0, 1, 2)),
    CONSTRAINT company_figure_counts_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);

-- When the evaluator last counted each kind of figures (`participation`, `company`) of a cycle:
-- a cycle with nothing to count still has its round, and one never counted is counted live.
CREATE TABLE figure_rounds (
    kind TEXT NOT NULL,
    cycle_id TEXT NOT NULL,
    counted_at BIGINT NOT NULL,
    PRIMARY KEY (kind, cycle_id),
    CONSTRAINT figure_rounds_kind CHECK (kind IN ('participation', 'company')),
    CONSTRAINT figure_rounds_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES cycles (id) ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE
);
