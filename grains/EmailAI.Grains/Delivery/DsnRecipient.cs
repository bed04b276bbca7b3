using EmailAI.Contracts;
using System.Globalization;
using System.Text;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;
using EmailAI.Storage;
using MimeKit;
using MimeKit.Utils;

namespace EmailAI.Grains.Delivery;

/// <summary>One recipient's line in a delivery status notification.</summary>
public sealed record DsnRecipient(string Recipient, SmtpReply Reply, string? RemoteMta, DateTimeOffset LastAttempt);
