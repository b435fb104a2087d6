"""Answering: extractive (default) or generative with verified citations, abstention, conversations."""
