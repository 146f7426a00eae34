using HyperCache.StateMachine;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Http;

/// <summary>
/// Turns every failure into a JSON error with a stable code: <see cref="ApiException"/>s from handlers, Kestrel's
/// body-size and bad-request errors, store errors (WRONGTYPE → 409, OOM → 507), a log that cannot be written (507),
/// and anything unexpected (500, logged). Bare statuses without a body (unknown route 404, wrong method 405) get one through <see cref="WriteBareStatusAsync"/>.
/// </summary>
public sealed class ErrorHandling(RequestDelegate next, ILogger<ErrorHandling> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (ApiException e)
        {
            await WriteAsync(context, e.Status, e.Code, e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteAsync(context, e.StatusCode, ErrorCodes.BodyTooLarge, "the request body is larger than http.max_body_bytes");
        }
        catch (BadHttpRequestException e)
        {
            await WriteAsync(context, e.StatusCode, ErrorCodes.BadRequest, e.Message);
        }
        catch (CommandError e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            await WriteAsync(context, StatusCodes.Status409Conflict, ErrorCodes.WrongType, e.Message);
        }
        catch (CommandError e) when (e.Message.StartsWith("OOM", StringComparison.Ordinal))
        {
            await WriteAsync(context, StatusCodes.Status507InsufficientStorage, ErrorCodes.OutOfMemory, e.Message);
        }
        catch (CommandError e) when (e.Message.StartsWith(CommandError.InternalErrorPrefix, StringComparison.Ordinal))
        {
            // A logged write that could not be applied (Store.ApplyFaults): the node's fault, not the request's.
            await WriteAsync(context, StatusCodes.Status500InternalServerError, ErrorCodes.Internal, e.Message);
        }
        catch (CommandError e)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.CommandFailed, e.Message);
        }
        catch (HyperCache.Log.LogWriteException e)
        {
            // The AOF cannot be written (a full disk): nothing of this write was applied.
            await WriteAsync(context, StatusCodes.Status507InsufficientStorage, ErrorCodes.LogWriteFailed, e.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the client went away: nobody to answer
        }
        catch (Exception e)
        {
            logger.LogError(e, "HTTP {method} {path} failed", context.Request.Method, context.Request.Path.Value);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "internal error; see the node's log");
        }
    }

    /// <summary>For UseStatusCodePages: a JSON body for a status that was set without one.</summary>
    public static Task WriteBareStatusAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        int code = context.Response.StatusCode;
        string message = code switch
        {
            StatusCodes.Status404NotFound => $"no route for {context.Request.Path.Value}",
            StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path.Value}",
            _ => ReasonPhrases.GetReasonPhrase(code),
        };
        return WriteAsync(context, code, ErrorCodes.ForStatus(code), message);
    }

    public static Task WriteAsync(HttpContext context, int status, string code, string message)
    {
        if (context.Response.HasStarted) return Task.CompletedTask; // too late to change the status
        context.Response.Clear();
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(code, message), HttpJson.Api.ApiError);
    }
}
