-- EmailAI's own tables in the cluster database: message content and maildrops.
-- Applied at every start by the storage's migration step (PostgresSchema), inside one transaction that
-- holds an advisory lock, after 001-orleans.sql. Every statement is idempotent.
--
-- Content is stored once per message; a maildrop is one row per (mailbox, message). Identity columns come
-- from sequences, which never hand out a value twice (even across crashes), so a maildrop uid is never
-- reused: it is the POP3 UIDL.

CREATE TABLE IF NOT EXISTS emailai_message (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue_id    text        NOT NULL,
    sender      text        NOT NULL,
    received_at timestamptz NOT NULL,
    size        integer     NOT NULL,
    content     bytea       NOT NULL
);

CREATE TABLE IF NOT EXISTS emailai_maildrop (
    uid         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox     text        NOT NULL,
    message_id  bigint      NOT NULL REFERENCES emailai_message (id),
    size        integer     NOT NULL,
    received_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS emailai_maildrop_by_mailbox ON emailai_maildrop (mailbox, uid);
CREATE INDEX IF NOT EXISTS emailai_maildrop_by_message ON emailai_maildrop (message_id);
