-- Demo script run by scripts/demo.sh inside a throwaway cluster.
\pset footer off
CREATE EXTENSION lead_qual;
SET search_path = public, lead_qual;

\echo
\echo '== The lead_stage type sorts in funnel order'
SELECT s AS stage, stage_rank(s) AS rank, allowed_transitions(s) AS may_move_to
FROM unnest('{customer,MQL,lead,disqualified,sql,subscriber,recycled,opportunity}'::lead_stage[]) AS s
ORDER BY s;

\echo '== A CRM table whose stage changes are checked'
CREATE TABLE crm_lead (id int PRIMARY KEY, email text, stage lead_stage NOT NULL DEFAULT 'subscriber');
CREATE TRIGGER crm_lead_stage BEFORE UPDATE ON crm_lead
  FOR EACH ROW EXECUTE FUNCTION enforce_stage_transition('stage');
INSERT INTO crm_lead (id, email) VALUES (1, 'ada@example.com'), (2, 'bob@example.com');
UPDATE crm_lead SET stage = 'sql' WHERE id = 1;
UPDATE crm_lead SET stage = 'customer' WHERE id = 2;
SELECT * FROM crm_lead ORDER BY id;

\echo '== A backward move is refused (SQLSTATE 23514):'
\set ON_ERROR_STOP 0
UPDATE crm_lead SET stage = 'lead' WHERE id = 1;
\set ON_ERROR_STOP 1
