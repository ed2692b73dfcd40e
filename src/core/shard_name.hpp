// Citus names each shard of a distributed table after the table with the
// shard id appended ("leads" -> "leads_102429"; a name too long for that is
// cut and hashed, but the "_<id>" suffix stays). lead_qual's triggers fire on
// the shards, so they recognise a shard by that suffix before asking Citus's
// catalog (src/pg/citus_shard.cpp): a table whose name has no such suffix is
// never a shard, and costs nothing more.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lq {

// The shard id a relation name ends with ("leads_102429" -> 102429); none
// when the name does not end in "_" and a positive decimal number that fits
// a shard id (int64), or when nothing precedes the "_".
std::optional<int64_t> shard_id_suffix(std::string_view relation_name);

// Whether `name` is `base` or the copy Citus makes of object `base` for a
// shard ("lead_qual_lead" -> "lead_qual_lead_102429"; not
// "lead_qual_lead_inserted").
bool is_name_or_shard_copy(std::string_view name, std::string_view base);

}  // namespace lq
