# syntax=docker/dockerfile:1
# The Punctual controller image: `punctual` built in release mode with the Swift runtime linked in
# statically, on a small Ubuntu base that adds only what the binary needs at run time.
#
#   docker build -t punctual-controller:dev .
#
# See hack/image.md for loading it into kind or minikube. The runtime stage must use the same
# Ubuntu release as the build stage (the binary links the build image's glibc).

ARG SWIFT_VERSION=6.3.1
ARG UBUNTU_RELEASE=noble

# MARK: - Build

FROM swift:${SWIFT_VERSION}-${UBUNTU_RELEASE} AS build
WORKDIR /src

# Resolve dependencies in their own layer so source edits do not download them again.
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

COPY Sources ./Sources
COPY crds ./crds
# --static-swift-stdlib links the Swift runtime and Foundation into the binary, so the runtime image
# needs no Swift toolchain. The build directory is a cache mount (kept between builds), so the
# results are copied out of it in the same step.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product punctual --static-swift-stdlib \
    && mkdir -p /staging \
    && cp "$(swift build -c release --show-bin-path)/punctual" /staging/ \
    && find -L "$(swift build -c release --show-bin-path)" -maxdepth 1 -name '*.resources' -exec cp -R {} /staging/ \; \
    && cp /usr/libexec/swift/linux/swift-backtrace-static /staging/ \
    && cp -R crds /staging/crds

# MARK: - Run

FROM ubuntu:${UBUNTU_RELEASE}

# ca-certificates: TLS to alert receivers outside the cluster (the API server's CA comes from the
# service account); tzdata: the IANA zones of spec.timeZone; libstdc++6 and zlib1g: the two shared
# libraries the static binary still links.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends ca-certificates tzdata libstdc++6 zlib1g \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=build --chown=0:0 /staging/ /app/

# Crash reports with symbolicated backtraces on stderr (kubectl logs --previous), never interactive.
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/app/swift-backtrace-static

# 65532 is the conventional "nonroot" id; the Deployment also sets runAsNonRoot and a read-only root
# file system, which the controller is fine with (it writes nothing but logs to stdout/stderr).
USER 65532:65532

ENTRYPOINT ["/app/punctual"]
CMD ["controller"]
