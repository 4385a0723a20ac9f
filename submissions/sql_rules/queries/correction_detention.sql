-- correction_detention (社区矫正), CONTRACT 2.6, as one DuckDB query. Every table is a view.
-- People are matched by ID number only (namesakes exist), on a 17-character key: full-width
-- digits to half-width, no spaces, upper case, the first 17 characters of an 18-character ID or
-- a 15-digit legacy ID with the century "19" inserted.
WITH
ctx AS (
    SELECT as_of FROM arena_context
),
subj AS (
    SELECT correction_no, trim(correction_type) AS type,
           CASE WHEN regexp_full_match(c, '[0-9]{15}') THEN c[1:6] || '19' || c[7:15]
                ELSE c[1:17] END AS id_key,
           CAST(start_date AS DATE) AS start_day, CAST(end_date AS DATE) AS end_day
    FROM (SELECT *, upper(regexp_replace(translate(coalesce(id_number, ''),
                                                   '０１２３４５６７８９ｘＸ', '0123456789xX'),
                                         '[\s　]', '', 'g')) AS c
          FROM subjects)
),
pun AS (   -- exact duplicate rows are one punishment
    SELECT DISTINCT punishment_no,
           CASE WHEN regexp_full_match(c, '[0-9]{15}') THEN c[1:6] || '19' || c[7:15]
                ELSE c[1:17] END AS id_key,
           coalesce(try_strptime(d, '%Y-%m-%d'), try_strptime(d, '%Y/%m/%d'),
                    try_strptime(d, '%Y%m%d'), try_strptime(d, '%Y年%m月%d日'))::DATE AS decision,
           detention_days
    FROM (SELECT *, upper(regexp_replace(translate(coalesce(id_number, ''),
                                                   '０１２３４５６７８９ｘＸ', '0123456789xX'),
                                         '[\s　]', '', 'g')) AS c,
                 translate(trim(coalesce(decision_date, '')), '０１２３４５６７８９', '0123456789') AS d
          FROM punishments
          WHERE trim(punishment_type) = '行政拘留' AND executed AND NOT revoked)
),
eff AS (   -- effective detentions: decided within the correction period
    SELECT s.correction_no, s.type, p.punishment_no, p.decision, p.detention_days,
           row_number() OVER (PARTITION BY s.correction_no
                              ORDER BY p.decision, p.punishment_no) AS rank
    FROM pun p JOIN subj s USING (id_key)
    WHERE p.decision BETWEEN s.start_day AND s.end_day
),
acts AS (
    SELECT correction_no, trim(action) AS action,
           coalesce(try_strptime(d, '%Y-%m-%d'), try_strptime(d, '%Y/%m/%d'),
                    try_strptime(d, '%Y%m%d'), try_strptime(d, '%Y年%m月%d日'))::DATE AS day
    FROM (SELECT *, translate(trim(coalesce(action_date, '')), '０１２３４５６７８９', '0123456789') AS d
          FROM sanctions)
),
visits AS (
    SELECT correction_no, CAST(checkin_date AS DATE) AS day
    FROM checkins WHERE trim(method) = '现场'
)
SELECT e.correction_no AS record_id, 'CC_NO_SANCTION_AFTER_DETENTION' AS reason, 1.0 AS score
FROM eff e CROSS JOIN ctx
WHERE e.decision + INTERVAL 30 DAY < ctx.as_of
  AND NOT EXISTS (SELECT 1 FROM acts a
                  WHERE a.correction_no = e.correction_no
                    AND a.action IN ('警告', '提请撤销缓刑', '提请撤销假释', '提请收监执行')
                    AND a.day BETWEEN e.decision AND e.decision + INTERVAL 30 DAY)
UNION
SELECT e.correction_no, 'CC_SHOULD_PROPOSE_REVOCATION', 1.0
FROM eff e CROSS JOIN ctx
WHERE ((e.type IN ('假释', '暂予监外执行') AND e.rank = 1) OR (e.type = '缓刑' AND e.rank = 2))
  AND e.decision + INTERVAL 30 DAY < ctx.as_of
  AND NOT EXISTS (SELECT 1 FROM acts a
                  WHERE a.correction_no = e.correction_no AND a.day >= e.decision
                    AND a.action = CASE e.type WHEN '假释' THEN '提请撤销假释'
                                               WHEN '暂予监外执行' THEN '提请收监执行'
                                               ELSE '提请撤销缓刑' END)
UNION
SELECT e.correction_no, 'CC_CHECKIN_DURING_DETENTION', 1.0
FROM eff e JOIN visits v USING (correction_no)
WHERE v.day BETWEEN e.decision AND e.decision + (e.detention_days - 1) * INTERVAL 1 DAY
ORDER BY record_id, reason
