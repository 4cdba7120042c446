-- segsync ledger, schema version 3: KPIs and the engagement calendar (issue 7).
--
-- A campaign touch is claimed in campaign_touch (001) before add_msg_template is called;
-- these columns say what came of it, and campaign_touch_result keeps WeCom's send results
-- (get_groupmsg_task + get_groupmsg_send_result), re-read by later runs until they settle.

-- tags: the WeCom tag ids the touch's tag_filter named (comma-separated);
-- fail_count: size of add_msg_template's fail_list;
-- results_read_at: when send results were last read (NULL = never).
ALTER TABLE campaign_touch ADD COLUMN tags TEXT;
ALTER TABLE campaign_touch ADD COLUMN fail_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_touch ADD COLUMN results_read_at INTEGER;

-- One row per (touch, member, customer) as WeCom reports it. status as in
-- get_groupmsg_send_result: 0 not sent yet, 1 sent, 2 not a customer of the member any more,
-- 3 not sent because the customer's receive quota was used up.
CREATE TABLE campaign_touch_result (
  touch_ref       INTEGER NOT NULL REFERENCES campaign_touch (id),
  userid          TEXT    NOT NULL,
  external_userid TEXT    NOT NULL,
  status          INTEGER NOT NULL CHECK (status IN (0, 1, 2, 3)),
  send_time       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (touch_ref, userid, external_userid)
) WITHOUT ROWID;
