-- The outbound queue: one row per recipient of a message sent onwards over SMTP (relay and Advanced
-- Delivery). Applied at every start after 002-emailai.sql, in the same transaction and under the same
-- advisory lock; every statement is idempotent.
--
-- A queue row refers to its content in emailai_message (queue id, sender, time received, size, bytes),
-- which all recipients of one outbound copy share; the content goes when the last row referring to it, of
-- this table or of emailai_maildrop, goes. Row ids come from an identity sequence, so an id is never
-- reused: the admin API and the logs can name a row by it.

CREATE TABLE IF NOT EXISTS emailai_outbound (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      bigint      NOT NULL REFERENCES emailai_message (id),
    recipient       text        NOT NULL,
    destination     text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    delay_warned    boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- A delivery grain's "what is due for my destination" and "when is my next attempt".
CREATE INDEX IF NOT EXISTS emailai_outbound_by_destination ON emailai_outbound (destination, next_attempt_at);

-- Content garbage collection asks whether any queue row still refers to a message.
CREATE INDEX IF NOT EXISTS emailai_outbound_by_message ON emailai_outbound (message_id);
