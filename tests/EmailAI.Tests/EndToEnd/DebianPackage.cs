using System.Diagnostics;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// A program a test drives from a Debian package (prometheus, chromium): found where Debian puts it, or installed with
/// apt-get when the tests run as root (as <c>.ci/run</c> does on a fresh machine), or a clear failure naming the package.
/// </summary>
public static class DebianPackage
{
    private static readonly Lock Installing = new();

    /// <summary>The paths of <paramref name="binaries"/> (each the first of its candidates that exists).</summary>
    public static string[] FindOrInstall(string packages, params string[][] binaries)
    {
        lock (Installing)
        {
            if (Find(binaries) is { } found)
            {
                return found;
            }

            if (Environment.UserName == "root")
            {
                foreach (var command in new[] { $"apt-get install -y -qq --no-install-recommends {packages}", $"apt-get update -qq && apt-get install -y -qq --no-install-recommends {packages}" })
                {
                    using var install = Process.Start(new ProcessStartInfo("sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
                    install.StandardOutput.ReadToEnd();
                    install.StandardError.ReadToEnd();
                    install.WaitForExit();
                    if (Find(binaries) is { } installed)
                    {
                        return installed;
                    }
                }
            }

            throw new InvalidOperationException($"{string.Join(", ", binaries.Select(b => b[0]))} not installed and could not be (apt-get install {packages}, as root)");
        }
    }

    private static string[]? Find(string[][] binaries)
    {
        var paths = binaries.Select(candidates => candidates.FirstOrDefault(File.Exists)).OfType<string>().ToArray();
        return paths.Length == binaries.Length ? paths : null;
    }
}
