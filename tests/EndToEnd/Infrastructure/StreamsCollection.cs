namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>Streams and XREAD BLOCK: their own server, so INFO blocked_clients counts only these tests' clients.</summary>
[CollectionDefinition(Name)]
public sealed class StreamsCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "streams";
}
