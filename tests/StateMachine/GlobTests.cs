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
    public void Matches_like_redis(string pattern, string text, bool expected)
        => Assert.Equal(expected, Glob.Match(Of(pattern), Of(text)));

    [Fact]
    public void Hash_tags_put_related_keys_in_one_slot()
    {
        Assert.Equal(Slots.Of(Of("{user1000}.following")), Slots.Of(Of("{user1000}.followers")));
        Assert.Equal(12182, Slots.Of(Of("foo"))); // CLUSTER KEYSLOT foo in Redis
        Assert.Equal(Slots.Of(Of("{}x")), Slots.Crc16(Of("{}x")) & 16383); // empty tag: whole key
    }
}
