-- The C++/PostgreSQL error boundary (src/pg/guard.hpp). The self-test entry
-- point is in the library but not in the extension's SQL API.
CREATE FUNCTION pg_temp.boundary(text) RETURNS bigint
  AS '$libdir/lead_qual', 'lq_boundary_selftest' LANGUAGE C STRICT;

-- A core lq::Error becomes an ordinary ERROR with its SQLSTATE, detail and hint.
SELECT pg_temp.boundary('cxx_error');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- std::bad_alloc becomes out of memory (53200).
SELECT pg_temp.boundary('bad_alloc');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Any other C++ exception becomes an internal error (XX000).
SELECT pg_temp.boundary('std_exception');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A PostgreSQL ERROR raised under three C++ frames that own heap memory:
-- they unwind, and the original error (22012) reaches the client.
SELECT pg_temp.boundary('pg_error');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Nothing leaked: every tracked C++ object was destroyed.
SELECT pg_temp.boundary('live_objects') AS live_objects;

-- The session is still usable, also inside a transaction after a savepoint.
BEGIN;
SAVEPOINT a;
SELECT pg_temp.boundary('pg_error');
\echo sqlstate :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT a;
SELECT pg_temp.boundary('live_objects') AS live_objects_in_xact;
COMMIT;

-- Repeated failures leave nothing behind.
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    BEGIN
      PERFORM pg_temp.boundary(CASE i % 3 WHEN 0 THEN 'pg_error' WHEN 1 THEN 'cxx_error' ELSE 'bad_alloc' END);
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
  END LOOP;
END $$;
SELECT pg_temp.boundary('live_objects') AS live_objects_after_200_failures;
SELECT 'still alive' AS session;
