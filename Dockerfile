# The nodeproxy agent's image, as daemonset/daemonset.yaml runs it. As Kubernetes builds
# kube-proxy's image, the binary is built outside and copied in: a NativeAOT executable for
# linux-x64 (PublishAot in src/NodeProxy/NodeProxy.csproj), so the image carries no .NET runtime,
# JIT or SDK, only Debian with iptables and conntrack.
#
#   dotnet publish src/NodeProxy -c Release -r linux-x64 -o out/linux-x64
#   docker build -t ghcr.io/nodeproxy/nodeproxy:v0.1.0 .
#
# BASE_IMAGE names any Debian-like image; the tests pass a local offline stand-in (bookworm
# minbase with iptables, conntrack and libssl3 already in it).
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
FROM ${BASE_IMAGE}
# iptables brings both backends' tools (iptables-nft-restore, iptables-legacy-save, ip6tables-...);
# libssl3 is what .NET loads for TLS to the API server (the binary itself needs only libc and
# libm). A base that has all three needs no network.
RUN dpkg-query -W iptables conntrack libssl3 >/dev/null 2>&1 \
    || { apt-get update \
         && apt-get install -y --no-install-recommends iptables conntrack libssl3 \
         && rm -rf /var/lib/apt/lists/*; }
COPY out/linux-x64/ /app/
# The GC sizes its first generation from the CPU's largest cache (hundreds of MiB on server
# CPUs: 260 MiB of L3 on the benchmark machine), so an agent with 1k services held 147 MiB;
# a 16 MiB budget holds it at 90 (docs/benchmarks.md, "NativeAOT"). The value is hex without
# "0x": NativeAOT's runtime refuses the prefix (and then ignores the knob), CoreCLR reads both.
ENV DOTNET_GCgen0size=1000000
# Root, the image's default: the capabilities the DaemonSet adds reach only a root process.
ENTRYPOINT ["/app/nodeproxy"]
CMD ["run"]
