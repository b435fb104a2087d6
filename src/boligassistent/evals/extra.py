"""The evaluation's optional parts (the LlamaIndex baseline, the report's plots) need the `eval` extra."""

from __future__ import annotations

EVAL_EXTRA_INSTALL = "pip install 'boligassistent[eval]'"


class MissingEvalExtra(RuntimeError):
    """An optional part of the evaluation cannot run because the `eval` extra is not installed."""

    def __init__(self, what: str, error: ModuleNotFoundError) -> None:
        super().__init__(f"{what} needs the 'eval' extra, which is not installed (no module named '{error.name}'); "
                         f"install it with: {EVAL_EXTRA_INSTALL}")
