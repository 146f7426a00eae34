using Microsoft.AspNetCore.Builder;
using Microsoft.OpenApi;

namespace HyperCache.Frontends.Http;

/// <summary>
/// Documents a JSON request body in the OpenAPI document without <c>Accepts&lt;T&gt;</c>: that metadata also makes
/// routing refuse other content types itself (a bare 415), while <see cref="JsonBody"/> decides what is JSON
/// (curl's default <c>-d</c> type included) and answers with the API's JSON error.
/// </summary>
public static class OpenApiBody
{
    public static RouteHandlerBuilder JsonBodyOf<T>(this RouteHandlerBuilder route)
        => route.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });
}
