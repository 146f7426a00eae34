namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>Hash and set tests (HashTests, SetTests) share one server.</summary>
[CollectionDefinition(Name)]
public sealed class HashesSetsCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "hashes-sets";
}
