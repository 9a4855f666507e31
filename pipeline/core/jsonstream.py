"""Concatenated JSON objects, as go vet -json and govulncheck -format json write them (pure logic)."""

import json
from collections.abc import Iterator
from typing import Any, cast


def objects(stream: str, what: str) -> Iterator[dict[str, Any]]:
    """Yield each JSON object of a stream; lines between objects that are not JSON (go vet's "# pkg") are skipped."""
    decoder = json.JSONDecoder()
    i, n = 0, len(stream)
    while i < n:
        while i < n and stream[i].isspace():
            i += 1
        if i >= n:
            break
        if stream[i] != "{":
            i = stream.find("\n", i)
            i = n if i < 0 else i
            continue
        try:
            obj, i = decoder.raw_decode(stream, i)
        except json.JSONDecodeError as e:
            msg = f"{what} output is not a stream of JSON objects: {e}"
            raise ValueError(msg) from e
        yield cast("dict[str, Any]", obj)


def vet_results(vet_json: str) -> Iterator[tuple[str, str, str | None, list[dict[str, Any]]]]:
    """Yield `go vet -json`'s (package, analyzer, error, diagnostics), one per analyzer and package.

    error is the analyzer's message when it could not run on the package ({"error": "..."}), else None.
    """
    for obj in objects(vet_json, "go vet -json"):
        for package, by_analyzer in obj.items():
            for analyzer, diagnostics in cast("dict[str, Any]", by_analyzer).items():
                if isinstance(diagnostics, dict):
                    yield package, analyzer, str(cast("dict[str, Any]", diagnostics).get("error", diagnostics)), []
                else:
                    yield package, analyzer, None, cast("list[dict[str, Any]]", diagnostics)
