# lead_qual — PGXS build. See README.md for the two commands that matter
# (scripts/demo.sh, scripts/test.sh); this file builds and installs the
# extension and runs the SQL-level suites against an already running server.

EXTENSION = lead_qual
MODULE_big = lead_qual

# Extension scripts (src/sql/updates/README.md). The current version's
# install script and an update script from every older version to it are
# generated from src/sql/ by scripts/sql_assemble.sh; the scripts of released
# versions as they were released (src/sql/released/) are installed too, so
# that CREATE EXTENSION ... VERSION '<old>' gives what users of <old> have
# (the upgrade test starts from them).
LQ_VERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" lead_qual.control)
LQ_UPDATE_STEPS := $(patsubst src/sql/updates/%.sql,%,$(wildcard src/sql/updates/*--*.sql))
LQ_OLD_VERSIONS := $(sort $(foreach s,$(LQ_UPDATE_STEPS),$(firstword $(subst --, ,$(s)))))
DATA_built = lead_qual--$(LQ_VERSION).sql $(foreach v,$(LQ_OLD_VERSIONS),lead_qual--$(v)--$(LQ_VERSION).sql)
DATA = $(wildcard src/sql/released/lead_qual--*.sql)
LQ_SQL_SOURCES = $(wildcard src/sql/*.sql src/sql/schema/*.sql src/sql/data/*.sql src/sql/updates/*.sql)

CORE_SRCS = $(sort $(wildcard src/core/*.cpp))
PG_SRCS = $(sort $(wildcard src/pg/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

PG_CPPFLAGS = -I$(srcdir)/src -DLQ_EXTVERSION='"$(LQ_VERSION)"'
PG_CXXFLAGS = -MMD -MP -std=c++17 -fno-strict-aliasing -Wno-register -Wno-missing-field-initializers
SHLIB_LINK = -lre2 -llinear -lstdc++

REGRESS = lead_stage transitions boundary scoring scoring_errors tracking activity_times reports history hostile encoding partitions track_checks multi_step_statements owned_columns sales_stages outcomes model_versions preview capacity fit_model row_filters aggregate_state several_scores trigger_args
# Test databases are UTF8 with the C locale whatever the cluster was created
# with (a machine with no locale set gets an SQL_ASCII cluster): expected
# output depends on neither the caller's locale nor the server's default.
TEST_DB_OPTS = --encoding=UTF8 --no-locale
REGRESS_OPTS = --inputdir=$(srcdir) $(TEST_DB_OPTS)
ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=$(srcdir)/test/isolation $(TEST_DB_OPTS)

EXTRA_CLEAN = $(OBJS:.o=.d) results output_iso regression.diffs regression.out build

# The server may be built with LLVM JIT, in which case PGXS would also emit
# LLVM bitcode for every source file. Inlining C++ (exceptions, std
# containers) into JIT-compiled expressions buys nothing and doubles the
# build, so no bitcode is built; the JIT simply calls our functions.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Header dependencies (-MMD) so a changed header rebuilds what includes it.
-include $(OBJS:.o=.d)

# The library knows the schema version it was built for (LQ_EXTVERSION).
src/pg/schema_version.o: lead_qual.control

$(DATA_built): lead_qual--%.sql: $(LQ_SQL_SOURCES) scripts/sql_assemble.sh lead_qual.control
	bash scripts/sql_assemble.sh $@ src/sql

# Each SQL-level suite on its own, so scripts/test.sh can run them in order
# and count them separately. They need a running server (PGHOST etc.).
.PHONY: installcheck-regress installcheck-isolation installcheck-pgtap installcheck-tap unit bench

installcheck-regress:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)

installcheck-isolation:
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)

installcheck-pgtap:
	pg_prove --verbose --ext .sql test/pgtap/

# Shell tests that speak TAP (notifications, dump/restore, crash recovery).
installcheck-tap:
	prove --verbose --ext .sh test/tap/

# Benchmarks: never part of the tests. BENCH_SCALE=0.1 for a quick look.
bench:
	bash test/bench/run.sh

# Core library and its GoogleTest unit tests (no server needed).
unit:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j2
	ctest --test-dir build --output-on-failure
