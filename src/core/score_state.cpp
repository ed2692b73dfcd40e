#include "score_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "json_number.hpp"
#include "message_text.hpp"

namespace lq {

using nlohmann::json;

namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
double or_none(const std::optional<double> &v) { return v ? *v : kNone; }

StateHeader *header_of(void *buf) { return static_cast<StateHeader *>(buf); }
RuleSlot *rules_of(void *buf) { return reinterpret_cast<RuleSlot *>(header_of(buf) + 1); }
FutureEntry *future_of(void *buf) {
  return reinterpret_cast<FutureEntry *>(rules_of(buf) + header_of(buf)->rule_count);
}
// The model name and labels, after the held entries.
char *tail_of(void *buf) { return reinterpret_cast<char *>(future_of(buf) + header_of(buf)->future_count); }
std::size_t tail_len(const StateHeader *h) { return std::size_t{h->name_len} + h->labels_len; }

bool entry_before(const FutureEntry &a, const FutureEntry &b) {
  if (a.at != b.at) return a.at < b.at;
  if (a.rule != b.rule) return a.rule < b.rule;
  return a.points < b.points;
}

std::size_t labels_len(const Model &model) {
  std::size_t n = 0;
  for (const EngagementRule &r : model.engagement_rules) n += r.activity.size() + 1;
  return n;
}

[[noreturn]] void corrupt(ErrorKind kind, const std::string &what) {
  throw Error(kind, "invalid score_state: " + what);
}

// to - from for a finite `from`, without signed overflow: the difference of
// two timestamps can exceed int64 (4713 BC .. 294276 AD), and `to` may be an
// as_of of +-infinity. Saturates, so decay_factor sees "very long ago" (0)
// or "not later" (1) instead of a wrapped value.
Timestamp elapsed(Timestamp to, Timestamp from) {
  if (to == kTimestampInfinity || to == kTimestampMinusInfinity) return to;
  Timestamp d;
  if (__builtin_sub_overflow(to, from, &d)) return to > from ? kTimestampInfinity : kTimestampMinusInfinity;
  return d;
}

// a + b for activity counts; a state whose count would overflow is refused
// (54000) rather than wrapped into one that no longer validates.
std::int64_t add_counts(std::int64_t a, std::int64_t b) {
  std::int64_t sum;
  if (__builtin_add_overflow(a, b, &sum))
    throw Error(ErrorKind::ProgramLimit, "score_state activity count out of range");
  return sum;
}

// A rule sum must stay finite (state_validate refuses anything else).
double checked_sum(double sum) {
  if (!std::isfinite(sum)) throw Error(ErrorKind::ProgramLimit, "score_state engagement points out of range");
  return sum;
}

// Rescales every rule sum to a newer reference time.
void move_reference(StateHeader *h, RuleSlot *rules, Timestamp to) {
  const double f = decay_factor(h->half_life_days, elapsed(to, h->ref_time));
  if (f != 1.0)
    for (std::uint16_t i = 0; i < h->rule_count; ++i) rules[i].sum *= f;
  h->ref_time = to;
}

// Folds one activity into the sums (rule -1: none, it only moves the
// reference). The new sum is checked before the state changes.
void fold(StateHeader *h, RuleSlot *rules, Timestamp t, int rule, double points) {
  const bool moves = (h->flags & kHasRef) && t > h->ref_time;
  double sum = 0.0;
  if (rule >= 0) {
    const double before = rules[rule].sum;
    if (!(h->flags & kHasRef))
      sum = checked_sum(before + points);
    else if (moves)
      sum = checked_sum(before * decay_factor(h->half_life_days, elapsed(t, h->ref_time)) + points);
    else
      sum = checked_sum(before + points * decay_factor(h->half_life_days, elapsed(h->ref_time, t)));
  }
  if (!(h->flags & kHasRef)) {
    h->flags |= kHasRef;
    h->ref_time = t;
  } else if (moves) {
    move_reference(h, rules, t);
  }
  if (rule >= 0) rules[rule].sum = sum;
}

// Replaces the held entries with `entries` (sorted), moving the name and
// labels. The buffer must have room for them.
void write_entries(void *buf, const std::vector<FutureEntry> &entries) {
  StateHeader *h = header_of(buf);
  char *from = tail_of(buf);
  char *to = reinterpret_cast<char *>(future_of(buf) + entries.size());
  std::memmove(to, from, tail_len(h));
  if (!entries.empty()) std::memcpy(future_of(buf), entries.data(), entries.size() * sizeof(FutureEntry));
  h->future_count = static_cast<std::uint16_t>(entries.size());
}

// Folds the held entries at or before `upto` into the sums, and the
// earliest ones beyond kMaxFuture.
void fold_entries(void *buf, Timestamp upto) {
  StateHeader *h = header_of(buf);
  const FutureEntry *e = future_of(buf);
  std::size_t n = 0;
  while (n < h->future_count && (e[n].at <= upto || h->future_count - n > kMaxFuture)) {
    fold(h, rules_of(buf), e[n].at, static_cast<int>(e[n].rule), e[n].points);
    ++n;
  }
  if (n == 0) return;
  const std::vector<FutureEntry> rest(e + n, e + h->future_count);
  write_entries(buf, rest);
}

void check_horizon(Timestamp horizon) {
  if (!is_finite(horizon) || !in_pg_range(horizon))
    throw Error(ErrorKind::InvalidParameter, "as_of must be a finite timestamp");
}

}  // namespace

