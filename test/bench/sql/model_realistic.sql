-- A model shaped like real ones (issue #17), beside bench_model: 7 fit rules
-- (string in/ends_with/contains, numeric ranges, one rule with two
-- conditions), 9 engagement rules of which 4 test properties
-- (contains/starts_with/eq on URLs and form names), caps on 3 rules, a
-- 14-day half-life, an SQL criterion with a require. The data
-- (setup.sql) has the attributes and properties these rules read.
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('bench_realistic', $json$
{
  "fit": {
    "rules": [
      {"when": {"industry": {"in": ["software", "fintech"]}}, "points": 10},
      {"when": {"employees": {"between": [50, 1000]}}, "points": 10},
      {"when": {"annual_revenue": {"gte": 5000000}}, "points": 5},
      {"when": {"email": {"ends_with": ["@gmail.com", "@yahoo.com", "@hotmail.com"]}}, "points": -10},
      {"when": {"title": {"contains": ["VP", "Director", "Head of"]}}, "points": 8},
      {"when": {"country": {"in": ["US", "GB", "DE", "FR", "NL"]}}, "points": 5},
      {"when": {"industry": {"eq": "software"}, "employees": {"between": [200, 5000]}}, "points": 7}
    ],
    "min": 0, "max": 45
  },
  "engagement": {
    "half_life_days": 14,
    "rules": [
      {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 5, "max": 25},
      {"activity": "page_view", "when": {"url": {"starts_with": "/docs/"}}, "points": 2, "max": 10},
      {"activity": "page_view", "points": 1, "max": 15},
      {"activity": "content_download", "when": {"form": {"eq": "whitepaper"}}, "points": 8},
      {"activity": "content_download", "when": {"form": {"starts_with": "case-study"}}, "points": 6},
      {"activity": "content_download", "points": 4},
      {"activity": "email_click", "points": 3},
      {"activity": "webinar", "points": 10},
      {"activity": "demo_request", "points": 25}
    ],
    "min": 0, "max": 100
  },
  "stages": {
    "mql": {"min_fit": 15, "min_engagement": 20},
    "sql": {"min_fit": 20, "min_score": 60, "require": {"country": {"in": ["US", "GB", "DE", "FR", "NL", "CA"]}}}
  }
}
$json$);
