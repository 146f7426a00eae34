namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>Lists and blocking pops: their own server, so INFO blocked_clients counts only these tests' clients.</summary>
[CollectionDefinition(Name)]
public sealed class ListsCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "lists";
}
