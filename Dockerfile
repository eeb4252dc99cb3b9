# firedrill as one static binary in an empty image (the GitHub Action runs a prebuilt copy of it).
# Build: docker build -t firedrill . && docker run --rm firedrill --version
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# A fully static binary: no libc in the final image; time-zone data and CA roots are compiled in.
RUN RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --bin firedrill \
        --target x86_64-unknown-linux-gnu \
    && cp target/x86_64-unknown-linux-gnu/release/firedrill /firedrill \
    && /firedrill --version

FROM scratch
COPY --from=build /firedrill /firedrill
# No USER: GitHub runs Docker actions as the image's default user and requires it to be root, or the step
# cannot write GITHUB_OUTPUT and GITHUB_STEP_SUMMARY (owned by the runner) nor read the workspace.
# The image holds nothing but the binary, which `action.yml` starts as `firedrill action`.
ENTRYPOINT ["/firedrill"]
