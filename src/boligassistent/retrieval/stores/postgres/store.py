"""PostgresIndex: the read side (`IndexStore`) of one generation in PostgreSQL.

Both search capabilities run in the database, one round trip each: BM25 over our analyzer's terms, summed
from the generation's postings (only the postings of the query's terms are read; the same terms, idf and
length normalisation as `indexing.bm25` in the embedded backend, so both rank identically), and cosine
distance on the partition's HNSW index. The arms and their fusion (`retrieval.arms`, `retrieval.fusion`) are
the same as for the embedded backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import psycopg
from psycopg import sql

from boligassistent.domain.documents import LEGAL_KINDS, Chunk
from boligassistent.indexing.bm25 import BM25Config, raw_idf
from boligassistent.indexing.generation import (
    INDEX_FORMAT,
    GenerationRetired,
    IndexMismatch,
    IndexNotFound,
)
from boligassistent.retrieval.store import Candidate, SearchFilters, in_citation_order
from boligassistent.retrieval.stores.postgres.connection import PostgresPool, one_row
from boligassistent.retrieval.stores.postgres.schema import is_current
from boligassistent.text.legal_refs import chapter_heading_pattern

CHUNK_COLUMNS = ("chunk_id", "doc_id", "section_id", "ordinal", "kind", "label", "title", "header", "body", "heading_path",
                 "page_from", "page_to", "ledd_from", "ledd_to", "url")


def partition(generation_id: int) -> sql.Identifier:
    return sql.Identifier(f"chunks_g{int(generation_id)}")


def postings_partition(generation_id: int) -> sql.Identifier:
    return sql.Identifier(f"postings_g{int(generation_id)}")


def chunk_from_row(row: tuple) -> Chunk:
    (chunk_id, doc_id, section_id, ordinal, kind, label, title, header, body, heading_path,
     page_from, page_to, ledd_from, ledd_to, url) = row[: len(CHUNK_COLUMNS)]
    return Chunk(chunk_id=chunk_id, doc_id=doc_id, section_id=section_id, ordinal=ordinal, text=body, header=header,
                 label=label, title=title, kind=kind, heading_path=list(heading_path),
                 pages=(page_from, page_to) if page_from is not None else None,
                 ledd=(ledd_from, ledd_to) if ledd_from is not None else None, url=url)


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32).ravel()) + "]"


def active_generation_id(pool: PostgresPool) -> int | None:
    with pool.connection() as conn:
        if one_row(conn.execute("SELECT to_regclass('active_generation') IS NULL"))[0]:
            return None
        row = conn.execute("SELECT generation_id FROM active_generation").fetchone()
    return row[0] if row else None


_COLS = sql.SQL(", ").join(sql.SQL("c.") + sql.Identifier(c) for c in CHUNK_COLUMNS)


class PostgresIndex:
    def __init__(self, pool: PostgresPool, generation_id: int, manifest: dict, chunk_count: int, dim: int,
                 avg_dl: float | None, bm25: BM25Config | None = None) -> None:
        self.pool = pool
        self.generation_id = generation_id
        self.manifest = manifest
        self._chunk_count = chunk_count
        self.dim = dim
        self.avg_dl = avg_dl
        self.bm25 = bm25 or BM25Config()
        self._table = partition(generation_id)
        self._postings = postings_partition(generation_id)

    @classmethod
    def open(cls, pool: PostgresPool, expected_model_id: str | None = None, bm25: BM25Config | None = None) -> PostgresIndex:
        hint = f"Build one with: boligassistent index --backend postgres --dsn '{pool.where}'"
        rebuild = "Rebuild it with: boligassistent index --backend postgres --rebuild"
        with pool.connection() as conn:
            if not is_current(conn):
                raise IndexNotFound(f"No index schema in PostgreSQL at {pool.where}. {hint}")
            row = conn.execute("SELECT g.id, g.manifest, g.chunk_count, g.dim, g.model_id, g.avg_dl, "
                               "to_regclass('postings_g' || g.id) IS NOT NULL FROM active_generation a "
                               "JOIN generations g ON g.id = a.generation_id").fetchone()
        if row is None:
            raise IndexNotFound(f"No index in PostgreSQL at {pool.where}. {hint}")
        generation_id, manifest, chunk_count, dim, model_id, avg_dl, has_postings = row
        if manifest.get("format") != INDEX_FORMAT:
            raise IndexMismatch(f"Index in {pool.where} has format {manifest.get('format')}, this version reads "
                                f"{INDEX_FORMAT}. {rebuild}")
        if not has_postings:
            raise IndexMismatch(f"Index in {pool.where} was built before BM25 postings existed (schema migration 2). {rebuild}")
        if expected_model_id and model_id != expected_model_id:
            raise IndexMismatch(f"Index in {pool.where} was built with embedding model '{model_id}', but the configured "
                                f"model is '{expected_model_id}'. {rebuild}")
        return cls(pool, generation_id, manifest, chunk_count, dim, avg_dl, bm25)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        try:
            with self.pool.connection() as conn:
                yield conn
        except psycopg.errors.UndefinedTable as exc:
            raise GenerationRetired(f"Generation {self.generation_id} in {self.pool.where} was retired by newer builds; "
                                    "reload the index") from exc

    # --- identity ------------------------------------------------------------------------------------
    @property
    def generation(self) -> str:
        return str(self.generation_id)

    @property
    def model_id(self) -> str:
        return self.manifest["embedding"]["model_id"]

    @property
    def chunk_count(self) -> int:
        return self._chunk_count

    @property
    def document_count(self) -> int:
        return self.manifest["counts"]["documents"]

    # --- retrieval -----------------------------------------------------------------------------------
    def _filter_sql(self, filters: SearchFilters, params: dict) -> sql.Composable:
        parts = [sql.SQL("TRUE")]
        if filters.kinds:
            params["kinds"] = list(filters.kinds)
            parts.append(sql.SQL("c.kind = ANY(%(kinds)s)"))
        if filters.doc_ids:
            params["doc_ids"] = list(filters.doc_ids)
            parts.append(sql.SQL("c.doc_id = ANY(%(doc_ids)s)"))
        if filters.exclude_doc_ids:
            params["exclude_doc_ids"] = list(filters.exclude_doc_ids)
            parts.append(sql.SQL("NOT (c.doc_id = ANY(%(exclude_doc_ids)s))"))
        return sql.SQL(" AND ").join(parts)

    def _chunk_candidates(self, ranked: sql.Composable, params: dict) -> list[Candidate]:
        """Candidates for the CTE `ranked` (seq, score), best first, ties by chunk id."""
        query = sql.SQL("WITH {ranked} SELECT {cols}, r.score FROM r JOIN {table} c ON c.seq = r.seq").format(
            ranked=ranked, cols=_COLS, table=self._table)
        with self._connection() as conn:
            rows = conn.execute(query, params).fetchall()
        out = [Candidate(chunk_from_row(row), float(row[-1])) for row in rows]
        out.sort(key=lambda c: (-c.score, c.chunk.chunk_id))
        return out

    def bm25_search(self, terms: list[str], n: int, filters: SearchFilters) -> list[Candidate]:
        if not terms or not self.avg_dl:
            return []
        params: dict = {"g": self.generation_id, "n": n, "terms": list(terms), "k1": self.bm25.k1, "b": self.bm25.b,
                        "avg_dl": self.avg_dl}
        scored = sql.SQL("""
