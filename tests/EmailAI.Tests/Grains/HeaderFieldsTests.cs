using EmailAI.Protocols.Common;
using System.Text;
using EmailAI.Grains;

namespace EmailAI.Tests.Grains;

/// <summary>Removing a header field at the byte level: only that field, folded lines included, never in the body.</summary>
public sealed class HeaderFieldsTests
{
    [Theory]
    [InlineData("A: 1\r\nX-Tag: yes\r\nB: 2\r\n\r\nbody\r\n", "A: 1\r\nB: 2\r\n\r\nbody\r\n")]
    [InlineData("x-tag: yes\r\nX-TAG:no-space\r\nB: 2\r\n\r\nbody\r\n", "B: 2\r\n\r\nbody\r\n")]
    [InlineData("X-Tag: folded\r\n\tsecond\r\n more\r\nB: 2\r\n\r\nbody\r\n", "B: 2\r\n\r\nbody\r\n")]
    // Behind a line that is no field, up to the empty line: some readers still take it as a field, so it goes too.
    [InlineData("A: 1\r\njunk line\r\nX-Tag: pass\r\n\r\nbody\r\n", "A: 1\r\njunk line\r\n\r\nbody\r\n")]
    [InlineData("A: 1\r\n folded A\r\nX-Tag: x\r\n\r\nX-Tag: in the body\r\n", "A: 1\r\n folded A\r\n\r\nX-Tag: in the body\r\n")]
    [InlineData("X-Tagged: other field\r\n\r\nbody\r\n", "X-Tagged: other field\r\n\r\nbody\r\n")]
    [InlineData("X-Tag : space before the colon\r\nX-Tag\t: tab\r\nB: 2\r\n\r\nbody\r\n", "B: 2\r\n\r\nbody\r\n")]
    [InlineData("X-Tag\r\nB: 2\r\n\r\nbody\r\n", "X-Tag\r\nB: 2\r\n\r\nbody\r\n")]
    [InlineData("X-Tag: only headers\r\n", "")]
    [InlineData("A: 1\r\nX-Tag: last\r\n", "A: 1\r\n")]
    [InlineData("\r\nX-Tag: no header block at all\r\n", "\r\nX-Tag: no header block at all\r\n")]
    public void Remove_TheFieldOnly(string input, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(HeaderFields.Remove(Encoding.UTF8.GetBytes(input), "X-Tag")));
    }

    [Fact]
    public void Remove_NoSuchField_SameArray()
    {
        var content = Encoding.UTF8.GetBytes("A: 1\r\n\r\nX-Tag: body\r\n");
        Assert.Same(content, HeaderFields.Remove(content, "X-Tag"));
    }
}
