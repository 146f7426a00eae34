using Grpc.Core;
using HyperCache.Replication.Grpc;

namespace HyperCache.Replication.Failover;

/// <summary>
/// The replica's side of FAILOVER: its primary, writes paused, asks it to take over. It does only if it follows that
/// primary's history and has applied everything the primary committed (unless told to force), then promotes itself as
/// REPLICAOF NO ONE does, keeping the old history as its second id so the old primary continues here without a full
/// sync (Redis's PSYNC ... FAILOVER).
/// </summary>
public sealed class FailoverService(Replicator replicator) : Grpc.Failover.FailoverBase
{
    public override async Task<TakeOverReply> TakeOver(TakeOverRequest request, ServerCallContext context)
    {
        replicator.Authorize(context);
        if (replicator.IsPrimary) throw Refused("this node is not a replica");
        if (replicator.Store.ReplicationOrigin is not { } origin || origin.ReplicationId != request.ReplicationId)
            throw Refused($"this node does not follow the history {request.ReplicationId}");
        if (origin.NextAddress < request.Address && !request.Force)
            throw Refused($"this node has applied up to {origin.NextAddress}, the primary committed up to {request.Address}");
        await replicator.PromoteAsync();
        replicator.RoleChanged(null);
        // where the old history ends here (the follower may have applied a little more since the check)
        long resume = replicator.Previous is { } previous && previous.ReplicationId == request.ReplicationId ? previous.EndAddress : origin.NextAddress;
        return new TakeOverReply { ReplicationId = replicator.ReplicationId, ResumeAddress = resume };
    }

    private static RpcException Refused(string why) => new(new Status(StatusCode.FailedPrecondition, why));
}
