"""The Pipeline module's public surface: the object type, with its functions by domain and ci over them all."""

from functools import partial
from typing import Annotated

import dagger
from dagger import Doc

from . import pins, resolved
from .args import (
    IntegrationEnv,
    IntegrationTag,
    KeyPasswordArg,
    Password,
    ServiceNames,
    Services,
    Username,
    Version,
    uncached,
)
from .chart import check as chart
from .ci import run as ci_run
from .ci.cache import COMPRESSION
from .ci.report import CiReport
from .core.errors import PipelineError
from .core.validate import ArgKind, Checked
from .go import integration
from .go.lint import LintReport
from .go.testing import TestReport
from .perf.functions import PerfFunctions
from .release.functions import ReleaseFunctions
from .release.publish_tags import check_address
from .release.supply_chain import check_login
from .release.verify import VerifyReport
from .security.scan import Severity
from .security.vulncheck import VulnReport


@dagger.object_type
class Pipeline(ReleaseFunctions, PerfFunctions):
    """Build, test, scan and ship a Go service in containers."""

    @dagger.function
    async def ci(
        self,
        version: Version = "dev",
        severity: Annotated[Severity, Doc("Scan gate threshold.")] = Severity.HIGH,
        address: Annotated[
            str, Doc("Publish to this repository when every step passed; empty: no publish."), Checked(ArgKind.ADDRESS)
        ] = "",
        commit: Annotated[str, Doc("Git commit for the sha tag and revision label.")] = "",
        latest: Annotated[bool, Doc("Also tag latest when publishing.")] = False,
        username: Annotated[str, Doc("Registry user for publish.")] = "",
        password: Annotated[dagger.Secret | None, Doc("Registry password or token for publish.")] = None,
        key: Annotated[
            dagger.Secret | None, Doc("cosign private key: with --address, sign and attest what was published.")
        ] = None,
        key_password: KeyPasswordArg = None,
        chart_dir: Annotated[
            dagger.Directory | None, Doc("Helm chart to publish pinned to the image (needs --key); empty: none.")
        ] = None,
        chart_address: Annotated[str, Doc("OCI repository for the chart; default: <address's parent>/charts.")] = "",
        source_uri: Annotated[
            str, Doc("Source repository for the provenance, e.g. git+https://github.com/acme/hello.")
        ] = "",
        services: Services = (),
        service_names: ServiceNames = (),
        integration_tag: IntegrationTag = pins.INTEGRATION_TAG,
        integration_env: IntegrationEnv = (),
    ) -> CiReport:
        """Run fmt, vet, tidy, lint, test, build, scan at once, then integration tests and the release; report all."""
        request = integration.request(
            services, service_names, integration_tag, tuple(self.tags), integration_env, env_flag="integration-env",
            as_root=self.test_as_root,
        )  # fmt: skip
        given = ci_run.Release(
            version,
            address,
            commit,
            latest,
            username,
            password,
            key,
            key_password,
            chart_dir,
            chart_address,
            source_uri,
        )
        return await ci_run.ci(self, given, severity, request, partial(self._integration, request))

    @uncached
    async def cache_push(
        self,
        address: Annotated[
            str, Doc("OCI repository for the cache, e.g. ghcr.io/acme/hello-cache."), Checked(ArgKind.ADDRESS)
        ],
        username: Username = "",
        password: Password = None,
    ) -> list[str]:
        """Publish this engine's caches as one OCI artifact, tagged with its key and its Go version's line."""
        check_address(address, "cache-push --address")
        check_login(username, password)
        env = await resolved.go_env(self)
        image, manifest = await resolved.cache_export(self, env)
        if password is not None:
            image = image.with_registry_auth(address, username, password)
        tags = (manifest.key(), manifest.line())
        return [await image.publish(f"{address}:{tag}", forced_compression=COMPRESSION) for tag in tags]

    @dagger.function
    async def chart_check(
        self,
        chart_dir: Annotated[dagger.Directory, Doc("Helm chart folder (holds Chart.yaml).")],
        kube_version: Annotated[
            str, Doc("Kubernetes version to validate against, MAJOR.MINOR.PATCH.")
        ] = pins.KUBE_VERSION,
        schemas: Annotated[
            dagger.Directory | None,
            Doc(
                "Kubernetes JSON schemas for offline use (kubeconform's <version>-standalone-strict layout);"
                " custom resources' schemas as <group>/<kind>_<version>.json, else those kinds are skipped and named."
            ),
        ] = None,
        values: Annotated[dagger.File | None, Doc("Extra values file, as helm --values.")] = None,
        liveness_path: Annotated[str, Doc("HTTP path the liveness probe must GET.")] = "/healthz",
        readiness_path: Annotated[str, Doc("HTTP path the readiness probe must GET.")] = "/readyz",
    ) -> str:
        """Lint and render a Helm chart, validate it with kubeconform, and check probes, non-root and limits."""
        probes = (liveness_path, readiness_path)
        env = await resolved.go_env(self)
        return await chart.check_chart(
            env, chart_dir, kube_version=kube_version, schemas=schemas, values=values, probes=probes
        )


__all__ = ["LintReport", "Pipeline", "PipelineError", "TestReport", "VerifyReport", "VulnReport"]
