-- Storage quotas. Applied at every start after 004-outbound-claim.sql, in the same transaction and under the
-- same advisory lock; every statement is idempotent.
--
-- A quota check (at every RCPT and every delivery to a mailbox with a quota) sums one maildrop's sizes: this
-- index carries the size next to the mailbox, so the sum is an index-only scan of that maildrop's entries and
-- never reads the table, let alone every message. It also serves the admin API's list of maildrops.

CREATE INDEX IF NOT EXISTS emailai_maildrop_usage ON emailai_maildrop (mailbox) INCLUDE (size);