double decay_factor(double half_life_days, Timestamp elapsed_us) {
  if (half_life_days <= 0.0 || elapsed_us <= 0) return 1.0;
  return std::exp2(-(static_cast<double>(elapsed_us) / kMicrosPerDay) / half_life_days);
}

std::string_view StateView::model_name() const {
  return {reinterpret_cast<const char *>(future() + h_->future_count), h_->name_len};
}

std::vector<std::string> StateView::labels() const {
  std::vector<std::string> out;
  const char *p = model_name().data() + h_->name_len;
  for (std::uint16_t i = 0; i < h_->rule_count; ++i) {
    out.emplace_back(p);
    p += out.back().size() + 1;
  }
  return out;
}

std::size_t StateView::size() const {
  return sizeof(StateHeader) + h_->rule_count * sizeof(RuleSlot) + h_->future_count * sizeof(FutureEntry) +
         h_->name_len + h_->labels_len;
}

// The rule's points as of as_of: its sum decayed from R, plus each held
// entry decayed from its own time (age 0 while later than as_of).
static double rule_points(const StateView &s, std::uint16_t i, double f, Timestamp as_of) {
  double v = s.has_ref() ? s.rules()[i].sum * f : 0.0;
  const FutureEntry *e = s.future();
  for (std::uint16_t k = 0; k < s.header().future_count; ++k)
    if (e[k].rule == i) v += e[k].points * decay_factor(s.header().half_life_days, elapsed(as_of, e[k].at));
  return v;
}

double StateView::engagement(Timestamp as_of) const {
  double total = 0.0;  // without any activity: 0, clamped to the bounds like any other total
  if (has_ref() || h_->future_count > 0) {
    const double f = has_ref() ? decay_factor(h_->half_life_days, elapsed(as_of, h_->ref_time)) : 1.0;
    for (std::uint16_t i = 0; i < h_->rule_count; ++i) {
      const RuleSlot &r = rules()[i];
      double v = rule_points(*this, i, f, as_of);
      if (!std::isnan(r.cap) && v > r.cap) v = r.cap;
      total += v;
    }
  }
  if (!std::isnan(h_->engagement_max) && total > h_->engagement_max) total = h_->engagement_max;
  if (!std::isnan(h_->engagement_min) && total < h_->engagement_min) total = h_->engagement_min;
  return total;
}

std::vector<RuleExplanation> StateView::explain(Timestamp as_of) const {
  std::vector<RuleExplanation> out;
  const double f = has_ref() ? decay_factor(h_->half_life_days, elapsed(as_of, h_->ref_time)) : 1.0;
  const std::vector<std::string> names = labels();
  for (std::uint16_t i = 0; i < h_->rule_count; ++i) {
    const RuleSlot &r = rules()[i];
    double v = rule_points(*this, i, f, as_of);
    const bool capped = !std::isnan(r.cap) && v > r.cap;
    if (capped) v = r.cap;
    out.push_back({i + 1, names[i], r.count, v, capped});
  }
  return out;
}

bool StateView::built_under(std::string_view name, std::int64_t version) const {
  return model_name() == name && h_->model_version == version;
}

void StateView::check_model(const Model &model) const {
  if (built_under(model.name, model.version) && h_->rule_count == model.engagement_rules.size()) return;
  throw Error(ErrorKind::InvalidParameter,
              "score_state was built under model " + quoted_name(model_name()) + " version " +
                  std::to_string(h_->model_version) + ", not model " + quoted_name(model.name) + " version " +
                  std::to_string(model.version),
              {}, "Rebuild the state from the activity history with engagement_state().");
}

std::size_t state_size(const Model &model) {
  return sizeof(StateHeader) + model.engagement_rules.size() * sizeof(RuleSlot) + model.name.size() +
         labels_len(model);
}

void state_init(void *buf, const Model &model) {
  // name_len and labels_len are 16-bit fields of the header.
  if (model.name.size() > kMaxModelName || model.engagement_rules.size() > kMaxRules ||
      labels_len(model) > 0xffff)
    throw Error(ErrorKind::ProgramLimit, "model too large for a score_state");
  std::memset(buf, 0, state_size(model));
  StateHeader *h = header_of(buf);
  h->magic = kStateMagic;
  h->model_version = model.version;
  h->half_life_days = model.half_life_days;
  h->engagement_min = or_none(model.engagement_bounds.min);
  h->engagement_max = or_none(model.engagement_bounds.max);
  h->rule_count = static_cast<std::uint16_t>(model.engagement_rules.size());
  h->name_len = static_cast<std::uint16_t>(model.name.size());
  h->labels_len = static_cast<std::uint16_t>(labels_len(model));
  RuleSlot *rules = rules_of(buf);
  for (std::size_t i = 0; i < model.engagement_rules.size(); ++i)
    rules[i].cap = or_none(model.engagement_rules[i].max);
  char *p = reinterpret_cast<char *>(rules + h->rule_count);
  // The model name is length-prefixed (name_len), not NUL-terminated.
  // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
  std::memcpy(p, model.name.data(), model.name.size());
  p += model.name.size();
  for (const EngagementRule &r : model.engagement_rules) {
    std::memcpy(p, r.activity.c_str(), r.activity.size() + 1);
    p += r.activity.size() + 1;
  }
}

