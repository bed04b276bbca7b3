-- EmailAI: PostgreSQL schema for Orleans' ADO.NET providers (clustering, grain storage, reminders),
-- written for Orleans 10.4.2 with the invariant "Npgsql".
--
-- How the providers use it: at start each provider runs `SELECT QueryKey, QueryText FROM OrleansQuery`
-- and keeps the SQL text by key. A missing clustering or reminders key aborts start with "Not all
-- required queries found". Parameters arrive as @Name (Npgsql rewrites them to $n); result columns are
-- read by name (case-insensitively, so unquoted lower-cased identifiers are fine).
--
-- Safe to repeat: every statement is IF NOT EXISTS / OR REPLACE / ON CONFLICT DO UPDATE, so the file is
-- run on every start. It holds no BEGIN/COMMIT: the migration runner wraps it in one transaction and
-- holds a pg advisory lock, which is what makes concurrent runs from several processes safe (two
-- unlocked CREATE OR REPLACE FUNCTION of the same function can fail with "tuple concurrently updated").
-- Changing a function's argument list would add an overload instead of replacing it: drop the old one.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
);

------------------------------------------------------------------------------------------------------
-- Clustering (membership). DeploymentId is Orleans' ClusterId.
------------------------------------------------------------------------------------------------------

-- One row per cluster. Version is the membership table's optimistic-concurrency token: every change
-- to a silo row must bump it in the same transaction, conditional on the version the silo last read.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation (address, port, generation). Status is Orleans' SiloStatus
-- (3 = Active, 6 = Dead). SuspectTimes is Orleans' own "silo,date|silo,date" text.
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL,
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    CONSTRAINT PK_OrleansMembershipTable PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_OrleansMembershipTable_Version FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Creates the cluster's version row if absent. Returns 1 if this call created it, 0 if it existed.
-- Concurrent callers are safe: ON CONFLICT makes exactly one of them win.
CREATE OR REPLACE FUNCTION orleans_insert_membership_version(p_deployment_id varchar)
RETURNS integer
LANGUAGE plpgsql AS
$fn$
DECLARE
    affected integer;
BEGIN
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (p_deployment_id)
    ON CONFLICT (DeploymentId) DO NOTHING;
    GET DIAGNOSTICS affected = ROW_COUNT;
    RETURN affected;
END
$fn$;

-- Adds a silo row and bumps the cluster version, both or neither. Returns 1 only when the version
-- was still p_version (nobody changed the table since the caller read it) and the silo row did not
-- exist yet; otherwise 0 and nothing changed. The version row is updated first: its row lock
-- serialises concurrent membership writers of one cluster. When the insert finds the row already
-- there, raising inside the block rolls the block back to its implicit savepoint, bump included.
CREATE OR REPLACE FUNCTION orleans_insert_membership(
    p_deployment_id  varchar,
    p_address        varchar,
    p_port           integer,
    p_generation     integer,
    p_silo_name      varchar,
    p_host_name      varchar,
    p_status         integer,
    p_proxy_port     integer,
    p_start_time     timestamptz,
    p_i_am_alive     timestamptz,
    p_version        integer)
RETURNS integer
LANGUAGE plpgsql AS
$fn$
DECLARE
    affected integer;
BEGIN
    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1, Timestamp = now()
    WHERE DeploymentId = p_deployment_id AND Version = p_version;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
        RETURN 0;
    END IF;

    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
         StartTime, IAmAliveTime)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
         p_proxy_port, p_start_time, p_i_am_alive)
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'EA001', MESSAGE = 'membership row already exists';
    END IF;
    RETURN 1;
EXCEPTION WHEN SQLSTATE 'EA001' THEN
    RETURN 0;
END
$fn$;

