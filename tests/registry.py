"""Typed read access to what the module registers with the Dagger SDK (tests only): objects, functions, docs.

The contract tests check the documented surface and the CI files against it. The SDK keeps this in
private attributes without types, so this file is the only place that reaches into them.
"""

import dataclasses
import inspect
from dataclasses import dataclass
from typing import Any, Final, cast

_EMPTY: Final = inspect.Parameter.empty


@dataclass(frozen=True)
class Arg:
    """One argument as the API exposes it."""

    name: str  # API name (snake_case; the CLI shows it kebab-case)
    python_name: str
    doc: str
    annotation: Any
    default: Any  # inspect.Parameter.empty when required

    @property
    def required(self) -> bool:
        """True when the argument has no default."""
        return self.default is _EMPTY


@dataclass(frozen=True)
class Fn:
    """One function (or the constructor, named "") of an object."""

    name: str
    python_name: str
    doc: str
    args: tuple[Arg, ...]
    check: bool
    return_type: Any


def objects(main: type) -> dict[str, type]:
    """Every object type registered by main's module, by class name."""
    registry = cast("dict[str, Any]", main.__dagger_module__._objects)  # pyright: ignore[reportUnknownMemberType]  # noqa: SLF001
    return {name: cast("type", ot.cls) for name, ot in registry.items()}


def functions(cls: type) -> dict[str, Fn]:
    """Return the functions of an object type by API name, the constructor under ""."""
    ot = cast("Any", cls).__dagger_object_type__
    fns = cast("dict[str, Any]", dict(ot.functions))
    fns[""] = ot.get_constructor()
    found = {name: _fn(name, f) for name, f in fns.items()}
    # Constructor defaults made by factories (mutable lists) show as a sentinel in the signature.
    factories = {
        f.name: f.default_factory for f in dataclasses.fields(cls) if f.default_factory is not dataclasses.MISSING
    }
    args = tuple(
        dataclasses.replace(a, default=factories[a.python_name]()) if a.python_name in factories else a
        for a in found[""].args
    )
    found[""] = dataclasses.replace(found[""], args=args)
    return found


def _fn(name: str, f: Any) -> Fn:
    params = cast("dict[str, Any]", f.parameters)
    args = tuple(
        Arg(
            name=str(p.name),
            python_name=py,
            doc=str(p.doc or ""),
            annotation=p.resolved_type,
            default=cast("inspect.Parameter", p.signature).default,
        )
        for py, p in params.items()
    )
    meta = getattr(f, "meta", None)
    return Fn(
        name=name,
        python_name=str(getattr(f, "original_name", name)),
        doc=str(f.doc or ""),
        args=args,
        check=bool(getattr(meta, "check", False)),
        return_type=f.return_type if name else None,
    )
