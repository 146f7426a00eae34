using HyperCache.Frontends.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace HyperCache.Frontends.Logging;

/// <summary>
/// The node's Serilog logger: compact JSON (CLEF, message rendered) to <c>&lt;log_dir&gt;/&lt;node-id&gt;.log</c> for
/// Filebeat, rolling over by size and keeping <c>logging.max_files</c> files, plus a human console. Every event
/// carries <c>node_id</c> and <c>level</c> (CLEF omits <c>@l</c> for Information, which makes level queries awkward).
/// </summary>
public static class NodeLogging
{
    public const string ConsoleTemplate = "{Timestamp:HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public static Logger Create(NodeConfig config)
    {
        var level = ParseLevel(config.LogLevel);
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            // Kestrel and hosting chatter: warnings and up only (our own request log covers requests).
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("System", LogEventLevel.Warning)
            // gRPC's own: a replica that moves to another primary resets its ack stream, which Grpc.AspNetCore logs at
            // Information with a stack trace; the replication code logs the link's state itself.
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("node_id", config.NodeId)
            .Enrich.With<LevelEnricher>();
        if (config.LogToFile)
        {
            logger.WriteTo.File(new RenderedCompactJsonFormatter(), FilePath(config),
                fileSizeLimitBytes: config.LogMaxFileSize, rollOnFileSizeLimit: true, retainedFileCountLimit: config.LogMaxFiles,
                buffered: true, flushToDiskInterval: TimeSpan.FromSeconds(1));
        }
        if (config.LogToConsole) logger.WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        return logger.CreateLogger();
    }

    public static string FilePath(NodeConfig config) => Path.Combine(config.LogDir, config.NodeId + ".log");

    /// <summary>The seed's names (debug, info, warn, error, fatal) and Redis's (verbose, notice, warning).</summary>
    public static LogEventLevel ParseLevel(string name) => name.Trim().ToLowerInvariant() switch
    {
        "trace" or "verbose" => LogEventLevel.Verbose,
        "debug" => LogEventLevel.Debug,
        "info" or "information" or "notice" => LogEventLevel.Information,
        "warn" or "warning" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        "fatal" or "critical" => LogEventLevel.Fatal,
        _ => throw new ArgumentException($"unknown log level '{name}' (debug, info, warn, error, fatal)"),
    };
}

/// <summary>Adds <c>level</c> (Information, Warning, ...) to every event, from six cached properties.</summary>
public sealed class LevelEnricher : ILogEventEnricher
{
    private static readonly LogEventProperty[] Levels =
        Enum.GetValues<LogEventLevel>().Select(l => new LogEventProperty("level", new ScalarValue(l.ToString()))).ToArray();

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) => logEvent.AddPropertyIfAbsent(Levels[(int)logEvent.Level]);
}
