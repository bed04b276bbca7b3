using System.Globalization;

namespace EmailAI.Gateway;

/// <summary>
/// Every EmailAI process formats and compares with the invariant culture, whatever the host's locale: the
/// processes load ICU (for UTS #46 domain mapping), and a reply, a log field or a stored date must not change
/// with LANG. Safe to call more than once.
/// </summary>
public static class ProcessCulture
{
    public static void UseInvariant()
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
    }
}
