"""Vertebral levels that can be treated, in spine order, with their SNOMED CT body-structure codes.

Codes from DICOM CID 7603 (see shared/clinical/PROTOCOL.md). The sacrum is not in that list.
"""

SNOMED_CODES: dict[str, str] = {
    "C1": "14806007",
    "C2": "39976000",
    "C3": "113205007",
    "C4": "5329002",
    "C5": "36978003",
    "C6": "36054005",
    "C7": "87391001",
    "T1": "64864005",
    "T2": "53733008",
    "T3": "1626008",
    "T4": "73071006",
    "T5": "56401006",
    "T6": "45296009",
    "T7": "62487009",
    "T8": "11068009",
    "T9": "82687006",
    "T10": "7610001",
    "T11": "12989004",
    "T12": "23215003",
    "L1": "66794005",
    "L2": "14293000",
    "L3": "36470004",
    "L4": "11994002",
    "L5": "49668003",
}

LEVELS: tuple[str, ...] = tuple(SNOMED_CODES)


def spine_order(levels: list[str]) -> list[str]:
    """Return the levels sorted from the skull down."""
    return sorted(levels, key=LEVELS.index)
