"""The Helm chart: lint, render, kubeconform and the chart policy."""
