using System.Globalization;
using System.Text;

namespace HyperCache.Bench.HitRatio;

/// <summary>
/// results.tsv as tables a person reads: workload × server/policy → hit ratio in %, then HyperCache's best
/// policy against the baseline in percentage points, then the keys each run held at the end (the capacity check).
/// </summary>
public static class ReportTable
{
    public static string Render(IReadOnlyList<ResultRow> rows, string baseline)
    {
        var sb = new StringBuilder();
        var workloads = rows.Select(r => r.Workload).Distinct().ToList();
        var columns = rows.Select(Column).Distinct().ToList();
        ResultRow? Find(string w, string c) => rows.LastOrDefault(r => r.Workload == w && Column(r) == c);

        Grid(sb, "hit ratio % (hits / requests, client-side)", workloads, columns, (w, c) => Cell(Find(w, c), r => r.HitRatio));
        if (rows.Any(r => r.Workload.StartsWith("scan:")))
            Grid(sb, "scan workloads: hit ratio % on the Zipf requests only (scan requests always miss)",
                workloads.Where(w => w.StartsWith("scan:")).ToList(), columns, (w, c) => Cell(Find(w, c), r => r.ZipfHitRatio));
        Grid(sb, "keys resident at the end (capacity check: comparable across servers when the limits are equalised)",
            workloads, columns, (w, c) => Find(w, c) is { KeysEnd: >= 0 } r ? r.KeysEnd.ToString(CultureInfo.InvariantCulture) : "-");

        sb.AppendLine($"HyperCache's best policy vs {baseline} (percentage points of hit ratio):");
        foreach (var w in workloads)
        {
            var best = rows.Where(r => r.Workload == w && r.Server == "hypercache" && r.Status == "ok")
                .MaxBy(r => r.HitRatio);
            var basis = Find(w, baseline);
            if (best is null || basis is null || basis.Status != "ok")
                sb.AppendLine($"  {w,-10} n/a ({(best is null ? "no HyperCache run with status ok" : $"no ok {baseline} run")})");
            else
                sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "  {0,-10} {1} {2:F2}% vs {3:F2}%: {4:+0.00;-0.00} pts",
                    w, best.Policy, best.HitRatio * 100, basis.HitRatio * 100, (best.HitRatio - basis.HitRatio) * 100));
        }

        var flagged = rows.Where(r => r.Status != "ok").ToList();
        if (flagged.Count > 0)
        {
            sb.AppendLine("not comparable (marked in the tables: * limit not enforced, E writes refused, unsupported, FAIL):");
            foreach (var r in flagged) sb.AppendLine($"  {r.Workload} {Column(r)}: {r.Status}{(r.Note.Length > 0 ? " - " + r.Note : "")}");
        }
        var notes = rows.Where(r => r.Status == "ok" && r.Note.Length > 0 && r.Server != "sim").ToList();
        foreach (var r in notes) sb.AppendLine($"  note {r.Workload} {Column(r)}: {r.Note}");
        return sb.ToString();
    }

    private static string Column(ResultRow r) => $"{r.Server}/{r.Policy}";

    private static string Cell(ResultRow? r, Func<ResultRow, double> pick) => r switch
    {
        null => "-",
        { Status: "unsupported" } => "unsupp.",
        _ when double.IsNaN(pick(r)) => "FAIL",
        _ => (pick(r) * 100).ToString("F2", CultureInfo.InvariantCulture)
             + r.Status switch { "ok" => "", "limit-not-enforced" => "*", "set-errors" => "E", _ => "?" },
    };

    private static void Grid(StringBuilder sb, string title, List<string> rowsOf, List<string> columns, Func<string, string, string> cell)
    {
        sb.AppendLine(title + ":");
        var widths = columns.Select(c => Math.Max(9, c.Length)).ToList();
        sb.Append($"  {"workload",-10}");
        for (int i = 0; i < columns.Count; i++) sb.Append(' ').Append(columns[i].PadLeft(widths[i]));
        sb.AppendLine();
        foreach (var w in rowsOf)
        {
            sb.Append($"  {w,-10}");
            for (int i = 0; i < columns.Count; i++) sb.Append(' ').Append(cell(w, columns[i]).PadLeft(widths[i]));
            sb.AppendLine();
        }
        sb.AppendLine();
    }
}
