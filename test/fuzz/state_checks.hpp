// What must hold for any score_state the text or wire input accepted
// (shared by the state_text and state_wire fuzz targets).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/score_state.hpp"
#include "fuzz_check.hpp"

namespace fuzz {

inline lq::Timestamp saturating_add(lq::Timestamp a, lq::Timestamp b) {
  lq::Timestamp r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? lq::kTimestampInfinity : lq::kTimestampMinusInfinity;
  return r;
}

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF), as nlohmann::json requires of the strings it writes.
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the first continuation byte
    if (c < 0x80)
      n = 0;
    else if (c >= 0xC2 && c <= 0xDF)
      n = 1;
    else if (c >= 0xE0 && c <= 0xEF)
      n = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
      n = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
      return false;
    if (s.size() - i - 1 < n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

// An operation on a valid state either throws lq::Error or leaves a valid state.
template <typename Op>
void valid_or_refused(std::vector<unsigned char> &state, Op op) {
  try {
    op();
  } catch (const lq::Error &) {
    return;
  }
  lq::state_validate(state.data(), state.size(), lq::ErrorKind::DataCorrupted);
}

inline void check_accepted_state(const std::vector<unsigned char> &state) {
  // Valid, as the SQL functions check before reading a stored state.
  lq::state_validate(state.data(), state.size(), lq::ErrorKind::DataCorrupted);
  const lq::StateView view(state.data());
  FUZZ_CHECK(view.size() == state.size());

  // Round trips: the wire form reproduces the bytes; the text form (what
  // pg_dump writes) is accepted back, reads the same, and is a fixed point.
  const std::vector<unsigned char> wire = lq::state_to_wire(state.data());
  FUZZ_CHECK(lq::state_from_wire(wire.data(), wire.size()) == state);
  const std::string text = lq::state_to_text(state.data());
  bool utf8 = valid_utf8(view.model_name());
  for (const std::string &label : view.labels()) utf8 = utf8 && valid_utf8(label);
  if (utf8) {
    // (JSON text cannot carry other bytes: the text form replaces them with
    // U+FFFD, which may make a name or label too long to be read back.)
    const std::vector<unsigned char> again = lq::state_from_text(text);
    FUZZ_CHECK(lq::state_to_text(again.data()) == text);
    const lq::StateView back(again.data());
    FUZZ_CHECK(back.model_name() == view.model_name() && back.labels() == view.labels());
    FUZZ_CHECK(back.engagement(0) == view.engagement(0));
  } else {
    try {
      (void)lq::state_from_text(text);
    } catch (const lq::Error &e) {
      FUZZ_CHECK(e.kind() == lq::ErrorKind::InvalidText);
    }
  }

  // Reading at any as-of time: around the reference time, the horizon and
  // every held entry.
  const lq::Timestamp ref = view.has_ref() ? view.header().ref_time : 0;
  const lq::Timestamp horizon = view.has_horizon() ? view.header().horizon : ref;
  const lq::Timestamp day = 86400LL * 1000000;
  std::vector<lq::Timestamp> as_ofs = {ref,
                                       saturating_add(ref, 1),
                                       saturating_add(ref, -1),
                                       saturating_add(ref, 30 * day),
                                       saturating_add(ref, 1000000 * day),
                                       horizon,
                                       saturating_add(horizon, 1),
                                       0,
                                       lq::kTimestampMinusInfinity,
                                       lq::kTimestampInfinity};
  for (std::uint16_t k = 0; k < view.header().future_count; ++k) {
    as_ofs.push_back(view.future()[k].at);
    as_ofs.push_back(saturating_add(view.future()[k].at, -1));
  }
  for (lq::Timestamp as_of : as_ofs) {
    // Never NaN; +-inf only when finite sums near the limit of a double add
    // up beyond it, which no model can produce (points are at most 1e9): a
    // rule's sum and its held entries in explain() as in engagement() (the
    // partial_state target found such a state within 30 s).
    const double e = view.engagement(as_of);
    FUZZ_CHECK(!std::isnan(e));
    const std::vector<lq::RuleExplanation> rows = view.explain(as_of);
    FUZZ_CHECK(rows.size() == view.header().rule_count);
    for (const lq::RuleExplanation &r : rows) {
      FUZZ_CHECK(!r.activity.empty() && r.activities >= 0);
      FUZZ_CHECK(!std::isnan(r.points));
    }
  }

  // Combining with itself (score_state_combine(s, s) is callable from SQL):
  // held entries of both sides need room.
  std::vector<unsigned char> combined = state;
  valid_or_refused(combined, [&] {
    combined.resize(lq::state_combine_room(combined.data(), state.data()));
    combined.resize(lq::state_combine(combined.data(), state.data()));
  });

  // A write or refresh at any scoring time (horizon) in range folds what it
  // passes and leaves a valid state no larger than before.
  for (lq::Timestamp h : {ref, horizon, saturating_add(horizon, day), saturating_add(horizon, -day)}) {
    if (!lq::in_pg_range(h)) continue;
    std::vector<unsigned char> moved = state;
    valid_or_refused(moved, [&] {
      const std::size_t size = lq::state_set_horizon(moved.data(), h);
      FUZZ_CHECK(size <= state.size());
      moved.resize(size);
      FUZZ_CHECK(lq::StateView(moved.data()).header().horizon == h);
    });
  }

  // add_activity under a model the state passes check_model for: its name,
  // version and rule count, with the largest points a model may have.
  lq::Model model;
  model.name = std::string(view.model_name());
  model.version = view.header().model_version;
  model.half_life_days = view.header().half_life_days;
  model.engagement_rules.resize(view.header().rule_count);
  for (lq::EngagementRule &r : model.engagement_rules) r.points = 1e9;
  view.check_model(model);
  const lq::Timestamp times[] = {ref, saturating_add(ref, day), saturating_add(ref, -day)};
  // Without a scoring time (folded), and at scoring times before, at and
  // after the activity (held apart when it is later).
  const lq::Timestamp horizons[] = {lq::kTimestampInfinity, ref, horizon, saturating_add(horizon, day)};
  for (lq::Timestamp t : times) {
    for (lq::Timestamp h : horizons) {
      if (h != lq::kTimestampInfinity && !lq::in_pg_range(h)) continue;
      for (int rule = -1; rule < 1 && rule < static_cast<int>(view.header().rule_count); ++rule) {
        std::vector<unsigned char> added = state;
        valid_or_refused(added, [&] {
          added.resize(lq::state_add_room(added.data(), rule, t, h));
          added.resize(lq::state_add(added.data(), model, rule, t, lq::kSeenForSql, h));
          FUZZ_CHECK(lq::StateView(added.data()).header().activities == view.header().activities + 1);
        });
      }
    }
  }
}

}  // namespace fuzz
