"""dumpning-kit: a guided checklist for social services working against social dumpning."""

__version__ = "0.1.0"