std::size_t state_body_size(const void *buf) {
  const StateHeader &h = StateView(buf).header();
  return sizeof(StateHeader) + h.rule_count * sizeof(RuleSlot) + h.future_count * sizeof(FutureEntry);
}

void state_copy_body(void *body, const void *state) {
  std::memcpy(body, state, state_body_size(state));
  header_of(body)->name_len = 0;
  header_of(body)->labels_len = 0;
}

std::size_t state_join_size(const void *body, const void *prototype) {
  return state_body_size(body) + tail_len(&StateView(prototype).header());
}

void state_join(void *out, const void *body, const void *prototype) {
  const std::size_t body_size = state_body_size(body);
  const StateHeader &p = StateView(prototype).header();
  std::memcpy(out, body, body_size);
  header_of(out)->name_len = p.name_len;
  header_of(out)->labels_len = p.labels_len;
  std::memcpy(static_cast<char *>(out) + body_size, StateView(prototype).model_name().data(), tail_len(&p));
}

std::vector<unsigned char> state_prototype_of(const void *state) {
  const StateView v(state);
  const StateHeader &h = v.header();
  std::vector<unsigned char> out(sizeof(StateHeader) + h.rule_count * sizeof(RuleSlot) + tail_len(&h));
  StateHeader *o = header_of(out.data());
  *o = h;
  o->varlena_header = 0;
  o->ref_time = 0;
  o->horizon = 0;
  o->activities = 0;
  o->flags = 0;
  o->or_seen = 0;
  o->future_count = 0;
  RuleSlot *rules = rules_of(out.data());
  for (std::uint16_t i = 0; i < h.rule_count; ++i) rules[i] = RuleSlot{0.0, 0, v.rules()[i].cap};
  std::memcpy(rules + h.rule_count, v.model_name().data(), tail_len(&h));
  return out;
}

bool state_same_model(const void *a, const void *b) {
  const StateView va(a);
  const StateView vb(b);
  const StateHeader &ha = va.header();
  const StateHeader &hb = vb.header();
  return ha.model_version == hb.model_version && ha.rule_count == hb.rule_count &&
         ha.name_len == hb.name_len && ha.labels_len == hb.labels_len &&
         std::memcmp(va.model_name().data(), vb.model_name().data(), tail_len(&ha)) == 0;
}

std::size_t state_add_room(const void *buf, int rule, Timestamp t, Timestamp horizon) {
  const std::size_t size = StateView(buf).size();
  return rule >= 0 && horizon != kTimestampInfinity && t > horizon ? size + sizeof(FutureEntry) : size;
}

std::size_t state_set_horizon(void *buf, Timestamp horizon) {
  check_horizon(horizon);
  fold_entries(buf, horizon);
  StateHeader *h = header_of(buf);
  h->flags |= kHasHorizon;
  h->horizon = horizon;
  return StateView(buf).size();
}

std::size_t state_add(void *buf, const Model &model, int rule, Timestamp t, std::uint8_t or_bits,
                      Timestamp horizon) {
  if (!is_finite(t)) throw Error(ErrorKind::InvalidParameter, "occurred_at must be a finite timestamp");
  if (!in_pg_range(t)) throw Error(ErrorKind::InvalidParameter, "occurred_at out of range");
  const bool scoring_time = horizon != kTimestampInfinity;
  if (scoring_time) check_horizon(horizon);
  StateHeader *h = header_of(buf);
  // Everything that can fail is checked before the state changes (but a
  // horizon passing held entries folds them first).
  const std::int64_t activities = add_counts(h->activities, 1);
  if (scoring_time) state_set_horizon(buf, horizon);
  const double points = rule >= 0 ? model.engagement_rules[static_cast<std::size_t>(rule)].points : 0.0;
  if (scoring_time && t > horizon) {
    // Later than the scoring time: held apart (an activity without points
    // changes nothing but the counts).
    if (rule >= 0) {
      const FutureEntry *e = future_of(buf);
      std::vector<FutureEntry> entries(e, e + h->future_count);
      const FutureEntry added{t, points, static_cast<std::uint32_t>(rule), 0};
      entries.insert(std::upper_bound(entries.begin(), entries.end(), added, entry_before), added);
      write_entries(buf, entries);
      fold_entries(buf, horizon);  // beyond kMaxFuture: the earliest
    }
  } else {
    fold(h, rules_of(buf), t, rule, points);
  }
  h->activities = activities;
  h->or_seen |= or_bits;
  if (rule >= 0) rules_of(buf)[rule].count += 1;  // <= activities: cannot overflow
  return StateView(buf).size();
}

std::size_t state_combine_room(const void *into, const void *other) {
  return StateView(into).size() + StateView(other).header().future_count * sizeof(FutureEntry);
}

