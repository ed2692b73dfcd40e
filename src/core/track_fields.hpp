// The configuration of a lead_qual trigger (the tables, model, columns and
// options track() or add_score() gave it), as the one trigger argument that
// carries it: format "2" (src/pg/track_args.hpp). Format "1", still read,
// passed the same fields as separate arguments; PostgreSQL copies every
// argument of every trigger of a table (one palloc each) whenever a
// statement opens the table, so 22 arguments cost 22 pallocs per trigger and
// statement, one argument one.
//
// The encoding: "2", then for every field, in TrackField order, a space, the
// field's length in bytes (decimal, no leading zero), a colon and the field's
// bytes. Example: "2 16:\"public\".\"leads\" 21:\"public\".\"activities\" 7:default ...".
// Why it is safe: each field is delimited by its length, never by a
// separator searched for in it, so a field may hold any bytes (quoted
// identifiers and row filters may contain spaces, colons, quotes,
// backslashes, digits, any character of any encoding); the framing uses
// ASCII only, and the one byte a trigger argument cannot hold, NUL, neither
// occurs in a field (a text value cannot hold it) nor is written by the
// encoding. The form is canonical: decode(encode(f)) == f for all fields f,
// and an argument that decodes encodes back to itself byte for byte.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lq {

// The fields, in order. Format 1 passes field i as trigger argument i + 1
// (argument 0 is "1"), and only some of them: up to kChannel (16 arguments,
// triggers of 1.0 and 1.1), kPolicyBits (19), kActivityFilter (21, a row
// filter set) or kShadow (22, a model of add_score()).
enum TrackField : std::size_t {
  kLeadsTable,       // schema-qualified and quoted, as regclass::text writes it
  kActivitiesTable,  // likewise
  kModel,            // scoring model name
  kKeyColumn,        // leads: the lead key
  kLeadIdColumn,     // activities: the lead's key
  kActivityTypeColumn,
  kOccurredAtColumn,
  kPropertiesColumn,  // "" = none
  kScoreStateColumn,
  kFitScoreColumn,
  kEngagementScoreColumn,
  kScoreColumn,
  kStageColumn,
  kStageChangedAtColumn,
  kChannel,         // NOTIFY channel
  kOccurredAtZone,  // "" = a timestamptz column
  kStaleSave,       // "keep" or "refuse" (keep_stage_on_stale_save)
  kPolicyBits,      // TransitionPolicy::to_bits()
  kLeadFilter,      // "" = none
  kActivityFilter,  // "" = none
  kShadow,          // "shadow": a model of add_score(); "" otherwise
  kTrackFieldCount
};

using TrackFields = std::array<std::string_view, kTrackFieldCount>;

// The format marker: an argument of format 2 starts with it.
inline constexpr char kTrackFieldsFormat = '2';

// The longest field the encoding takes: 9 length digits (PostgreSQL's text
// values are shorter still).
inline constexpr std::size_t kMaxTrackFieldLength = 999999999;

// The one argument for `fields`. Throws Error (ProgramLimit) for a field
// longer than kMaxTrackFieldLength.
std::string encode_track_fields(const TrackFields &fields);

// The fields of `arg` (views into it), or none when `arg` is not exactly
// what encode_track_fields() writes for some fields. Allocates nothing and
// never throws: the PostgreSQL side calls it where an ERROR may follow.
std::optional<TrackFields> decode_track_fields(std::string_view arg) noexcept;

}  // namespace lq
