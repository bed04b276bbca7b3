-- The quarantine (issue 13): mail held from unlisted senders for accounts whose "unlistedSenders" is "quarantine".
-- Applied at every start after 006, in the same transaction and under the same advisory lock; every statement is
-- idempotent.
--
-- One row per (mailbox, message), referring to shared content in emailai_message as a maildrop row does: the content
-- goes when the last row referring to it, of this table, emailai_maildrop or emailai_outbound, goes. Ids come from an
-- identity sequence and are never reused, so a repeated release or delete of an id finds nothing. held_at is compared
-- by the expiry sweep; date is the message's own Date field (with its offset), from_* and subject are what the sender
-- wrote, decoded and capped when the message was held. Held mail counts against no quota until it is released.

CREATE TABLE IF NOT EXISTS emailai_quarantine (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox                text        NOT NULL,
    message_id             bigint      NOT NULL REFERENCES emailai_message (id),
    size                   integer     NOT NULL,
    held_at                timestamptz NOT NULL,
    from_text              text,
    from_address           text,
    subject                text,
    date                   timestamptz,
    date_offset_minutes    integer,
    authentication_results text        NOT NULL,
    from_authenticated     boolean     NOT NULL
);

-- The admin API lists one mailbox's held mail in id order.
CREATE INDEX IF NOT EXISTS emailai_quarantine_by_mailbox ON emailai_quarantine (mailbox, id);

-- The expiry sweep finds the oldest held rows.
CREATE INDEX IF NOT EXISTS emailai_quarantine_by_held_at ON emailai_quarantine (held_at);

-- Content garbage collection asks whether any held row still refers to a message.
CREATE INDEX IF NOT EXISTS emailai_quarantine_by_message ON emailai_quarantine (message_id);
