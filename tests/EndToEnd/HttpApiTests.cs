using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// The HTTP API on the node's HTTP port (--http-port): every route, the same keys seen over RESP and HTTP both
/// ways, TTLs, batches, and the JSON errors with their statuses. HyperCache only (Redis has no HTTP API).
/// </summary>
[Collection(HttpCollection.Name)]
public sealed class HttpApiTests : E2ETest
{
    private readonly HttpApi _api;

    public HttpApiTests(NodeFixture node) : base(node) => _api = new HttpApi(node.HttpPort);

    private static string Path(string key) => "/api/cache/" + Uri.EscapeDataString(key);

    [HyperCacheFact]
    public void Health_says_healthy_and_names_the_node()
    {
        var reply = _api.Get("/health");
        reply.AssertOk();
        Assert.True(reply.Json.GetProperty("healthy").GetBoolean());
        Assert.Equal("e2e", reply.Str("node"));
    }

    [HyperCacheFact]
    public void Ready_once_the_log_is_recovered()
    {
        var reply = _api.Get("/ready");
        reply.AssertOk();
        Assert.True(reply.Json.GetProperty("ready").GetBoolean());
        Assert.Equal("e2e", reply.Str("node"));
    }

    [HyperCacheFact]
    public void Put_with_ttl_hours_then_get_over_http_and_resp()
    {
        var key = K("hours");
        var put = _api.Put(Path(key), """{"value": "test value", "ttl_hours": 1}""");
        put.AssertOk();
        Assert.True(put.Json.GetProperty("stored").GetBoolean());

        var get = _api.Get(Path(key));
        get.AssertOk();
        Assert.Equal(key, get.Str("key"));
        Assert.Equal("test value", get.Str("value"));
        Assert.Equal("e2e", get.Str("node"));
        Assert.InRange(get.Json.GetProperty("ttl_seconds").GetInt64(), 3590, 3600);

        Assert.Equal("test value", (string?)Node.Db().StringGet(key));
        Assert.InRange(Node.Db().KeyTimeToLive(key)!.Value.TotalSeconds, 3590, 3600);
    }

    [HyperCacheFact]
    public void Fractional_ttl_hours_and_ttl_seconds()
    {
        var half = K("half");
        _api.Put(Path(half), """{"value": "v", "ttl_hours": 0.5}""").AssertOk();
        Assert.InRange(Node.Db().KeyTimeToLive(half)!.Value.TotalSeconds, 1790, 1800);

        var seconds = K("seconds");
        _api.Put(Path(seconds), """{"value": "v", "ttl_seconds": 90}""").AssertOk();
        Assert.InRange(Node.Db().KeyTimeToLive(seconds)!.Value.TotalSeconds, 85, 90);
    }

    [HyperCacheFact]
    public void A_key_with_a_short_ttl_expires()
    {
        var key = K("short");
        _api.Put(Path(key), """{"value": "soon gone", "ttl_seconds": 0.2}""").AssertOk();
        Eventually.True(() => _api.Get(Path(key)).Status == HttpStatusCode.NotFound, "the key expired over HTTP");
        Assert.False(Node.Db().KeyExists(key));
    }

    [HyperCacheFact]
    public void No_ttl_means_no_expiry()
    {
        var key = K("forever");
        var put = _api.Put(Path(key), """{"value": "kept"}""");
        put.AssertOk();
        Assert.False(put.Has("ttl_seconds"));
        var get = _api.Get(Path(key));
        Assert.False(get.Has("ttl_seconds"), get.Body);
        Assert.Equal(":-1\r\n", Cmd("TTL", key));
    }

    [HyperCacheFact]
    public void A_string_set_over_resp_reads_back_as_the_same_utf8_string()
    {
        var key = K("resp");
        const string value = "héllo wörld ✓ 日本 \"quoted\" <tag> \\ \u0001";
        Node.Db().StringSet(key, value);
        var get = _api.Get(Path(key));
        get.AssertOk();
        Assert.Equal(value, get.Str("value"));
        Assert.False(get.Has("encoding"));
    }

    [HyperCacheFact]
    public void A_string_put_over_http_reads_back_over_resp()
    {
        var key = K("http");
        const string value = "Ünïcode ✓ and \"quotes\"";
        _api.Put(Path(key), $$"""{"value": {{HttpApi.Q(value)}}}""").AssertOk();
        Assert.Equal(value, (string?)Node.Db().StringGet(key));
    }

