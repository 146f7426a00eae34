using System.Diagnostics;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>AUTH and HELLO AUTH against a server started with a password (requirepass).</summary>
[Collection(AuthCollection.Name)]
public sealed class AuthTests(PasswordNodeFixture node) : E2ETest(node)
{
    private const string NoAuth = "-NOAUTH Authentication required.\r\n";
    private const string WrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
    private const string Secret = PasswordNodeFixture.Secret;

    [Fact]
    public void Commands_before_auth_are_refused_with_noauth()
    {
        Expect(NoAuth, "GET", K());
        Expect(NoAuth, "SET", K(), "v");
        Expect(NoAuth, "PING");
        Expect(NoAuth, "CLIENT", "ID");
        Expect(NoAuth, "MULTI");
        // Unknown commands and wrong arity are still reported first, as Redis does.
        Expect(Resp.Err("ERR unknown command 'NOSUCH', with args beginning with: "), "NOSUCH");
        Expect(Resp.WrongArity("get"), "GET");
    }

    [Fact]
    public void Wrong_passwords_and_users_are_wrongpass()
    {
        Expect(WrongPass, "AUTH", "wrong");
        Expect(WrongPass, "AUTH", "default", "wrong");
        Expect(WrongPass, "AUTH", "someone", Secret);
        Expect(WrongPass, "AUTH", "");
        Expect(Resp.SyntaxError, "AUTH", "a", "b", "c");
        Expect(Resp.WrongArity("auth"), "AUTH");
        Expect(NoAuth, "GET", K());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_right_password_authenticates(bool withUser)
    {
        Expect(Resp.Ok, withUser ? ["AUTH", "default", Secret] : ["AUTH", Secret]);
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Bulk("v"), "GET", K());
        // A later wrong AUTH does not log the client out.
        Expect(WrongPass, "AUTH", "wrong");
        Expect(Resp.Bulk("v"), "GET", K());
    }

    [Fact]
    public void Hello_needs_auth_or_carries_it()
    {
        Expect(Resp.Err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"),
            "HELLO", "3");
        Expect(WrongPass, "HELLO", "3", "AUTH", "default", "wrong");
        Expect(NoAuth, "GET", K());
        var reply = Cmd("HELLO", "3", "AUTH", "default", Secret);
        Assert.StartsWith("%7\r\n", reply);
        Assert.Contains("$5\r\nproto\r\n:3\r\n", reply);
        Expect("_\r\n", "GET", K());
    }

    [Fact]
    public void Quit_is_allowed_before_auth()
    {
        Expect(Resp.Ok, "QUIT");
        Assert.Equal("", Raw.ReadUntilClosed());
    }

    [Fact]
    public void Reset_logs_the_client_out()
    {
        Expect(Resp.Ok, "AUTH", Secret);
        Expect(Resp.Simple("RESET"), "RESET");
        Expect(NoAuth, "GET", K());
    }

    [Fact]
    public void Config_set_requirepass_applies_to_new_connections()
    {
        Expect(Resp.Ok, "AUTH", Secret);
        try
        {
            Expect(Resp.Ok, "CONFIG", "SET", "requirepass", "changed");
            Expect(Resp.Array(Resp.Bulk("requirepass"), Resp.Bulk("changed")), "CONFIG", "GET", "requirepass");
            // This connection stays in.
            Expect(Resp.Nil, "GET", K());
            using var fresh = Node.Raw();
            Assert.Equal(WrongPass, fresh.Command("AUTH", Secret));
            Assert.Equal(Resp.Ok, fresh.Command("AUTH", "changed"));
        }
        finally
        {
            Expect(Resp.Ok, "CONFIG", "SET", "requirepass", Secret);
        }
    }

    [Fact]
    public void Stack_exchange_redis_connects_with_the_password()
    {
        var db = Node.Db();
        db.StringSet(K("se"), "v");
        Assert.Equal("v", (string?)db.StringGet(K("se")));
    }
}

/// <summary>AUTH where no password is set, and the refusal to start exposed without one.</summary>
[Collection(ServerCollection.Name)]
public sealed class AuthWithoutPasswordTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Auth_without_a_configured_password_is_an_error_but_the_default_user_accepts_any()
    {
        Expect(Resp.Err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"), "AUTH", "x");
        Expect(Resp.Ok, "AUTH", "default", "anything");
        Expect("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "someone", "x");
    }

    [Fact]
    public async Task A_node_bound_to_a_non_loopback_address_without_a_password_refuses_to_start()
    {
        if (Node.IsRedis) return; // Redis starts and refuses remote clients instead
        var dll = Path.Combine(NodeFixture.FindRepoRoot(), "src", "Frontends", "bin",
#if DEBUG
            "Debug",
#else
            "Release",
#endif
            "net10.0", "hypercache.dll");
        var data = Path.Combine(Path.GetTempPath(), "hc-protected-" + Guid.NewGuid().ToString("N")[..8]);
        // 192.0.2.1 is a documentation address: nothing is bound or sent even if the check were missing.
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "serve", "--bind", "192.0.2.1", "--resp-port", "0", "--http-port", "0", "--data-dir", data }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(deadline.Token);
        var text = await output + await errors;
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("protected mode", text);
        Assert.Contains("192.0.2.1", text);
        Assert.Contains("requirepass", text);
        Assert.Contains("--protected-mode no", text);
        Assert.False(Directory.Exists(Path.Combine(data, "aof")), "nothing should have been opened");
    }
}
