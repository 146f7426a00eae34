namespace HyperCache.EndToEnd.Tests.Infrastructure;

// Each collection gets its own server process (xunit creates one NodeFixture per collection).
// Tests inside a collection run one after another; collections may run in parallel.

[CollectionDefinition(Name)]
public sealed class StringsCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "strings";
}

[CollectionDefinition(Name)]
public sealed class KeysCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "keys";
}

/// <summary>FLUSHDB/FLUSHALL/SWAPDB/SELECT tests wipe or swap whole databases: they get a server of their own.</summary>
[CollectionDefinition(Name)]
public sealed class DatabasesCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "databases";
}

/// <summary>Tests that change server-wide settings for a while (encoding thresholds, maxmemory 1) and compare
/// with redis-server: a server of their own, so no other test runs under those settings.</summary>
[CollectionDefinition(Name)]
public sealed class ServerSettingsCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "server-settings";
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "server";
}

/// <summary>Malformed input may kill a broken server: keep it away from the other collections.</summary>
[CollectionDefinition(Name)]
public sealed class ProtocolCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "protocol";
}

/// <summary>PUBSUB CHANNELS/NUMPAT see the whole server: pub/sub tests get one of their own.</summary>
[CollectionDefinition(Name)]
public sealed class PubSubCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "pubsub";
}

/// <summary>A server started with a password (requirepass), on both targets.</summary>
[CollectionDefinition(Name)]
public sealed class AuthCollection : ICollectionFixture<PasswordNodeFixture>
{
    public const string Name = "auth";
}

public sealed class PasswordNodeFixture : NodeFixture
{
    public const string Secret = "e2e-s3cret pass";
    public override string? Password => Secret;
}

/// <summary>A server on the epoll RESP transport (whatever the default transport is).</summary>
[CollectionDefinition(Name)]
public sealed class EpollCollection : ICollectionFixture<EpollNodeFixture>
{
    public const string Name = "epoll";
}

public sealed class EpollNodeFixture : NodeFixture
{
    protected override IEnumerable<string> ExtraServeArgs => ["--resp-transport", "epoll"];
}

/// <summary>A server on Kestrel's socket transport (whatever the default transport is).</summary>
[CollectionDefinition(Name)]
public sealed class SocketsCollection : ICollectionFixture<SocketsNodeFixture>
{
    public const string Name = "sockets";
}

public sealed class SocketsNodeFixture : NodeFixture
{
    protected override IEnumerable<string> ExtraServeArgs => ["--resp-transport", "sockets"];
}

/// <summary>ACL users change who may do what on the whole server: their tests get one of their own.</summary>
[CollectionDefinition(Name)]
public sealed class AclUsersCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "acl-users";
}
