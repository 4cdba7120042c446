// The peer for `segsync segments`: DuckDB counting the same segments with SQL over the same
// CSV (read_csv + count(*) FILTER). Usage: node duckdb_segments.mjs FILE.csv AS_OF_DATE [THREADS]
// Prints the counts as JSON and the wall time on stderr.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, asOf, threads = '2'] = process.argv.slice(2);
const started = performance.now();
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const d = `DATE '${asOf}'`;
// rules/10-journey.yaml: an exclusive group, first match wins.
const stage = `CASE
  WHEN Status = 'Affiliate' AND ExamsPassed >= 13 AND PERMonths >= 36 AND EthicsModule = 'Y' THEN 'ready_to_convert'
  WHEN Status = 'Affiliate' AND ExamsPassed >= 13 AND PERMonths < 36 THEN 'missing_per'
  WHEN Status = 'Affiliate' AND ExamsPassed >= 13 AND NOT coalesce(EthicsModule = 'Y', false) THEN 'missing_ethics'
  WHEN Status IN ('Affiliate', 'Student') AND ExamsPassed < 13 THEN 'exams_in_progress'
  WHEN Status = 'Member' AND SubscriptionPaidUntil BETWEEN ${d} AND ${d} + 60 THEN 'renewal_due'
  WHEN Status = 'Lapsed' OR (Status = 'Member' AND SubscriptionPaidUntil < ${d} - 30) THEN 'lapsed'
  WHEN Status = 'Member' AND SubscriptionPaidUntil < ${d} THEN 'grace_period'
END`;
const recent = `(LastExamDate BETWEEN ${d} - 90 AND ${d})`;
const sql = `
WITH t AS (SELECT *, ${stage} AS stage FROM read_csv('${file}', header = true,
  types = {'LastExamDate': 'DATE', 'SubscriptionPaidUntil': 'DATE', 'MemberSince': 'DATE',
           'ExamsPassed': 'BIGINT', 'PERMonths': 'BIGINT', 'RegisteredAt': 'VARCHAR'}))
SELECT
  count(*) AS rows,
  count(*) FILTER (stage = 'ready_to_convert') AS ready_to_convert,
  count(*) FILTER (stage = 'missing_per') AS missing_per,
  count(*) FILTER (stage = 'missing_ethics') AS missing_ethics,
  count(*) FILTER (stage = 'exams_in_progress') AS exams_in_progress,
  count(*) FILTER (stage = 'renewal_due') AS renewal_due,
  count(*) FILTER (stage = 'lapsed') AS lapsed,
  count(*) FILTER (stage = 'grace_period') AS grace_period,
  count(*) FILTER (${recent}) AS recent_exam,
  count(*) FILTER (ExamsPassed BETWEEN 10 AND 12 AND ${recent}) AS near_completion,
  count(*) FILTER (Region = 'East China') AS "region/East China",
  count(*) FILTER (Region = 'North China') AS "region/North China",
  count(*) FILTER (Region = 'South China') AS "region/South China",
  count(*) FILTER (Region = 'West China') AS "region/West China",
  count(*) FILTER (Region = 'Overseas') AS "region/Overseas",
  count(*) FILTER (City = 'Shanghai') AS "city/Shanghai",
  count(*) FILTER (City = 'Beijing') AS "city/Beijing",
  count(*) FILTER (City = 'Shenzhen') AS "city/Shenzhen",
  count(*) FILTER (City = 'Guangzhou') AS "city/Guangzhou",
  count(*) FILTER (City = 'Hangzhou') AS "city/Hangzhou",
  count(*) FILTER (City = 'Chengdu') AS "city/Chengdu",
  count(*) FILTER (PreferredLanguage IN ('zh', 'zh-CN', 'zh-Hans')) AS lang_zh,
  count(*) FILTER (NOT coalesce(PreferredLanguage IN ('zh', 'zh-CN', 'zh-Hans'), false)
                   AND starts_with(PreferredLanguage, 'en')) AS lang_en,
  count(*) FILTER (regexp_matches(Employer, '(?i)\\b(deloitte|pwc|pricewaterhouse|kpmg|ey|ernst)\\b')) AS big_four,
  count(*) FILTER (SourceChannel = 'event_qr') AS event_qr,
  count(*) FILTER (SourceChannel = 'email_link') AS email_link,
  count(*) FILTER (SourceChannel = 'sms_link') AS sms_link,
  count(*) FILTER (SourceChannel = 'oa_menu') AS oa_menu,
  count(*) FILTER (RegisteredAt IS NOT NULL AND CAST(substr(RegisteredAt, 1, 10) AS DATE) BETWEEN ${d} - 30 AND ${d}
                   AND stage IS DISTINCT FROM 'lapsed') AS new_signup,
  count(*) FILTER (Status IN ('Affiliate', 'Member', 'Student') AND Interests IS NOT NULL) AS with_interests
FROM t`;
const reader = await con.runAndReadAll(sql);
const row = reader.getRowObjectsJS()[0];
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify(row, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
console.error(`duckdb: ${seconds.toFixed(3)} s with ${threads} threads`);
