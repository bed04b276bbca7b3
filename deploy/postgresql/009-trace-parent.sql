-- Delivery attempts in the trace of the SMTP transaction that queued the message (issue 14). Applied at every start
-- after 008-queue-tools.sql, in the same transaction and under the same advisory lock; idempotent.
--
-- trace_parent: the W3C traceparent (55 characters) of the work that queued an outbound copy; NULL for maildrop and
-- quarantine content, and for outbound rows queued before this column existed.

ALTER TABLE emailai_message ADD COLUMN IF NOT EXISTS trace_parent text;
