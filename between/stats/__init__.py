"""Pure statistics for Between Sessions. No Django imports here, ever (tests check it)."""
