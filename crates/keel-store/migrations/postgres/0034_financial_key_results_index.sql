-- The financial report at 100,000 people (issue 16): it starts from the cycle's financial key
-- results, a few among hundreds of thousands. Without an index on the flag it read every
-- objective of the cycle and every one of their key results (0.4 s on SQLite at 100,000
-- people, with no financial key result at all); this partial index holds only the financial
-- ones, so the report walks them and checks each one's objective.
CREATE INDEX key_results_financial_idx ON key_results (objective_id) WHERE financial = 1;
