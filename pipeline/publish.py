"""Multi-platform publish: one image index, every tag or a precise account of what was written."""

import dagger

from .errors import PipelineError


async def publish_index(
    address: str,
    tags: list[str],
    variants: list[dagger.Container],
    auth: tuple[str, dagger.Secret] | None,
) -> list[str]:
    """Push variants as one index under every tag, in order; return ``address:tag@sha256:…`` per tag.

    Tags go one by one (the registry API has no transaction). If one fails, the error names the tags
    already written, so a rerun or a cleanup knows exactly where it stands.
    """
    base = dagger.dag.container()
    if auth is not None:
        base = base.with_registry_auth(address, auth[0], auth[1])
    refs: list[str] = []
    for tag in tags:
        try:
            refs.append(await base.publish(f"{address}:{tag}", platform_variants=variants))
        except dagger.QueryError as e:
            written = ", ".join(refs) or "none"
            raise PipelineError(
                "publish",
                f"pushing {address}:{tag} failed after {len(refs)} of {len(tags)} tags",
                f"written: {written}\ncause: {e}",
            ) from e
    digests = {ref.rsplit("@", 1)[-1] for ref in refs}
    if len(digests) != 1:
        raise PipelineError("publish", f"tags point to different digests: {sorted(digests)}", "\n".join(refs))
    return refs
