"""Shared configuration, logging and CLI for the boligsosial knowledge assistant."""

__version__ = "0.1.0"