lq AS (  -- a term repeated in the query counts once per occurrence, as in rank-bm25
    SELECT s.term, count(*) * s.idf AS w
    FROM unnest(%(terms)s::text[]) AS q(term) JOIN term_stats s ON s.generation_id = %(g)s AND s.term = q.term
    GROUP BY s.term, s.idf
),
bm25 AS (
    SELECT u.seq, sum(lq.w * u.tf * (%(k1)s + 1) / (u.tf + %(k1)s * (1 - %(b)s + %(b)s * u.dl / %(avg_dl)s))) AS score
    FROM lq JOIN {postings} p ON p.generation_id = %(g)s AND p.term = lq.term,
         unnest(p.seqs, p.tfs, p.dls) AS u(seq, tf, dl)
    GROUP BY u.seq
),""").format(postings=self._postings)
        best: sql.Composable
        if filters.active:  # filter every scored chunk, then take the best n
            best = sql.SQL("r AS (SELECT c.seq, s.score FROM bm25 s JOIN {table} c ON c.seq = s.seq "
                           "WHERE s.score > 0 AND {where} ORDER BY s.score DESC, c.seq LIMIT %(n)s)").format(
                table=self._table, where=self._filter_sql(filters, params))
        else:  # the best n by score alone; only they are joined to their chunks
            best = sql.SQL("r AS (SELECT seq, score FROM bm25 WHERE score > 0 ORDER BY score DESC, seq LIMIT %(n)s)")
        return self._chunk_candidates(scored + best, params)

    def vector_search(self, vector: np.ndarray, n: int, filters: SearchFilters) -> list[Candidate]:
        params: dict = {"g": self.generation_id, "n": n, "v": vector_literal(vector)}
        nearest = sql.SQL("""
