using System.Security.Cryptography;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// Queue ids: 16 characters of Crockford base32 — 48 bits of milliseconds then 32 random bits — so they
/// sort by time, are unique across gateways without coordination, and are safe in headers and logs.
/// </summary>
public static class SmtpQueueId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New() => New(DateTimeOffset.UtcNow);

    public static string New(DateTimeOffset now)
    {
        Span<byte> random = stackalloc byte[4];
        RandomNumberGenerator.Fill(random);
        // 80 bits: 48 of milliseconds (good until year 10889), 32 random.
        var value = ((UInt128)(ulong)now.ToUnixTimeMilliseconds() << 32) | System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(random);
        Span<char> chars = stackalloc char[16];
        for (var i = 15; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(chars);
    }
}
