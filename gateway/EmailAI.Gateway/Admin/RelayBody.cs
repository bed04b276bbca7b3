namespace EmailAI.Gateway.Admin;

public sealed record RelayBody(List<string>? AuthorisedIps, bool? AutoWhiteListRecipients, IpLocationBlockingBody? IpLocationBlocking, string? SubmissionSenders = null);
