using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>A reply of the HTTP API: status, headers, and the body as text and (when it is JSON) parsed.</summary>
public sealed record HttpReply(HttpStatusCode Status, string Body, HttpResponseMessage Response)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Str(string property) => Json.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public bool Has(string property) => Json.TryGetProperty(property, out _);

    public string? Header(string name) =>
        Response.Headers.TryGetValues(name, out var values) || Response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;

    /// <summary>Asserts a JSON error reply: the status, the stable code, and a non-empty message.</summary>
    public void AssertError(HttpStatusCode status, string code)
    {
        Assert.True(Status == status, $"expected {(int)status}, got {(int)Status}: {Body}");
        Assert.StartsWith("application/json", Response.Content.Headers.ContentType?.ToString() ?? "");
        Assert.Equal(code, Str("error"));
        Assert.False(string.IsNullOrEmpty(Str("message")), Body);
    }

    public void AssertOk()
    {
        Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {Body}");
    }
}

/// <summary>A small client for the node's HTTP port. Paths are sent exactly as written (percent-escapes kept).</summary>
public sealed class HttpApi : IDisposable
{
    private readonly HttpClient _http;

    public HttpApi(int port, string? apiKey = null)
    {
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey != null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public HttpClient Client => _http;

    public HttpReply Get(string path, params (string Name, string Value)[] headers) => Send(HttpMethod.Get, path, null, null, headers);

    public HttpReply Delete(string path) => Send(HttpMethod.Delete, path, null, null);

    public HttpReply Put(string path, string json, string contentType = "application/json") => Send(HttpMethod.Put, path, json, contentType);

    public HttpReply Post(string path, string json, string contentType = "application/json") => Send(HttpMethod.Post, path, json, contentType);

    public HttpReply Send(HttpMethod method, string path, string? body, string? contentType, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri(_http.BaseAddress!, new Uri(path, UriKind.Relative)));
        if (body != null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        }
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        var response = _http.Send(request);
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        return new HttpReply(response.StatusCode, text, response);
    }

    /// <summary>A JSON string literal.</summary>
    public static string Q(string s) => JsonSerializer.Serialize(s);

    public void Dispose() => _http.Dispose();
}
