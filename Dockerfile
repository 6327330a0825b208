# Build: a static binary with the knowledge base and time-zone data embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -tags timetzdata -ldflags="-s -w" -o /out/legalbot ./cmd/legalbot

# Run: distroless static (CA certificates and tzdata included), as non-root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/legalbot /usr/local/bin/legalbot
ENV LEGALBOT_HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/legalbot"]
CMD ["serve"]
