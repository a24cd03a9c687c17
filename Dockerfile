# refgen and refstats for scheduled jobs (cron, Kubernetes CronJob, any CI): static musl
# binaries built in the first stage, shipped alone on Alpine with CA certificates.
#
#   docker build -t refcenter .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/program" -e REFGEN_SECRET refcenter refstats --store stats logs/
#
# The release workflow pushes it as ghcr.io/<owner>/<repository>:<version>.
FROM rust:1-alpine AS build
RUN apk add --no-cache gcc musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p refgen -p refstats \
    && cp target/release/refgen target/release/refstats /usr/local/bin/

FROM alpine:3
RUN apk add --no-cache ca-certificates \
    && adduser -D -h /program refcenter
COPY --from=build /usr/local/bin/refgen /usr/local/bin/refstats /usr/local/bin/
USER refcenter
WORKDIR /program
CMD ["refstats", "--help"]
