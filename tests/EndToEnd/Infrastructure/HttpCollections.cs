namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>The HTTP API tests: a server of their own, so their stats and key counts are not disturbed.</summary>
[CollectionDefinition(Name)]
public sealed class HttpCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "http";
}

/// <summary>Metrics and dashboard-contract tests compare counters before and after their own traffic: nobody else
/// may talk to this server.</summary>
[CollectionDefinition(Name)]
public sealed class MetricsCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "metrics";
}
