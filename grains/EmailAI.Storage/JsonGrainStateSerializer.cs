using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace EmailAI.Storage;

/// <summary>
/// The one grain-state format, chosen before any data exists: System.Text.Json, camelCase, no type names.
/// Renaming a C# type never breaks stored state; renaming a property does, so state properties are
/// pinned with <see cref="JsonPropertyNameAttribute"/> where a rename is likely. The same serializer
/// serves every storage backend, so state moves between SQLite and PostgreSQL unchanged.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStorageSerializer
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options)
        ?? throw new JsonException($"Stored state of type {typeof(T).Name} deserialised to null.");
}
