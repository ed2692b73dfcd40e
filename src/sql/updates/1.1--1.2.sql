-- Schema changes from 1.1 to 1.2: lead_qual.tracked.partitions (issue #12:
-- the partitions of a partitioned activity table that carry the triggers).
-- Otherwise 1.2 changed functions and triggers only (scoring_model_maintain()
-- keeps a restored model's updated_at; the
-- statement trigger scoring_model_changed invalidates every backend's
-- compiled models; _not_tracked() gives one definition of that rule; the
-- engagement_state(..., as_of) aggregate, scored_at() and the stamping
-- trigger function activity_time_stamp() are new; tables tracked before get
-- the triggers of this version from _install_triggers(), called at the end
-- of tracking.sql); the area files re-applied
-- after this file bring them. The score_state type keeps its I/O functions:
-- states written by 1.1 (format "LQS1") stay in users' tables and the 1.2
-- library reads them (src/core/score_state.hpp), so nothing is rewritten here.

ALTER TABLE lead_qual.tracked ADD COLUMN partitions regclass[];
COMMENT ON COLUMN lead_qual.tracked.partitions IS
    'partitions of a partitioned activity table that carry lead_qual''s triggers (NULL: not partitioned)';
