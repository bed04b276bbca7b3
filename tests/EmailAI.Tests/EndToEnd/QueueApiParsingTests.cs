using EmailAI.Contracts;
using EmailAI.Gateway.Admin;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EmailAI.Tests.EndToEnd;

/// <summary>The queue tools' query parsing: ages, states, the null sender, and who the log names.</summary>
public sealed class QueueApiParsingTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("2h", 7200)]
    [InlineData("3d", 259_200)]
    [InlineData("0s", 0)]
    [InlineData("1.02:00:00", 93_600)]
    [InlineData("00:00:30", 30)]
    public void TryParseAge_Valid(string text, long seconds)
    {
        Assert.True(QueueApi.TryParseAge(text, out var age));
        Assert.Equal(TimeSpan.FromSeconds(seconds), age);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("-5m")]
    [InlineData("5 m")]
    [InlineData("5w")]
    [InlineData("-00:01:00")]
    [InlineData("soon")]
    [InlineData("99999999999999999999d")]
    public void TryParseAge_Invalid(string text)
    {
        Assert.False(QueueApi.TryParseAge(text, out _));
    }

    [Fact]
    public void TryParseAge_HugeCount_CappedNotOverflowing()
    {
        Assert.True(QueueApi.TryParseAge("3153600000s", out var age));
        Assert.Equal(TimeSpan.FromDays(36_500), age);
        Assert.False(QueueApi.TryParseAge("3153600001s", out _));
    }

    [Fact]
    public void TryReadFilter_AllCriteria_NormalisedIntoTheFilter()
    {
        var query = new QueryCollection(new Dictionary<string, StringValues>
        {
            ["destination"] = "Bücher.Example",
            ["sender"] = "<>",
            ["recipient"] = "<Bob@Far.example>",
            ["minAge"] = "2h",
            ["state"] = "Held",
        });

        Assert.True(QueueApi.TryReadFilter(query, Now, out var filter, out _));
        Assert.Equal(new QueueFilter(Now, "xn--bcher-kva.example", "", "Bob@Far.example", null, Now.AddHours(-2), QueueRowState.Held), filter);
    }

    [Theory]
    [InlineData("state", "2")]
    [InlineData("state", "stuck")]
    [InlineData("state", "deferred,sending")]
    [InlineData("state", "queued, held")]
    [InlineData("minAge", "later")]
    public void TryReadFilter_Bad_FalseWithTheReason(string name, string value)
    {
        var query = new QueryCollection(new Dictionary<string, StringValues> { [name] = value });
        Assert.False(QueueApi.TryReadFilter(query, Now, out _, out var error));
        Assert.Contains(value, error);
    }

    /// <summary>A blank sender would read as the null sender (every bounce); control characters would reach the log.</summary>
    [Theory]
    [InlineData("sender", " ")]
    [InlineData("destination", "\t")]
    [InlineData("recipient", "a\rb")]
    [InlineData("sender", "a\u0000b")]
    public void TryReadFilter_BlankOrControlCharacters_Refused(string name, string value)
    {
        var query = new QueryCollection(new Dictionary<string, StringValues> { [name] = value });
        Assert.False(QueueApi.TryReadFilter(query, Now, out _, out var error));
        Assert.StartsWith(name + " must not be blank", error);
    }

    /// <summary>An age older than the calendar (a .NET span of ten million days) selects everything, instead of a 500.</summary>
    [Theory]
    [InlineData("10000000.00:00:00")]
    [InlineData("10675199.02:48:05")]
    [InlineData("3652500")]
    public void TryReadFilter_AgeBeyondTheCalendar_SelectsEverything(string age)
    {
        var query = new QueryCollection(new Dictionary<string, StringValues> { ["minAge"] = age });
        Assert.True(QueueApi.TryReadFilter(query, Now, out var filter, out _));
        Assert.True(filter.ReceivedBefore < new DateTimeOffset(1, 1, 3, 0, 0, 0, TimeSpan.Zero));
    }

    [Theory]
    [InlineData(null, "admin")]
    [InlineData("", "admin")]
    [InlineData("alice@ops", "admin alice@ops")]
    [InlineData("evil\r\nQueue delete of all", "admin evil??Queue delete of all")]
    public void Actor_PrintableAsciiOnly(string? header, string expected)
    {
        var context = new DefaultHttpContext();
        if (header is not null)
        {
            context.Request.Headers[QueueApi.ActorHeader] = header;
        }

        Assert.Equal(expected, QueueApi.Actor(context));
    }

    [Fact]
    public void Actor_Long_CutAtTheLimit()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[QueueApi.ActorHeader] = new string('a', 500);
        Assert.Equal("admin " + new string('a', QueueApi.MaxActorLength), QueueApi.Actor(context));
    }
}
