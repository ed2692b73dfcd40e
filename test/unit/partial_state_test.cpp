// The engagement_state() aggregates' partial results (src/core/partial_state.*):
// a body written as a partial result and read back against its prototype is
// the same state, byte for byte; fingerprints tell models apart; corrupt or
// foreign partial results are refused, never read out of bounds.
#include "core/partial_state.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/score_state.hpp"
#include "core/timestamp.hpp"

using lq::Timestamp;
using Buffer = std::vector<unsigned char>;

namespace {

constexpr Timestamp kDay = 86400LL * 1000000;
constexpr Timestamp kT0 = 9497 * kDay;  // 2026-01-01

constexpr const char *kModel = R"({
  "engagement": {
    "half_life_days": 14,
    "rules": [
      {"activity": "page_view", "points": 1, "max": 15},
      {"activity": "email_click", "points": 3},
      {"activity": "webinar", "points": 10, "max": 30},
      {"activity": "demo_request", "points": 20}
    ],
    "max": 100
  },
  "stages": {"sql": {"or_activities": ["demo_request"]}}
})";

std::shared_ptr<const lq::Model> model(const char *json = kModel, const std::string &name = "bench_model",
                                       std::int64_t version = 3) {
  return lq::compile_model(name, version, json);
}

Buffer prototype_of(const lq::Model &m) {
  Buffer b(lq::state_size(m));
  lq::state_init(b.data(), m);
  return b;
}

// A whole state of `m` over `n` random activities, scored at `horizon`
// (kTimestampInfinity: none), some of them later than it (held apart).
Buffer random_state(std::mt19937_64 &rng, const lq::Model &m, int n, Timestamp horizon) {
  Buffer s = prototype_of(m);
  std::uniform_int_distribution<int> rule(-1, static_cast<int>(m.engagement_rules.size()) - 1);
  std::uniform_int_distribution<Timestamp> at(kT0 - 90 * kDay, kT0 + 10 * kDay);
  for (int i = 0; i < n; ++i) {
    const int r = rule(rng);
    const Timestamp t = at(rng);
    s.resize(lq::state_add_room(s.data(), r, t, horizon));
    const std::uint8_t bits = r >= 0 ? m.or_bits(m.engagement_rules[r].activity) : 0;
    s.resize(lq::state_add(s.data(), m, r, t, bits, horizon));
  }
  return s;
}

Buffer body_of(const Buffer &state) {
  Buffer b(lq::state_body_size(state.data()));
  lq::state_copy_body(b.data(), state.data());
  return b;
}

Buffer partial_of(const Buffer &state, const Buffer &proto) {
  const Buffer body = body_of(state);
  Buffer p(lq::partial_size(body.data(), proto.data()));
  lq::partial_write(p.data(), body.data(), proto.data(), lq::state_fingerprint(proto.data()));
  return p;
}

// The whole state a partial result reads back as.
Buffer read_back(const Buffer &partial, const Buffer &proto) {
  const lq::PartialModel pm = lq::partial_model(partial.data(), partial.size(), lq::ErrorKind::DataCorrupted);
  EXPECT_EQ(pm.fingerprint, lq::state_fingerprint(proto.data()));
  Buffer body(lq::partial_body_size(partial.data()));
  lq::partial_read(body.data(), partial.data(), proto.data(), pm.fingerprint, lq::ErrorKind::DataCorrupted);
  Buffer whole(lq::state_join_size(body.data(), proto.data()));
  lq::state_join(whole.data(), body.data(), proto.data());
  return whole;
}

}  // namespace

TEST(PartialState, RoundTripIsTheSameStateByteForByte) {
  auto m = model();
  const Buffer proto = prototype_of(*m);
  std::mt19937_64 rng(17);
  for (int i = 0; i < 2000; ++i) {
    const int n = static_cast<int>(rng() % 60);
    const Timestamp horizon =
        i % 3 == 0 ? lq::kTimestampInfinity : kT0 + static_cast<Timestamp>(rng() % 5) * kDay;
    const Buffer state = random_state(rng, *m, n, horizon);
    const Buffer partial = partial_of(state, proto);
    const Buffer back = read_back(partial, proto);
    ASSERT_EQ(back.size(), state.size()) << "case " << i;
    // The varlena header (bytes 0..3) is PostgreSQL's: not compared.
    EXPECT_EQ(0, std::memcmp(back.data() + 4, state.data() + 4, state.size() - 4)) << "case " << i;
    lq::state_validate(back.data(), back.size(), lq::ErrorKind::DataCorrupted);
  }
}