    [HyperCacheFact]
    public void Json_values_that_are_not_strings_are_stored_as_their_json_text()
    {
        var cases = new[]
        {
            ("obj", """{"user_id":123,"roles":["admin"]}""", """{"user_id":123,"roles":["admin"]}"""),
            ("spaced", """{ "a" : [1, 2],  "é": "\u00e9" }""", """{"a":[1,2],"é":"é"}"""), // stored compact
            ("num", "42", "42"), ("float", "1.5e3", "1.5e3"), ("bool", "true", "true"), ("null", "null", "null"), ("arr", "[1,2,3]", "[1,2,3]"),
        };
        foreach (var (name, json, stored) in cases)
        {
            var key = K(name);
            _api.Put(Path(key), $$"""{"value": {{json}}}""").AssertOk();
            Assert.Equal(stored, (string?)Node.Db().StringGet(key));
            Assert.Equal(stored, _api.Get(Path(key)).Str("value"));
        }
    }

    [HyperCacheFact]
    public void Binary_values_round_trip_with_base64()
    {
        var key = K("binary");
        byte[] bytes = [0xFF, 0x00, 0x80, 0x0D, 0x0A, 0xC3];
        _api.Put(Path(key) + "?encoding=base64", $$"""{"value": "{{Convert.ToBase64String(bytes)}}"}""").AssertOk();
        Assert.Equal(bytes, (byte[]?)Node.Db().StringGet(key));

        var asBase64 = _api.Get(Path(key) + "?encoding=base64");
        Assert.Equal(Convert.ToBase64String(bytes), asBase64.Str("value"));
        Assert.Equal("base64", asBase64.Str("encoding"));

        // Without ?encoding, bytes that are not UTF-8 still come back intact, as base64, and say so.
        var plain = _api.Get(Path(key));
        Assert.Equal("base64", plain.Str("encoding"));
        Assert.Equal(bytes, Convert.FromBase64String(plain.Str("value")!));

        var fromResp = K("binary-resp");
        Node.Db().StringSet(fromResp, new byte[] { 0, 1, 2, 0xFE });
        Assert.Equal("AAEC/g==", _api.Get(Path(fromResp) + "?encoding=base64").Str("value"));
    }

    [HyperCacheFact]
    public void Keys_with_slashes_and_percent_encoded_bytes()
    {
        // Raw slashes, an encoded slash, a space, UTF-8 and a byte that is not UTF-8.
        _api.Put($"/api/cache/{Prefix}a/b/c", """{"value": "slashes"}""").AssertOk();
        Assert.Equal("slashes", (string?)Node.Db().StringGet(Prefix + "a/b/c"));
        Assert.Equal("slashes", _api.Get($"/api/cache/{Prefix}a%2Fb%2Fc").Str("value"));

        _api.Put($"/api/cache/{Prefix}with%20space%20%C3%A9", """{"value": "space"}""").AssertOk();
        Assert.Equal("space", (string?)Node.Db().StringGet(Prefix + "with space é"));

        _api.Put($"/api/cache/{Prefix}bin%FF%FE", """{"value": "raw bytes"}""").AssertOk();
        var binaryKey = Encoding.UTF8.GetBytes(Prefix + "bin").Concat(new byte[] { 0xFF, 0xFE }).ToArray();
        Assert.Equal("raw bytes", (string?)Node.Db().StringGet(binaryKey));

        // Routes match without regard to case, and so does the prefix the key is cut from.
        Assert.Equal("slashes", _api.Get($"/API/Cache/{Prefix}a/b/c").Str("value"));

        Node.Db().StringSet(Prefix + "x/y%z", "from resp");
        Assert.Equal("from resp", _api.Get($"/api/cache/{Prefix}x/y%25z").Str("value"));
    }

    [HyperCacheFact]
    public void Delete_an_existing_key_then_a_missing_one()
    {
        var key = K("del");
        Node.Db().StringSet(key, "v");
        var deleted = _api.Delete(Path(key));
        deleted.AssertOk();
        Assert.True(deleted.Json.GetProperty("deleted").GetBoolean());
        Assert.False(Node.Db().KeyExists(key));
        _api.Delete(Path(key)).AssertError(HttpStatusCode.NotFound, "key_not_found");
    }