r AS (
    SELECT c.seq, 1 - (c.embedding::vector({dim}) <=> %(v)s::vector({dim})) AS score
    FROM {table} c
    WHERE {where}
    ORDER BY c.embedding::vector({dim}) <=> %(v)s::vector({dim})
    LIMIT %(n)s
)""").format(table=self._table, where=self._filter_sql(filters, params), dim=sql.Literal(self.dim))
        return self._chunk_candidates(nearest, params)

    def known_terms(self, terms: list[str]) -> set[str]:
        if not terms:
            return set()
        with self._connection() as conn:
            rows = conn.execute("SELECT term FROM term_stats WHERE generation_id = %s AND term = ANY(%s)",
                                (self.generation_id, list(terms))).fetchall()
        return {term for (term,) in rows}

    def term_frequencies(self) -> dict[str, int]:
        with self._connection() as conn:
            return dict(conn.execute("SELECT term, df FROM term_stats WHERE generation_id = %s",
                                     (self.generation_id,)).fetchall())

    def term_idf(self, terms: list[str]) -> dict[str, float]:
        with self._connection() as conn:
            found = dict(conn.execute("SELECT term, idf FROM term_stats WHERE generation_id = %s AND term = ANY(%s)",
                                      (self.generation_id, list(terms))).fetchall())
        return {t: found[t] if t in found else raw_idf(0, self._chunk_count) for t in terms}

    # --- documents and chunks ------------------------------------------------------------------------
    def documents(self) -> list[dict]:
        with self._connection() as conn:
            rows = conn.execute("SELECT meta, n_chunks FROM documents WHERE generation_id = %s ORDER BY ord",
                                (self.generation_id,)).fetchall()
        return [{**meta, "chunks": n} for meta, n in rows]

    def document(self, doc_id: str) -> dict | None:
        with self._connection() as conn:
            row = conn.execute("SELECT meta FROM documents WHERE generation_id = %s AND doc_id = %s",
                               (self.generation_id, doc_id)).fetchone()
            if row is None:
                return None
            sections = conn.execute("SELECT section_id, label, heading_path, page_from, page_to, url FROM sections "
                                    "WHERE generation_id = %s AND doc_id = %s ORDER BY ord",
                                    (self.generation_id, doc_id)).fetchall()
        return {**row[0], "sections": [
            {"section_id": sid, "label": label, "heading_path": list(path),
             "pages": [a, b] if a is not None else None, "url": url}
            for sid, label, path, a, b, url in sections]}

    def _chunks_where(self, condition: sql.Composable, params: dict) -> list[Chunk]:
        query = sql.SQL("SELECT {cols} FROM {table} c WHERE c.generation_id = %(g)s AND {cond} ORDER BY c.ordinal").format(
            cols=_COLS, table=self._table, cond=condition)
        with self._connection() as conn:
            return [chunk_from_row(row) for row in conn.execute(query, {"g": self.generation_id, **params})]

    def chunk(self, chunk_id: str) -> Chunk | None:
        found = self._chunks_where(sql.SQL("c.chunk_id = %(id)s"), {"id": chunk_id})
        return found[0] if found else None

    def legal_sections(self, doc_id: str, section_ids: list[str] | None, chapter: str | None, n: int) -> list[Candidate]:
        params: dict = {"doc": doc_id, "kinds": sorted(LEGAL_KINDS)}
        if section_ids:
            params["sections"] = list(section_ids)
            which = sql.SQL("c.section_id = ANY(%(sections)s)")
        elif chapter is not None:
            params["chapter"] = chapter_heading_pattern(chapter)
            which = sql.SQL("EXISTS (SELECT 1 FROM unnest(c.heading_path) AS h(heading) WHERE h.heading ~* %(chapter)s)")
        else:
            return []
        found = self._chunks_where(sql.SQL("c.doc_id = %(doc)s AND c.kind = ANY(%(kinds)s) AND ") + which, params)
        if section_ids:
            found = in_citation_order(found, section_ids)
        return [Candidate(c, 1.0) for c in found[:n]]

    def neighbours(self, chunk: Chunk) -> list[Chunk]:
        return self._chunks_where(sql.SQL("c.doc_id = %(doc)s AND c.section_id = %(section)s AND c.ordinal IN (%(a)s, %(b)s)"),
                                  {"doc": chunk.doc_id, "section": chunk.section_id, "a": chunk.ordinal - 1,
                                   "b": chunk.ordinal + 1})

    def iter_chunks(self) -> Iterator[Chunk]:
        query = sql.SQL("SELECT {cols} FROM {table} c JOIN documents d ON d.generation_id = c.generation_id "
                        "AND d.doc_id = c.doc_id WHERE c.generation_id = %s ORDER BY d.ord, c.ordinal").format(
            cols=_COLS, table=self._table)
        # a named (server-side) cursor streams rows; it lives inside a transaction
        with self._connection() as conn, conn.transaction(), conn.cursor(name="iter_chunks") as cursor:
            cursor.execute(query, (self.generation_id,))
            for row in cursor:
                yield chunk_from_row(row)

    def chunk_terms(self, chunk_ids: list[str]) -> set[str]:
        query = sql.SQL("SELECT tokens FROM {table} WHERE generation_id = %s AND chunk_id = ANY(%s)").format(table=self._table)
        with self._connection() as conn:
            rows = conn.execute(query, (self.generation_id, list(chunk_ids))).fetchall()
        return {t for (tokens,) in rows for t in tokens}

    def close(self) -> None:
        """The pool is shared by every generation of this process; it is closed at exit."""
