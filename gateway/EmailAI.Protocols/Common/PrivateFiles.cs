namespace EmailAI.Protocols.Common;

/// <summary>
/// Files only this process's user may read: the data directory (<c>0700</c>) and what it holds — the database and
/// its WAL (every message and password hash), the admin token, the TLS key (<c>0600</c>). Created with those modes
/// from the start (never world-readable for an instant) and tightened when an older version left them wider. A no-op
/// on Windows, whose ACLs are inherited from the parent directory.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates <paramref name="path"/> (and missing parents) owner-only; an existing directory that others may read or
    /// enter is narrowed to <c>0700</c>. Returns the mode it had when it was narrowed, null otherwise. A directory owned
    /// by someone else (a volume mount) cannot be narrowed: the error is the caller's to log.
    /// </summary>
    public static UnixFileMode? CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return null;
        }

        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, DirectoryMode);
            return null;
        }

        return Narrow(path, DirectoryMode);
    }

    /// <summary>
    /// Narrows an existing file to <c>0600</c> when group or others have any access; returns the old mode then, null
    /// when the file is missing or already private.
    /// </summary>
    public static UnixFileMode? RestrictFile(string path) =>
        OperatingSystem.IsWindows() || !File.Exists(path) ? null : Narrow(path, FileMode);

    /// <summary>Writes <paramref name="text"/> to a new or truncated file created <c>0600</c>.</summary>
    public static void WriteAllText(string path, string text)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        // UnixCreateMode applies only when the file is created: an existing file keeps its mode unless narrowed.
        RestrictFile(path);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static UnixFileMode? Narrow(string path, UnixFileMode allowed)
    {
        var mode = File.GetUnixFileMode(path);
        var others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if ((mode & others) == 0)
        {
            return null;
        }

        File.SetUnixFileMode(path, mode & allowed);
        return mode;
    }
}
