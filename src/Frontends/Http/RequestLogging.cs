using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Http;

/// <summary>
/// One log event per HTTP request: method, path, status and duration in fractional milliseconds (fields
/// <c>method</c>, <c>path</c>, <c>status_code</c>, <c>duration_ms</c>). Server errors log as Error; probes and
/// scrapes (/health, /ready, /metrics) only at Debug, so a 5 s scrape interval does not flood the log.
/// </summary>
public sealed class RequestLogging(RequestDelegate next, ILogger<RequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            int status = context.Response.StatusCode;
            var path = context.Request.Path;
            var level = status >= 500 ? LogLevel.Error
                : path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health") || path.StartsWithSegments("/ready")
                    ? LogLevel.Debug
                    : LogLevel.Information;
            if (logger.IsEnabled(level))
                logger.Log(level, "HTTP {method} {path} responded {status_code} in {duration_ms:0.000} ms",
                    context.Request.Method, path.Value, status, Math.Round(ms, 3));
        }
    }
}
