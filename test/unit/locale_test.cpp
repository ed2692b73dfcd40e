// The core must not depend on the C library's locale: a PostgreSQL backend
// runs with LC_CTYPE set to its database's locale. In a Turkish locale
// std::tolower('I') is not 'i', which made 'OPPORTUNITY'::lead_stage,
// 'SUBSCRIBER' and 'DISQUALIFIED' invalid input (README: text input is
// case-insensitive).
#include <gtest/gtest.h>

#include <cctype>
#include <clocale>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "core/stage.hpp"

namespace {

// Sets LC_CTYPE to a Turkish locale: an installed one, or else one built
// with glibc's localedef into `dir` (needs the locales package's sources).
// Returns false when neither is possible.
bool set_turkish_ctype(std::string &dir) {
  for (const char *name : {"tr_TR.UTF-8", "tr_TR.utf8", "tr_TR.ISO-8859-9", "tr_TR"})
    if (std::setlocale(LC_CTYPE, name) != nullptr) return true;
  char tmpl[] = "/tmp/lq_locale_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return false;
  dir = tmpl;
  const std::string cmd = "localedef -i tr_TR -f ISO-8859-9 '" + dir + "/tr_TR.ISO-8859-9' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return false;
  setenv("LOCPATH", dir.c_str(), 1);
  return std::setlocale(LC_CTYPE, "tr_TR.ISO-8859-9") != nullptr;
}

}  // namespace

TEST(StageLocale, ParseIsAsciiCaseInsensitiveInATurkishLocale) {
  const std::string saved = std::setlocale(LC_CTYPE, nullptr);
  std::string dir;
  const bool turkish = set_turkish_ctype(dir);
  // What the test needs to bite: this locale does not fold 'I' to 'i'.
  const bool dotless = turkish && std::tolower('I') != 'i';
  std::optional<lq::Stage> parsed[lq::kStageCount];
  for (lq::Stage s : lq::kAllStages) {
    std::string upper(lq::stage_name(s));
    for (char &c : upper) c = static_cast<char>(c - 'a' + 'A');
    parsed[lq::stage_rank(s)] = lq::parse_stage(" " + upper + "\t");
  }
  std::setlocale(LC_CTYPE, saved.c_str());
  unsetenv("LOCPATH");
  if (!dir.empty()) std::filesystem::remove_all(dir);
  if (!dotless) GTEST_SKIP() << "no Turkish locale available (install the locales package)";
  for (lq::Stage s : lq::kAllStages) EXPECT_EQ(parsed[lq::stage_rank(s)], s) << lq::stage_name(s);
}
