-- The queue tools of the admin API (hold and release, attempt history, "why is this stuck?"). Applied at every start
-- after 007-quarantine.sql, in the same transaction and under the same advisory lock; every statement is idempotent.
--
-- held: an admin put the row on hold (Postfix's postsuper -h); it is not due, not claimed and not attempted until
-- released. last_error_at: when last_error came. emailai_outbound_attempt: each failed attempt of a row with the remote
-- host that answered (NULL when none did) and the reply; the newest 200 per row are kept (MaxAttemptsKept in
-- IOutboundQueueStore), and they go with their row.

ALTER TABLE emailai_outbound ADD COLUMN IF NOT EXISTS held boolean NOT NULL DEFAULT false;
ALTER TABLE emailai_outbound ADD COLUMN IF NOT EXISTS last_error_at timestamptz;

CREATE TABLE IF NOT EXISTS emailai_outbound_attempt (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbound_id bigint      NOT NULL REFERENCES emailai_outbound (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    host        text,
    reply       text        NOT NULL
);

CREATE INDEX IF NOT EXISTS emailai_outbound_attempt_by_row ON emailai_outbound_attempt (outbound_id, id);
