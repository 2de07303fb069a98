namespace NodeProxy.Cluster;

/// <summary>
/// Bad input found while reading or modelling the cluster: the object it concerns is skipped (or
/// only the bad part of it), everything else goes on. <see cref="Reason"/> is a short stable
/// word for metrics; <see cref="Message"/> is for the log.
/// </summary>
public sealed record Problem(string Kind, string Object, string Reason, string Message)
{
    public override string ToString() => $"{Kind} {Object}: {Message} ({Reason})";
}
