#include "pg/owner_spi.hpp"

extern "C" {
#include "executor/spi.h"
#include "miscadmin.h"
}

#include "pg/catalog.hpp"

namespace lq::pg {

void spi_connect() {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
}

SavedUser spi_connect_as_owner(Oid relid) {
  SavedUser saved;
  GetUserIdAndSecContext(&saved.user, &saved.security_context);
  spi_connect();
  SetUserIdAndSecContext(relation_owner(relid), saved.security_context | SECURITY_LOCAL_USERID_CHANGE);
  return saved;
}

void spi_finish_as(const SavedUser &saved) {
  SetUserIdAndSecContext(saved.user, saved.security_context);
  SPI_finish();
}

}  // namespace lq::pg
