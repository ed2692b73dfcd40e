-- UPDATE of one lead's stage (one shard).
UPDATE :"s".leads SET stage = 'opportunity' WHERE id = 5;
