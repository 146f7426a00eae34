using System.Net;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>HTTP behaviour that needs a node of its own: bearer-key authentication, and durability of HTTP writes
/// under appendfsync always across a SIGKILL.</summary>
public sealed class HttpNodeTests
{
    private const string ApiKey = "s3cret-key/with+symbols=";

    [HyperCacheFact]
    public void With_an_api_key_every_route_but_health_needs_the_bearer_key()
    {
        using var node = new NodeProcess(extraArgs: ["--http-api-key", ApiKey]);
        node.Start();
        using var anonymous = new HttpApi(node.HttpPort);
        using var wrong = new HttpApi(node.HttpPort, ApiKey + "x");
        using var shorter = new HttpApi(node.HttpPort, ApiKey[..^1]);
        using var authorized = new HttpApi(node.HttpPort, ApiKey);

        anonymous.Get("/health").AssertOk();
        foreach (var (method, path) in new[]
                 {
                     ("GET", "/api/cache/k"), ("PUT", "/api/cache/k"), ("DELETE", "/api/cache/k"), ("POST", "/api/cache/batch/get"),
                     ("POST", "/api/cache/batch/set"), ("GET", "/ready"), ("GET", "/stats"), ("GET", "/api/cache/stats"),
                     ("GET", "/api/config"), ("GET", "/metrics"), ("GET", "/openapi/v1.json"), ("GET", "/no/such/route"),
                 })
        {
            foreach (var client in new[] { anonymous, wrong, shorter })
            {
                var reply = client.Send(new HttpMethod(method), path, method is "PUT" or "POST" ? """{"value":"v","keys":[],"items":[]}""" : null, "application/json");
                reply.AssertError(HttpStatusCode.Unauthorized, "unauthorized");
                Assert.Equal("Bearer", reply.Header("WWW-Authenticate"));
            }
        }

        authorized.Put("/api/cache/k", """{"value":"secret value"}""").AssertOk();
        Assert.Equal("secret value", authorized.Get("/api/cache/k").Str("value"));
        authorized.Get("/metrics").AssertOk();
        authorized.Get("/ready").AssertOk();
        var config = authorized.Get("/api/config");
        config.AssertOk();
        Assert.Equal("***", config.Json.GetProperty("settings").GetProperty("http.api_key").GetString());
        Assert.DoesNotContain(ApiKey, config.Body);

        // The scheme is case-insensitive, as RFC 7235 says.
        var lower = anonymous.Get("/api/cache/k", ("Authorization", "bearer " + ApiKey));
        lower.AssertOk();
    }

    [HyperCacheFact]
    public void Http_writes_acknowledged_under_appendfsync_always_survive_a_sigkill()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        using (var api = new HttpApi(node.HttpPort))
        {
            for (int i = 0; i < 50; i++) api.Put($"/api/cache/durable:{i}", $$"""{"value":"v{{i}}","ttl_hours":1}""").AssertOk();
            api.Post("/api/cache/batch/set", """{"items":[{"key":"batch:a","value":"A"},{"key":"batch:b","value":{"x":1}}]}""").AssertOk();
            api.Delete("/api/cache/durable:0").AssertOk();
        }
        node.Kill9();
        node.Start();
        using var after = new HttpApi(node.HttpPort);
        after.Get("/api/cache/durable:0").AssertError(HttpStatusCode.NotFound, "key_not_found");
        for (int i = 1; i < 50; i++)
        {
            var reply = after.Get($"/api/cache/durable:{i}");
            reply.AssertOk();
            Assert.Equal($"v{i}", reply.Str("value"));
            Assert.InRange(reply.Json.GetProperty("ttl_seconds").GetInt64(), 3000, 3600);
        }
        Assert.Equal("A", after.Get("/api/cache/batch:a").Str("value"));
        Assert.Equal("""{"x":1}""", after.Get("/api/cache/batch:b").Str("value"));
        var ready = after.Get("/ready");
        ready.AssertOk();
        Assert.True(ready.Json.GetProperty("recovered_entries").GetInt64() >= 53, ready.Body);
    }
}
