-- A model change on the coordinator, then new activities, verify() and rescore().
UPDATE lead_qual.scoring_model
   SET definition = jsonb_set(definition, '{engagement,rules,0,points}', '15') WHERE name = :'m';
INSERT INTO :"s".activities (lead_id, activity, occurred_at) VALUES (2, 'visit', '2026-02-01 00:00+00'), (7, 'visit', '2026-02-01 00:00+00');
SELECT count(*) AS flagged_before_rescore FROM lead_qual.verify(:'s' || '.leads');
SELECT lead_qual.rescore(:'s' || '.leads') AS rescored;
SELECT count(*) AS flagged_after_rescore FROM lead_qual.verify(:'s' || '.leads');