std::size_t state_combine(void *into, const void *other_buf) {
  StateHeader *a = header_of(into);
  const StateView b(other_buf);
  const StateHeader bh = b.header();  // a copy: `other` may be `into`
  if (a->model_version != bh.model_version || a->rule_count != bh.rule_count ||
      StateView(into).model_name() != b.model_name())
    throw Error(ErrorKind::InvalidParameter,
                "cannot combine score_states of model " + quoted_name(StateView(into).model_name()) +
                    " version " + std::to_string(a->model_version) + " and model " +
                    quoted_name(b.model_name()) + " version " + std::to_string(bh.model_version));
  // Everything that can fail is checked before the state changes.
  const std::int64_t activities = add_counts(a->activities, bh.activities);
  RuleSlot *ar = rules_of(into);
  const std::vector<RuleSlot> br(b.rules(), b.rules() + bh.rule_count);
  std::vector<FutureEntry> entries(future_of(into), future_of(into) + a->future_count);
  entries.insert(entries.end(), b.future(), b.future() + bh.future_count);
  std::sort(entries.begin(), entries.end(), entry_before);
  // Both sides' sums decayed to the later reference time.
  const bool b_has_ref = (bh.flags & kHasRef) != 0;
  const bool a_has_ref = (a->flags & kHasRef) != 0;
  const bool moves = b_has_ref && a_has_ref && bh.ref_time > a->ref_time;
  const Timestamp ref = b_has_ref && (!a_has_ref || moves) ? bh.ref_time : a->ref_time;
  const double fa = moves ? decay_factor(a->half_life_days, elapsed(ref, a->ref_time)) : 1.0;
  const double fb = b_has_ref ? decay_factor(a->half_life_days, elapsed(ref, bh.ref_time)) : 0.0;
  if (b_has_ref)
    for (std::uint16_t i = 0; i < a->rule_count; ++i) checked_sum(ar[i].sum * fa + br[i].sum * fb);
  a->activities = activities;
  a->or_seen |= bh.or_seen;
  for (std::uint16_t i = 0; i < a->rule_count; ++i)
    ar[i].count += br[i].count;  // each <= its own state's activities: cannot overflow
  if (b_has_ref) {
    a->flags |= kHasRef;
    a->ref_time = ref;
    for (std::uint16_t i = 0; i < a->rule_count; ++i) ar[i].sum = ar[i].sum * fa + br[i].sum * fb;
  }
  // The later horizon; entries it passes are folded.
  if (bh.flags & kHasHorizon) {
    a->horizon = (a->flags & kHasHorizon) && a->horizon > bh.horizon ? a->horizon : bh.horizon;
    a->flags |= kHasHorizon;
  }
  write_entries(into, entries);
  fold_entries(into, (a->flags & kHasHorizon) ? a->horizon : kTimestampMinusInfinity);
  return StateView(into).size();
}

void state_validate_contents(const void *buf, ErrorKind kind) {
  const auto *h = static_cast<const StateHeader *>(buf);
  if (h->flags & ~(kHasRef | kHasHorizon)) corrupt(kind, "unknown flags");
  if (h->or_seen & ~(kSeenForMql | kSeenForSql)) corrupt(kind, "unknown or_seen bits");
  if (h->activities < 0) corrupt(kind, "negative activity count");
  if ((h->flags & kHasRef) && !is_finite(h->ref_time)) corrupt(kind, "infinite reference time");
  // Beyond PostgreSQL's range no activity can have happened, and the text
  // form (what pg_dump writes) could not be read back.
  if ((h->flags & kHasRef) && !in_pg_range(h->ref_time)) corrupt(kind, "reference time out of range");
  if ((h->flags & kHasHorizon) && !in_pg_range(h->horizon)) corrupt(kind, "horizon out of range");
  if (!(h->flags & (kHasRef | kHasHorizon)) && h->activities != 0)
    corrupt(kind, "activities without a reference time");
  if (h->future_count > 0 && !(h->flags & kHasHorizon)) corrupt(kind, "held entries without a horizon");
  const auto *rules = reinterpret_cast<const RuleSlot *>(h + 1);
  std::int64_t matched = 0;
  for (std::uint16_t i = 0; i < h->rule_count; ++i) {
    if (!std::isfinite(rules[i].sum))
      corrupt(kind, "rule " + std::to_string(i + 1) + " has a non-finite sum");
    if (rules[i].count < 0 || rules[i].count > h->activities)
      corrupt(kind, "rule " + std::to_string(i + 1) + " has a bad activity count");
    // matched <= activities throughout, so neither side can overflow.
    if (rules[i].count > h->activities - matched)
      corrupt(kind, "rules count more activities than the state holds");
    matched += rules[i].count;
  }
  const auto *entries = reinterpret_cast<const FutureEntry *>(rules + h->rule_count);
  if (h->future_count > 0) {
    std::vector<std::int64_t> held(h->rule_count, 0);
    for (std::uint16_t k = 0; k < h->future_count; ++k) {
      const FutureEntry &e = entries[k];
      const std::string which = "held entry " + std::to_string(k + 1);
      if (e.rule >= h->rule_count) corrupt(kind, which + " names no rule");
      if (e.reserved != 0) corrupt(kind, which + " has reserved bytes set");
      if (!std::isfinite(e.points)) corrupt(kind, which + " has non-finite points");
      if (!in_pg_range(e.at)) corrupt(kind, which + " has a time out of range");
      if (e.at <= h->horizon) corrupt(kind, which + " is not later than the horizon");
      if (k > 0 && entry_before(e, entries[k - 1])) corrupt(kind, "held entries out of order");
      if (++held[e.rule] > rules[e.rule].count) corrupt(kind, which + " exceeds its rule's activity count");
    }
  }
}

