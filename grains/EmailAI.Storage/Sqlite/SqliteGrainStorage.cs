using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Storage;

namespace EmailAI.Storage.Sqlite;

/// <summary>
/// Orleans grain storage on the embedded database. Writes share the database's group commit, so a grain
/// turn awaits a durable write without blocking a scheduler thread. Optimistic concurrency: the ETag is a
/// row version, and a write whose ETag is stale fails with <see cref="InconsistentStateException"/>.
/// Rows are keyed by (state name, grain id); a state name is unique per grain type in this code base.
/// </summary>
public sealed class SqliteGrainStorage(SqliteDatabase database, IGrainStorageSerializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var id = grainId.ToString();
        var row = await database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT version, payload FROM grain_state WHERE state_name = $name AND grain_id = $id;";
            command.Parameters.AddWithValue("$name", stateName);
            command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            return reader.Read() ? (Version: reader.GetInt64(0), Payload: (byte[])reader.GetValue(1)) : ((long Version, byte[] Payload)?)null;
        });

        if (row is { } found)
        {
            grainState.State = serializer.Deserialize<T>(new BinaryData(found.Payload));
            grainState.ETag = found.Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var id = grainId.ToString();
        var payload = serializer.Serialize(grainState.State).ToArray();
        var expected = ParseETag(grainState.ETag);
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var newVersion = await database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            if (expected is null)
            {
                command.CommandText = """
                    INSERT INTO grain_state (state_name, grain_id, version, payload, modified_at)
                    VALUES ($name, $id, 1, $payload, $now) ON CONFLICT DO NOTHING RETURNING version;
                    """;
            }
            else
            {
                command.CommandText = """
                    UPDATE grain_state SET version = version + 1, payload = $payload, modified_at = $now
                    WHERE state_name = $name AND grain_id = $id AND version = $expected RETURNING version;
                    """;
                command.Parameters.AddWithValue("$expected", expected.Value);
            }

            command.Parameters.AddWithValue("$name", stateName);
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.Add("$payload", SqliteType.Blob).Value = payload;
            command.Parameters.AddWithValue("$now", now);
            return command.ExecuteScalar() is long version ? version : (long?)null;
        });

        if (newVersion is null)
        {
            throw new InconsistentStateException(
                $"Version conflict writing {stateName} of {id}: the stored state changed since it was read.",
                storedEtag: "unknown",
                currentEtag: grainState.ETag);
        }

        grainState.ETag = newVersion.Value.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var id = grainId.ToString();
        await database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM grain_state WHERE state_name = $name AND grain_id = $id;";
            command.Parameters.AddWithValue("$name", stateName);
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteNonQuery();
        });

        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static long? ParseETag(string? etag) =>
        etag is null ? null : long.Parse(etag, NumberStyles.None, CultureInfo.InvariantCulture);
}
