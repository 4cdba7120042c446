-- segsync ledger, schema version 1.
--
-- Applied by daemon/ledger/migrations.cc inside one transaction that also sets
-- PRAGMA user_version = 1. The text is compiled into the binary at build time, so an
-- installed segsync needs no SQL files. Conventions:
--   * every time is INTEGER Unix seconds (UTC); the run's `as_of` is an instant too;
--   * booleans are INTEGER 0/1 with a CHECK;
--   * WeCom identifiers (userid, external_userid, tag_id, group_id, chat_id, msgid,
--     config_id) are TEXT exactly as WeCom returns them;
--   * large tables refer to small ones by INTEGER keys (relationship.id, tag.id,
--     profile.id, segment.id) so the rows that exist per relationship or per profile
--     stay a few bytes each.

-- One row per segsync run (scheduled, manual, callback-triggered or dry-run).
-- Written at start with outcome 'running' and rewritten at the end; a run still
-- 'running' after a crash is turned into 'interrupted' by the next daemon start.
CREATE TABLE run (
  id            INTEGER PRIMARY KEY,
  kind          TEXT    NOT NULL CHECK (kind IN ('scheduled', 'manual', 'callback', 'dry-run')),
  as_of         INTEGER NOT NULL,
  started_at    INTEGER NOT NULL,
  ended_at      INTEGER,
  export_file   TEXT,
  export_rows   INTEGER NOT NULL DEFAULT 0,
  export_bytes  INTEGER NOT NULL DEFAULT 0,
  export_hash   TEXT,
  outcome       TEXT    NOT NULL DEFAULT 'running'
                CHECK (outcome IN ('running', 'ok', 'partial', 'blocked', 'failed', 'interrupted')),
  profiles      INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  matched       INTEGER NOT NULL DEFAULT 0,
  unmatched     INTEGER NOT NULL DEFAULT 0,
  relations     INTEGER NOT NULL DEFAULT 0,
  added         INTEGER NOT NULL DEFAULT 0,
  removed       INTEGER NOT NULL DEFAULT 0,
  failed        INTEGER NOT NULL DEFAULT 0,
  unchanged     INTEGER NOT NULL DEFAULT 0,
  api_calls     INTEGER NOT NULL DEFAULT 0,
  plan_id       TEXT,
  message       TEXT
);
CREATE INDEX run_by_outcome ON run (outcome, kind);

-- The tag library: every WeCom tag that segsync created (and therefore owns, spec §6).
-- `id` is the ledger's compact key; `tag_id` is WeCom's. A tag renamed in the rules keeps
-- its row (tag_name changes); a tag removed from WeCom is kept with deleted = 1 so the
-- audit trail still resolves it.
CREATE TABLE tag (
  id          INTEGER PRIMARY KEY,
  tag_id      TEXT    NOT NULL UNIQUE,
  group_id    TEXT    NOT NULL,
  segment_id  TEXT    NOT NULL,
  group_name  TEXT    NOT NULL,
  tag_name    TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  created_run INTEGER REFERENCES run (id),
  deleted     INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
CREATE INDEX tag_by_segment ON tag (segment_id, tag_name);

-- Every (member, customer) relationship segsync has seen in WeCom, with the CRM profile
-- it matched (crm_id NULL = unmatched). `gone` = 1 once WeCom no longer lists it (deleted
-- by either side, member left); gone_reason says which.
CREATE TABLE relationship (
  id              INTEGER PRIMARY KEY,
  userid          TEXT    NOT NULL,
  external_userid TEXT    NOT NULL,
  crm_id          TEXT,
  first_seen_run  INTEGER NOT NULL REFERENCES run (id),
  last_seen_run   INTEGER NOT NULL REFERENCES run (id),
  gone            INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1)),
  gone_reason     TEXT,
  UNIQUE (userid, external_userid)
);
CREATE INDEX relationship_by_external ON relationship (external_userid);
CREATE INDEX relationship_by_crm ON relationship (crm_id) WHERE crm_id IS NOT NULL;