void state_validate(const void *buf, std::size_t size, ErrorKind kind) {
  if (size < sizeof(StateHeader)) corrupt(kind, "too short (" + std::to_string(size) + " bytes)");
  const auto *h = static_cast<const StateHeader *>(buf);
  if (h->magic != kStateMagic) corrupt(kind, "bad magic number");
  if (h->rule_count > kMaxRules) corrupt(kind, "too many rules");
  if (h->future_count > kMaxFuture) corrupt(kind, "too many held entries");
  if (h->name_len == 0 || h->name_len > kMaxModelName) corrupt(kind, "bad model name length");
  const std::size_t expected = sizeof(StateHeader) + std::size_t{h->rule_count} * sizeof(RuleSlot) +
                               std::size_t{h->future_count} * sizeof(FutureEntry) + h->name_len +
                               h->labels_len;
  if (expected != size)
    corrupt(kind, "size " + std::to_string(size) + " does not match its contents (" +
                      std::to_string(expected) + ")");
  if (h->reserved[0] != 0 || h->reserved[1] != 0 || h->reserved[2] != 0) corrupt(kind, "reserved bytes set");
  if (!std::isfinite(h->half_life_days) || h->half_life_days < 0) corrupt(kind, "bad half-life");
  if (std::isinf(h->engagement_min) || std::isinf(h->engagement_max))
    corrupt(kind, "infinite engagement bounds");
  const auto *rules = reinterpret_cast<const RuleSlot *>(h + 1);
  for (std::uint16_t i = 0; i < h->rule_count; ++i)
    if (std::isinf(rules[i].cap) || rules[i].cap < 0)
      corrupt(kind, "rule " + std::to_string(i + 1) + " has a bad cap");
  state_validate_contents(buf, kind);
  const auto *entries = reinterpret_cast<const FutureEntry *>(rules + h->rule_count);
  const char *labels = reinterpret_cast<const char *>(entries + h->future_count) + h->name_len;
  std::size_t pos = 0;
  for (std::uint16_t i = 0; i < h->rule_count; ++i) {
    const void *nul = std::memchr(labels + pos, '\0', h->labels_len - pos);
    if (nul == nullptr) corrupt(kind, "activity labels are truncated");
    const std::size_t len = static_cast<const char *>(nul) - (labels + pos);
    if (len == 0 || len > kMaxActivityName) corrupt(kind, "bad activity label");
    pos += len + 1;
  }
  if (pos != h->labels_len) corrupt(kind, "trailing bytes after activity labels");
}

// ---- the 1.0/1.1 format ---------------------------------------------------
// Its header is the current one without horizon, future_count and the
// reserved bytes; no held entries. Converted on read, never written.

namespace {
struct StateHeaderV1 {
  std::int32_t varlena_header;
  std::uint32_t magic;
  std::int64_t model_version;
  Timestamp ref_time;
  std::int64_t activities;
  double half_life_days;
  double engagement_min;
  double engagement_max;
  std::uint16_t rule_count;
  std::uint8_t flags;
  std::uint8_t or_seen;
  std::uint16_t name_len;
  std::uint16_t labels_len;
};
static_assert(sizeof(StateHeaderV1) == 64, "the 1.1 score_state header");

StateHeader header_from_v1(const StateHeaderV1 &o) {
  StateHeader h{};
  h.magic = kStateMagic;
  h.model_version = o.model_version;
  h.ref_time = o.ref_time;
  h.activities = o.activities;
  h.half_life_days = o.half_life_days;
  h.engagement_min = o.engagement_min;
  h.engagement_max = o.engagement_max;
  h.rule_count = o.rule_count;
  h.flags = o.flags;
  h.or_seen = o.or_seen;
  h.name_len = o.name_len;
  h.labels_len = o.labels_len;
  return h;
}
}  // namespace

bool state_is_v1(const void *buf, std::size_t size) {
  return size >= sizeof(StateHeaderV1) && static_cast<const StateHeaderV1 *>(buf)->magic == kStateMagicV1;
}

std::vector<unsigned char> state_from_v1(const void *buf, std::size_t size, ErrorKind kind) {
  if (!state_is_v1(buf, size)) corrupt(kind, "not a lead_qual 1.1 state");
  StateHeaderV1 o;
  std::memcpy(&o, buf, sizeof o);
  if (o.rule_count > kMaxRules) corrupt(kind, "too many rules");
  // The 1.1 flags had one bit: anything else stays for state_validate to refuse.
  const std::size_t body = std::size_t{o.rule_count} * sizeof(RuleSlot) + o.name_len + o.labels_len;
  if (sizeof(StateHeaderV1) + body != size)
    corrupt(kind, "size " + std::to_string(size) + " does not match its contents (" +
                      std::to_string(sizeof(StateHeaderV1) + body) + ")");
  std::vector<unsigned char> out(sizeof(StateHeader) + body, 0);
  const StateHeader h = header_from_v1(o);
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + sizeof(StateHeader), static_cast<const unsigned char *>(buf) + sizeof o, body);
  if (o.flags & kHasHorizon) corrupt(kind, "unknown flags");
  state_validate(out.data(), out.size(), kind);
  return out;
}

