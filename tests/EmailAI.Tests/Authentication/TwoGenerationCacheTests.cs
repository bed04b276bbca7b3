using CsCheck;
using EmailAI.Grains.Authentication;

namespace EmailAI.Tests.Authentication;

public sealed class TwoGenerationCacheTests
{
    [Fact]
    public void GetOrAdd_KnownKey_NotMadeAgain()
    {
        var cache = new TwoGenerationCache<string, int>(4);
        var made = 0;

        cache.GetOrAdd("a", _ => ++made);
        var again = cache.GetOrAdd("a", _ => ++made);

        Assert.Equal((1, 1), (again, made));
    }

    [Fact]
    public void GetOrAdd_FloodOfOneOffKeys_KeyUsedEveryGenerationSurvives()
    {
        var cache = new TwoGenerationCache<string, string>(10);
        var made = new List<string>();
        string Make(string key)
        {
            made.Add(key);
            return key;
        }

        cache.GetOrAdd("busy", Make);
        for (var i = 0; i < 1000; i++)
        {
            cache.GetOrAdd("one-off-" + i, Make);
            if (i % 4 == 0)
            {
                cache.GetOrAdd("busy", Make); // used at least once in every generation of 5
            }
        }

        Assert.Single(made, k => k == "busy");
        Assert.True(cache.Count <= 10);
    }

    [Fact]
    public void GetOrAdd_KeyUnusedForTwoGenerations_IsForgotten()
    {
        var cache = new TwoGenerationCache<int, int>(4);
        var made = 0;
        cache.GetOrAdd(0, _ => ++made);

        for (var i = 1; i <= 4; i++)
        {
            cache.GetOrAdd(i, k => k);
        }

        cache.GetOrAdd(0, _ => ++made);
        Assert.Equal(2, made);
    }

    [Fact]
    public void GetOrAdd_AnySequence_NeverHoldsMoreThanTheCapacityAndAlwaysAnswersTheMadeValue()
    {
        Gen.Select(Gen.Int[2, 12], Gen.Int[0, 30].Array[0, 200]).Sample((capacity, keys) =>
        {
            var cache = new TwoGenerationCache<int, int>(capacity);
            foreach (var key in keys)
            {
                if (cache.GetOrAdd(key, k => k * 7) != key * 7 || cache.Count > capacity)
                {
                    return false;
                }
            }

            // The key asked last is always kept.
            return keys.Length == 0 || cache.GetOrAdd(keys[^1], _ => -1) == keys[^1] * 7;
        });
    }
}
