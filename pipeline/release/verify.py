"""`verify`: a published image's signatures, SBOM attestations and provenance, checked with a cosign public key.

Key-based and offline, as the signing side (pipeline/release/cosign.py): verification with `--insecure-ignore-tlog`.
"""

import base64
import json
from typing import Annotated, Any, cast

import dagger
from dagger import Doc, dag

from pipeline.core.errors import PipelineError
from pipeline.core.execs import Result

from .attest_provenance import PREDICATE_TYPE, ImageRef, PlatformManifest
from .cosign import COSIGN, OFFLINE_VERIFY, PUBLIC_KEY, SIGN_TYPE, Tools, last_error, platform_manifests, resolve

#: What cosign's errors mean, by the words they contain.
_NO_SIGNATURE = ("no signatures found", "no attestations found")
_WRONG_KEY = ("no matching signatures", "no matching attestations", "do not match threshold")
_WRONG_TYPE = "none of the attestations matched the predicate type"


def _statements(stdout: str) -> list[dict[str, Any]]:
    """Decode the in-toto statements of cosign verify-attestation's output (one DSSE envelope per line)."""
    out: list[dict[str, Any]] = []
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        envelope = cast("dict[str, Any]", json.loads(line))
        out.append(cast("dict[str, Any]", json.loads(base64.b64decode(str(envelope["payload"])))))
    return out


def _verify_failure(step: str, target: str, what: str, res: Result) -> PipelineError:
    text = (res.stderr + res.stdout).lower()
    if any(w in text for w in _NO_SIGNATURE) or _WRONG_TYPE in text:
        return PipelineError(step, f"{target} has no {what}: it was not signed and attested by this pipeline")
    if any(w in text for w in _WRONG_KEY):
        return PipelineError(
            step, f"the {what} on {target} does not verify with this public key (signed with another key)"
        )
    return PipelineError(step, f"cosign could not verify the {what} on {target}", last_error(res))


async def verify_signature(tools: Tools, ctr: dagger.Container, repository: str, digest: str, what: str) -> None:
    """Fail unless repository@digest carries a cosign signature that verifies with the public key."""
    target = f"{repository}@{digest}"
    argv = [
        COSIGN,
        "verify",
        "--key",
        PUBLIC_KEY,
        *OFFLINE_VERIFY,
        *tools.registry_flags(),
        tools.access.inside_ref(target),
    ]
    res = await tools.call(ctr, argv, "verify")
    if res.code != 0:
        raise _verify_failure("verify", target, f"signature ({what})", res)
    # cosign v3 counts any bundle made with the key as a signature (an attestation too): require a signature's.
    types = {str(cast("dict[str, Any]", c.get("critical") or {}).get("type", "")) for c in _claims(res.stdout)}
    if SIGN_TYPE not in types:
        raise PipelineError("verify", f"{target} ({what}) has attestations but no signature: it was not signed")


def _claims(stdout: str) -> list[dict[str, Any]]:
    for line in stdout.splitlines():
        if line.startswith("["):
            return cast("list[dict[str, Any]]", json.loads(line))
    return []


async def verify_attestation(
    tools: Tools, ctr: dagger.Container, repository: str, digest: str, kind: str, what: str
) -> dict[str, Any]:
    """Return the newest verified in-toto statement of one type on repository@digest; fail when there is none."""
    target = f"{repository}@{digest}"
    argv = [
        COSIGN, "verify-attestation", "--key", PUBLIC_KEY, "--type", kind, *OFFLINE_VERIFY,
        *tools.registry_flags(), tools.access.inside_ref(target),
    ]  # fmt: skip
    res = await tools.call(ctr, argv, "verify")
    if res.code != 0:
        raise _verify_failure("verify", target, what, res)
    statements = [s for s in _statements(res.stdout) if _subject_digest(s) == digest]
    if not statements:
        raise PipelineError("verify", f"the {what} on {target} names another image as its subject")
    return statements[-1]


def _subject_digest(statement: dict[str, Any]) -> str:
    subjects = cast("list[dict[str, Any]]", statement.get("subject") or [])
    return next((f"sha256:{s['digest']['sha256']}" for s in subjects if "sha256" in (s.get("digest") or {})), "")


@dagger.object_type
class VerifyReport:
    """What verify checked on a published image, and the attestation statements it verified."""

    digest: Annotated[str, Doc("The verified index digest.")] = dagger.field()
    summary: Annotated[str, Doc("What was verified, one line per check.")] = dagger.field()
    provenance: Annotated[dagger.File, Doc("The verified SLSA provenance v1 in-toto statement (JSON).")] = (
        dagger.field()
    )
    sboms: Annotated[
        dagger.Directory, Doc("The verified CycloneDX SBOM statements, one <os>_<arch>.json per platform.")
    ] = dagger.field()


async def verify(tools: Tools, public_key: dagger.File, ref: ImageRef) -> VerifyReport:
    """Verify the signatures (index and platforms), SBOM attestations (platforms) and provenance (index) of ref."""
    current = await resolve(tools, ref, "verify")
    if ref.digest and current != ref.digest:
        raise PipelineError(
            "verify",
            f"{ref.repository}:{ref.tag} now points to {current}, not the signed {ref.digest}: "
            "the image was replaced under the same tag",
        )
    platforms = await platform_manifests(tools, ref.repository, current, "verify")
    ctr = tools.container().with_mounted_file(PUBLIC_KEY, public_key)
    lines = [f"image {ref.repository}@{current}" + (f" (tag {ref.tag})" if ref.tag else "")]
    if platforms:
        await verify_signature(tools, ctr, ref.repository, current, "index")
        for m in platforms:
            await verify_signature(tools, ctr, ref.repository, m.digest, m.platform)
        names = ", ".join(m.platform for m in platforms)
        lines.append(f"signatures: index and {len(platforms)} platform manifests ({names})")
    else:  # a single-platform publish is one image manifest, not an index
        await verify_signature(tools, ctr, ref.repository, current, "image")
        lines.append("signature: the image manifest")
        platforms = [PlatformManifest(platform="image", digest=current)]
    sboms = dag.directory()
    for m in platforms:
        statement = await verify_attestation(
            tools, ctr, ref.repository, m.digest, "cyclonedx", f"SBOM attestation ({m.platform})"
        )
        components = len(
            cast("list[object]", cast("dict[str, Any]", statement.get("predicate") or {}).get("components") or [])
        )
        sboms = sboms.with_new_file(f"{m.platform.replace('/', '_')}.json", json.dumps(statement, indent=2))
        lines.append(f"SBOM {m.platform}: {components} components")
    statement = await verify_attestation(
        tools, ctr, ref.repository, current, "slsaprovenance1", "provenance attestation"
    )
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise PipelineError("verify", f"the provenance on {ref.repository}@{current} is not SLSA provenance v1")
    run_details = cast("dict[str, Any]", cast("dict[str, Any]", statement["predicate"]).get("runDetails") or {})
    builder = cast("dict[str, Any]", run_details.get("builder") or {}).get("id", "")
    params = cast("dict[str, Any]", cast("dict[str, Any]", statement["predicate"])["buildDefinition"]).get(
        "externalParameters", {}
    )
    commit = cast("dict[str, Any]", cast("dict[str, Any]", params).get("source") or {}).get("commit") or "none"
    lines.append(f"provenance: builder {builder}, commit {commit}")
    return VerifyReport(
        digest=current,
        summary="\n".join(lines),
        provenance=dag.directory()
        .with_new_file("provenance.json", json.dumps(statement, indent=2))
        .file("provenance.json"),
        sboms=sboms,
    )
