#include "model_registry.hpp"

namespace lq {

std::shared_ptr<const Model> ModelRegistry::find(std::string_view name, std::int64_t version) const {
  auto it = models_.find(std::string(name));
  if (it == models_.end() || it->second.model->version != version) return nullptr;
  return it->second.model;
}

std::shared_ptr<const Model> ModelRegistry::find_stamped(std::string_view name, std::uint64_t stamp) const {
  auto it = models_.find(std::string(name));
  if (it == models_.end() || it->second.stamp != stamp) return nullptr;
  return it->second.model;
}

std::int64_t ModelRegistry::cached_version(std::string_view name) const {
  auto it = models_.find(std::string(name));
  return it == models_.end() ? -1 : it->second.model->version;
}

void ModelRegistry::stamp(std::string_view name, std::uint64_t stamp) {
  auto it = models_.find(std::string(name));
  if (it != models_.end()) it->second.stamp = stamp;
}

std::shared_ptr<const Model> ModelRegistry::compile_and_store(const std::string &name, std::int64_t version,
                                                              std::string_view definition,
                                                              std::uint64_t stamp) {
  auto model = compile_model(name, version, definition);
  models_[name] = Entry{model, stamp};
  return model;
}

}  // namespace lq
