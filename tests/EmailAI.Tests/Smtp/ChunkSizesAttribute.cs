using System.Reflection;
using Xunit.Sdk;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// Theory data: the sizes in which the client's bytes reach the session (0 = everything in one read).
/// With <c>variants</c>, every variant is combined with every size and passed first.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChunkSizesAttribute : DataAttribute
{
    public static readonly IReadOnlyList<int> All = [0, 1, 2, 3, 7, 64, 512];

    private readonly object[] _variants;

    public ChunkSizesAttribute(params object[] variants)
    {
        _variants = variants;
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        if (_variants.Length == 0)
        {
            return All.Select(size => new object[] { size });
        }

        return _variants.SelectMany(variant => All.Select(size => new object[] { variant, size }));
    }
}