TEST(PartialState, IsSmallerThanTheWholeState) {
  auto m = model();
  const Buffer proto = prototype_of(*m);
  std::mt19937_64 rng(1);
  const Buffer state = random_state(rng, *m, 20, lq::kTimestampInfinity);
  const Buffer partial = partial_of(state, proto);
  // 56-byte header, 16 bytes per rule, the name; the whole state has an
  // 80-byte header, 24 bytes per rule, the name and the labels.
  EXPECT_EQ(partial.size(), 56u + 4 * 16 + std::strlen("bench_model"));
  EXPECT_EQ(state.size(), 80u + 4 * 24 + std::strlen("bench_model") +
                              std::strlen("page_view.email_click.webinar.demo_request."));
}

TEST(PartialState, FingerprintsTellModelsApart) {
  auto m = model();
  const std::uint64_t f = lq::state_fingerprint(prototype_of(*m).data());
  // The prototype rebuilt from any state of the model has the same fingerprint.
  std::mt19937_64 rng(5);
  const Buffer state = random_state(rng, *m, 30, kT0);
  EXPECT_EQ(f, lq::state_fingerprint(lq::state_prototype_of(state.data()).data()));
  // Any difference in what the prototype holds changes it.
  std::string other_cap = kModel;
  other_cap.replace(other_cap.find("\"max\": 15"), 9, "\"max\": 16");
  std::string other_label = kModel;
  other_label.replace(other_label.find("email_click"), 11, "email_klick");
  std::string other_half_life = kModel;
  other_half_life.replace(other_half_life.find("14"), 2, "15");
  for (const auto &other :
       {model(kModel, "bench_modeL"), model(kModel, "bench_model", 4), model(other_cap.c_str()),
        model(other_label.c_str()), model(other_half_life.c_str())})
    EXPECT_NE(f, lq::state_fingerprint(prototype_of(*other).data()));
}

TEST(PartialState, ForeignPrototypeIsRefused) {
  auto m = model();
  auto newer = model(kModel, "bench_model", 4);
  std::mt19937_64 rng(9);
  const Buffer state = random_state(rng, *m, 10, kT0);
  const Buffer partial = partial_of(state, prototype_of(*m));
  const Buffer other = prototype_of(*newer);
  Buffer body(lq::partial_body_size(partial.data()));
  EXPECT_THROW(lq::partial_read(body.data(), partial.data(), other.data(),
                                lq::state_fingerprint(other.data()), lq::ErrorKind::DataCorrupted),
               lq::Error);
}

TEST(PartialState, CorruptBytesAreRefusedOrReadAsAValidState) {
  auto m = model();
  const Buffer proto = prototype_of(*m);
  const std::uint64_t f = lq::state_fingerprint(proto.data());
  std::mt19937_64 rng(23);
  const Buffer state = random_state(rng, *m, 40, kT0 + kDay);
  const Buffer partial = partial_of(state, proto);
  // Every truncation and extension is refused by its size.
  for (std::size_t n = 0; n < partial.size() + 8; ++n) {
    if (n == partial.size()) continue;
    Buffer cut(partial.begin(), partial.begin() + std::min(n, partial.size()));
    cut.resize(n, 0);
    EXPECT_THROW(lq::partial_model(cut.data(), cut.size(), lq::ErrorKind::DataCorrupted), lq::Error) << n;
  }
  // Every single-byte change is refused, or reads back as a state that
  // validates (a changed sum, time or count within bounds).
  int refused = 0;
  for (std::size_t i = 4; i < partial.size(); ++i) {
    Buffer bad = partial;
    bad[i] ^= static_cast<unsigned char>(1 + rng() % 255);
    try {
      const lq::PartialModel pm = lq::partial_model(bad.data(), bad.size(), lq::ErrorKind::DataCorrupted);
      Buffer body(lq::partial_body_size(bad.data()));
      lq::partial_read(body.data(), bad.data(), proto.data(), f, lq::ErrorKind::DataCorrupted);
      if (pm.name != "bench_model") ADD_FAILURE() << "byte " << i << ": a changed model name was read";
      Buffer whole(lq::state_join_size(body.data(), proto.data()));
      lq::state_join(whole.data(), body.data(), proto.data());
      lq::state_validate(whole.data(), whole.size(), lq::ErrorKind::DataCorrupted);
    } catch (const lq::Error &e) {
      EXPECT_EQ(e.kind(), lq::ErrorKind::DataCorrupted);
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
}
