"""Sources: the documents in the index, one document's sections, and a cited passage in its context."""

from __future__ import annotations

from fastapi import APIRouter

from boligassistent.service.deps import Loaded, QueryKey
from boligassistent.service.errors import ApiError

router = APIRouter(tags=["kilder"])


@router.get("/v1/documents", summary="Dokumentene i indeksen")
def documents(key: QueryKey, loaded: Loaded) -> dict:
    docs = loaded.index.documents()
    return {"count": len(docs), "built_at": loaded.index.manifest.get("built_at"), "documents": docs}


@router.get("/v1/documents/{doc_id:path}", summary="Metadata og seksjoner for ett dokument")
def document(doc_id: str, key: QueryKey, loaded: Loaded) -> dict:
    doc = loaded.index.document(doc_id)
    if doc is None:
        raise ApiError(404, "Fant ikke dokumentet.")
    return doc


@router.get("/v1/sources/{chunk_id}", summary="Det siterte utdraget i sammenheng («vis kilde»)")
def source(chunk_id: str, key: QueryKey, loaded: Loaded) -> dict:
    index = loaded.index
    chunk = index.chunk(chunk_id)
    if chunk is None:
        raise ApiError(404, "Fant ikke kildeutdraget. Indeksen kan ha blitt oppdatert; still spørsmålet på nytt.")
    neighbours = index.neighbours(chunk)
    doc = index.document(chunk.doc_id) or {}
    return {"chunk": chunk.to_dict(), "citation": chunk.citation(),
            "before": next((c.text for c in neighbours if c.ordinal < chunk.ordinal), None),
            "after": next((c.text for c in neighbours if c.ordinal > chunk.ordinal), None),
            "document": {k: v for k, v in doc.items() if k != "sections"}}
