namespace EmailAI.Protocols.Smtp;

/// <summary>Why <see cref="SmtpDataFramer"/> will have the message refused at its final dot; none means it may be committed.</summary>
[Flags]
public enum SmtpDataDefects
{
    None = 0,

    /// <summary>More octets than <see cref="SmtpOptions.MaxMessageSize"/> after unstuffing (552 5.3.4).</summary>
    TooBig = 1,

    /// <summary>A line longer than <see cref="SmtpOptions.MaxDataLineLength"/> under <see cref="LongLinePolicy.Reject"/>.</summary>
    LineTooLong = 2,

    /// <summary>A bare LF under <see cref="BareLineFeedPolicy.Reject"/>.</summary>
    BareLineFeed = 4,

    /// <summary>A bare CR under <see cref="BareLineFeedPolicy.Reject"/>.</summary>
    BareCarriageReturn = 8,

    /// <summary>A header field, its continuation lines included, over <see cref="SmtpOptions.MaxHeaderFieldSize"/> (552 5.3.4).</summary>
    HeaderFieldTooBig = 16,

    /// <summary>A header over <see cref="SmtpOptions.MaxHeaderSize"/> (552 5.3.4).</summary>
    HeaderTooBig = 32,
}
