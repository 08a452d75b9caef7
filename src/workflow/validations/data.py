"""What the NPN validation machine's events carry (msgspec Structs, checked by
``MachineSpec.parse_data``)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from workflow.validations.producer import RegistryRecordData

Npn = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{0,10}$")]
Short = Annotated[str, msgspec.Meta(max_length=500)]


class RevalidateData(msgspec.Struct, forbid_unknown_fields=True):
    """The profile as checked and what the registry said: filled by the service."""

    npn: Npn
    name: Short
    ssn_provided: bool
    registry: Literal["answered", "unavailable"]
    record: RegistryRecordData | None = None
    hint: Short | None = None
    error: Short | None = None


class FieldChange(msgspec.Struct, forbid_unknown_fields=True):
    old: Short | None
    new: Short


class CorrectRecordData(msgspec.Struct, forbid_unknown_fields=True):
    """Profile fields copied from the registry record of ``registry_npn``, old → new."""

    registry_npn: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,10}$")]
    changes: dict[Literal["name", "npn"], FieldChange]