-- Changes a silo row (status, suspicions, liveness) and bumps the cluster version, both or neither.
-- Returns 1 only when the version was still p_version and the silo row exists; otherwise 0 and nothing
-- changed (a missing row rolls the function's block, bump included, back to its savepoint).
CREATE OR REPLACE FUNCTION orleans_update_membership(
    p_deployment_id  varchar,
    p_address        varchar,
    p_port           integer,
    p_generation     integer,
    p_status         integer,
    p_suspect_times  varchar,
    p_i_am_alive     timestamptz,
    p_version        integer)
RETURNS integer
LANGUAGE plpgsql AS
$fn$
DECLARE
    affected integer;
BEGIN
    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1, Timestamp = now()
    WHERE DeploymentId = p_deployment_id AND Version = p_version;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
        RETURN 0;
    END IF;

    UPDATE OrleansMembershipTable
    SET Status = p_status, SuspectTimes = p_suspect_times, IAmAliveTime = p_i_am_alive
    WHERE DeploymentId = p_deployment_id AND Address = p_address AND Port = p_port
      AND Generation = p_generation;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
        -- No such silo: undo the bump so the call has no effect at all.
        RAISE EXCEPTION USING ERRCODE = 'EA001', MESSAGE = 'membership row not found';
    END IF;
    RETURN 1;
EXCEPTION WHEN SQLSTATE 'EA001' THEN
    RETURN 0;
END
$fn$;

------------------------------------------------------------------------------------------------------
-- Grain storage.
------------------------------------------------------------------------------------------------------

-- One row per (service, state name, grain). GrainTypeString holds the *state name* given to
-- [PersistentState(name, provider)], not the grain class: two grain types using one state name and
-- the same key share a row, so every state needs a distinct name. The hashes are Orleans' own
-- (StableHash of the id bytes and of the name); they only narrow the index search, the full identity
-- is always compared. Version counts writes from 1; NULL never appears in a row we write.
-- Payload is the grain-state serializer's bytes (PayloadBinary only: Orleans 10 sends no JSON/XML).
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NULL
);

CREATE INDEX IF NOT EXISTS IX_OrleansStorage_Hashes
    ON OrleansStorage (GrainIdHash, GrainTypeHash);

-- Writes a grain state with optimistic concurrency. Always returns a value (one row, read as
-- NewGrainStateVersion): the new version on success, NULL on a version conflict, which Orleans turns
-- into InconsistentStateException.
--   p_version NOT NULL: update the row only if its Version is still p_version (a stale ETag, or a row
--     deleted meanwhile, updates nothing). READ COMMITTED re-checks the WHERE on the latest row
--     version after waiting for a concurrent writer, so two writers with the same ETag cannot both win.
--   p_version NULL (the state was never written, as far as this activation knows): insert version 1
--     unless a row exists. The existence check and insert are serialised per (state name hash, grain
--     hash) with a transaction-scoped advisory lock (the two-int lock space, distinct from the
--     migration runner's bigint lock); without it two activations of one grain (split brain) could
--     both insert. A conflicting first insert returns NULL, never "no row".
CREATE OR REPLACE FUNCTION orleans_write_to_storage(
    p_grain_id_hash     integer,
    p_grain_id_n0       bigint,
    p_grain_id_n1       bigint,
    p_grain_type_hash   integer,
    p_grain_type        varchar,
    p_grain_id_ext      varchar,
    p_service_id        varchar,
    p_version           integer,
    p_payload           bytea)
RETURNS integer
LANGUAGE plpgsql AS
$fn$
DECLARE
    affected integer;
BEGIN
    IF p_version IS NOT NULL THEN
        UPDATE OrleansStorage
        SET PayloadBinary = p_payload, ModifiedOn = now(), Version = Version + 1
        WHERE GrainIdHash = p_grain_id_hash AND GrainTypeHash = p_grain_type_hash
          AND GrainIdN0 = p_grain_id_n0 AND GrainIdN1 = p_grain_id_n1
          AND GrainTypeString = p_grain_type
          AND GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
          AND ServiceId = p_service_id
          AND Version = p_version;
        GET DIAGNOSTICS affected = ROW_COUNT;
        RETURN CASE WHEN affected = 1 THEN p_version + 1 END;
    END IF;

    PERFORM pg_advisory_xact_lock(p_grain_type_hash, p_grain_id_hash);
    -- New statement, new snapshot: rows committed by the previous lock holder are visible here.
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString,
         ServiceId, PayloadBinary, ModifiedOn, Version)
    SELECT p_grain_id_hash, p_grain_id_n0, p_grain_id_n1, p_grain_type_hash, p_grain_type,
           p_grain_id_ext, p_service_id, p_payload, now(), 1
    WHERE NOT EXISTS (
        SELECT 1 FROM OrleansStorage
        WHERE GrainIdHash = p_grain_id_hash AND GrainTypeHash = p_grain_type_hash
          AND GrainIdN0 = p_grain_id_n0 AND GrainIdN1 = p_grain_id_n1
          AND GrainTypeString = p_grain_type
          AND GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
          AND ServiceId = p_service_id);
    GET DIAGNOSTICS affected = ROW_COUNT;
    RETURN CASE WHEN affected = 1 THEN 1 END;
