using System.Text.Json;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// The Grafana dashboards (grafana/dashboards/*.json) may only name what a node really emits: every metric in a
/// PromQL query must appear in a real scrape, and every field in an Elasticsearch panel must appear in a real
/// log line. (tests/prometheus-check.sh goes further and runs the queries in a real Prometheus.)
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed partial class DashboardContractTests : E2ETest
{
    private const string PrometheusUid = "hypercache-prometheus";
    private const string ElasticsearchUid = "hypercache-logs";

    /// <summary>Series Prometheus itself adds to every target, not the node.</summary>
    private static readonly HashSet<string> PrometheusOwn = ["up", "scrape_duration_seconds", "scrape_samples_scraped"];

    /// <summary>Fields Filebeat writes from the log line's own: @timestamp is parsed from @t (filebeat.yml).</summary>
    private static readonly Dictionary<string, string> FilebeatFields = new() { ["@timestamp"] = "@t" };

    private readonly HttpApi _api;

    public DashboardContractTests(NodeFixture node) : base(node) => _api = new HttpApi(node.HttpPort);

    private static IEnumerable<(string Dashboard, JsonElement Panel)> Panels()
    {
        var files = Directory.GetFiles(Repo.File("grafana"), "*.json", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var root = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
            foreach (var panel in root.GetProperty("panels").EnumerateArray()) yield return (Path.GetFileName(file), panel);
        }
    }

    private static IEnumerable<(string Where, JsonElement Target)> Targets(string datasourceUid)
    {
        foreach (var (dashboard, panel) in Panels())
        {
            if (!panel.TryGetProperty("targets", out var targets)) continue;
            foreach (var target in targets.EnumerateArray())
            {
                var ds = target.TryGetProperty("datasource", out var d) ? d : panel.GetProperty("datasource");
                if (ds.GetProperty("uid").GetString() == datasourceUid)
                    yield return ($"{dashboard} / {panel.GetProperty("title").GetString()}", target);
            }
        }
    }

    [Fact]
    public void Every_panel_uses_a_provisioned_datasource()
    {
        var provisioned = File.ReadAllText(Repo.File("grafana", "provisioning", "datasources", "datasources.yml"));
        foreach (var uid in new[] { PrometheusUid, ElasticsearchUid }) Assert.Contains("uid: " + uid, provisioned);
        int panels = 0;
        foreach (var (dashboard, panel) in Panels())
        {
            panels++;
            var uid = panel.GetProperty("datasource").GetProperty("uid").GetString();
            Assert.True(uid is PrometheusUid or ElasticsearchUid, $"{dashboard} / {panel.GetProperty("title")}: datasource {uid} is not provisioned");
        }
        Assert.True(panels >= 20, $"only {panels} panels");
    }

    [HyperCacheFact]
    public void Every_metric_in_the_dashboards_appears_in_a_real_scrape()
    {
        GenerateTraffic();
        var scrape = PrometheusText.Parse(_api.Get("/metrics").Body);
        var emitted = scrape.Samples.Select(s => s.Name).ToHashSet();
        var used = new HashSet<string>();
        foreach (var (where, target) in Targets(PrometheusUid))
        {
            var expr = target.GetProperty("expr").GetString()!;
            var names = MetricNames(expr).ToList();
            Assert.True(names.Count > 0, $"{where}: no metric in {expr}");
            foreach (var name in names)
            {
                used.Add(name);
                Assert.True(emitted.Contains(name) || PrometheusOwn.Contains(name), $"{where}: {name} is not in the node's scrape ({expr})");
            }
        }
        Assert.True(used.Count >= 15, $"only {used.Count} metric names found: {string.Join(", ", used)}");
    }

    [HyperCacheFact]
    public void Every_log_field_in_the_elasticsearch_panels_appears_in_a_real_log_line()
    {
        GenerateTraffic();
        var needed = new Dictionary<string, string>(); // field -> where
        foreach (var (where, target) in Targets(ElasticsearchUid))
        {
            foreach (var field in QueryFields(target.GetProperty("query").GetString() ?? "")) needed[field] = where;
            foreach (var list in new[] { "metrics", "bucketAggs" })
            {
                foreach (var agg in target.GetProperty(list).EnumerateArray())
                    if (agg.TryGetProperty("field", out var f)) needed[f.GetString()!] = where;
            }
            if (target.TryGetProperty("timeField", out var time)) needed[time.GetString()!] = where;
        }
        // The datasource's own field settings.
        var datasources = File.ReadAllText(Repo.File("grafana", "provisioning", "datasources", "datasources.yml"));
        foreach (Match m in DatasourceField().Matches(datasources)) needed[m.Groups[2].Value.Trim('"')] = "datasources.yml " + m.Groups[1].Value;
        Assert.Contains("duration_ms", needed.Keys);

        var logFile = Path.Combine(Node.LogDir, "e2e.log");
        var seen = new HashSet<string>();
        try
        {
            Eventually.True(() =>
            {
                seen = LogLines.Read(logFile).SelectMany(l => l.EnumerateObject().Select(p => p.Name)).ToHashSet();
                return needed.Keys.All(f => seen.Contains(LogFieldOf(f)));
            }, "the log file has every field", TimeSpan.FromSeconds(10));
        }
        catch (Xunit.Sdk.XunitException)
        {
            // the assertions below name the missing field
        }
        foreach (var (field, where) in needed) Assert.True(seen.Contains(LogFieldOf(field)), $"{where}: field {field} is in no log line");
    }

    private static string LogFieldOf(string esField)
    {
        var field = esField.EndsWith(".keyword", StringComparison.Ordinal) ? esField[..^".keyword".Length] : esField;
        return FilebeatFields.GetValueOrDefault(field, field);
    }

    /// <summary>RESP and HTTP traffic touching every kind of series: commands ok and failed, hits, misses,
    /// expiring keys, log writes and commits, HTTP successes, client errors and an auth-free warning path.</summary>
    private void GenerateTraffic()
    {
        Cmd("SET", K("a"), "1", "EX", "1000");
        Cmd("GET", K("a"));
        Cmd("GET", K("missing"));
        Cmd("SET", K("t"), "text");
        Cmd("INCR", K("t"));
        _api.Put("/api/cache/" + K("h"), """{"value":"v","ttl_hours":1}""").AssertOk();
        _api.Get("/api/cache/" + K("h")).AssertOk();
        _api.Get("/api/cache/" + K("nope"));
    }

    /// <summary>Metric names in a PromQL expression: identifiers outside label matchers, ranges, strings and
    /// grouping clauses that are not functions, keywords or numbers.</summary>
    public static IEnumerable<string> MetricNames(string expr)
    {
        var text = Strings().Replace(expr, "\"\"");
        text = Braces().Replace(text, "");
        text = Ranges().Replace(text, "");
        text = Grouping().Replace(text, "");
        foreach (Match m in Identifier().Matches(text))
        {
            var name = m.Value;
            if (Keywords.Contains(name)) continue;
            if (Regex.IsMatch(text[(m.Index + m.Length)..], @"^\s*\(")) continue; // a function
            yield return name;
        }
    }

    private static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan", "Inf", "NaN"];

    /// <summary>Field names in a Lucene query: <c>field:value</c>, and <c>_exists_:field</c>.</summary>
    public static IEnumerable<string> QueryFields(string query)
    {
        foreach (Match m in LuceneField().Matches(query))
        {
            if (m.Groups[1].Value == "_exists_") yield return m.Groups[2].Value;
            else yield return m.Groups[1].Value;
        }
    }

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"(?<![\w.@])([@A-Za-z_][\w.@]*):\s*([@A-Za-z_][\w.@]*)?")]
    private static partial Regex LuceneField();

    [GeneratedRegex(@"^\s*(timeField|logMessageField|logLevelField):\s*(\S+)", RegexOptions.Multiline)]
    private static partial Regex DatasourceField();

    public override void Dispose()
    {
        _api.Dispose();
        base.Dispose();
    }
}
