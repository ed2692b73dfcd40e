-- track() after create_distributed_table: the set-up alone (every lead scored from its history).
SELECT count(*) AS tracked FROM lead_qual.tracked WHERE leads = (:'s' || '.leads')::regclass;
