"""The CLI's cached engine schema: which file, when it is used, dropped and written (no engine)."""

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import gql
import graphql
import pytest
from dagger.client import _session as sdk_session
from gql.transport.httpx import HTTPXAsyncTransport

from pipeline_cli.schema import HOOK, SchemaCache, engine_key

#: Never connected to: the tests only build clients.
TRANSPORT = HTTPXAsyncTransport("http://127.0.0.1:9/query")
SDL = "type Query { version: String! }\ndirective @tag on FIELD_DEFINITION | OBJECT\n"


def introspection() -> dict[str, object]:
    """Return an introspection answer as gql keeps it (directive locations as enum members)."""
    return dict(graphql.introspection_from_schema(graphql.build_schema(SDL)))


def version(value: str) -> Callable[[], Awaitable[str]]:
    async def answer() -> str:
        return value

    return answer


def test_the_sdk_still_builds_its_graphql_client_where_the_cache_hooks_in() -> None:
    assert getattr(sdk_session, HOOK) is gql.Client


def test_the_key_follows_the_engine_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST", "unix:///run/a.sock")
    first = engine_key()
    monkeypatch.setenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST", "tcp://10.0.0.2:1234")
    assert engine_key() != first
    assert engine_key() == engine_key()


def test_a_stored_schema_replaces_the_introspection_query(tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path / "k.json", {"version": "v1", "introspection": introspection()})
    with cache.installed():
        client = getattr(sdk_session, HOOK)(transport=TRANSPORT, fetch_schema_from_transport=True)
    assert getattr(sdk_session, HOOK) is gql.Client  # restored
    assert not client.fetch_schema_from_transport
    assert client.schema is not None
    assert client.schema.query_type is not None
    assert "version" in client.schema.query_type.fields


def test_without_a_file_the_sdk_fetches_and_the_answer_is_stored(tmp_path: Path) -> None:
    cache = SchemaCache.load(tmp_path)
    assert cache.stored is None
    with cache.installed():
        client = getattr(sdk_session, HOOK)(transport=TRANSPORT, fetch_schema_from_transport=True)
    assert client.fetch_schema_from_transport
    client.introspection = introspection()  # as gql sets it after fetching
    assert anyio.run(cache.settle, version("v0.21.8"))
    again = SchemaCache.load(tmp_path)
    assert again.stored is not None
    assert again.stored["version"] == "v0.21.8"
    graphql.build_client_schema(again.stored["introspection"])  # the names written back parse


def test_another_engines_schema_is_dropped(tmp_path: Path) -> None:
    cache = SchemaCache.load(tmp_path)
    cache.path.write_text(json.dumps({"version": "v0.20.0", "introspection": {"__schema": {}}}))
    stale = SchemaCache.load(tmp_path)
    assert not anyio.run(stale.settle, version("v0.21.8"))
    assert not stale.path.exists()
    assert stale.stored is None
    assert anyio.run(SchemaCache(stale.path, {"version": "v0.21.8", "introspection": {}}).settle, version("v0.21.8"))


@pytest.mark.parametrize("text", ["", "{", '{"version": 1}', '["not", "a", "dict"]'])
def test_an_unusable_file_means_no_cache(tmp_path: Path, text: str) -> None:
    cache = SchemaCache.load(tmp_path)
    cache.path.write_text(text)
    assert SchemaCache.load(tmp_path).stored is None


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    cache = SchemaCache.load(tmp_path / "file")  # its folder is a file: nothing can be written
    with cache.installed():
        client = getattr(sdk_session, HOOK)(transport=TRANSPORT, fetch_schema_from_transport=True)
    client.introspection = introspection()
    assert anyio.run(cache.settle, version("v1"))


def test_a_file_that_is_not_a_schema_is_dropped_and_the_sdk_fetches(tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path / "k.json", {"version": "v1", "introspection": {"__schema": {}}})
    cache.path.write_text("{}")
    with cache.installed():
        client = getattr(sdk_session, HOOK)(transport=TRANSPORT, fetch_schema_from_transport=True)
    assert client.fetch_schema_from_transport
    assert cache.stored is None
    assert not cache.path.exists()