END
$fn$;

-- Empties a state (keeps the row, so the version keeps counting) if its Version is still p_version.
-- Returns the new version, or NULL on a conflict; always one row.
CREATE OR REPLACE FUNCTION orleans_clear_storage(
    p_grain_id_hash     integer,
    p_grain_id_n0       bigint,
    p_grain_id_n1       bigint,
    p_grain_type_hash   integer,
    p_grain_type        varchar,
    p_grain_id_ext      varchar,
    p_service_id        varchar,
    p_version           integer)
RETURNS integer
LANGUAGE sql AS
$fn$
    WITH cleared AS (
        UPDATE OrleansStorage
        SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
        WHERE GrainIdHash = p_grain_id_hash AND GrainTypeHash = p_grain_type_hash
          AND GrainIdN0 = p_grain_id_n0 AND GrainIdN1 = p_grain_id_n1
          AND GrainTypeString = p_grain_type
          AND GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
          AND ServiceId = p_service_id
          AND Version = p_version
        RETURNING Version)
    SELECT (SELECT Version FROM cleared);
$fn$;

-- Deletes a state's row (used only with DeleteStateOnClear = true) if its Version is still
-- p_version. Returns the deleted version + 1 (any value other than the caller's ETag means success;
-- Orleans then forgets the ETag and the next write inserts version 1), or NULL on a conflict.
CREATE OR REPLACE FUNCTION orleans_delete_storage(
    p_grain_id_hash     integer,
    p_grain_id_n0       bigint,
    p_grain_id_n1       bigint,
    p_grain_type_hash   integer,
    p_grain_type        varchar,
    p_grain_id_ext      varchar,
    p_service_id        varchar,
    p_version           integer)
RETURNS integer
LANGUAGE sql AS
$fn$
    WITH deleted AS (
        DELETE FROM OrleansStorage
        WHERE GrainIdHash = p_grain_id_hash AND GrainTypeHash = p_grain_type_hash
          AND GrainIdN0 = p_grain_id_n0 AND GrainIdN1 = p_grain_id_n1
          AND GrainTypeString = p_grain_type
          AND GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
          AND ServiceId = p_service_id
          AND Version = p_version
        RETURNING Version)
    SELECT (SELECT Version + 1 FROM deleted);
$fn$;

------------------------------------------------------------------------------------------------------
-- Reminders.
------------------------------------------------------------------------------------------------------

-- One row per (service, grain, reminder name). GrainId is GrainId.ToString() ("type/key");
-- GrainHash is its uniform hash as a signed int, used to split reminders between silos by ring range.
-- Period is in milliseconds. Version is the reminder's ETag, 0 on first insert.
CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150)   NOT NULL,
    GrainId      varchar(512)   NOT NULL,
    ReminderName varchar(150)   NOT NULL,
    StartTime    timestamptz(3) NOT NULL,
    Period       bigint         NOT NULL,
    GrainHash    integer        NOT NULL,
    Version      integer        NOT NULL,
    CONSTRAINT PK_OrleansRemindersTable PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX IF NOT EXISTS IX_OrleansRemindersTable_GrainHash
    ON OrleansRemindersTable (ServiceId, GrainHash);

