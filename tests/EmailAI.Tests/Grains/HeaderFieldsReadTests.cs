using System.Text;
using CsCheck;
using EmailAI.Protocols.Common;

namespace EmailAI.Tests.Grains;

/// <summary>Reading header fields for display (the queue tools' view of a message): names as written, values unfolded.</summary>
public sealed class HeaderFieldsReadTests
{
    [Fact]
    public void Read_FoldedFieldsSpaceBeforeColonAndBody_NamesAndUnfoldedValues()
    {
        var fields = HeaderFields.Read(Encoding.UTF8.GetBytes("Subject: one,\r\n\ttwo\r\n three\r\nX-A : spaced\r\nTo:bare\r\n\r\nNot: a field\r\n"));

        Assert.Equal([("Subject", "one,\ttwo three"), ("X-A", "spaced"), ("To", "bare")], fields);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("\r\nBody: only\r\n", 0)]
    [InlineData(" continuation first\r\nA: 1\r\n\r\n", 0)]
    [InlineData("A: 1\r\njunk line\r\nB: 2\r\n\r\n", 1)]
    [InlineData("A: no line ending", 1)]
    public void Read_WhereTheFieldsEnd_AsFieldSection(string message, int count)
    {
        Assert.Equal(count, HeaderFields.Read(Encoding.UTF8.GetBytes(message)).Count);
    }

    [Fact]
    public void Read_InvalidUtf8_ReplacementCharacterNotAnError()
    {
        var field = Assert.Single(HeaderFields.Read([.. "Subject: caf"u8, 0xE9, .. "\r\n\r\n"u8]));
        Assert.Equal(("Subject", "caf\uFFFD"), field);
    }

    /// <summary>Any fields, folded at any of their spaces, read back as written with the folds taken out.</summary>
    [Fact]
    public void Read_AnyFoldedFields_RoundTrip()
    {
        var name = Gen.String[Gen.Char['!', '~'].Where(c => c != ':'), 1, 12];
        var word = Gen.String[Gen.Char['!', '~'], 1, 8];
        var field = Gen.Select(name, word.List[1, 6], Gen.Bool.List[6]);
        field.List[0, 6].Sample(list =>
        {
            var text = new StringBuilder();
            foreach (var (n, words, folds) in list)
            {
                text.Append(n).Append(": ").Append(words[0]);
                for (var i = 1; i < words.Count; i++)
                {
                    text.Append(folds[i] ? "\r\n " : " ").Append(words[i]);
                }

                text.Append("\r\n");
            }

            text.Append("\r\nbody: not a field\r\n");
            var read = HeaderFields.Read(Encoding.UTF8.GetBytes(text.ToString()));
            Assert.Equal(list.Select(f => (f.Item1, string.Join(' ', f.Item2))), read);
        });
    }
}
