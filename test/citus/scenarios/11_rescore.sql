-- rescore() after the stored scores were overwritten behind lead_qual's back.
ALTER TABLE :"s".leads DISABLE TRIGGER USER;
UPDATE :"s".leads SET score = 0, engagement_score = 0 WHERE id <= 4;
ALTER TABLE :"s".leads ENABLE TRIGGER USER;
SELECT lead_qual.rescore(:'s' || '.leads') AS rescored;
