# The nodeproxy agent, as daemonset/daemonset.yaml runs it:
#   docker build -t ghcr.io/nodeproxy/nodeproxy:latest .

# The build output is framework-dependent IL, the same on every architecture, so the SDK runs
# natively even when building an image for another platform (docker buildx --platform).
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore on its own layer so that a source change does not download the packages again.
COPY Directory.Build.props ./
COPY src/NodeProxy/NodeProxy.csproj src/NodeProxy/
RUN dotnet restore src/NodeProxy
COPY src/NodeProxy/ src/NodeProxy/
# No apphost: the entrypoint runs the dll, and an apphost would be for the build machine's CPU.
RUN dotnet publish src/NodeProxy -c Release -o /app -p:UseAppHost=false

# .NET 10's runtime images are Ubuntu 24.04, which packages the tools under the names the agent
# runs: iptables-nft-restore, iptables-legacy-save, ip6tables-..., and conntrack. The ASP.NET Core
# one, because the agent serves health and metrics with Kestrel.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update \
    && apt-get install -y --no-install-recommends iptables conntrack \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
# Root, the image's default: the capabilities the DaemonSet adds reach only a root process.
ENTRYPOINT ["dotnet", "/app/nodeproxy.dll"]
CMD ["run"]
