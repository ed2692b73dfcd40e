// Module magic and load-time setup.
#include "pg/citus_rewrite.hpp"
#include "pg/direct_lead_update.hpp"
#include "pg/query_events.hpp"
#include "pg/scoring_time.hpp"

extern "C" {
#include "fmgr.h"

PG_MODULE_MAGIC;

void _PG_init(void);  // NOLINT(bugprone-reserved-identifier): the name PostgreSQL calls
}

// Runs when the library is loaded. Plain C-style code: nothing here throws.
void _PG_init(void) {  // NOLINT(bugprone-reserved-identifier)
  lq::pg::define_scoring_time_setting();
  lq::pg::define_citus_rewrite_setting();
  lq::pg::define_direct_writes_setting();
  lq::pg::install_query_hooks();
}
