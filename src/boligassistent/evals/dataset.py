"""Evaluation question sets (JSONL) and their validation against the corpus."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from boligassistent.corpus.discovery import SourceFile, file_hash, load_document
from boligassistent.corpus.errors import UnreadableDocument
from boligassistent.evals.normalize import normalize


@dataclass
class GoldSource:
    source: str
    evidence: str


@dataclass
class Question:
    id: str
    question: str
    answerable: bool
    sources: list[GoldSource]
    answer_facts: list[str]
    type: str = ""
    topic: str = ""
    dataset: str = ""

    @property
    def gold_docs(self) -> set[str]:
        return {s.source for s in self.sources}


@dataclass
class ValidationReport:
    path: Path
    n_lines: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class DatasetError(ValueError):
    pass


def _parse(obj: dict, where: str, dataset: str) -> Question:
    required = {"id": str, "question": str, "answerable": bool}
    for key, typ in required.items():
        if not isinstance(obj.get(key), typ):
            raise DatasetError(f"{where}: field '{key}' missing or not {typ.__name__}")
    sources = obj.get("sources") or []
    if not isinstance(sources, list) or any(not isinstance(s, dict) or not s.get("source") or not s.get("evidence")
                                            for s in sources):
        raise DatasetError(f"{where}: 'sources' must be a list of {{source, evidence}}")
    if obj["answerable"] and not sources:
        raise DatasetError(f"{where}: answerable question without sources")
    facts = obj.get("answer_facts") or []
    if not isinstance(facts, list) or any(not isinstance(f, str) for f in facts):
        raise DatasetError(f"{where}: 'answer_facts' must be a list of strings")
    return Question(id=obj["id"], question=obj["question"], answerable=obj["answerable"],
                    sources=[GoldSource(s["source"], s["evidence"]) for s in sources], answer_facts=facts,
                    type=str(obj.get("type") or ""), topic=str(obj.get("topic") or ""), dataset=dataset)


def load_questions(path: Path) -> list[Question]:
    """Load a JSONL set; raises DatasetError naming the first bad line."""
    if not path.is_file():
        raise DatasetError(f"dataset not found: {path}")
    out: list[Question] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path.name}:{n}: invalid JSON ({exc.msg})") from exc
        out.append(_parse(obj, f"{path.name}:{n}", path.stem))
    return out


def _document_texts(corpus_dir: Path, doc_id: str, cache: dict[str, list[str]]) -> list[str]:
    """Normalized texts a span may be found in: the parsed document and the raw extraction."""
    if doc_id not in cache:
        path = corpus_dir / doc_id
        texts: list[str] = []
        if path.is_file():
            try:
                doc = load_document(SourceFile(path=path, doc_id=doc_id, sha256=file_hash(path)))
                texts.append(normalize(" ".join(s.text for s in doc.sections)))
            except UnreadableDocument:
                pass
            if path.suffix.lower() == ".pdf":
                from pypdf import PdfReader
                texts.append(normalize(" ".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)))
            else:
                texts.append(normalize(path.read_text(encoding="utf-8", errors="replace")))
        cache[doc_id] = texts
    return cache[doc_id]


def validate_dataset(path: Path, corpus_dir: Path) -> ValidationReport:
    report = ValidationReport(path=path)
    seen: set[str] = set()
    docs: dict[str, list[str]] = {}
    if not path.is_file():
        report.errors.append(f"dataset not found: {path}")
        return report
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        report.n_lines += 1
        where = f"{path.name}:{n}"
        try:
            q = _parse(json.loads(line), where, path.stem)
        except json.JSONDecodeError as exc:
            report.errors.append(f"{where}: invalid JSON ({exc.msg})")
            continue
        except DatasetError as exc:
            report.errors.append(str(exc))
            continue
        if q.id in seen:
            report.errors.append(f"{where}: duplicate id '{q.id}'")
        seen.add(q.id)
        for src in q.sources:
            if not (corpus_dir / src.source).is_file():
                report.errors.append(f"{where} ({q.id}): source not in corpus: {src.source}")
                continue
            span = normalize(src.evidence)
            if not any(span in text for text in _document_texts(corpus_dir, src.source, docs)):
                report.errors.append(f"{where} ({q.id}): evidence not found in {src.source}: «{src.evidence[:80]}»")
    return report
