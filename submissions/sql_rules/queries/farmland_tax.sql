-- farmland_tax (耕地占用税), CONTRACT 2.2, as one DuckDB query. Every table is a view of its name.
-- Codes (credit codes and ID numbers) are compared on a 17-character key: full-width digits to
-- half-width, no spaces, upper case, then the first 17 characters of an 18-character code, or a
-- 15-digit legacy ID with the century "19" inserted (its body; the check character is dropped).
WITH
ctx AS (
    SELECT as_of FROM arena_context
),
subj_raw AS (
    SELECT approval_no AS record_id, 'approval' AS kind, user_code AS raw_code, county_code,
           trim(land_use) AS use, farmland_ha * 10000 + 0.5 * basic_farmland_ha * 10000 AS m2,
           notice_date AS raw_date
    FROM approvals
    UNION ALL
    SELECT patch_no, 'patch', occupier_code, county_code, trim(land_use), illegal_farmland_m2,
           determined_date
    FROM patches
),
subj_clean AS (
    SELECT *,
           upper(regexp_replace(translate(coalesce(raw_code, ''), '０１２３４５６７８９ｘＸ',
                                          '0123456789xX'), '[\s　]', '', 'g')) AS code,
           translate(trim(coalesce(raw_date, '')), '０１２３４５６７８９', '0123456789') AS date_text
    FROM subj_raw
),
subj AS (
    SELECT s.*,
           CASE WHEN regexp_full_match(code, '[0-9]{15}') THEN code[1:6] || '19' || code[7:15]
                ELSE code[1:17] END AS code_key,
           coalesce(try_strptime(date_text, '%Y-%m-%d'), try_strptime(date_text, '%Y/%m/%d'),
                    try_strptime(date_text, '%Y%m%d'),
                    try_strptime(date_text, '%Y年%m月%d日'))::DATE AS day,
           CASE WHEN use IN ('military', 'school', 'kindergarten', 'hospital', 'social_welfare',
                             'irrigation') THEN 0.0
                WHEN use IN ('railway', 'highway', 'airport', 'port', 'waterway',
                             'water_conservancy') THEN 2.0
                WHEN use = 'rural_housing' THEN r.rate_yuan_m2 * 0.5
                ELSE r.rate_yuan_m2 END * s.m2 AS due,
           CASE WHEN use IN ('military', 'school', 'kindergarten', 'hospital', 'social_welfare',
                             'irrigation') THEN 'EXEMPT_' || upper(use)
                WHEN use IN ('railway', 'highway', 'airport', 'port', 'waterway',
                             'water_conservancy') THEN 'REDUCED_TRANSPORT'
                WHEN use = 'rural_housing' THEN 'HALF_RURAL_HOUSING'
                ELSE 'NONE' END AS allowed
    FROM subj_clean s LEFT JOIN county_rates r USING (county_code)
),
single_code AS (   -- a record with no source_ref belongs to the one subject with its code
    SELECT code_key, min(record_id) AS record_id FROM subj GROUP BY code_key HAVING count(*) = 1
),
recs AS (
    SELECT coalesce(nullif(trim(coalesce(t.source_ref, '')), ''), sc.record_id) AS record_id,
           t.tax_payable_yuan, trim(coalesce(t.relief_code, '')) AS relief_code
    FROM (
        SELECT *,
               upper(regexp_replace(translate(coalesce(taxpayer_code, ''), '０１２３４５６７８９ｘＸ',
                                              '0123456789xX'), '[\s　]', '', 'g')) AS code
        FROM (SELECT DISTINCT * FROM tax_records)
    ) t
    LEFT JOIN single_code sc
        ON sc.code_key = CASE WHEN regexp_full_match(t.code, '[0-9]{15}')
                              THEN t.code[1:6] || '19' || t.code[7:15] ELSE t.code[1:17] END
),
paid AS (
    SELECT record_id, sum(tax_payable_yuan) AS paid FROM recs GROUP BY record_id
),
due_subj AS (   -- only subjects whose deadline (date + 30 days) is before as_of
    SELECT s.* FROM subj s CROSS JOIN ctx WHERE s.day + INTERVAL 30 DAY < ctx.as_of
)
SELECT s.record_id, CASE s.kind WHEN 'approval' THEN 'FOT_UNDECLARED'
                                ELSE 'FOT_ILLEGAL_UNTAXED' END AS reason, 1.0 AS score
FROM due_subj s ANTI JOIN paid p USING (record_id)
WHERE s.due > 0
UNION
SELECT s.record_id, 'FOT_UNDERPAID', 1.0
FROM due_subj s JOIN paid p USING (record_id)
WHERE p.paid < 0.95 * s.due
UNION
SELECT DISTINCT s.record_id, 'FOT_IMPROPER_RELIEF', 1.0
FROM due_subj s JOIN recs r USING (record_id)
WHERE r.relief_code <> 'NONE' AND r.relief_code <> s.allowed
ORDER BY record_id, reason
