namespace EmailAI.Tests.Authentication.Spf;

/// <summary>
/// One zone entry of <see cref="OpenSpfSuite"/>: a record (<c>A AAAA MX PTR TXT</c>; an MX's values are preference
/// and exchange, a TXT's its character-strings) or a behaviour (<c>DROP</c> with the type, <c>NODATA</c>).
/// </summary>
internal sealed record OpenSpfRecord(string Name, string Type, string[] Values);
