-- Claims (leases) on outbound queue rows. Applied at every start after 003-outbound.sql, in the same
-- transaction and under the same advisory lock; every statement is idempotent.
--
-- A delivery grain claims the rows of a message before it sends them: claim_owner names the activation,
-- claim_until is when the claim lapses. A claim is taken only on a row without a live claim, by one
-- conditional UPDATE, so two activations of one destination (during a membership change or a rebalance)
-- never send one row twice. A silo that dies holding claims leaves them to lapse; its rows are then due
-- again. Completing a row deletes it; deferring it ends the claim.

ALTER TABLE emailai_outbound ADD COLUMN IF NOT EXISTS claim_owner text;
ALTER TABLE emailai_outbound ADD COLUMN IF NOT EXISTS claim_until timestamptz;

-- The admin API finds queued mail by the queue id the 250 reply shows (GET /api/v1/queue/{queueId}).
CREATE INDEX IF NOT EXISTS emailai_message_by_queue_id ON emailai_message (queue_id);
