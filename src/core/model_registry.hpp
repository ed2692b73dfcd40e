// Per-backend cache of compiled models, keyed by name and version. A model's
// version changes whenever its definition does (lead_qual.scoring_model's
// trigger draws it from a sequence), so a (name, version) pair always
// denotes the same definition; replaced versions are dropped when a newer
// one is stored.
//
// Each entry also carries a caller-defined `stamp`: the PostgreSQL glue
// stores the invalidation generation at which it last confirmed the version
// against the table, and skips the table look-up while nothing has changed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model.hpp"

namespace lq {

class ModelRegistry {
 public:
  // The compiled model, or nullptr when this (name, version) is not cached.
  std::shared_ptr<const Model> find(std::string_view name, std::int64_t version) const;
  // The cached model of that name if its stamp is `stamp`, else nullptr.
  std::shared_ptr<const Model> find_stamped(std::string_view name, std::uint64_t stamp) const;
  // Version of the cached model of that name, or -1.
  std::int64_t cached_version(std::string_view name) const;
  // Sets the stamp of the cached model of that name (if any).
  void stamp(std::string_view name, std::uint64_t stamp);
  // Compiles and stores the definition, replacing older versions of the name.
  std::shared_ptr<const Model> compile_and_store(const std::string &name, std::int64_t version,
                                                 std::string_view definition, std::uint64_t stamp);
  std::size_t size() const { return models_.size(); }

 private:
  struct Entry {
    std::shared_ptr<const Model> model;
    std::uint64_t stamp;
  };
  std::unordered_map<std::string, Entry> models_;
};

}  // namespace lq
