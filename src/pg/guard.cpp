#include "guard.hpp"

#include <cstdio>
#include <cstring>
#include <new>

#include "core/error.hpp"

namespace lq::pg {

namespace {

int sqlstate_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidParameter:
      return ERRCODE_INVALID_PARAMETER_VALUE;
    case ErrorKind::InvalidText:
      return ERRCODE_INVALID_TEXT_REPRESENTATION;
    case ErrorKind::InvalidBinary:
      return ERRCODE_INVALID_BINARY_REPRESENTATION;
    case ErrorKind::CheckViolation:
      return ERRCODE_CHECK_VIOLATION;
    case ErrorKind::UndefinedObject:
      return ERRCODE_UNDEFINED_OBJECT;
    case ErrorKind::ProgramLimit:
      return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
    case ErrorKind::NullValue:
      return ERRCODE_NULL_VALUE_NOT_ALLOWED;
    case ErrorKind::DataCorrupted:
      return ERRCODE_DATA_CORRUPTED;
    case ErrorKind::SerializationFailure:
      return ERRCODE_T_R_SERIALIZATION_FAILURE;
    case ErrorKind::Internal:
      break;
  }
  return ERRCODE_INTERNAL_ERROR;
}

void copy_text(char *dst, std::size_t size, const char *src) noexcept {
  std::snprintf(dst, size, "%s", src != nullptr ? src : "");
}

}  // namespace

const char *PgError::what() const noexcept {
  return data_ != nullptr && data_->message != nullptr ? data_->message : "PostgreSQL error";
}

void capture_current_exception(PendingError *out) noexcept {
  out->pg_error = nullptr;
  out->sqlerrcode = ERRCODE_INTERNAL_ERROR;
  out->message[0] = out->detail[0] = out->hint[0] = '\0';
  try {
    throw;
  } catch (const PgError &e) {
    out->pg_error = e.data();
  } catch (const Error &e) {
    out->sqlerrcode = sqlstate_for(e.kind());
    copy_text(out->message, sizeof out->message, e.what());
    copy_text(out->detail, sizeof out->detail, e.detail().c_str());
    copy_text(out->hint, sizeof out->hint, e.hint().c_str());
  } catch (const std::bad_alloc &) {
    out->sqlerrcode = ERRCODE_OUT_OF_MEMORY;
    copy_text(out->message, sizeof out->message, "out of memory in lead_qual");
  } catch (const std::exception &e) {
    copy_text(out->message, sizeof out->message, e.what());
  } catch (...) {
    copy_text(out->message, sizeof out->message, "unknown C++ exception in lead_qual");
  }
}

void raise_pending(const PendingError *err) {
  if (err->pg_error != nullptr) ReThrowError(err->pg_error);
  ereport(ERROR, (errcode(err->sqlerrcode), errmsg_internal("%s", err->message),
                  err->detail[0] != '\0' ? errdetail_internal("%s", err->detail) : 0,
                  err->hint[0] != '\0' ? errhint("%s", err->hint) : 0));
  pg_unreachable();
}

}  // namespace lq::pg
