-- Install only (CREATE EXTENSION), after the functions and triggers; an
-- update that changes the shipped model does so in its update file.

-- The shipped default model (README, "The default model").
INSERT INTO lead_qual.scoring_model (name, builtin, definition) VALUES ('default', true, $json$
{
  "description": "lead_qual default model: common B2B practice",
  "fit": {
    "rules": [
      {"when": {"industry": {"in": ["software", "saas", "fintech", "technology", "financial services"]}}, "points": 10},
      {"when": {"employees": {"between": [10, 49]}}, "points": 5},
      {"when": {"employees": {"between": [50, 999]}}, "points": 10},
      {"when": {"employees": {"gte": 1000}}, "points": 15},
      {"when": {"annual_revenue": {"between": [1000000, 9999999]}}, "points": 5},
      {"when": {"annual_revenue": {"between": [10000000, 99999999]}}, "points": 10},
      {"when": {"annual_revenue": {"gte": 100000000}}, "points": 15},
      {"when": {"region": {"in": ["north america", "europe"]}}, "points": 5}
    ],
    "min": 0,
    "max": 45
  },
  "engagement": {
    "half_life_days": 30,
    "rules": [
      {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 3},
      {"activity": "page_view", "points": 1, "max": 15},
      {"activity": "content_download", "points": 5},
      {"activity": "demo_request", "points": 20},
      {"activity": "email_open", "points": 2},
      {"activity": "email_click", "points": 5},
      {"activity": "webinar", "points": 10},
      {"activity": "unsubscribe", "points": -25}
    ],
    "min": 0,
    "max": 100
  },
  "stages": {
    "mql": {"min_fit": 15, "min_engagement": 20},
    "sql": {"min_fit": 20, "min_score": 70, "or_activities": ["demo_request"]}
  }
}
$json$);

