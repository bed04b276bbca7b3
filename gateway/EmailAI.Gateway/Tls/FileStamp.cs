namespace EmailAI.Gateway.Tls;

/// <summary>What a poll compares to notice that a file changed: its write time and size (both zero when it is missing).</summary>
/// <param name="LastWriteUtc">The file's last write time.</param>
/// <param name="Length">The file's size in octets, or -1 when it does not exist.</param>
public readonly record struct FileStamp(DateTime LastWriteUtc, long Length)
{
    /// <summary>The stamp of <paramref name="path"/> now; a missing or unreadable file has its own stamp.</summary>
    public static FileStamp Of(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length) : new FileStamp(default, -1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new FileStamp(default, -2);
        }
    }
}
