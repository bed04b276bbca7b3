namespace EmailAI.Tests.Authentication.Spf;

/// <summary>One scenario (YAML document) of <see cref="OpenSpfSuite"/>: a zone and the cases run against it.</summary>
internal sealed record OpenSpfScenario(string Description, OpenSpfRecord[] Zone, OpenSpfCase[] Cases);
