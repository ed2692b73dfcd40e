-- DELETE of activities (leads 4, 5 and 6 lose their history).
DELETE FROM :"s".activities WHERE lead_id IN (4, 5, 6);
