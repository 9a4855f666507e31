"""The module's functions, arguments and their docs, read with Python's own introspection.

The CLI needs what `dagger functions` shows: each public method of the main object with its docstring, each
argument with its type, default and `Doc`. Everything here comes from the class itself (signatures, type hints
with their `Annotated` metadata, dataclass fields), not from the SDK's private registry; the contract tests
check that both agree.
"""

import dataclasses
import functools
import inspect
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Final, get_args, get_origin

from typing_extensions import Doc

from pipeline.core.validate import ArgKind, Checked

EMPTY: Final = inspect.Parameter.empty
#: Python method names whose API name differs (`@function(name=...)`): a method cannot share a field's name.
API_NAMES: Final = {"go_version_info": "go_version"}


@dataclass(frozen=True)
class Arg:
    """One argument as the API exposes it."""

    name: str  # API name (snake_case; the CLI shows it kebab-case)
    python_name: str
    doc: str
    annotation: Any
    default: Any  # inspect.Parameter.empty when required
    #: What kind of value it is, for the checks the CLI runs on the host (pipeline.core.validate.Checked).
    kinds: tuple[ArgKind, ...] = ()

    @property
    def required(self) -> bool:
        """True when the argument has no default."""
        return self.default is EMPTY


@dataclass(frozen=True)
class Fn:
    """One function (or the constructor, named "") of an object."""

    name: str
    python_name: str
    doc: str
    args: tuple[Arg, ...]


def _split(hint: Any) -> tuple[Any, str, tuple[ArgKind, ...]]:  # noqa: ANN401 (a type annotation)
    """Return the bare type, the Doc text and the checked kinds of an Annotated hint."""
    if get_origin(hint) is Annotated:
        bare, *meta = get_args(hint)
        doc = next((m.documentation for m in meta if isinstance(m, Doc)), "")
        return bare, doc, tuple(m.kind for m in meta if isinstance(m, Checked))
    return hint, "", ()


def constructor(cls: type) -> Fn:
    """Return the main object's constructor: its dataclass fields with their docs and defaults."""
    hints = typing.get_type_hints(cls, include_extras=True)
    args: list[Arg] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        bare, doc, kinds = _split(hints[f.name])
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = EMPTY
        args.append(Arg(f.name, f.name, doc, bare, default, kinds))
    return Fn("", "", inspect.getdoc(cls) or "", tuple(args))


def functions(cls: type) -> dict[str, Fn]:
    """Return the public methods of cls by API name, and the constructor under ""."""
    return dict(_functions(cls))


@functools.cache
def _functions(cls: type) -> dict[str, Fn]:
    """Read cls once per process: building the CLI asks for it once per subcommand."""
    found = {"": constructor(cls)}
    for python_name, method in inspect.getmembers(cls, inspect.isfunction):
        if python_name.startswith("_"):
            continue
        hints = typing.get_type_hints(method, include_extras=True)
        args: list[Arg] = []
        for p in list(inspect.signature(method).parameters.values())[1:]:  # without self
            bare, doc, kinds = _split(hints[p.name])
            args.append(Arg(p.name, p.name, doc, bare, p.default, kinds))
        name = API_NAMES.get(python_name, python_name)
        found[name] = Fn(name, python_name, inspect.getdoc(method) or "", tuple(args))
    return found
