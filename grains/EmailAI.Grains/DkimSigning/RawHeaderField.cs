namespace EmailAI.Grains.DkimSigning;

/// <summary>
/// One header field of a raw message: its name as written (without the WSP some writers put before the colon)
/// and where the whole field lies — from the first octet of its name to the end of its last line, continuation
/// lines included, the final CRLF not.
/// </summary>
public readonly record struct RawHeaderField(string Name, int Start, int Length)
{
    /// <summary>Octet offset of the first octet after <see cref="Start"/>+<see cref="Length"/>.</summary>
    public int End => Start + Length;
}
