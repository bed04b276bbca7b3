namespace EmailAI.Protocols.Common;

/// <summary>The outcome of one <see cref="CommandLineFramer.TryRead"/>.</summary>
public enum FramedLineKind
{
    /// <summary>No complete line yet; offer the unconsumed bytes again with more appended.</summary>
    NeedMoreData,

    /// <summary>A command line, decoded.</summary>
    Line,

    /// <summary>A line over the limit was discarded (up to its LF); answer with a "line too long" error.</summary>
    TooLong,

    /// <summary>A line that is not valid UTF-8 was discarded.</summary>
    Undecodable,
}
