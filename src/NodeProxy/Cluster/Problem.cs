namespace NodeProxy.Cluster;

/// <summary>
/// Bad input found while reading or modelling the cluster: the object it concerns is skipped (or
/// only the bad part of it), everything else goes on. <see cref="Reason"/> is a short stable
/// word for metrics; <see cref="Message"/> is for the log. Both <see cref="Object"/> and
/// <see cref="Message"/> may carry a hostile object's text, so the log line escapes them.
/// </summary>
public sealed record Problem(string Kind, string Object, string Reason, string Message)
{
    public override string ToString() => $"{Kind} {LogText.Escape(Object)}: {LogText.Escape(Message, 4 * LogText.MaxLength)} ({Reason})";
}
