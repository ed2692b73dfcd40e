-- Schema changes from 1.1 to 1.2: lead_qual.tracked.partitions (issue #12:
-- the partitions of a partitioned activity table that carry the triggers).
-- Otherwise 1.2 changed functions and triggers only (scoring_model_maintain() keeps a restored model's updated_at; the
-- statement trigger scoring_model_changed invalidates every backend's
-- compiled models; _counted_at() and _require_tracked() give one definition
-- of those rules); the area files re-applied after this file bring them.

ALTER TABLE lead_qual.tracked ADD COLUMN partitions regclass[];
COMMENT ON COLUMN lead_qual.tracked.partitions IS
    'partitions of a partitioned activity table that carry lead_qual''s triggers (NULL: not partitioned)';
