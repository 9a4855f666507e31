"""Check that a registry answers and accepts credentials for a push, before anything is built or pushed.

Speaks the Docker Registry HTTP API v2 handshake: ``GET /v2/``, then Basic credentials, or the Bearer
token exchange for ``repository:<path>:pull,push``. The password never leaves this function's memory:
no message built here contains it.
"""

import re
from http import HTTPStatus
from typing import Final

import httpx

from .errors import PipelineError

TIMEOUT: Final = 10.0
_CHALLENGE: Final = re.compile(r'(\w+)="([^"]*)"')
_LOCAL: Final = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$")


def split_address(address: str) -> tuple[str, str]:
    """Split ``host[:port]/path`` into registry host and repository path (Docker Hub when no host)."""
    first, _, rest = address.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return "registry-1.docker.io", address if "/" in address else f"library/{address}"


def base_url(host: str) -> str:
    """Return the registry's URL: plain HTTP for loopback registries (as the engine does), else HTTPS."""
    return f"http://{host}" if _LOCAL.match(host) else f"https://{host}"


async def check_push_access(address: str, username: str, password: str) -> None:
    """Raise PipelineError("publish", ...) unless the registry answers and accepts the credentials."""
    host, path = split_address(address)
    url = base_url(host)
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True) as http:
        try:
            probe = await http.get(f"{url}/v2/")
        except httpx.HTTPError as e:
            raise PipelineError("publish", f"registry {host} is unreachable: {type(e).__name__}: {e}") from None
        if probe.status_code == HTTPStatus.OK and not username:
            return
        if probe.status_code not in {HTTPStatus.OK, HTTPStatus.UNAUTHORIZED}:
            raise PipelineError("publish", f"registry {host} answered /v2/ with HTTP {probe.status_code}")
        if not username:
            raise PipelineError("publish", f"registry {host} requires credentials: pass --username and --password")
        challenge = probe.headers.get("www-authenticate", "")
        auth = httpx.BasicAuth(username, password)
        if challenge.lower().startswith("bearer"):
            params = dict(_CHALLENGE.findall(challenge))
            realm = params.pop("realm", "")
            params["scope"] = f"repository:{path}:pull,push"
            answer = await http.get(realm, params=params, auth=auth)
        else:
            answer = await http.get(f"{url}/v2/", auth=auth)
        if answer.status_code in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            raise PipelineError("publish", f"registry {host} rejected the credentials of user {username!r}")
        if answer.status_code != HTTPStatus.OK:
            raise PipelineError("publish", f"registry {host} answered the login with HTTP {answer.status_code}")
