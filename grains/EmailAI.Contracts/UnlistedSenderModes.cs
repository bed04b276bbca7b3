namespace EmailAI.Contracts;

/// <summary>The admin API's text form of <see cref="UnlistedSenderMode"/>: <c>"deliver"</c> or <c>"quarantine"</c>, case-insensitive in.</summary>
public static class UnlistedSenderModes
{
    public const string Deliver = "deliver";

    public const string Quarantine = "quarantine";

    /// <summary>Reads a JSON value: null (absent) is a null mode, which inherits; false for any other text.</summary>
    public static bool TryParse(string? text, out UnlistedSenderMode? mode)
    {
        mode = null;
        if (text is null)
        {
            return true;
        }

        if (string.Equals(text, Deliver, StringComparison.OrdinalIgnoreCase))
        {
            mode = UnlistedSenderMode.Deliver;
            return true;
        }

        if (string.Equals(text, Quarantine, StringComparison.OrdinalIgnoreCase))
        {
            mode = UnlistedSenderMode.Quarantine;
            return true;
        }

        return false;
    }

    public static string ToText(UnlistedSenderMode mode) => mode == UnlistedSenderMode.Quarantine ? Quarantine : Deliver;

    public static string? ToText(UnlistedSenderMode? mode) => mode is { } value ? ToText(value) : null;
}
