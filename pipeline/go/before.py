"""`--before`: commands that prepare the source (go generate, make fixtures, a web UI's build) before any step.

They run in order with `sh -c` on a copy of the source, in the Go builder (its caches and proxy settings) or in
`--before-image`. What they write becomes the source every later step sees. The engine caches the result on the
source, the commands and the image, so an unchanged source prepares once. A command that fails is named with the
end of its output, and no step runs.
"""

from typing import Final

import dagger
from dagger import dag

from pipeline.core.errors import PipelineError
from pipeline.core.execs import run

from .builder import SRC, GoEnv

STEP: Final = "before"
#: Lines of a failing command's output shown in the error.
TAIL: Final = 30


async def prepare(env: GoEnv, source: dagger.Directory, commands: list[str], image: str) -> dagger.Directory:
    """Return the source after each command ran on it; PipelineError naming the first that failed."""
    ctr = dag.container().from_(image) if image else env.container()
    ctr = ctr.with_directory(SRC, source).with_workdir(SRC)
    for i, command in enumerate(commands, 1):
        res = await run(ctr, ["sh", "-c", command], STEP, env.step_timeout)
        if res.code != 0:
            output = "\n".join((res.stderr.strip() + "\n" + res.stdout.strip()).strip().splitlines()[-TAIL:])
            where = f" in {image}" if image else ""
            cause = f"command {i} of {len(commands)}, `{command}`{where}, failed (exit {res.code}); no step ran"
            raise PipelineError(STEP, cause, output)
        ctr = res.container
    return ctr.directory(SRC)
