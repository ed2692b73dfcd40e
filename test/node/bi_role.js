// A BI tool's view of lead_qual: a read-only role granted exactly what the
// README ("BI role") says, without lead_qual on its search_path, querying
// every report over the extended protocol (node-postgres sends parameters
// with an unspecified type, as JDBC and most drivers do). Prints TAP.
// Environment: libpq variables (PGHOST, PGPORT, PGDATABASE); PGUSER=the BI role.
'use strict';
const { Client } = require('pg');

let n = 0;
let failed = 0;
function check(ok, what, detail) {
  n += 1;
  if (!ok) failed += 1;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${what}${ok || detail === undefined ? '' : ` (${detail})`}`);
}
async function tryQuery(client, text, values) {
  try {
    return { rows: (await client.query({ text, values })).rows };
  } catch (e) {
    return { error: `${e.code} ${e.message}` };
  }
}

(async () => {
  const client = new Client();
  await client.connect();
  const table = 'crm.leads';
  const expect = JSON.parse(process.env.BI_EXPECT);
  console.log('1..12');

  let r = await tryQuery(client, 'SELECT current_setting($1) AS path', ['search_path']);
  check(r.rows && !r.rows[0].path.includes('lead_qual'), 'the BI role has no lead_qual on its search_path', r.error);

  r = await tryQuery(client,
    'SELECT stage_name, leads FROM lead_qual.funnel WHERE lead_table = $1 AND stage = \'mql\'', [table]);
  check(r.rows && r.rows.length === 1 && Number(r.rows[0].leads) === expect.mql,
    "funnel: WHERE lead_table = $1 (text) AND stage = 'mql'", r.error || JSON.stringify(r.rows));

  r = await tryQuery(client,
    'SELECT stage::text AS stage, stage_name, leads FROM lead_qual.funnel WHERE lead_table = $1 AND stage = $2',
    [table, 'sql']);
  check(r.rows && r.rows.length === 1 && r.rows[0].stage === 'sql' && r.rows[0].stage_name === 'sql' &&
        Number(r.rows[0].leads) === expect.sql,
    'funnel: the stage as a text parameter', r.error || JSON.stringify(r.rows));

  r = await tryQuery(client,
    'SELECT entered, reached, rate, from_stage_name, to_stage_name FROM lead_qual.stage_conversion' +
    ' WHERE lead_table = $1 AND cohort_month IS NULL AND from_stage = $2 AND to_stage = $3', [table, 'mql', 'sql']);
  check(r.rows && r.rows.length === 1 && Number(r.rows[0].entered) === expect.entered &&
        Number(r.rows[0].reached) === expect.reached,
    'stage_conversion: mql -> sql', r.error || JSON.stringify(r.rows));

  r = await tryQuery(client,
    'SELECT median_hours, p90_hours FROM lead_qual.stage_velocity WHERE lead_table = $1 AND from_stage = $2 AND to_stage = $3',
    [table, 'mql', 'sql']);
  check(r.rows && r.rows.length === 1 && r.rows[0].median_hours === expect.median_hours,
    'stage_velocity: the median in hours, a number', r.error || JSON.stringify(r.rows));

  r = await tryQuery(client, 'SELECT band_low, leads, reached FROM lead_qual.score_bands WHERE lead_table = $1', [table]);
  check(r.rows && r.rows.reduce((s, b) => s + Number(b.leads), 0) === expect.leads,
    'score_bands: every lead in a band', r.error || JSON.stringify(r.rows));

  r = await tryQuery(client, 'SELECT grade, leads FROM lead_qual.fit_grades WHERE lead_table = $1', [table]);
  check(r.rows && r.rows.reduce((s, b) => s + Number(b.leads), 0) === expect.leads,
    'fit_grades: every lead graded', r.error || JSON.stringify(r.rows));

  r = await tryQuery(client, 'SELECT threshold, flagged, recall FROM lead_qual.threshold_report($1, $2, $3)',
    [table, 'sql', [0]]);
  check(r.rows && r.rows.length === 1 && Number(r.rows[0].flagged) === expect.leads && r.rows[0].recall === 1,
    'threshold_report($1, $2, $3) with text and array parameters', r.error || JSON.stringify(r.rows));

  r = await tryQuery(client, 'SELECT lead_qual.score_auc($1, $2) AS auc', [table, 'sql']);
  check(r.rows && r.rows[0].auc === expect.auc, 'score_auc($1, $2)', r.error || JSON.stringify(r.rows));

  // Least privilege: nothing personal, no history, no per-lead view.
  r = await tryQuery(client, 'SELECT email FROM crm.leads LIMIT 1');
  check(r.error && r.error.startsWith('42501'), 'no access to personal columns', r.error || 'readable');
  r = await tryQuery(client, 'SELECT count(*) FROM lead_qual.stage_history');
  check(r.error && r.error.startsWith('42501'), 'no access to the stage history itself', r.error || 'readable');
  r = await tryQuery(client, 'SELECT count(*) FROM lead_qual.stage_reached');
  check(r.error && r.error.startsWith('42501'), 'no access to per-lead stage_reached', r.error || 'readable');

  await client.end();
  process.exit(failed === 0 ? 0 : 1);
})().catch((e) => {
  console.log(`not ok - ${e.message}`);
  process.exit(1);
});
