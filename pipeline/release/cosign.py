"""Signatures, attestations and their verification with cosign, for images this pipeline published.

cosign (v3) runs in the Go builder, copied out of its image (the official image has no shell and no `timeout`, and
every exec here is bounded); crane reads manifests and resolves tags. Everything is key-based and offline: no
transparency log (`--tlog-upload=false`), no signing config fetched from Sigstore's TUF root
(`--use-signing-config=false`), verification with `--insecure-ignore-tlog`. Keyless signing with GitHub or GitLab
OIDC is a README recipe, not a function.

Storage: cosign v3 writes each signature and attestation as a Sigstore bundle attached through the OCI referrers
API. A registry without that API (Debian's docker-registry 2.8 here, and many older ones) gets the fallback the OCI
1.1 spec defines, which go-containerregistry applies by itself: an index under the tag `sha256-<digest hex>` lists
the referrers. Nothing to configure either way.

Secrets: the private key is a mounted secret file and its password the secret variable COSIGN_PASSWORD (empty
when none is given); registry credentials as in registry.py. None of them reaches a layer, an argv, a log or a
cache key.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

import dagger
from dagger import dag

from pipeline import pins
from pipeline.core.errors import PipelineError
from pipeline.core.execs import Result, run
from pipeline.go.builder import GoEnv

from .attest_provenance import ImageRef, PlatformManifest, index_manifests
from .registry import Access, fresh, login_argv

TOOLS_BIN: Final = "/opt/pipeline-supply/bin"
COSIGN: Final = f"{TOOLS_BIN}/cosign"
CRANE: Final = f"{TOOLS_BIN}/crane"
KEY: Final = "/run/pipeline-cosign/cosign.key"
PUBLIC_KEY: Final = "/run/pipeline-cosign/cosign.pub"
INPUT: Final = "/run/pipeline-cosign/in"
#: How a failure's details begin the list of what a release already wrote.
MARK: Final = "written before the failure"
SIGN_TYPE: Final = "https://sigstore.dev/cosign/sign/v1"
SBOM_TYPE: Final = "https://cyclonedx.org/bom"
#: cosign flags for key-based, offline signing and verification.
OFFLINE_SIGN: Final = ["--tlog-upload=false", "--use-signing-config=false", "--yes"]
OFFLINE_VERIFY: Final = ["--insecure-ignore-tlog=true"]
#: What cosign's errors mean, by the words they contain.
_BAD_PASSWORD: Final = "decryption failed"  # noqa: S105 (cosign's error text, not a password)
_NOT_A_KEY: Final = ("invalid pem block", "unsupported pem type")
_ABSENT: Final = ("manifest_unknown", "manifest unknown", "404 not found", "name_unknown", "not found")


@dataclass(frozen=True)
class Signer:
    """A cosign private key and its password, both Secrets."""

    key: dagger.Secret
    password: dagger.Secret | None = None


@dataclass(frozen=True)
class Tools:
    """The Go builder with cosign and crane, and how it reaches the registry."""

    env: GoEnv
    cosign_image: str
    access: Access

    def container(self) -> dagger.Container:
        """Return the builder with crane installed and cosign copied in (both cached with the builder)."""
        ctr = self.env.container().with_env_variable("GOBIN", TOOLS_BIN)
        ctr = self.env.exec(ctr, ["go", "install", pins.CRANE]).without_env_variable("GOBIN")
        cosign = dag.container().from_(self.cosign_image).file(pins.COSIGN_BINARY)
        return self.access.apply(ctr.with_file(COSIGN, cosign, permissions=0o755))

    def registry_flags(self) -> list[str]:
        """Return the cosign flags for a plain-HTTP (loopback) registry."""
        return ["--allow-http-registry", "--allow-insecure-registry"] if self.access.plain_http else []

    def crane_flags(self) -> list[str]:
        """Return the crane flag for a plain-HTTP (loopback) registry."""
        return ["--insecure"] if self.access.plain_http else []

    async def call(self, ctr: dagger.Container, argv: list[str], step: str) -> Result:
        """Run a registry tool (never cached) behind the credentials login; any exit code is returned."""
        return await run(fresh(ctr), login_argv(argv), step, self.env.step_timeout)


def with_signer(ctr: dagger.Container, signer: Signer) -> dagger.Container:
    """Mount the private key and set its password (empty when none) as secrets."""
    password = signer.password or dag.set_secret("pipeline-cosign-empty-password", "")
    return ctr.with_mounted_secret(KEY, signer.key).with_secret_variable("COSIGN_PASSWORD", password)


def last_error(res: Result) -> str:
    """Return the last error line cosign or crane printed."""
    lines = [ln for ln in (res.stderr + "\n" + res.stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(("Error:", "error"))]
    return (errors or lines or ["(no output)"])[-1].removeprefix("Error: ")


async def check_signer(tools: Tools, signer: Signer, step: str) -> None:
    """Fail before anything is written when the key is not a cosign private key or the password does not open it."""
    res = await tools.call(with_signer(tools.container(), signer), [COSIGN, "public-key", "--key", KEY], step)
    if res.code == 0:
        return
    text = (res.stderr + res.stdout).lower()
    if _BAD_PASSWORD in text:
        cause = (
            "the key password does not open the cosign key (wrong --key-password, or none given for a key that has one)"
        )
        raise PipelineError(step, cause + "; nothing was signed")
    if any(w in text for w in _NOT_A_KEY):
        cause = "--key is not an encrypted cosign private key (cosign generate-key-pair writes cosign.key)"
        raise PipelineError(step, cause + "; nothing was signed", last_error(res))
    raise PipelineError(step, "cosign could not load the key; nothing was signed", last_error(res))


async def resolve(tools: Tools, ref: ImageRef, step: str) -> str:
    """Return the digest ref's tag points to now (ref's own digest when it names no tag)."""
    if not ref.tag:
        return ref.digest
    inside = tools.access.inside_ref(f"{ref.repository}:{ref.tag}")
    res = await tools.call(tools.container(), [CRANE, "digest", *tools.crane_flags(), inside], step)
    if res.code != 0:
        if any(w in (res.stderr + res.stdout).lower() for w in _ABSENT):
            raise PipelineError(step, f"{ref.repository}:{ref.tag} is not in the registry")
        raise PipelineError(step, f"could not resolve {ref.repository}:{ref.tag}", last_error(res))
    return res.stdout.strip()


async def platform_manifests(tools: Tools, repository: str, digest: str, step: str) -> list[PlatformManifest]:
    """Return the platform manifests of the index at repository@digest; PipelineError when it is not there."""
    inside = tools.access.inside_ref(f"{repository}@{digest}")
    res = await tools.call(tools.container(), [CRANE, "manifest", *tools.crane_flags(), inside], step)
    if res.code != 0:
        if any(w in (res.stderr + res.stdout).lower() for w in _ABSENT):
            raise PipelineError(
                step, f"{repository}@{digest} is not in the registry: publish it first; nothing was written"
            )
        raise PipelineError(step, f"could not read {repository}@{digest}", last_error(res))
    try:
        return index_manifests(res.stdout)
    except ValueError as e:
        raise PipelineError(step, f"{repository}@{digest}: {e}") from None


@dataclass
class Ledger:
    """What a release wrote to registries so far, in order, so a failure can say exactly where it stands."""

    written: list[str] = field(default_factory=list[str])

    def add(self, *items: str) -> None:
        """Record items just written."""
        self.written.extend(items)

    def guard(self, name: str, step: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """Wrap a release step so its failure also says what the release wrote before it (unless it said so)."""

        async def guarded() -> None:
            try:
                await step()
            except PipelineError as e:
                if self.written and MARK not in e.details:
                    raise PipelineError(e.step, e.cause, self.details(e.details)) from e
                raise
            except (dagger.DaggerError, ValueError) as e:
                raise PipelineError(name, str(e).splitlines()[0] if str(e) else type(e).__name__, self.details()) from e

        return guarded

    def details(self, details: str = "") -> str:
        """details, followed by the list of what was written."""
        lines = "\n".join(f"  {w}" for w in self.written) or "  nothing"
        return (details.strip() + "\n" if details.strip() else "") + f"{MARK}:\n{lines}"


async def sign(
    tools: Tools, signer: Signer, repository: str, digests: Sequence[tuple[str, str]], ledger: Ledger
) -> list[str]:
    """Sign each (digest, what) in order; return repository@digest (what) for each, recording each in the ledger."""
    ctr = with_signer(tools.container(), signer)
    signed: list[str] = []
    for digest, what in digests:
        target = f"{repository}@{digest}"
        argv = [COSIGN, "sign", "--key", KEY, *OFFLINE_SIGN, *tools.registry_flags(), tools.access.inside_ref(target)]
        res = await tools.call(ctr, argv, "sign")
        if res.code != 0:
            raise PipelineError("sign", f"cosign could not sign {target} ({what})", ledger.details(last_error(res)))
        signed.append(f"{target} ({what})")
        ledger.add(f"signature: {target} ({what})")
    return signed


@dataclass(frozen=True)
class Attestation:
    """One predicate to attach to one digest."""

    digest: str
    what: str  # e.g. "CycloneDX SBOM, linux/amd64"
    kind: str  # cosign --type: cyclonedx, slsaprovenance1
    predicate: dagger.File


async def attest(
    tools: Tools, signer: Signer, repository: str, items: Sequence[Attestation], ledger: Ledger
) -> list[str]:
    """Attach each attestation in order; return repository@digest: what for each, recording each in the ledger."""
    ctr = with_signer(tools.container(), signer)
    done: list[str] = []
    for i, item in enumerate(items):
        target = f"{repository}@{item.digest}"
        path = f"{INPUT}/predicate-{i}.json"
        argv = [
            COSIGN, "attest", "--key", KEY, *OFFLINE_SIGN, *tools.registry_flags(),
            "--type", item.kind, "--predicate", path, tools.access.inside_ref(target),
        ]  # fmt: skip
        res = await tools.call(ctr.with_mounted_file(path, item.predicate), argv, "attest")
        if res.code != 0:
            raise PipelineError(
                "attest", f"cosign could not attest {item.what} to {target}", ledger.details(last_error(res))
            )
        done.append(f"{target}: {item.what}")
        ledger.add(f"attestation: {target}: {item.what}")
    return done
