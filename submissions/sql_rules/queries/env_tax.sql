-- env_tax (环境保护税), CONTRACT 2.1, as one DuckDB query. Every table is a view of its name.
-- The extraction date as_of comes from the arena_context view (point, as_of).
WITH
ctx AS (
    SELECT as_of FROM arena_context
),
-- Codes: full-width to half-width, no spaces, upper case. Names: half-width brackets, no spaces.
permit_keys AS (
    SELECT permit_no,
           upper(regexp_replace(translate(coalesce(uscc, ''), '０１２３４５６７８９', '0123456789'),
                                '[\s　]', '', 'g')) AS code,
           regexp_replace(translate(coalesce(company_name, ''), '（）', '()'), '[\s　]', '', 'g') AS name
    FROM permits
),
unique_names AS (
    SELECT name, min(permit_no) AS permit_no FROM permit_keys GROUP BY name HAVING count(*) = 1
),
decl AS (   -- exact duplicate rows are noise: no two genuine declaration rows are identical
    SELECT DISTINCT * FROM declarations
),
owned AS (
    SELECT coalesce(pk.permit_no, un.permit_no) AS permit_no, d.year, d.quarter, d.outlet_code,
           d.pollutant_code, d.declared_kg, trim(CAST(d.reduction AS VARCHAR)) AS reduction
    FROM (
        SELECT *,
               upper(regexp_replace(translate(coalesce(taxpayer_code, ''), '０１２３４５６７８９',
                                              '0123456789'), '[\s　]', '', 'g')) AS code,
               regexp_replace(translate(coalesce(taxpayer_name, ''), '（）', '()'), '[\s　]', '', 'g') AS name
        FROM decl
    ) d
    LEFT JOIN permit_keys pk ON d.code <> '' AND pk.code = d.code
    LEFT JOIN unique_names un ON d.code = '' AND un.name = d.name
    WHERE coalesce(pk.permit_no, un.permit_no) IS NOT NULL
),
outlet_dest AS (
    SELECT DISTINCT permit_no, outlet_code, destination FROM outlets
),
lines AS (  -- taxable lines: emission on a direct outlet, quarter deadline (end + 15 days) < as_of
    SELECT DISTINCT m.permit_no, m.year, m.quarter, m.outlet_code, m.pollutant_code, m.emission_kg,
           m.exceed_hours, m.avg_concentration_ratio
    FROM monitoring m
    JOIN outlet_dest o USING (permit_no, outlet_code)
    CROSS JOIN ctx
    WHERE o.destination = 'direct' AND m.emission_kg > 0
      AND make_date(m.year, m.quarter * 3, 1) + INTERVAL 1 MONTH - INTERVAL 1 DAY
          + INTERVAL 15 DAY < ctx.as_of
),
filed AS (
    SELECT DISTINCT permit_no, year, quarter FROM owned
),
sums AS (
    SELECT permit_no, year, quarter, outlet_code, pollutant_code, sum(declared_kg) AS declared_kg
    FROM owned GROUP BY ALL
)
SELECT l.permit_no AS record_id, 'ENV_UNDECLARED' AS reason, 1.0 AS score
FROM lines l ANTI JOIN filed f USING (permit_no, year, quarter)
UNION
SELECT l.permit_no, 'ENV_UNDER_DECLARED', 1.0
FROM lines l
SEMI JOIN filed f USING (permit_no, year, quarter)
LEFT JOIN sums s USING (permit_no, year, quarter, outlet_code, pollutant_code)
WHERE s.declared_kg IS NULL OR s.declared_kg < 0.9 * l.emission_kg
UNION
SELECT l.permit_no, 'ENV_IMPROPER_REDUCTION', 1.0
FROM lines l
JOIN owned o USING (permit_no, year, quarter, outlet_code, pollutant_code)
WHERE (o.reduction = '75' AND (l.avg_concentration_ratio >= 0.70 OR l.exceed_hours > 0))
   OR (o.reduction = '50' AND (l.avg_concentration_ratio >= 0.50 OR l.exceed_hours > 0))
ORDER BY record_id, reason