    [HyperCacheFact]
    public void Get_of_a_missing_key_is_a_404_json_error()
    {
        _api.Get(Path(K("missing"))).AssertError(HttpStatusCode.NotFound, "key_not_found");
    }

    [HyperCacheFact]
    public void Batch_set_then_batch_get()
    {
        string a = K("ba"), b = K("bb"), c = K("bc"), missing = K("bmissing");
        var set = _api.Post("/api/cache/batch/set", $$$"""
            {"items": [
              {"key": {{{HttpApi.Q(a)}}}, "value": "one", "ttl_hours": 2},
              {"key": {{{HttpApi.Q(b)}}}, "value": {"n": 2}},
              {"key": {{{HttpApi.Q(c)}}}, "value": "three", "ttl_seconds": 100}
            ]}
            """);
        set.AssertOk();
        Assert.Equal(3, set.Json.GetProperty("stored").GetInt32());
        Assert.Equal(new[] { "one", """{"n":2}""", "three" }, Node.Db().StringGet([a, b, c]).Select(v => (string)v!).ToArray());
        Assert.InRange(Node.Db().KeyTimeToLive(a)!.Value.TotalSeconds, 7190, 7200);
        Assert.Null(Node.Db().KeyTimeToLive(b));

        var get = _api.Post("/api/cache/batch/get", $$"""{"keys": [{{HttpApi.Q(a)}}, {{HttpApi.Q(missing)}}, {{HttpApi.Q(c)}}]}""");
        get.AssertOk();
        var items = get.Json.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(3, items.Length);
        Assert.Equal(a, items[0].GetProperty("key").GetString());
        Assert.True(items[0].GetProperty("found").GetBoolean());
        Assert.Equal("one", items[0].GetProperty("value").GetString());
        Assert.InRange(items[0].GetProperty("ttl_seconds").GetInt64(), 7190, 7200);
        Assert.False(items[1].GetProperty("found").GetBoolean());
        Assert.False(items[1].TryGetProperty("value", out _));
        Assert.Equal("three", items[2].GetProperty("value").GetString());
    }

    [HyperCacheFact]
    public void A_batch_with_one_bad_item_writes_nothing()
    {
        string good = K("bgood");
        var reply = _api.Post("/api/cache/batch/set", $$"""
            {"items": [{"key": {{HttpApi.Q(good)}}, "value": "v"}, {"key": "", "value": "v"}]}
            """);
        reply.AssertError(HttpStatusCode.BadRequest, "bad_key");
        Assert.False(Node.Db().KeyExists(good));
    }

