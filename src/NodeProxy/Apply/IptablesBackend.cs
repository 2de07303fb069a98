namespace NodeProxy.Apply;

public enum IptablesBackend
{
    Nft,
    Legacy,
}
