-- Group chats (issue 6): what happened to each invitation, and the chats' member versions.
--
-- invitation.status: 'pending' (written before add_msg_template: a crash leaves it, and it
-- counts as invited so that nobody gets the message twice), 'created' (WeCom made the task:
-- msgid set), 'failed' (WeCom refused the call, or listed the customer in fail_list; errcode
-- and reason say why; a failed invitation does not count for reinvite_after_days).
-- invitation.send_status: NULL until followed up; then get_groupmsg_send_result's status:
-- 0 not sent (yet) by the member, 1 sent, 2 not a contact any more, 3 monthly receive quota.
ALTER TABLE invitation ADD COLUMN status TEXT NOT NULL DEFAULT 'created'
  CHECK (status IN ('pending', 'created', 'failed'));
ALTER TABLE invitation ADD COLUMN errcode INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitation ADD COLUMN reason TEXT;
ALTER TABLE invitation ADD COLUMN send_status INTEGER;
ALTER TABLE invitation ADD COLUMN send_time INTEGER;
ALTER TABLE invitation ADD COLUMN checked_at INTEGER;
CREATE INDEX invitation_by_msgid ON invitation (msgid, external_userid);

-- The member_version of each chat segsync reads: an unchanged chat is not re-recorded.
CREATE TABLE group_chat (
  chat_id        TEXT    PRIMARY KEY,
  member_version TEXT    NOT NULL,
  name           TEXT,
  owner          TEXT,
  read_at        INTEGER NOT NULL
) WITHOUT ROWID;
