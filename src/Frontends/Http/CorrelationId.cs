using Microsoft.AspNetCore.Http;
using Serilog.Context;

namespace HyperCache.Frontends.Http;

/// <summary>
/// Every request carries a correlation id: the caller's <c>X-Correlation-ID</c> when it is sensible (at most 128
/// visible ASCII characters), else a new one. It is echoed in the response and attached to every log event
/// written while the request runs (field <c>correlation_id</c>).
/// </summary>
public sealed class CorrelationId(RequestDelegate next)
{
    public const string Header = "X-Correlation-ID";
    public const string LogProperty = "correlation_id";

    public async Task InvokeAsync(HttpContext context)
    {
        string id = context.Request.Headers[Header].ToString();
        if (!IsAcceptable(id)) id = Guid.NewGuid().ToString("D");
        context.TraceIdentifier = id;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = id;
            return Task.CompletedTask;
        });
        using (LogContext.PushProperty(LogProperty, id))
            await next(context);
    }

    private static bool IsAcceptable(string id)
    {
        if (id.Length is 0 or > 128) return false;
        foreach (char c in id)
            if (c is < '!' or > '~') return false;
        return true;
    }
}