------------------------------------------------------------------------------------------------------
-- The queries, by key. Nullable parameters carry an explicit cast: Npgsql may send a NULL untyped,
-- and PostgreSQL cannot infer a type from "@p IS NULL" alone.
------------------------------------------------------------------------------------------------------

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Clustering. Result of the insert/update keys: one row, one column, read as a boolean.
('InsertMembershipVersionKey', $q$
    SELECT orleans_insert_membership_version(@DeploymentId) AS row_count;
$q$),

('InsertMembershipKey', $q$
    SELECT orleans_insert_membership(
        @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
        @ProxyPort::integer, @StartTime, @IAmAliveTime, @Version) AS row_count;
$q$),

('UpdateMembershipKey', $q$
    SELECT orleans_update_membership(
        @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes::varchar,
        @IAmAliveTime, @Version) AS row_count;
$q$),

-- Liveness heartbeat: deliberately does not bump the table version (it is not a membership change).
('UpdateIAmAlivetimeKey', $q$
    UPDATE OrleansMembershipTable
    SET IAmAliveTime = @IAmAliveTime
    WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port
      AND Generation = @Generation;
$q$),

-- Reads return the version row even when no silo row matches (the silo columns are then NULL, and
-- Orleans tells "no member" by a NULL StartTime); Version is the table's etag.
('MembershipReadAllKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
           m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId;
$q$),

('MembershipReadRowKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
           m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
        AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    WHERE v.DeploymentId = @DeploymentId;
$q$),

-- Removes a whole cluster (tests and tooling); members first because of the foreign key.
('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
$q$),

-- Gateways for clients: silos in @Status (Active) that listen for clients.
('GatewaysQueryKey', $q$
    SELECT Address, ProxyPort, Generation
    FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
$q$),

-- Forgets silos that are not active and have not sent a heartbeat since @IAmAliveTime.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status <> 3;
$q$),

-- Grain storage. Parameters: @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
-- @GrainTypeString (the state name), @GrainIdExtensionString (string key part, may be NULL),
-- @ServiceId, @GrainStateVersion (the caller's ETag, NULL if never written), @PayloadBinary.
('WriteToStorageKey', $q$
    SELECT orleans_write_to_storage(
        @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString::varchar, @ServiceId, @GrainStateVersion::integer,
        @PayloadBinary::bytea) AS NewGrainStateVersion;
$q$),

-- Zero rows = never written. A cleared state reads as a row with a NULL payload and its version.
('ReadFromStorageKey', $q$
    SELECT PayloadBinary, Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
      AND ServiceId = @ServiceId;
$q$),

('ClearStorageKey', $q$
    SELECT orleans_clear_storage(
        @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString::varchar, @ServiceId, @GrainStateVersion::integer)
        AS NewGrainStateVersion;
$q$),

('DeleteStorageKey', $q$
    SELECT orleans_delete_storage(
        @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString::varchar, @ServiceId, @GrainStateVersion::integer)
        AS NewGrainStateVersion;
$q$),

-- Reminders. Rows are read by GrainId, ReminderName, StartTime, Period, Version.
-- Upsert returns the row's new Version (0 when created, +1 on every replacement).
('UpsertReminderRowKey', $q$
    INSERT INTO OrleansRemindersTable AS r
        (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES
        (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
    SET StartTime = EXCLUDED.StartTime, Period = EXCLUDED.Period, GrainHash = EXCLUDED.GrainHash,
        Version = r.Version + 1
    RETURNING r.Version;
$q$),

('ReadReminderRowsKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
$q$),

('ReadReminderRowKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
$q$),

-- Ring range (begin, end] when begin < end as signed ints.
('ReadRangeRows1Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
$q$),

-- Ring range that wraps around: (begin, max] plus [min, end].
('ReadRangeRows2Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
$q$),

-- Deletes one reminder if its Version is still @Version; returns 1 if deleted, else 0.
('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM OrleansRemindersTable
        WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName
          AND Version = @Version
        RETURNING 1)
    SELECT count(*)::integer AS row_count FROM deleted;
$q$),

('DeleteReminderRowsKey', $q$
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