// ---- text form ------------------------------------------------------------

namespace {
using ordered_json = nlohmann::ordered_json;
ordered_json optional_number(double v) { return std::isnan(v) ? ordered_json(nullptr) : ordered_json(v); }
}  // namespace

std::string state_to_text(const void *buf) {
  const StateView v(buf);
  const StateHeader &h = v.header();
  ordered_json j = ordered_json::object();
  j["model"] = std::string(v.model_name());
  j["version"] = h.model_version;
  j["as_of"] = v.has_ref() ? ordered_json(format_timestamp(h.ref_time)) : ordered_json(nullptr);
  j["scored_at"] = v.has_horizon() ? ordered_json(format_timestamp(h.horizon)) : ordered_json(nullptr);
  j["activities"] = h.activities;
  ordered_json seen = ordered_json::array();
  if (h.or_seen & kSeenForMql) seen.push_back("mql");
  if (h.or_seen & kSeenForSql) seen.push_back("sql");
  j["or_seen"] = seen;
  j["half_life_days"] = h.half_life_days == 0.0 ? ordered_json(nullptr) : ordered_json(h.half_life_days);
  j["min"] = optional_number(h.engagement_min);
  j["max"] = optional_number(h.engagement_max);
  ordered_json rules = ordered_json::array();
  const std::vector<std::string> labels = v.labels();
  for (std::uint16_t i = 0; i < h.rule_count; ++i) {
    const RuleSlot &r = v.rules()[i];
    ordered_json rule = ordered_json::object();
    rule["activity"] = labels[i];
    rule["count"] = r.count;
    rule["sum"] = r.sum;
    rule["max"] = optional_number(r.cap);
    rules.push_back(std::move(rule));
  }
  j["rules"] = rules;
  ordered_json future = ordered_json::array();
  for (std::uint16_t k = 0; k < h.future_count; ++k) {
    const FutureEntry &e = v.future()[k];
    ordered_json entry = ordered_json::object();
    entry["rule"] = e.rule + 1;
    entry["at"] = format_timestamp(e.at);
    entry["points"] = e.points;
    future.push_back(std::move(entry));
  }
  j["future"] = future;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

[[noreturn]] void bad_text(const std::string &what) {
  throw Error(ErrorKind::InvalidText, "invalid input syntax for type score_state: " + what);
}

const json &member(const json &j, const char *key) {
  auto it = j.find(key);
  if (it == j.end()) bad_text(std::string("missing \"") + key + "\"");
  return *it;
}

double number_or_none(const json &j, const char *key) {
  const json &v = member(j, key);
  if (v.is_null()) return kNone;
  if (!finite_number(v)) bad_text(std::string("\"") + key + "\" must be a number or null");
  return v.get<double>();
}

std::optional<Timestamp> time_or_none(const json &v, const char *key) {
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) bad_text(std::string("\"") + key + "\" must be a timestamp or null");
  auto t = parse_timestamp(v.get<std::string>());
  if (!t) bad_text(std::string("\"") + key + "\" must look like 2026-01-31T12:00:00.000000Z");
  return t;
}

std::int64_t integer(const json &j, const char *key) {
  const json &v = member(j, key);
  // An integer beyond int64 is kept unsigned by nlohmann, and get<int64_t>()
  // would wrap it to a negative number.
  constexpr auto kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > kInt64Max))
    bad_text(std::string("\"") + key + "\" must be an integer");
  return v.get<std::int64_t>();
}

}  // namespace

