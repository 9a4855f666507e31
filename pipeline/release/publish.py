"""Multi-platform publish: one image index, every tag or a precise account of what was written.

Before anything is built, the engine itself asks the registry for a tag that does not exist, with the
credentials: "not found" means the registry answered and accepted them; "unauthorized" or "denied" means it
refused them. The engine makes that request from where it will push (a registry on the engine's loopback
included), and the password stays a Dagger Secret throughout: no Python string ever holds it.
"""

import re
import secrets
from typing import Final, Literal

import anyio
import dagger
from dagger import dag

from pipeline.core.errors import PipelineError

from .publish_tags import registry_host

#: Words in the engine's error that mean the registry answered and the reference was simply absent,
#: or that it refused the credentials. Whole words only: an address may well hold "401" or "denied".
_ABSENT: Final = re.compile(r"\b(not found|manifest unknown|name unknown|404)\b")
_REFUSED: Final = re.compile(r"\b(unauthorized|denied|authentication required|401|403|forbidden)\b")


def classify_probe_error(text: str, address: str, tag: str) -> Literal["refused", "absent", "other"]:
    """Classify the engine's answer to pulling ``address:tag``: refused, absent, or something else.

    The address, its repository path and the tag are cut out first (the error quotes them, in URLs too):
    their letters must not be read as the registry's words.
    """
    repository = address.split("/", 1)[-1]
    for quoted in (f"{address}:{tag}", address, repository, tag):
        text = text.replace(quoted, " ")
    text = text.lower()
    if _REFUSED.search(text):
        return "refused"
    if _ABSENT.search(text):
        return "absent"
    return "other"


def with_auth(ctr: dagger.Container, address: str, auth: tuple[str, dagger.Secret] | None) -> dagger.Container:
    """Attach registry credentials for address, when given."""
    return ctr.with_registry_auth(address, auth[0], auth[1]) if auth is not None else ctr


async def check_push_access(address: str, auth: tuple[str, dagger.Secret] | None) -> None:
    """Raise PipelineError("publish", ...) unless the registry answers and accepts the credentials."""
    tag = f"pipeline-access-check-{secrets.token_hex(6)}"
    try:
        await with_auth(dag.container(), address, auth).from_(f"{address}:{tag}").sync()
    except dagger.QueryError as e:
        host = registry_host(address)
        verdict = classify_probe_error(str(e), address, tag)
        if verdict == "refused":
            if auth is None:
                msg = f"registry {host} requires credentials: pass --username and --password"
                raise PipelineError("publish", msg) from None
            raise PipelineError("publish", f"registry {host} rejected the credentials of user {auth[0]!r}") from None
        if verdict == "absent":
            return
        raise PipelineError("publish", f"registry {host} is unreachable", str(e).splitlines()[-1]) from None
    # The random tag exists: the registry answers and lets us read, which is as far as a check can go.


async def publish_index(
    address: str,
    tags: list[str],
    variants: list[dagger.Container],
    auth: tuple[str, dagger.Secret] | None,
) -> list[str]:
    """Push variants as one index under every tag; return ``address:tag@sha256:…`` per tag, in tag order.

    The first tag goes alone and uploads every layer; the others then only add a manifest each, so they go
    together. The registry API has no transaction: if a push fails, the error names the tags written, so a
    rerun or a cleanup knows exactly where it stands.
    """
    base = with_auth(dag.container(), address, auth)
    refs: dict[str, str] = {}
    failed: list[tuple[str, dagger.QueryError]] = []

    async def push(tag: str) -> None:
        try:
            refs[tag] = await base.publish(f"{address}:{tag}", platform_variants=variants)
        except dagger.QueryError as e:
            failed.append((tag, e))

    await push(tags[0])
    if not failed:
        async with anyio.create_task_group() as tg:
            for tag in tags[1:]:
                tg.start_soon(push, tag)
    written = [refs[t] for t in tags if t in refs]
    if failed:
        tag, error = min(failed, key=lambda f: tags.index(f[0]))
        raise PipelineError(
            "publish",
            f"pushing {address}:{tag} failed; {len(written)} of {len(tags)} tags written",
            f"written: {', '.join(written) or 'none'}\ncause: {error}",
        ) from error
    digests = {ref.rsplit("@", 1)[-1] for ref in written}
    if len(digests) != 1:
        raise PipelineError("publish", f"tags point to different digests: {sorted(digests)}", "\n".join(written))
    return written
