// SPI sessions, and SPI sessions run as a table's owner.
//
// lead_qual writes a tracked leads table, its activity history and
// lead_qual.stage_history as their owners (SECURITY_LOCAL_USERID_CHANGE, as
// PostgreSQL's own RI triggers do): the role whose statement causes a write
// needs no privilege on them. An ERROR in between needs no clean-up: the
// (sub)transaction's abort restores the user and closes SPI.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace lq::pg {

// SPI_connect(), ERROR when it fails.
void spi_connect();

// The user and security context to restore after an OwnerSpi session.
struct SavedUser {
  Oid user;
  int security_context;
};

// Connects SPI and acts as the owner of relation `relid` until
// spi_finish_as(saved).
SavedUser spi_connect_as_owner(Oid relid);
void spi_finish_as(const SavedUser &saved);

}  // namespace lq::pg