-- Ownership (spec §6): the tags segsync put on a relationship and WeCom confirmed. Only
-- these may ever be removed by segsync. One row per (relationship, tag); WITHOUT ROWID
-- keeps a row at about 20 bytes and makes the planner's full scan come out ordered.
CREATE TABLE owned_tag (
  relationship_id INTEGER NOT NULL REFERENCES relationship (id),
  tag_ref         INTEGER NOT NULL REFERENCES tag (id),
  applied_at      INTEGER NOT NULL,
  run_id          INTEGER NOT NULL REFERENCES run (id),
  PRIMARY KEY (relationship_id, tag_ref)
) WITHOUT ROWID;
CREATE INDEX owned_tag_by_tag ON owned_tag (tag_ref);

-- Write-ahead intents: a tag change about to be sent to WeCom. Written (committed) before
-- the call; deleted when the outcome is known (confirmed -> owned_tag, failed -> retry).
-- Rows left here after a crash are reconciled by the next run against WeCom's state.
CREATE TABLE intent (
  id              INTEGER PRIMARY KEY,
  run_id          INTEGER NOT NULL REFERENCES run (id),
  relationship_id INTEGER NOT NULL REFERENCES relationship (id),
  tag_ref         INTEGER NOT NULL REFERENCES tag (id),
  op              TEXT    NOT NULL CHECK (op IN ('add', 'remove')),
  created_at      INTEGER NOT NULL
);
CREATE INDEX intent_by_relationship ON intent (relationship_id, tag_ref);

-- Changes that failed and will be retried (permanent = 0, from next_attempt_at on) or
-- will not be retried (permanent = 1: WeCom said no for good, or too many attempts).
-- At most one row per (relationship, tag): a later failure of the opposite op replaces it.
CREATE TABLE retry (
  relationship_id INTEGER NOT NULL REFERENCES relationship (id),
  tag_ref         INTEGER NOT NULL REFERENCES tag (id),
  op              TEXT    NOT NULL CHECK (op IN ('add', 'remove')),
  attempts        INTEGER NOT NULL,
  first_failed_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_errcode    INTEGER NOT NULL,
  last_reason     TEXT    NOT NULL,
  permanent       INTEGER NOT NULL DEFAULT 0 CHECK (permanent IN (0, 1)),
  PRIMARY KEY (relationship_id, tag_ref)
) WITHOUT ROWID;
CREATE INDEX retry_due ON retry (next_attempt_at) WHERE permanent = 0;

-- The audit trail: one row per change segsync made or tried (tags on relationships,
-- tag library edits, invitations, join ways). A tag change refers to its relationship
-- and tag by key; anything else names its target in `target`.
CREATE TABLE audit (
  id              INTEGER PRIMARY KEY,
  run_id          INTEGER REFERENCES run (id),
  at              INTEGER NOT NULL,
  actor           TEXT    NOT NULL DEFAULT 'segsync',
  action          TEXT    NOT NULL,
  relationship_id INTEGER REFERENCES relationship (id),
  tag_ref         INTEGER REFERENCES tag (id),
  target          TEXT,
  outcome         TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed')),
  errcode         INTEGER NOT NULL DEFAULT 0,
  reason          TEXT
);
CREATE INDEX audit_by_run ON audit (run_id);

-- CRM profiles segsync has evaluated, by the CRM key; `status` is the latest value of
-- the KPI conversion field (kpi.conversion.field, usually `status`).
CREATE TABLE profile (
  id        INTEGER PRIMARY KEY,
  crm_id    TEXT    NOT NULL UNIQUE,
  status    TEXT,
  first_run INTEGER NOT NULL REFERENCES run (id)
);

-- Segments as the snapshot sees them: one row per (segment id, tag); a `tag_from`
-- segment has one row per tag value.
CREATE TABLE segment (
  id         INTEGER PRIMARY KEY,
  segment_id TEXT NOT NULL,
  tag        TEXT NOT NULL,
  UNIQUE (segment_id, tag)
);

-- Snapshots, stored as changes only: a profile's stay in a segment from the run where it
-- entered to the run where it left (left_run NULL = still in). Run R's membership is every
-- span with entered_run <= R < left_run; entered/left per run are index lookups.
CREATE TABLE membership (
  profile_ref INTEGER NOT NULL REFERENCES profile (id),
  segment_ref INTEGER NOT NULL REFERENCES segment (id),
  entered_run INTEGER NOT NULL REFERENCES run (id),
  left_run    INTEGER REFERENCES run (id),
  PRIMARY KEY (profile_ref, segment_ref, entered_run)
) WITHOUT ROWID;
CREATE INDEX membership_open ON membership (profile_ref) WHERE left_run IS NULL;
CREATE INDEX membership_entered ON membership (entered_run, segment_ref);
CREATE INDEX membership_left ON membership (left_run, segment_ref) WHERE left_run IS NOT NULL;

