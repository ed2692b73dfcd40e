-- Per rule of fit_model()'s report (demo.proposal): a short label, the
-- current and the learned points, as "label" current learned for gnuplot.
-- A label reads the rule: an activity (with the property it tests), or a fit
-- condition with round numbers (10M, not 10000000).
CREATE FUNCTION pg_temp.short(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(v) <> 'number' THEN v #>> '{}'
              WHEN v::numeric >= 1000000 THEN (v::numeric / 1000000)::bigint || 'M'
              WHEN v::numeric >= 1000 THEN trim_scale(v::numeric / 1000) || 'k'
              ELSE v #>> '{}' END
$$;
SELECT format('"%s"', coalesce(r->>'activity' || coalesce(' ' || c.value, ''), c.label)),
       r->>'old_points', r->>'new_points'
FROM demo.proposal, jsonb_array_elements(report->'rules') WITH ORDINALITY AS x(r, n)
LEFT JOIN LATERAL (
  SELECT k.key || ' ' || CASE o.key
           WHEN 'between' THEN pg_temp.short(o.value->0) || '-' || pg_temp.short(o.value->1)
           WHEN 'gte' THEN '>= ' || pg_temp.short(o.value)
           WHEN 'lte' THEN '<= ' || pg_temp.short(o.value)
           WHEN 'in' THEN CASE WHEN jsonb_array_length(o.value) <= 2
                               THEN (SELECT string_agg(e, '/') FROM jsonb_array_elements_text(o.value) e)
                               ELSE o.value->>0 || ', ...' END
           ELSE o.key || ' ' || (o.value #>> '{}') END AS label,
         (o.value #>> '{}') AS value
    FROM jsonb_each(r->'when') k, jsonb_each(k.value) o LIMIT 1
) c ON true
ORDER BY n;
