using HyperCache.Frontends.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace HyperCache.Frontends.Http;

/// <summary>
/// Wires the HTTP side of a node: JSON (source-generated), OpenAPI, the middleware pipeline and the routes.
/// Pipeline: correlation id → request log → JSON errors → routing → HTTP metrics → API key → JSON bodies for
/// bare statuses → endpoints.
/// </summary>
public static class HttpApi
{
    public static void AddHttpApi(this IServiceCollection services)
    {
        services.Configure<JsonOptions>(o =>
        {
            HttpJson.Configure(o.SerializerOptions);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, HttpJson.Default);
        });
        services.AddOpenApi();
    }

    /// <param name="registry">The node's metrics registry (the node itself may still be recovering).</param>
    public static void UseHttpApi(this WebApplication app, Prometheus.CollectorRegistry registry)
    {
        app.UseMiddleware<CorrelationId>();
        app.UseMiddleware<RequestLogging>();
        app.UseMiddleware<ErrorHandling>();
        app.UseRouting();
        app.UseHttpMetrics(o => o.SetMetricFactory(Prometheus.Metrics.WithCustomRegistry(registry)));
        app.UseMiddleware<ApiKeyAuth>();
        app.UseStatusCodePages(ErrorHandling.WriteBareStatusAsync);

        NodeEndpoints.Map(app);
        CacheEndpoints.Map(app);
        BatchEndpoints.Map(app);
        app.MapMetrics("/metrics", registry);
        app.MapOpenApi("/openapi/{documentName}.json");
    }
}
