namespace HyperCache.Frontends.Metrics;

/// <summary>
/// INFO stats' total_net_input_bytes and total_net_output_bytes: RESP bytes read from clients' connections and
/// handed to them (replies and pushed messages), counted once per batch, not per command. They only grow;
/// CONFIG RESETSTAT moves INFO's baseline (<see cref="StatsBase"/>).
/// </summary>
public sealed class NetworkTraffic
{
    private long _input, _output;

    public long Input => Interlocked.Read(ref _input);
    public long Output => Interlocked.Read(ref _output);

    public void Read(long bytes) => Interlocked.Add(ref _input, bytes);
    public void Written(long bytes) => Interlocked.Add(ref _output, bytes);
}
