"""The Pipeline's release functions: publish the image, sign and attest it, verify it, publish the chart."""

from typing import Annotated

import dagger
from dagger import Doc

from pipeline import resolved
from pipeline.args import ImageArg, KeyArg, KeyPasswordArg, Password, PinnedImageArg, Username, uncached
from pipeline.core.validate import ArgKind, Checked
from pipeline.release import supply_chain
from pipeline.release.cosign import Signer
from pipeline.release.publish import check_push_access, publish_index
from pipeline.release.supply_chain import ReleaseFacts, check_login
from pipeline.release.verify import VerifyReport, verify
from pipeline.security.functions import SecurityFunctions


class ReleaseFunctions(SecurityFunctions):
    """Release: publish every platform as one index, sign and attest it, verify it, publish the chart pinned to it."""

    @uncached
    async def publish(
        self,
        address: Annotated[
            str, Doc("Image repository without tag, e.g. ghcr.io/acme/hello."), Checked(ArgKind.ADDRESS)
        ],
        version: Annotated[
            str,
            Doc("Semver release, e.g. v1.2.3; tags 1.2.3, 1.2 and 1 (pre-releases: exact)."),
            Checked(ArgKind.RELEASE_VERSION),
        ],
        commit: Annotated[str, Doc("Git commit: its short sha becomes a tag and the revision label.")] = "",
        latest: Annotated[bool, Doc("Also tag latest.")] = False,
        username: Username = "",
        password: Password = None,
    ) -> list[str]:
        """Publish every platform as one image index under all tags; return address:tag@sha256 refs."""
        tags = resolved.publish_tags(address, version, commit, latest)
        platforms = resolved.platforms(self)
        check_login(username, password)
        auth = (username, password) if password is not None else None
        await check_push_access(address, auth)
        variants = [await self.image(platform=str(p), version=version, revision=commit) for p in platforms]
        return await publish_index(address, tags, variants, auth)

    @uncached
    async def sign(
        self,
        image: ImageArg,
        key: KeyArg,
        key_password: KeyPasswordArg = None,
        username: Username = "",
        password: Password = None,
    ) -> list[str]:
        """Sign a published image with a cosign key: its index and each platform manifest; return what was signed."""
        supply = await resolved.supply(self, self.image, username, password)
        return await supply_chain.sign_image(supply, image, Signer(key, key_password))

    @uncached
    async def attest(
        self,
        image: ImageArg,
        key: KeyArg,
        key_password: KeyPasswordArg = None,
        version: Annotated[str, Doc("The version the image was published with (as given to publish).")] = "dev",
        commit: Annotated[str, Doc("Git commit the image was built from (recorded in the provenance).")] = "",
        source_uri: Annotated[str, Doc("Source repository, e.g. git+https://github.com/acme/hello.")] = "",
        builder_id: Annotated[str, Doc("SLSA builder id, e.g. your CI run's URL; default: this module.")] = "",
        username: Username = "",
        password: Password = None,
    ) -> list[str]:
        """Attach a CycloneDX SBOM attestation per platform and SLSA provenance v1 to a published image."""
        facts = ReleaseFacts(version=version, commit=commit, source_uri=source_uri, builder_id=builder_id)
        supply = await resolved.supply(self, self.image, username, password)
        return await supply_chain.attest_image(supply, image, Signer(key, key_password), facts)

    @uncached
    async def verify(
        self,
        image: Annotated[
            str,
            Doc("Image to check: repository:tag@sha256:… (publish's output), @sha256:… or :tag."),
            Checked(ArgKind.IMAGE_REF),
        ],
        key: Annotated[dagger.File, Doc("cosign public key (cosign.pub).")],
        username: Username = "",
        password: Password = None,
    ) -> VerifyReport:
        """Verify a published image's signatures, SBOM attestations and provenance with a cosign public key."""
        supply = await resolved.supply(self, self.image, username, password)
        ref = supply_chain.parse_ref(image, "verify")
        return await verify(supply.tools(ref.repository), key, ref)

    @uncached
    async def publish_chart(
        self,
        chart_dir: Annotated[dagger.Directory, Doc("Helm chart folder (holds Chart.yaml; values take image.digest).")],
        address: Annotated[
            str,
            Doc("OCI repository for charts, e.g. ghcr.io/acme/charts (the chart's name is added)."),
            Checked(ArgKind.ADDRESS),
        ],
        image: PinnedImageArg,
        version: Annotated[
            str,
            Doc("Release, e.g. v1.2.3: the chart's version and appVersion (1.2.3)."),
            Checked(ArgKind.RELEASE_VERSION),
        ],
        key: KeyArg,
        key_password: KeyPasswordArg = None,
        username: Username = "",
        password: Password = None,
    ) -> str:
        """Package a Helm chart pinned to a published image digest, push it as an OCI artifact and sign it."""
        supply = await resolved.supply(self, self.image, username, password)
        signer = Signer(key, key_password)
        return await supply_chain.publish_chart(supply, chart_dir, address, image, version, signer)