    [HyperCacheFact]
    public void Bad_input_gets_json_errors_with_the_right_status()
    {
        var key = Path(K("bad"));
        _api.Put(key, """{"value": "x" """).AssertError(HttpStatusCode.BadRequest, "bad_json");
        _api.Put(key, """not json""").AssertError(HttpStatusCode.BadRequest, "bad_json");
        _api.Put(key, """{"ttl_hours": 1}""").AssertError(HttpStatusCode.BadRequest, "bad_value");
        _api.Put(key, """{"value": "x", "ttl_hours": "1"}""").AssertError(HttpStatusCode.BadRequest, "bad_json");
        _api.Put(key, """{"value": "x", "ttl_hours": -1}""").AssertError(HttpStatusCode.BadRequest, "bad_ttl");
        _api.Put(key, """{"value": "x", "ttl_seconds": 0}""").AssertError(HttpStatusCode.BadRequest, "bad_ttl");
        _api.Put(key, """{"value": "x", "ttl_hours": 1, "ttl_seconds": 5}""").AssertError(HttpStatusCode.BadRequest, "bad_ttl");
        _api.Put(key + "?encoding=base64", """{"value": "not base64!"}""").AssertError(HttpStatusCode.BadRequest, "bad_value");
        _api.Put(key + "?encoding=rot13", """{"value": "x"}""").AssertError(HttpStatusCode.BadRequest, "bad_encoding");
        _api.Put("/api/cache/", """{"value": "x"}""").AssertError(HttpStatusCode.BadRequest, "bad_key");
        _api.Put(key, """{"value": "x"}""", "text/xml").AssertError(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        _api.Post("/api/cache/batch/get", """{"keys": ["a"]}""", "text/plain").AssertError(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        _api.Post(key, """{"value": "x"}""").AssertError(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        _api.Get("/no/such/route").AssertError(HttpStatusCode.NotFound, "not_found");
        Assert.False(Node.Db().KeyExists(K("bad")));
    }

    [HyperCacheFact]
    public void Curl_style_bodies_without_a_json_content_type_are_accepted()
    {
        // The seed README's examples use curl -d, which sends application/x-www-form-urlencoded.
        var key = K("curl");
        _api.Put(Path(key), """{"value":"hello cluster","ttl_hours":1}""", "application/x-www-form-urlencoded").AssertOk();
        _api.Put(Path(key + "2"), """{"value":"no type"}""", contentType: null!).AssertOk();
        Assert.Equal("hello cluster", (string?)Node.Db().StringGet(key));
        Assert.Equal("no type", (string?)Node.Db().StringGet(key + "2"));
    }

    [HyperCacheFact]
    public void A_value_over_http_max_value_bytes_is_a_413()
    {
        var key = K("big");
        var big = new string('x', 1024 * 1024 + 1); // default limit: 1 MB
        _api.Put(Path(key), $$"""{"value": "{{big}}"}""").AssertError(HttpStatusCode.RequestEntityTooLarge, "value_too_large");
        Assert.False(Node.Db().KeyExists(key));
        _api.Put(Path(key), $$"""{"value": "{{big[1..]}}"}""").AssertOk();
        Assert.Equal(1024 * 1024, Node.Db().StringLength(key));
    }

    [HyperCacheFact]
    public void A_body_over_http_max_body_bytes_is_refused_before_it_is_read()
    {
        // Announce 100 MB (the limit is 16 MB) and send none of it: the node answers at once.
        using var socket = new TcpClient("127.0.0.1", Node.HttpPort);
        var stream = socket.GetStream();
        stream.ReadTimeout = 10_000;
        var request = $"PUT /api/cache/{K("huge")} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n";
        stream.Write(Encoding.ASCII.GetBytes(request));
        var response = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while (!response.ToString().Contains("}") && (read = stream.Read(buffer)) > 0) response.Append(Encoding.UTF8.GetString(buffer, 0, read));
        var text = response.ToString();
        Assert.StartsWith("HTTP/1.1 413", text);
        Assert.Contains("\"error\":\"body_too_large\"", text);
    }

    [HyperCacheFact]
    public void Stats_count_keys_hits_misses_ops_and_the_log()
    {
        foreach (var path in new[] { "/stats", "/api/cache/stats" })
        {
            var key = K("stats");
            _api.Put(Path(key), """{"value": "v"}""").AssertOk();
            var before = _api.Get(path).Json;
            _api.Get(Path(key)).AssertOk();
            _api.Get(Path(K("nope")));
            Node.Db().StringGet(key);
            var after = _api.Get(path);
            after.AssertOk();
            var s = after.Json;
            Assert.Equal("e2e", s.GetProperty("node").GetString());
            Assert.Equal(before.GetProperty("hits").GetInt64() + 2, s.GetProperty("hits").GetInt64());
            Assert.Equal(before.GetProperty("misses").GetInt64() + 1, s.GetProperty("misses").GetInt64());
            Assert.InRange(s.GetProperty("hit_ratio").GetDouble(), 0, 1);
            Assert.True(s.GetProperty("keys").GetInt64() >= 1);
            Assert.Equal(s.GetProperty("keys").GetInt64(), s.GetProperty("keys_by_db").GetProperty("db0").GetInt64());
            Assert.True(s.GetProperty("memory").GetProperty("used_bytes").GetInt64() > 0);
            Assert.Equal(0, s.GetProperty("evictions").GetInt64());
            var ops = s.GetProperty("ops_by_command");
            Assert.True(ops.GetProperty("get").GetInt64() >= before.GetProperty("ops_by_command").GetProperty("get").GetInt64() + 3);
            Assert.True(ops.GetProperty("set").GetInt64() >= 1);
            var log = s.GetProperty("log");
            Assert.True(log.GetProperty("enabled").GetBoolean());
            Assert.Equal("always", log.GetProperty("durability").GetString());
            long begin = log.GetProperty("begin_address").GetInt64(), committed = log.GetProperty("committed_address").GetInt64(),
                tail = log.GetProperty("tail_address").GetInt64();
            Assert.True(begin <= committed && committed <= tail, after.Body);
            Assert.Equal(tail - begin, log.GetProperty("size_bytes").GetInt64());
            Assert.True(s.GetProperty("uptime_seconds").GetInt64() >= 0);
        }
    }

    [HyperCacheFact]
    public void Config_shows_the_effective_settings()
    {
        var reply = _api.Get("/api/config");
        reply.AssertOk();
        var settings = reply.Json.GetProperty("settings");
        Assert.Equal(Node.HttpPort.ToString(), settings.GetProperty("network.http_port").GetString());
        Assert.Equal(Node.Port.ToString(), settings.GetProperty("network.resp_port").GetString());
        Assert.Equal("always", settings.GetProperty("persistence.sync_policy").GetString());
        Assert.Equal("", settings.GetProperty("http.api_key").GetString()); // not set on this node
        Assert.Equal("1048576", settings.GetProperty("http.max_value_bytes").GetString());
    }

    [HyperCacheFact]
    public void The_correlation_id_is_echoed_or_generated_and_logged()
    {
        var given = "test-" + Guid.NewGuid().ToString("N");
        var echoed = _api.Get(Path(K("corr")), ("X-Correlation-ID", given));
        Assert.Equal(given, echoed.Header("X-Correlation-ID"));

        var generated = _api.Get(Path(K("corr")));
        Assert.True(Guid.TryParse(generated.Header("X-Correlation-ID"), out _), generated.Header("X-Correlation-ID"));

        var logFile = System.IO.Path.Combine(Node.LogDir, "e2e.log");
        JsonElement? line = null;
        Eventually.True(() => (line = LogLines.Read(logFile).Cast<JsonElement?>().FirstOrDefault(l => l is { } e && e.TryGetProperty("correlation_id", out var c) && c.GetString() == given && e.TryGetProperty("status_code", out _))) != null,
            "the request's log line carries its correlation id", TimeSpan.FromSeconds(10));
        var entry = line!.Value;
        Assert.Equal(404, entry.GetProperty("status_code").GetInt32());
        Assert.Equal("GET", entry.GetProperty("method").GetString());
        Assert.Equal("e2e", entry.GetProperty("node_id").GetString());
        Assert.Equal(JsonValueKind.Number, entry.GetProperty("duration_ms").ValueKind);
        Assert.True(entry.GetProperty("duration_ms").GetDouble() > 0);
    }

    [HyperCacheFact]
    public void The_openapi_document_lists_every_route()
    {
        var reply = _api.Get("/openapi/v1.json");
        reply.AssertOk();
        var paths = reply.Json.GetProperty("paths");
        var expected = new Dictionary<string, string[]>
        {
            ["/api/cache/{key}"] = ["get", "put", "delete"],
            ["/api/cache/batch/get"] = ["post"],
            ["/api/cache/batch/set"] = ["post"],
            ["/api/cache/stats"] = ["get"],
            ["/stats"] = ["get"],
            ["/health"] = ["get"],
            ["/ready"] = ["get"],
            ["/api/config"] = ["get"],
        };
        foreach (var (path, methods) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} missing from the OpenAPI document");
            foreach (var method in methods) Assert.True(item.TryGetProperty(method, out _), $"{method} {path} missing");
        }
        var put = paths.GetProperty("/api/cache/{key}").GetProperty("put");
        var schema = put.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.True(schema.GetProperty("properties").TryGetProperty("ttl_hours", out _), schema.ToString());
    }

    public override void Dispose()
    {
        _api.Dispose();
        base.Dispose();
    }
}

/// <summary>The node's JSON log lines (CLEF), skipping a line still being written.</summary>
public static class LogLines
{
    public static List<JsonElement> Read(string file)
    {
        var lines = new List<JsonElement>();
        if (!File.Exists(file)) return lines;
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            try
            {
                lines.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException)
            {
                // a partial last line
            }
        }
        return lines;
    }
}
