-- UPDATE of the stage of leads in several shards on both workers, in one statement.
UPDATE :"s".leads SET stage = 'opportunity' WHERE id IN (1, 2, 3, 4, 5, 6);
