import dagger
from dagger import dag, function, object_type


@object_type
class Main:
    @function
    async def hello(self, name: str = "world") -> str:
        """Return a greeting."""
        return f"hello, {name}"

    @function
    def entries(self, directory: dagger.Directory) -> dagger.Directory:
        """Return the given directory (an example of a Directory argument)."""
        return dag.directory().with_directory(".", directory)