-- Snapshots, status side: one row per profile whose conversion field changed in a run
-- (from_status NULL = first time seen with a value). Conversions are counted from here.
CREATE TABLE status_change (
  run_id      INTEGER NOT NULL REFERENCES run (id),
  profile_ref INTEGER NOT NULL REFERENCES profile (id),
  from_status TEXT,
  to_status   TEXT,
  PRIMARY KEY (run_id, profile_ref)
) WITHOUT ROWID;

-- Size of every segment in every run that recorded a snapshot (zero sizes included once a
-- segment has existed), for the "segment sizes over time" report.
CREATE TABLE segment_size (
  run_id      INTEGER NOT NULL REFERENCES run (id),
  segment_ref INTEGER NOT NULL REFERENCES segment (id),
  size        INTEGER NOT NULL,
  PRIMARY KEY (run_id, segment_ref)
) WITHOUT ROWID;

-- Plans and their approval (`sync --approve PLAN_ID`). inputs_hash identifies the
-- export + rules + ledger state the plan was computed from.
CREATE TABLE plan (
  plan_id     TEXT    PRIMARY KEY,
  created_at  INTEGER NOT NULL,
  as_of       INTEGER NOT NULL,
  inputs_hash TEXT    NOT NULL,
  blocked     INTEGER NOT NULL CHECK (blocked IN (0, 1)),
  approved    INTEGER NOT NULL DEFAULT 0 CHECK (approved IN (0, 1)),
  approved_at INTEGER
);

-- Why the guard blocked a plan, one reason per row, in order.
CREATE TABLE plan_reason (
  plan_id TEXT    NOT NULL REFERENCES plan (plan_id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL,
  reason  TEXT    NOT NULL,
  PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;

-- Group-chat join ways ("contact me" for groups) segsync created per segment.
-- chat_ids is the comma-separated list of chats the way leads to.
CREATE TABLE join_way (
  config_id  TEXT    PRIMARY KEY,
  segment_id TEXT    NOT NULL,
  state      TEXT    NOT NULL,
  qr_code    TEXT,
  chat_ids   TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted    INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
CREATE INDEX join_way_by_segment ON join_way (segment_id);

-- Group-chat invitations sent to a customer through a member (one mass-message task each).
CREATE TABLE invitation (
  id              INTEGER PRIMARY KEY,
  external_userid TEXT    NOT NULL,
  userid          TEXT    NOT NULL,
  segment_id      TEXT    NOT NULL,
  msgid           TEXT,
  sent_at         INTEGER NOT NULL,
  run_id          INTEGER REFERENCES run (id)
);
CREATE INDEX invitation_by_customer ON invitation (segment_id, external_userid, sent_at);

-- Customers seen in the group chats segsync invites to; left_at set when they leave.
CREATE TABLE group_member (
  chat_id         TEXT    NOT NULL,
  external_userid TEXT    NOT NULL,
  state           TEXT,
  joined_at       INTEGER NOT NULL,
  left_at         INTEGER,
  PRIMARY KEY (chat_id, external_userid)
) WITHOUT ROWID;
CREATE INDEX group_member_by_customer ON group_member (external_userid);

-- Campaign touches sent (spec §4 campaigns). UNIQUE (campaign, touch_date) makes a touch
-- idempotent: a second run on the same day finds the row and sends nothing.
-- segments is the comma-separated segment ids the touch targeted.
CREATE TABLE campaign_touch (
  id         INTEGER PRIMARY KEY,
  campaign   TEXT    NOT NULL,
  touch_date TEXT    NOT NULL,
  segments   TEXT    NOT NULL,
  msgid      TEXT,
  created_at INTEGER NOT NULL,
  run_id     INTEGER REFERENCES run (id),
  UNIQUE (campaign, touch_date)
);
