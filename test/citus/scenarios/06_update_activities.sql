-- UPDATE of activities (visits of leads 2, 3 and 5 become demos).
UPDATE :"s".activities SET activity = 'demo' WHERE lead_id IN (2, 3, 5);