std::vector<unsigned char> state_from_text(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) bad_text("expected a JSON object");
  const json &name = member(j, "model");
  if (!name.is_string()) bad_text("\"model\" must be a string");
  const std::string model_name = name.get<std::string>();
  if (model_name.empty() || model_name.size() > kMaxModelName) bad_text("bad model name");
  const json &rules = member(j, "rules");
  if (!rules.is_array() || rules.size() > kMaxRules) bad_text("\"rules\" must be a list");
  std::vector<std::string> labels;
  std::size_t labels_bytes = 0;
  for (const json &r : rules) {
    if (!r.is_object()) bad_text("each rule must be an object");
    const json &a = member(r, "activity");
    if (!a.is_string() || a.get<std::string>().empty() || a.get<std::string>().size() > kMaxActivityName ||
        a.get<std::string>().find('\0') != std::string::npos)
      bad_text("bad rule activity");
    labels.push_back(a.get<std::string>());
    labels_bytes += labels.back().size() + 1;
  }
  if (labels_bytes > 0xffff) bad_text("activity labels too long");
  // "scored_at" and "future" are absent from the text of 1.1 states.
  static const json kNull = nullptr;
  static const json kNone = json::array();
  const json &scored_at = j.contains("scored_at") ? j["scored_at"] : kNull;
  const json &future = j.contains("future") ? j["future"] : kNone;
  if (!future.is_array() || future.size() > kMaxFuture)
    bad_text("\"future\" must be a list of at most 32 entries");
  const std::size_t size = sizeof(StateHeader) + rules.size() * sizeof(RuleSlot) +
                           future.size() * sizeof(FutureEntry) + model_name.size() + labels_bytes;
  std::vector<unsigned char> out(size, 0);
  StateHeader *h = header_of(out.data());
  h->magic = kStateMagic;
  h->model_version = integer(j, "version");
  if (auto t = time_or_none(member(j, "as_of"), "as_of")) {
    h->flags |= kHasRef;
    h->ref_time = *t;
  }
  if (auto t = time_or_none(scored_at, "scored_at")) {
    h->flags |= kHasHorizon;
    h->horizon = *t;
  }
  h->activities = integer(j, "activities");
  const json &seen = member(j, "or_seen");
  if (!seen.is_array()) bad_text("\"or_seen\" must be a list");
  for (const json &s : seen) {
    if (s == "mql")
      h->or_seen |= kSeenForMql;
    else if (s == "sql")
      h->or_seen |= kSeenForSql;
    else
      bad_text(R"("or_seen" may list only "mql" and "sql")");
  }
  const double half_life = number_or_none(j, "half_life_days");
  h->half_life_days = std::isnan(half_life) ? 0.0 : half_life;
  h->engagement_min = number_or_none(j, "min");
  h->engagement_max = number_or_none(j, "max");
  h->rule_count = static_cast<std::uint16_t>(rules.size());
  h->name_len = static_cast<std::uint16_t>(model_name.size());
  h->labels_len = static_cast<std::uint16_t>(labels_bytes);
  RuleSlot *slots = rules_of(out.data());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    slots[i].cap = number_or_none(rules[i], "max");
    const json &sum = member(rules[i], "sum");
    if (!sum.is_number()) bad_text("rule \"sum\" must be a number");
    slots[i].sum = sum.get<double>();
    slots[i].count = integer(rules[i], "count");
  }
  h->future_count = static_cast<std::uint16_t>(future.size());
  FutureEntry *entries = future_of(out.data());
  for (std::size_t k = 0; k < future.size(); ++k) {
    const json &e = future[k];
    if (!e.is_object()) bad_text("each \"future\" entry must be an object");
    const std::int64_t rule = integer(e, "rule");
    if (rule < 1 || rule > static_cast<std::int64_t>(rules.size()))
      bad_text("\"future\" entry names no rule");
    entries[k].rule = static_cast<std::uint32_t>(rule - 1);
    auto at = time_or_none(member(e, "at"), "at");
    if (!at) bad_text(R"("future" entry needs "at")");
    entries[k].at = *at;
    const json &points = member(e, "points");
    if (!finite_number(points)) bad_text(R"("future" entry "points" must be a number)");
    entries[k].points = points.get<double>();
  }
  char *p = reinterpret_cast<char *>(entries + future.size());
  // The model name is length-prefixed (name_len), not NUL-terminated.
  // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
  std::memcpy(p, model_name.data(), model_name.size());
  p += model_name.size();
  for (const std::string &l : labels) {
    std::memcpy(p, l.c_str(), l.size() + 1);
    p += l.size() + 1;
  }
  state_validate(out.data(), out.size(), ErrorKind::InvalidText);
  return out;
}

// ---- wire form ------------------------------------------------------------
// Fields in header order, big-endian, then the name and labels bytes; the
// varlena header is not sent.

namespace {

class WireWriter {
 public:
  void u64(std::uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<unsigned char>(v >> (i * 8)));
  }
  void u32(std::uint32_t v) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<unsigned char>(v >> (i * 8)));
  }
  void u16(std::uint16_t v) {
    out.push_back(static_cast<unsigned char>(v >> 8));
    out.push_back(static_cast<unsigned char>(v));
  }
  void u8(std::uint8_t v) { out.push_back(v); }
  void f64(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    u64(bits);
  }
  void bytes(const void *p, std::size_t n) {
    out.insert(out.end(), static_cast<const unsigned char *>(p), static_cast<const unsigned char *>(p) + n);
  }
  std::vector<unsigned char> out;
};

class WireReader {
 public:
  WireReader(const unsigned char *p, std::size_t n) : p_(p), n_(n) {}
  std::uint64_t u64() { return take(8); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(take(4)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(take(2)); }
  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)); }
  double f64() {
    const std::uint64_t bits = u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  const unsigned char *bytes(std::size_t n) {
    need(n);
    const unsigned char *at = p_;
    p_ += n;
    n_ -= n;
    return at;
  }
  std::size_t remaining() const { return n_; }

 private:
  void need(std::size_t n) const {
    if (n_ < n) throw Error(ErrorKind::InvalidBinary, "invalid binary score_state: truncated");
  }
  std::uint64_t take(std::size_t n) {
    need(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p_[i];
    p_ += n;
    n_ -= n;
    return v;
  }
  const unsigned char *p_;
  std::size_t n_;
};

}  // namespace

