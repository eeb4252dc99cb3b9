# firedrill as one static binary in an empty image (the GitHub Action runs a prebuilt copy of it).
#
# Two ways to the same image:
# - the release (default target): builds the binary here, then copies it into an empty image.
#     docker build -t firedrill . && docker run --rm firedrill --version
# - `runtime`: the same final image from a binary built outside, found at the root of the build context (what
#   `.ci/run` does, so its checks run the image without compiling Rust twice):
#     RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --bin firedrill \
#         --target x86_64-unknown-linux-gnu
#     mkdir -p ctx && cp target/x86_64-unknown-linux-gnu/release/firedrill ctx/
#     buildah --storage-driver vfs bud --isolation chroot --target runtime -f Dockerfile -t firedrill ctx
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# A fully static binary: no libc in the final image; time-zone data and CA roots are compiled in.
RUN RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --bin firedrill \
        --target x86_64-unknown-linux-gnu \
    && cp target/x86_64-unknown-linux-gnu/release/firedrill /firedrill \
    && /firedrill --version

# No USER in either image: GitHub runs Docker actions as the image's default user and requires it to be root,
# or the step cannot write GITHUB_OUTPUT and GITHUB_STEP_SUMMARY (owned by the runner) nor read the workspace.
# Each holds nothing but the binary, which `action.yml` starts as `firedrill action`.
FROM scratch AS runtime
COPY firedrill /firedrill
ENTRYPOINT ["/firedrill"]

FROM scratch AS release
COPY --from=build /firedrill /firedrill
ENTRYPOINT ["/firedrill"]
