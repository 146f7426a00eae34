using System.Globalization;
using System.Text.RegularExpressions;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>One sample of a scrape: metric name, labels, value.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Is(string name, params (string Label, string Value)[] labels)
        => Name == name && labels.All(l => Labels.TryGetValue(l.Label, out var v) && v == l.Value);
}

/// <summary>
/// A strict parser of the Prometheus text exposition format (0.0.4): <c># HELP</c> and <c># TYPE</c> lines, then
/// <c>name{label="value",...} number</c>. Anything it cannot parse fails the test with the offending line.
/// </summary>
public sealed partial class PrometheusText
{
    public List<Sample> Samples { get; } = [];

    /// <summary>Metric family name → type (counter, gauge, histogram, summary, untyped).</summary>
    public Dictionary<string, string> Types { get; } = [];

    public Dictionary<string, string> Help { get; } = [];

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    public static partial Regex MetricName();

    [GeneratedRegex(@"^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                Assert.True(parts.Length == 2 && MetricName().IsMatch(parts[0]), $"bad TYPE line: {line}");
                Assert.Contains(parts[1], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.False(result.Types.ContainsKey(parts[0]), $"second TYPE line for {parts[0]}");
                result.Types[parts[0]] = parts[1];
                continue;
            }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                int space = line.IndexOf(' ', 7);
                result.Help[space < 0 ? line[7..] : line[7..space]] = space < 0 ? "" : line[(space + 1)..];
                continue;
            }
            if (line.StartsWith('#')) continue;
            result.Samples.Add(ParseSample(line));
        }
        return result;
    }

    private static Sample ParseSample(string line)
    {
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        string name = line[..i];
        Assert.True(MetricName().IsMatch(name), $"bad metric name in: {line}");
        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int eq = line.IndexOf('=', i);
                string label = line[i..eq];
                Assert.True(LabelName().IsMatch(label), $"bad label name '{label}' in: {line}");
                Assert.True(line[eq + 1] == '"', $"label value not quoted in: {line}");
                var value = new System.Text.StringBuilder();
                int j = eq + 2;
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new Xunit.Sdk.XunitException($"bad escape in: {line}") });
                    }
                    else value.Append(line[j]);
                }
                labels[label] = value.ToString();
                i = j + 1;
                if (line[i] == ',') i++;
            }
            i++;
        }
        var rest = line[i..].Trim().Split(' ');
        Assert.True(rest.Length is 1 or 2, $"bad sample line: {line}");
        double number = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, number);
    }

    /// <summary>The one sample with this name and these labels (fails when absent or ambiguous).</summary>
    public double Value(string name, params (string Label, string Value)[] labels)
    {
        var matches = Samples.Where(s => s.Is(name, labels)).ToList();
        Assert.True(matches.Count == 1, $"{matches.Count} samples of {name}{{{string.Join(",", labels.Select(l => $"{l.Label}=\"{l.Value}\""))}}}");
        return matches[0].Value;
    }

    /// <summary>Like <see cref="Value"/>, but 0 for a series not yet published (one that appears on first use).</summary>
    public double ValueOrZero(string name, params (string Label, string Value)[] labels)
        => Samples.Where(s => s.Is(name, labels)).Select(s => s.Value).DefaultIfEmpty(0).Single();

    /// <summary>The family a sample belongs to (histogram samples end in _bucket, _sum, _count).</summary>
    public string FamilyOf(string sampleName)
    {
        if (Types.ContainsKey(sampleName)) return sampleName;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && Types.ContainsKey(sampleName[..^suffix.Length]))
                return sampleName[..^suffix.Length];
        return sampleName;
    }
}
