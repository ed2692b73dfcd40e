-- The scoring model every variant implements: 2 fit rules, 5 activity types
-- (page_view capped at 15), 30-day half-life, mql/sql thresholds. The
-- baselines in functions.sql hard-code exactly these numbers.
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('bench_model', $json$
{
  "fit": {
    "rules": [
      {"when": {"industry": {"in": ["software", "fintech"]}}, "points": 10},
      {"when": {"employees": {"between": [50, 1000]}}, "points": 15}
    ],
    "min": 0, "max": 25
  },
  "engagement": {
    "half_life_days": 30,
    "rules": [
      {"activity": "page_view", "points": 1, "max": 15},
      {"activity": "email_click", "points": 3},
      {"activity": "content_download", "points": 5},
      {"activity": "webinar", "points": 10},
      {"activity": "demo_request", "points": 20}
    ],
    "min": 0, "max": 100
  },
  "stages": {
    "mql": {"min_fit": 15, "min_engagement": 20},
    "sql": {"min_fit": 20, "min_score": 60}
  }
}
$json$);
