"""What leaves the engine: image tags and publish, registries, cosign signatures, attestations, the chart."""
