using Grpc.Core;
using HyperCache.Replication;

namespace HyperCache.Replication.Tests;

/// <summary>The primary's guard on the log stream: with a requirepass, a call must carry it (masterauth).</summary>
public class ReplicationAuthTests
{
    [Fact]
    public void Without_a_requirepass_every_call_is_admitted()
    {
        ReplicationAuth.Demand(new FakeContext(new Metadata()), "");
        Assert.Null(ReplicationAuth.Headers(""));
    }

    [Fact]
    public void With_a_requirepass_only_the_right_password_is_admitted()
    {
        var none = Assert.Throws<RpcException>(() => ReplicationAuth.Demand(new FakeContext(new Metadata()), "s3cret"));
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Equal("NOAUTH Authentication required.", none.Status.Detail);

        var wrong = Assert.Throws<RpcException>(() => ReplicationAuth.Demand(new FakeContext(ReplicationAuth.Headers("guess")!), "s3cret"));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Throws<RpcException>(() => ReplicationAuth.Demand(new FakeContext(ReplicationAuth.Headers("s3cret2")!), "s3cret"));

        ReplicationAuth.Demand(new FakeContext(ReplicationAuth.Headers("s3cret")!), "s3cret");
    }

    [Fact]
    public void With_acl_users_the_host_decides_from_the_user_and_password_the_call_carries()
    {
        var seen = new List<(string User, string? Password)>();
        bool Admits(string user, byte[]? password)
        {
            seen.Add((user, password is null ? null : System.Text.Encoding.UTF8.GetString(password)));
            return user == "repl" && password is not null && password.AsSpan().SequenceEqual("pw"u8);
        }
        ReplicationAuth.Demand(new FakeContext(ReplicationAuth.Headers("pw", "repl")!), Admits);
        Assert.Throws<RpcException>(() => ReplicationAuth.Demand(new FakeContext(ReplicationAuth.Headers("pw")!), Admits));
        Assert.Throws<RpcException>(() => ReplicationAuth.Demand(new FakeContext(new Metadata()), Admits));
        Assert.Equal([("repl", "pw"), ("", "pw"), ("", null)], seen);
        Assert.Null(ReplicationAuth.Headers("", "repl")); // no password, nothing to send
    }

    /// <summary>Just the request headers of a server call.</summary>
    private sealed class FakeContext(Metadata headers) : ServerCallContext
    {
        protected override string MethodCore => "/hypercache.replication.LogShipping/Subscribe";
        protected override string HostCore => "127.0.0.1";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore => headers;
        protected override CancellationToken CancellationTokenCore => CancellationToken.None;
        protected override Metadata ResponseTrailersCore { get; } = new();
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore => new(null, new Dictionary<string, List<AuthProperty>>());
        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();
        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
