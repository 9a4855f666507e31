"""The public functions' argument types, each named once with its Doc, and the kinds of function (check, up, …)."""

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Final, TypeVar, cast

import dagger
from dagger import DefaultPath, Doc, Ignore

from .core.validate import ArgKind, Checked
from .perf.pprof import ProfileKind
from .security.scan import Severity

#: The folder CI jobs keep the travelling cache in (ci's `cache`, --cache-from): beside the source, never part of it.
CACHE_FOLDER: Final = ".pipeline-cache"
#: What is never uploaded: Git's own data and the cache folder. Everything a Go build or test can read stays.
SOURCE_IGNORE: Final = [".git", CACHE_FOLDER]

F = TypeVar("F", bound=Callable[..., Any])


def check(fn: F) -> F:
    """Mark a function as a check for `dagger check` (dagger.check, typed)."""
    return cast("F", dagger.check(fn))


def generate(fn: F) -> F:
    """Mark a function as a generator for `dagger generate` (dagger.generate, typed)."""
    return cast("F", dagger.generate(fn))


def uncached(fn: F) -> F:
    """Register a function whose result is never cached (it has side effects, e.g. a push)."""
    register = cast("Callable[[F], F]", dagger.function(cache="never"))  # pyright: ignore[reportCallIssue]  # the SDK's overloads omit `cache`
    return register(fn)


def up(fn: F) -> F:
    """Mark a function as a service for `dagger up` (dagger.up, typed)."""
    return cast("F", dagger.up(fn))


Source = Annotated[
    dagger.Directory,
    Doc("Go module or workspace root (holds go.mod or go.work); default: the repository root."),
    Checked(ArgKind.SOURCE_DIR),
    DefaultPath("/"),
    Ignore(SOURCE_IGNORE),
]
Version = Annotated[str, Doc("Version stamped into the binary as main.version.")]
PlatformArg = Annotated[str, Doc("Target platform, e.g. linux/arm64; default: the engine's platform.")]
SeverityArg = Annotated[Severity, Doc("Gate threshold: findings at or above it fail.")]
IgnoreUnfixed = Annotated[bool, Doc("Leave out vulnerabilities that have no fixed version.")]
TestRun = Annotated[str, Doc("Only tests matching this regexp (go test -run).")]
BenchPackage = Annotated[str, Doc("Package to benchmark (profiles need exactly one).")]
BenchPattern = Annotated[str, Doc("Benchmarks to run (go test -bench).")]
BenchTime = Annotated[str, Doc("Time or iterations per benchmark (go test -benchtime)."), Checked(ArgKind.BENCHTIME)]
ProfileArg = Annotated[ProfileKind, Doc("Profile of a fresh bench run to read, unless --file is given.")]
ProfileFile = Annotated[
    dagger.File | None, Doc("A profile to read instead (e.g. bench's cpu.prof, or a service's /debug/pprof output).")
]
ProfiledBinary = Annotated[
    dagger.File | None, Doc("The binary the --file profile came from (disassembly; profiles without symbols).")
]
SampleIndex = Annotated[
    str,
    Doc("Sample type to show, e.g. alloc_space for a memory profile; default: pprof's."),
    Checked(ArgKind.SAMPLE_INDEX),
]
ImageArg = Annotated[
    str,
    Doc("Published image: repository:tag@sha256:… as publish returns it (or @sha256:…)."),
    Checked(ArgKind.IMAGE_REF),
]
PinnedImageArg = Annotated[
    str,
    Doc("Published image with its digest: repository:tag@sha256:… as publish returns it."),
    Checked(ArgKind.PINNED_IMAGE_REF),
]
KeyArg = Annotated[dagger.Secret, Doc("cosign private key (cosign.key from cosign generate-key-pair), a Secret.")]
KeyPasswordArg = Annotated[dagger.Secret | None, Doc("Password of the cosign key, a Secret; none: an empty one.")]
Username = Annotated[str, Doc("Registry user.")]
Password = Annotated[dagger.Secret | None, Doc("Registry password or token (a Secret).")]
Services = Annotated[
    Sequence[dagger.Service],
    Doc("Services the integration tests need (a container's service, or tcp://localhost:5432 for a host's)."),
    Checked(ArgKind.SERVICE_ADDRESSES),
]
ServiceNames = Annotated[
    Sequence[str], Doc("Host name of each --services entry, in the same order (e.g. db); the app is 'app'.")
]
IntegrationTag = Annotated[
    str, Doc("Build tag of the integration tests (//go:build <tag>)."), Checked(ArgKind.BUILD_TAG)
]
IntegrationEnv = Annotated[
    Sequence[str],
    Doc("Environment of the app's service and of the tests, NAME=value (e.g. REDIS_ADDR=redis:6379)."),
    Checked(ArgKind.ENV),
]
