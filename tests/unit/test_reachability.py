import json
from pathlib import Path

import pytest

from pipeline.security.vulncheck_report import Frame, Level, by_name, called, parse

HERE = Path(__file__).parent
REACHABLE = (HERE / "govulncheck-reachable.json").read_text()


def finding(*frames: dict[str, object]) -> str:
    return json.dumps({"finding": {"osv": "GO-1", "fixed_version": "v2", "trace": list(frames)}})


def test_a_real_stream_gives_the_advisory_with_its_call_paths() -> None:
    found = parse(REACHABLE)
    (adv,) = found.values()
    assert adv.id == "GO-2022-1059"
    assert adv.aliases == ("CVE-2022-32149", "GHSA-69ch-w2m2-3vjp")
    assert adv.level is Level.CALLED
    assert (adv.module, adv.version, adv.fixed) == ("golang.org/x/text", "v0.3.7", "v0.3.8")
    assert sorted(p.symbol for p in adv.paths) == [
        "golang.org/x/text/language.MustParse",
        "golang.org/x/text/language.ParseAcceptLanguage",
    ]
    assert adv.line() == (
        "CVE-2022-32149, GO-2022-1059 golang.org/x/text@v0.3.7: called "
        "(golang.org/x/text/language.MustParse, golang.org/x/text/language.ParseAcceptLanguage)"
    )
    paths = "\n".join(adv.call_paths())
    # Positions only for the scanned module's own calls; the standard library's frames are named, not located.
    assert "vulnerable.preferredTag (main.go:22:46) -> language.ParseAcceptLanguage" in paths
    assert "http.(*Server).ListenAndServe -> " in paths
    assert "server.go" not in paths
    assert by_name(found)["CVE-2022-32149"] is adv
    assert called(found) == [adv]


@pytest.mark.parametrize(
    ("frames", "level"),
    [
        ([{"module": "m", "version": "v1"}], Level.REQUIRED),
        ([{"module": "m", "version": "v1", "package": "m/p"}], Level.IMPORTED),
        (
            [
                {"module": "m", "version": "v1", "package": "m/p", "function": "F"},
                {"module": "app", "function": "main"},
            ],
            Level.CALLED,
        ),
    ],
    ids=["required", "imported", "called"],
)
def test_the_most_precise_level_wins(frames: list[dict[str, object]], level: Level) -> None:
    stream = finding({"module": "m", "version": "v1"}) + "\n" + finding(*frames)
    assert parse(stream)["GO-1"].level is level


def test_methods_are_named_with_their_receiver() -> None:
    assert (
        Frame(module="std", package="net/http", function="Serve", receiver="*Server").symbol() == "http.(*Server).Serve"
    )
    assert Frame(module="std", package="net/http", function="ServeHTTP", receiver="HandlerFunc").symbol() == (
        "http.HandlerFunc.ServeHTTP"
    )


def test_garbage_is_an_error() -> None:
    with pytest.raises(ValueError, match="govulncheck output is not a stream of JSON objects"):
        parse('{"finding": ')