std::vector<unsigned char> state_to_wire(const void *buf) {
  const StateView v(buf);
  const StateHeader &h = v.header();
  WireWriter w;
  w.u32(h.magic);
  w.u64(static_cast<std::uint64_t>(h.model_version));
  w.u64(static_cast<std::uint64_t>(h.ref_time));
  w.u64(static_cast<std::uint64_t>(h.horizon));
  w.u64(static_cast<std::uint64_t>(h.activities));
  w.f64(h.half_life_days);
  w.f64(h.engagement_min);
  w.f64(h.engagement_max);
  w.u16(h.rule_count);
  w.u8(h.flags);
  w.u8(h.or_seen);
  w.u16(h.name_len);
  w.u16(h.labels_len);
  w.u16(h.future_count);
  for (std::uint16_t i = 0; i < h.rule_count; ++i) {
    w.f64(v.rules()[i].sum);
    w.u64(static_cast<std::uint64_t>(v.rules()[i].count));
    w.f64(v.rules()[i].cap);
  }
  for (std::uint16_t k = 0; k < h.future_count; ++k) {
    w.u64(static_cast<std::uint64_t>(v.future()[k].at));
    w.f64(v.future()[k].points);
    w.u32(v.future()[k].rule);
  }
  w.bytes(v.model_name().data(), h.name_len + std::size_t{h.labels_len});
  return std::move(w.out);
}

namespace {

// The 1.1 wire form: the current one without horizon, future_count and entries.
std::vector<unsigned char> state_from_wire_v1(WireReader &r) {
  StateHeaderV1 h{};
  h.magic = kStateMagicV1;
  h.model_version = static_cast<std::int64_t>(r.u64());
  h.ref_time = static_cast<Timestamp>(r.u64());
  h.activities = static_cast<std::int64_t>(r.u64());
  h.half_life_days = r.f64();
  h.engagement_min = r.f64();
  h.engagement_max = r.f64();
  h.rule_count = r.u16();
  h.flags = r.u8();
  h.or_seen = r.u8();
  h.name_len = r.u16();
  h.labels_len = r.u16();
  if (h.rule_count > kMaxRules)
    throw Error(ErrorKind::InvalidBinary, "invalid binary score_state: too many rules");
  const std::size_t tail = h.name_len + std::size_t{h.labels_len};
  std::vector<unsigned char> v1(sizeof h + std::size_t{h.rule_count} * sizeof(RuleSlot) + tail, 0);
  std::memcpy(v1.data(), &h, sizeof h);
  auto *slots = reinterpret_cast<RuleSlot *>(v1.data() + sizeof h);
  for (std::uint16_t i = 0; i < h.rule_count; ++i) {
    slots[i].sum = r.f64();
    slots[i].count = static_cast<std::int64_t>(r.u64());
    slots[i].cap = r.f64();
  }
  std::memcpy(slots + h.rule_count, r.bytes(tail), tail);
  if (r.remaining() != 0) throw Error(ErrorKind::InvalidBinary, "invalid binary score_state: trailing bytes");
  return state_from_v1(v1.data(), v1.size(), ErrorKind::InvalidBinary);
}

}  // namespace

std::vector<unsigned char> state_from_wire(const unsigned char *data, std::size_t size) {
  WireReader r(data, size);
  StateHeader h{};
  h.magic = r.u32();
  if (h.magic == kStateMagicV1) return state_from_wire_v1(r);
  h.model_version = static_cast<std::int64_t>(r.u64());
  h.ref_time = static_cast<Timestamp>(r.u64());
  h.horizon = static_cast<Timestamp>(r.u64());
  h.activities = static_cast<std::int64_t>(r.u64());
  h.half_life_days = r.f64();
  h.engagement_min = r.f64();
  h.engagement_max = r.f64();
  h.rule_count = r.u16();
  h.flags = r.u8();
  h.or_seen = r.u8();
  h.name_len = r.u16();
  h.labels_len = r.u16();
  h.future_count = r.u16();
  if (h.rule_count > kMaxRules)
    throw Error(ErrorKind::InvalidBinary, "invalid binary score_state: too many rules");
  if (h.future_count > kMaxFuture)
    throw Error(ErrorKind::InvalidBinary, "invalid binary score_state: too many held entries");
  const std::size_t tail = h.name_len + std::size_t{h.labels_len};
  const std::size_t size_out = sizeof(StateHeader) + std::size_t{h.rule_count} * sizeof(RuleSlot) +
                               std::size_t{h.future_count} * sizeof(FutureEntry) + tail;
  std::vector<unsigned char> out(size_out, 0);
  std::memcpy(out.data(), &h, sizeof h);
  RuleSlot *slots = rules_of(out.data());
  for (std::uint16_t i = 0; i < h.rule_count; ++i) {
    slots[i].sum = r.f64();
    slots[i].count = static_cast<std::int64_t>(r.u64());
    slots[i].cap = r.f64();
  }
  FutureEntry *entries = future_of(out.data());
  for (std::uint16_t k = 0; k < h.future_count; ++k) {
    entries[k].at = static_cast<Timestamp>(r.u64());
    entries[k].points = r.f64();
    entries[k].rule = r.u32();
  }
  std::memcpy(entries + h.future_count, r.bytes(tail), tail);
  if (r.remaining() != 0) throw Error(ErrorKind::InvalidBinary, "invalid binary score_state: trailing bytes");
  state_validate(out.data(), out.size(), ErrorKind::InvalidBinary);
  return out;
}

}  // namespace lq
