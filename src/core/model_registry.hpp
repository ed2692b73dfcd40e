// Per-backend cache of compiled models, keyed by name and version. A model's
// version changes whenever its definition does (lead_qual.scoring_model's
// trigger draws it from a sequence), so a (name, version) pair always
// denotes the same definition and entries never go stale; replaced versions
// are dropped when a newer one is stored.
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
  // Version of the cached model of that name, or -1.
  std::int64_t cached_version(std::string_view name) const;
  // Compiles and stores the definition, replacing older versions of the name.
  std::shared_ptr<const Model> compile_and_store(const std::string &name, std::int64_t version,
                                                 std::string_view definition);
  std::size_t size() const { return models_.size(); }

 private:
  std::unordered_map<std::string, std::shared_ptr<const Model>> models_;
};

}  // namespace lq
