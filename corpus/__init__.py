"""Corpus loaders: every file format becomes the same Document/Section model."""
