"""From command-line values to the module's objects: secrets, host folders and the Pipeline, in one session."""

import collections.abc
import enum
import os
import sys
import types
from pathlib import Path
from typing import Any, Union, cast, get_args, get_origin

import click
import dagger
from dagger import dag

from pipeline import Pipeline
from pipeline.main import SOURCE_IGNORE

from .introspect import Arg, Fn, functions

#: What a list-valued argument's annotation can be: `list[...]` (constructor fields) or `Sequence[...]`.
LISTS = (list, collections.abc.Sequence)


def base_type(annotation: Any) -> Any:  # noqa: ANN401 (a type annotation)
    """Strip ``| None`` from an annotation."""
    if get_origin(annotation) in {Union, types.UnionType}:
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def secret_value(name: str, ref: str) -> str:
    """Read a secret from env:NAME or file:PATH; plaintext on the command line is refused."""
    kind, _, where = ref.partition(":")
    if kind == "env" and where:
        value = os.environ.get(where)
        if value is None:
            raise click.BadParameter(f"environment variable {where} is not set", param_hint=f"--{name}")
        return value
    if kind == "file" and where:
        try:
            return Path(where).read_text().rstrip("\n")
        except OSError as e:
            raise click.BadParameter(f"cannot read {where}: {e.strerror}", param_hint=f"--{name}") from None
    raise click.BadParameter("give env:NAME or file:PATH, never the secret itself", param_hint=f"--{name}")


def check_secrets(fn: Fn, values: dict[str, Any]) -> None:
    """Validate every secret reference before connecting to the engine (usage errors come first)."""
    for arg in fn.args:
        if base_type(arg.annotation) is dagger.Secret and values.get(arg.python_name) is not None:
            secret_value(arg.name, str(values[arg.python_name]))


def convert(arg: Arg, value: Any, *, config: dict[str, Any], fresh: bool = False) -> Any:  # noqa: ANN401, PLR0911 (one return per type)
    """Turn a click value into what the function takes (paths become host objects; fresh: re-read them)."""
    t = base_type(arg.annotation)
    if value is None:
        return None
    if t is dagger.Secret:
        return dag.set_secret(f"pipeline-cli-{arg.name}", secret_value(arg.name, str(value)))
    if t is dagger.Directory:
        # The module's Ignore, and the user's excludes, keep paths out of the upload itself.
        exclude = [*SOURCE_IGNORE, *config.get("exclude", ())] if arg.name == "source" else None
        return dag.host().directory(str(value), exclude=exclude, no_cache=fresh)
    if t is dagger.File:
        return dag.host().file(str(value))
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return t(str(value).upper())
    if get_origin(t) in LISTS:
        values = list(cast("tuple[str, ...]", value))
        if get_args(t) == (dagger.Service,):
            # As `dagger call` reads a Service flag: tcp://HOST:PORT is a service on this host.
            return [dag.address(v).service() for v in values]
        return values
    return value


def make_pipeline(config: dict[str, Any], *, fresh: bool = False) -> Pipeline:
    """Construct the Pipeline from the group's options (inside a connection)."""
    ctor = functions(Pipeline)[""]
    kwargs = {a.python_name: convert(a, config.get(a.python_name), config=config, fresh=fresh) for a in ctor.args}
    return Pipeline(**{k: v for k, v in kwargs.items() if v is not None})


def engine_config(config: dict[str, Any]) -> dagger.Config:
    """Return the connection settings: the engine's progress on stderr with --verbose."""
    return dagger.Config(log_output=sys.stderr if config.get("verbose") else None)
