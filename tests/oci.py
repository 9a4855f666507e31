"""Read an OCI image layout tarball (what Container.as_tarball writes) without an engine."""

import json
import tarfile
from pathlib import Path
from typing import Any


def layer_media_types(oci_tarball: Path) -> list[str]:
    """Return the media types of the layers of the one image in an OCI layout tarball."""
    with tarfile.open(oci_tarball) as tar:

        def blob(name: str) -> dict[str, Any]:
            member = tar.extractfile(name)
            assert member is not None, f"{oci_tarball}: no {name}"
            return json.load(member)

        (image,) = blob("index.json")["manifests"]
        manifest = blob(f"blobs/sha256/{image['digest'].removeprefix('sha256:')}")
        return [layer["mediaType"] for layer in manifest["layers"]]
