-- TRUNCATE of the activities: every lead rescored from the empty history.
TRUNCATE :"s".activities;
