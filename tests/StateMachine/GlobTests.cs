using HyperCache.StateMachine.Keyspace;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

public class GlobTests
{
    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("h?llo", "hello", true)]
    [InlineData("h?llo", "hllo", false)]
    [InlineData("h*llo", "heeeello", true)]
    [InlineData("h[ae]llo", "hallo", true)]
    [InlineData("h[ae]llo", "hillo", false)]
    [InlineData("h[^e]llo", "hallo", true)]
    [InlineData("h[^e]llo", "hello", false)]
    [InlineData("h[a-b]llo", "hbllo", true)]
    [InlineData("h[a-b]llo", "hcllo", false)]
    [InlineData("h\\*llo", "h*llo", true)]
    [InlineData("h\\*llo", "hello", false)]
    [InlineData("user:*:name", "user:42:name", true)]
    [InlineData("", "", true)]
    [InlineData("a*", "", false)]
    [InlineData("a*", "a", true)]
    [InlineData("*a", "", false)]
    [InlineData("**", "", true)]
    [InlineData("h[b-a]llo", "hallo", true)]      // a range either way round
    [InlineData("h[\\]]llo", "h]llo", true)]    // an escaped ] inside a class
    [InlineData("h[ab", "ha", true)]              // an unclosed class ends with the pattern
    [InlineData("h[ab", "hab", false)]
    [InlineData("h[]llo", "hallo", false)]        // an empty class matches nothing
    [InlineData("h[^]llo", "hallo", true)]
    [InlineData("a\\", "a\\", true)]           // a trailing backslash is itself
    [InlineData("*b*b", "abab", true)]
    [InlineData("*b*b", "abba", false)]
    [InlineData("a*?c", "abc", true)]
    [InlineData("a*?c", "ac", false)]
    public void Matches_like_redis(string pattern, string text, bool expected)
        => Assert.Equal(expected, Glob.Match(Of(pattern), Of(text)));

    /// <summary>Redis's own regression (CVE-2022-36021): many stars that can never match against a long text. A
    /// backtracking matcher never finishes; this one takes stars × text steps. Run on a worker with a deadline, so a
    /// regression fails here rather than hanging the suite.</summary>
    [Fact]
    public async Task A_pattern_of_many_stars_is_answered_at_once()
    {
        var text = Of(new string('a', 150));
        var hopeless = Of(string.Concat(Enumerable.Repeat("a*", 40)) + "b");
        var matching = Of(string.Concat(Enumerable.Repeat("a*", 100)));
        var answer = Task.Run(() => (Glob.Match(hopeless, text), Glob.Match(matching, Of(new string('a', 200))), Glob.Match(matching, Of(new string('a', 99)))));
        var finished = await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == answer, "the match did not finish");
        // 100 "a*" match 200 a's (a recursion limit once said no); 99 a's are too few.
        Assert.Equal((false, true, false), await answer);
    }

    /// <summary>Against the plain recursive definition (exponential, so only on short inputs): random patterns over
    /// a small alphabet with every kind of element, random texts.</summary>
    [Fact]
    public void Agrees_with_the_recursive_definition()
    {
        var random = new Random(20261127);
        byte[] alphabet = "ab*?[]^-\\"u8.ToArray();
        for (int round = 0; round < 200_000; round++)
        {
            var pattern = new byte[random.Next(0, 9)];
            for (int i = 0; i < pattern.Length; i++) pattern[i] = alphabet[random.Next(alphabet.Length)];
            var text = new byte[random.Next(0, 8)];
            for (int i = 0; i < text.Length; i++) text[i] = (byte)"ab]-*"[random.Next(5)];
            Assert.True(Reference(pattern, text) == Glob.Match(pattern, text),
                $"pattern '{System.Text.Encoding.ASCII.GetString(pattern)}' text '{System.Text.Encoding.ASCII.GetString(text)}'");
        }
    }

    /// <summary>Redis's stringmatchlen without its shortcuts: a star tries every split.</summary>
    private static bool Reference(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        if (pattern.IsEmpty) return text.IsEmpty;
        if (pattern[0] == '*')
        {
            for (int i = 0; i <= text.Length; i++)
                if (Reference(pattern[1..], text[i..])) return true;
            return false;
        }
        if (text.IsEmpty) return false;
        int width;
        bool matched;
        switch (pattern[0])
        {
            case (byte)'?':
                (width, matched) = (1, true);
                break;
            case (byte)'\\' when pattern.Length >= 2:
                (width, matched) = (2, pattern[1] == text[0]);
                break;
            case (byte)'[':
            {
                int i = 1;
                bool negate = i < pattern.Length && pattern[i] == '^', hit = false;
                if (negate) i++;
                for (; i < pattern.Length && pattern[i] != ']'; i++)
                {
                    if (pattern[i] == '\\' && i + 1 < pattern.Length) hit |= pattern[++i] == text[0];
                    else if (i + 2 < pattern.Length && pattern[i + 1] == '-')
                    {
                        int lo = Math.Min(pattern[i], pattern[i + 2]), hi = Math.Max(pattern[i], pattern[i + 2]);
                        hit |= text[0] >= lo && text[0] <= hi;
                        i += 2;
                    }
                    else hit |= pattern[i] == text[0];
                }
                (width, matched) = (Math.Min(i + 1, pattern.Length), hit != negate);
                break;
            }
            default:
                (width, matched) = (1, pattern[0] == text[0]);
                break;
        }
        return matched && Reference(pattern[width..], text[1..]);
    }

    [Fact]
    public void Hash_tags_put_related_keys_in_one_slot()
    {
        Assert.Equal(Slots.Of(Of("{user1000}.following")), Slots.Of(Of("{user1000}.followers")));
        Assert.Equal(12182, Slots.Of(Of("foo"))); // CLUSTER KEYSLOT foo in Redis
        Assert.Equal(Slots.Of(Of("{}x")), Slots.Crc16(Of("{}x")) & 16383); // empty tag: whole key
    }
}
