#include "model_registry.hpp"

namespace lq {

std::shared_ptr<const Model> ModelRegistry::find(std::string_view name, std::int64_t version) const {
  auto it = models_.find(std::string(name));
  if (it == models_.end() || it->second->version != version) return nullptr;
  return it->second;
}

std::int64_t ModelRegistry::cached_version(std::string_view name) const {
  auto it = models_.find(std::string(name));
  return it == models_.end() ? -1 : it->second->version;
}

std::shared_ptr<const Model> ModelRegistry::compile_and_store(const std::string &name, std::int64_t version,
                                                              std::string_view definition) {
  auto model = compile_model(name, version, definition);
  models_[name] = model;
  return model;
}

}  // namespace lq
