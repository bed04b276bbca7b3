-- The auto white list (issue 13). Applied at every start after 005-maildrop-usage.sql, in the same transaction
-- and under the same advisory lock; every statement is idempotent.
--
-- One row per (owner, address), so that an entry added, deleted or matched writes its own row instead of one
-- grain-state document holding the whole list. owner is the local account's key, address the listed sender's
-- normal form; both compared exactly. The index serves the eviction of the entries matched least recently
-- (COALESCE(last_matched_at, added_at), oldest first) when an add passes EmailAI:WhiteList:MaxEntries.

CREATE TABLE IF NOT EXISTS emailai_whitelist (
    owner           text        NOT NULL,
    address         text        NOT NULL,
    added_at        timestamptz NOT NULL,
    source          text        NOT NULL,
    last_matched_at timestamptz,
    PRIMARY KEY (owner, address)
);

CREATE INDEX IF NOT EXISTS emailai_whitelist_by_recency
    ON emailai_whitelist (owner, (COALESCE(last_matched_at, added_at)), address);
