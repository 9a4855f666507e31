"""Read the two ELF facts the build tests check: machine and whether an interpreter is requested."""

import struct
from dataclasses import dataclass

MACHINES = {62: "x86-64", 183: "aarch64", 40: "arm", 3: "386"}
PT_INTERP = 3


@dataclass(frozen=True)
class ElfInfo:
    """Machine and static-ness of an ELF executable."""

    machine: str
    static: bool


def elf_info(data: bytes) -> ElfInfo:
    """Parse a 64- or 32-bit little-endian ELF header and its program headers."""
    if data[:4] != b"\x7fELF":
        msg = "not an ELF file"
        raise ValueError(msg)
    is64 = data[4] == 2  # EI_CLASS 2 = ELFCLASS64
    machine = struct.unpack_from("<H", data, 18)[0]
    if is64:
        phoff, phentsize, phnum = struct.unpack_from("<Q", data, 32)[0], *struct.unpack_from("<HH", data, 54)
    else:
        phoff, phentsize, phnum = struct.unpack_from("<I", data, 28)[0], *struct.unpack_from("<HH", data, 42)
    types = [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]
    return ElfInfo(machine=MACHINES.get(machine, str(machine)), static=PT_INTERP not in types)
