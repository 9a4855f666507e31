"""The engine's GraphQL schema, kept between `pipeline` calls.

The Dagger Python SDK builds every query against the engine's schema, which it fetches with an introspection
query each time it connects. For a short CLI call that is the largest single cost after Python's imports: the
engine answers it in 0.4-1.5 s on a 2-core machine, for a warm `test` whose own queries take a few tenths of a
second. The CLI keeps that answer in the user's cache folder, one file per engine (its address and the
`dagger` binary that connects to it), hands it to the SDK's GraphQL client instead of asking again, and checks
after connecting that the engine's version is still the one the schema came from (one query of a few
milliseconds). A different version drops the file and the call connects again, fetching the schema as usual.

The SDK offers no option for this; the one hook used, the GraphQL client class its session builds
(`dagger.client._session.GraphQLClient`, gql's `Client`), is checked by a unit test so an SDK upgrade that
moves it fails there rather than here. Without a usable cache the SDK behaves exactly as before.
"""

import contextlib
import enum
import hashlib
import importlib.metadata
import json
import os
import shutil
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import graphql
from dagger.client import _session as sdk_session

#: Bumped when the file's layout changes.
LAYOUT = 1
#: The name, in the SDK's session module, of the GraphQL client class its sessions build.
HOOK = "GraphQLClient"


def _enum_name(value: object) -> str:
    """Encode the enum members gql leaves in an introspection answer (directive locations) as their names."""
    if isinstance(value, enum.Enum):
        return value.name
    msg = f"not JSON: {type(value).__name__}"
    raise TypeError(msg)


def cache_dir() -> Path:
    """Return the folder of schema files: $XDG_CACHE_HOME/pipeline/schema (default ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pipeline" / "schema"


def _cli_binary() -> str:
    """Describe the `dagger` binary the SDK will start: its path, size and time, or the SDK's own version."""
    path = os.environ.get("_EXPERIMENTAL_DAGGER_CLI_BIN") or shutil.which("dagger") or ""
    try:
        st = Path(path).stat() if path else None
    except OSError:
        st = None
    sdk = importlib.metadata.version("dagger-io")
    return f"{path}:{st.st_size}:{st.st_mtime_ns}:{sdk}" if st else f"sdk:{sdk}"


def engine_key() -> str:
    """Return a file name for the engine this process will connect to."""
    parts = [
        str(LAYOUT),
        os.environ.get("_EXPERIMENTAL_DAGGER_RUNNER_HOST", ""),
        os.environ.get("DAGGER_SESSION_PORT", ""),
        _cli_binary(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32] + ".json"


@dataclass
class SchemaCache:
    """One engine's cached schema, and the GraphQL clients built while it was installed."""

    path: Path
    #: {"version": engine version, "introspection": the introspection query's answer}, or None.
    stored: dict[str, Any] | None = None
    clients: list[Any] = field(default_factory=list[Any])

    @classmethod
    def load(cls, folder: Path | None = None) -> "SchemaCache":
        """Read the file for this process's engine; a missing or unreadable file means no cache."""
        path = (folder or cache_dir()) / engine_key()
        try:
            data: object = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(data, dict):
            return cls(path)
        stored = cast("dict[str, Any]", data)
        usable = isinstance(stored.get("version"), str) and isinstance(stored.get("introspection"), dict)
        return cls(path, stored if usable else None)

    @contextlib.contextmanager
    def installed(self) -> Generator["SchemaCache"]:
        """Make the SDK's sessions use the stored schema (when there is one) while the block runs."""
        original = getattr(sdk_session, HOOK)

        def client(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 (gql's Client signature)
            made: Any = None
            if self.stored is not None:
                try:
                    made = original(
                        *args,
                        **{**kwargs, "fetch_schema_from_transport": False},
                        introspection=self.stored["introspection"],
                    )
                except (KeyError, TypeError, ValueError, AttributeError, graphql.GraphQLError):
                    self.path.unlink(missing_ok=True)  # not a schema: fetch one as usual
                    self.stored = None
            if made is None:
                made = original(*args, **kwargs)
            self.clients.append(made)
            return made

        setattr(sdk_session, HOOK, client)
        try:
            yield self
        finally:
            setattr(sdk_session, HOOK, original)

    async def settle(self, engine_version: Callable[[], Awaitable[str]]) -> bool:
        """After connecting: return False when the stored schema is another engine's (the file is dropped).

        On a miss, store the schema the SDK just fetched, with the engine's version. A cache that cannot be
        written (read-only home) is skipped: it only saves time.
        """
        version = await engine_version()
        if self.stored is not None:
            if self.stored["version"] == version:
                return True
            self.path.unlink(missing_ok=True)
            self.stored = None
            self.clients.clear()
            return False
        fetched = next((c.introspection for c in self.clients if getattr(c, "introspection", None)), None)
        if fetched is not None:
            with contextlib.suppress(OSError, TypeError, ValueError):
                text = json.dumps({"version": version, "introspection": fetched}, default=_enum_name)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(text)
                tmp.replace(self.path)
        return True
