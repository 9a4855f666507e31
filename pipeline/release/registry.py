"""Registry access for tools that run in containers (cosign, crane, helm): where the registry is, and credentials.

The engine pushes images itself, but signing, attesting, verifying and pushing charts run tools in containers, and
a container's 127.0.0.1 is the container. A registry on a loopback address (127.0.0.1:5001, localhost:5000, [::1])
is therefore reached through a Dagger host service: `dag.host().service(...)` forwards the port to the calling
client's loopback, and containers bind it under the alias LOOPBACK_ALIAS (plain HTTP, as loopback registries are).
That needs a client on the registry's machine (the `pipeline` CLI, the tests); with `dagger call`, give an address
containers can reach. Real registries (ghcr.io, registry.gitlab.com) are reached directly.

References inside the container use the alias (`loopback-registry:5001/acme/hello@sha256:…`); everything the
tools write is addressed by digest, so a signature made through the alias verifies under the real address.

Credentials never reach a layer, an argv or a cache key: the password is a secret variable, and each exec writes a
docker config.json (which cosign, crane and helm all read) into a tmpfs mounted for that exec alone.
"""

import secrets
from dataclasses import dataclass
from typing import Final

import dagger
from dagger import dag

from .publish_tags import registry_host

LOOPBACK_ALIAS: Final = "loopback-registry"
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
#: A per-exec tmpfs holding the docker config.json written from the secret.
AUTH_DIR: Final = "/run/pipeline-registry-auth"
#: Writes the credentials (when given) where the tools read them, then runs the tool: one exec, one tmpfs.
LOGIN: Final = """set -eu
if [ -n "${PIPELINE_REGISTRY_USER:-}" ]; then
  auth=$(printf '%s:%s' "$PIPELINE_REGISTRY_USER" "$PIPELINE_REGISTRY_PASSWORD" | base64 | tr -d '\\n')
  printf '{"auths":{"%s":{"auth":"%s"}}}\\n' "$PIPELINE_REGISTRY_HOST" "$auth" > "$DOCKER_CONFIG/config.json"
fi
exec "$@"
"""


def is_loopback(host: str) -> bool:
    """Tell whether a registry host (host[:port]) is on the loopback interface."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in LOOPBACK_HOSTS or name.startswith("127.")


@dataclass(frozen=True)
class Access:
    """How tools in containers reach one registry: its address inside the container, and credentials."""

    host: str  # as the user wrote it: 127.0.0.1:5001, ghcr.io
    inside: str  # as containers reach it: loopback-registry:5001, ghcr.io
    username: str = ""
    password: dagger.Secret | None = None
    tunnel: dagger.Service | None = None

    @property
    def plain_http(self) -> bool:
        """True for a loopback registry reached through the tunnel (plain HTTP, as local registries serve)."""
        return self.tunnel is not None

    def inside_ref(self, ref: str) -> str:
        """Rewrite a reference on this registry to the address containers use."""
        return self.inside + ref.removeprefix(self.host) if ref.startswith(self.host) else ref

    def outside_ref(self, ref: str) -> str:
        """Rewrite a reference as containers write it back to the user's address."""
        return self.host + ref.removeprefix(self.inside) if ref.startswith(self.inside) else ref

    def apply(self, ctr: dagger.Container) -> dagger.Container:
        """Bind the tunnel, set the credential variables and the per-exec tmpfs for the config."""
        if self.tunnel is not None:
            ctr = ctr.with_service_binding(LOOPBACK_ALIAS, self.tunnel)
        ctr = (
            ctr.with_mounted_temp(AUTH_DIR)
            .with_env_variable("DOCKER_CONFIG", AUTH_DIR)
            .with_env_variable("HELM_REGISTRY_CONFIG", f"{AUTH_DIR}/config.json")
            .with_env_variable("PIPELINE_REGISTRY_HOST", self.inside)
        )
        if self.password is not None:
            ctr = ctr.with_env_variable("PIPELINE_REGISTRY_USER", self.username).with_secret_variable(
                "PIPELINE_REGISTRY_PASSWORD", self.password
            )
        return ctr


def access(address: str, username: str = "", password: dagger.Secret | None = None) -> Access:
    """Return how containers reach the registry of an image or chart address (repository, no tag)."""
    host = registry_host(address)
    if not is_loopback(host):
        return Access(host=host, inside=host, username=username, password=password)
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    port_number = int(port) if port.isdigit() else 80
    upstream = name.strip("[]") if name else host
    tunnel = dag.host().service([dagger.PortForward(backend=port_number, frontend=port_number)], host=upstream)
    return Access(
        host=host, inside=f"{LOOPBACK_ALIAS}:{port_number}", username=username, password=password, tunnel=tunnel
    )


def login_argv(argv: list[str]) -> list[str]:
    """Return argv run behind LOGIN (the credentials file written first, in the same exec)."""
    return ["sh", "-c", LOGIN, "sh", *argv]


def fresh(ctr: dagger.Container) -> dagger.Container:
    """Mark a container's next exec as never cached: it reads or writes a registry whose state changes."""
    return ctr.with_env_variable("PIPELINE_REGISTRY_CALL", secrets.token_hex(8))
