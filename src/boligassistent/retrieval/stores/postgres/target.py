"""PostgresTarget: publishes a generation into PostgreSQL (the write side of the database backend).

A build creates a `building` generation and its own partitions `chunks_g<id>` and `postings_g<id>`, copies
unchanged documents over from the active generation inside the database, bulk-loads the new chunks with
binary COPY, derives the BM25 postings and term statistics from every chunk's analyzer terms (document
frequencies in SQL, idf by `indexing.bm25.okapi_idf`, the embedded backend's function), builds the
HNSW index, and then switches the `active_generation` pointer row in one transaction. One build publishes
at a time per database (advisory lock); a crashed build leaves a `building` generation that the next build
removes.
"""

from __future__ import annotations

import logging

import numpy as np
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from boligassistent.indexing.bm25 import okapi_idf
from boligassistent.indexing.generation import GenerationPlan, IndexError_
from boligassistent.retrieval.stores.postgres.connection import PostgresPool, one_row
from boligassistent.retrieval.stores.postgres.schema import migrate
from boligassistent.retrieval.stores.postgres.store import (
    CHUNK_COLUMNS,
    partition,
    postings_partition,
)

log = logging.getLogger(__name__)

_BUILD_LOCK_ID = 0x626F6C6970  # one publishing build per database
_COPIED = CHUNK_COLUMNS + ("tokens", "embedding")


class BuildInProgress(IndexError_):
    pass


class PostgresTarget:
    def __init__(self, pool: PostgresPool, keep: int = 2, retire_grace_s: float = 300.0, hnsw_m: int = 16,
                 hnsw_ef_construction: int = 64, maintenance_work_mem: str = "512MB") -> None:
        self.pool = pool
        self.keep = max(1, keep)
        self.retire_grace_s = retire_grace_s
        self.hnsw_m = hnsw_m
        self.hnsw_ef_construction = hnsw_ef_construction
        self.maintenance_work_mem = maintenance_work_mem

    @property
    def location(self) -> str:
        return self.pool.where

    def previous_manifest(self) -> dict | None:
        migrate(self.pool)
        with self.pool.connection() as conn:
            row = conn.execute("SELECT g.id, g.manifest FROM active_generation a JOIN generations g ON g.id = a.generation_id"
                               ).fetchone()
        return {**row[1], "generation": str(row[0])} if row else None

    def publish(self, plan: GenerationPlan) -> str:
        migrate(self.pool)
        with self.pool.connection() as conn:
            if not one_row(conn.execute("SELECT pg_try_advisory_lock(%s)", (_BUILD_LOCK_ID,)))[0]:
                raise BuildInProgress(f"Another build is publishing to {self.pool.where}; run this one again when it is done.")
            conn.execute("SET statement_timeout = 0")  # bulk loads and index builds outlast the query timeout
            try:
                self._drop_abandoned(conn)
                generation_id = self._write(conn, plan)
                self._activate(conn, generation_id)
                self._prune(conn)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_BUILD_LOCK_ID,))
                conn.execute("RESET statement_timeout")
        return str(generation_id)

    # --- steps ---------------------------------------------------------------------------------------
    def _drop_abandoned(self, conn: psycopg.Connection) -> None:
        """Generations left `building` by a crashed build (we hold the build lock, so none is running)."""
        for (gid,) in conn.execute("SELECT id FROM generations WHERE status = 'building'").fetchall():
            self._drop_generation(conn, gid)
            log.info("removed abandoned generation", extra={"generation": gid})

    def _write(self, conn: psycopg.Connection, plan: GenerationPlan) -> int:
        from pgvector.psycopg import register_vector

        register_vector(conn)
        manifest = plan.manifest
        dim = int(manifest["embedding"]["dim"])
        gid = one_row(conn.execute(
            "INSERT INTO generations (model_id, dim, chunk_count, manifest) VALUES (%s, %s, %s, %s) RETURNING id",
            (manifest["embedding"]["model_id"], dim, manifest["counts"]["chunks"], Jsonb(manifest))))[0]
        table = partition(gid)
        try:
            with conn.transaction():
                conn.execute(sql.SQL("CREATE TABLE {} PARTITION OF chunks FOR VALUES IN ({})").format(table, sql.Literal(gid)))
                previous = conn.execute("SELECT generation_id FROM active_generation").fetchone()
                order = {doc_id: i for i, doc_id in enumerate(plan.order)}  # documents.ord of every document
                self._carry_over(conn, gid, previous[0] if previous else None, plan, order)
                self._load_new(conn, gid, plan, order)
                self._write_files(conn, gid, plan)
                self._write_stats(conn, gid)
            self._build_indexes(conn, gid, dim)
        except BaseException:
            self._drop_generation(conn, gid)
            raise
        return gid

    def _carry_over(self, conn: psycopg.Connection, gid: int, previous: int | None, plan: GenerationPlan,
                    order: dict[str, int]) -> None:
        """Unchanged documents: rows copied inside the database from the active generation (no re-embedding)."""
        if not plan.kept:
            return
        kept = sorted(plan.kept)
        cols = sql.SQL(", ").join(map(sql.Identifier, _COPIED))
        if previous is not None:
            conn.execute(sql.SQL("INSERT INTO {new} (generation_id, seq, {cols}) SELECT %(g)s, row_number() OVER (), {cols} "
                                 "FROM {old} WHERE generation_id = %(old)s AND doc_id = ANY(%(kept)s)").format(
                new=partition(gid), old=partition(previous), cols=cols), {"g": gid, "old": previous, "kept": kept})
            with conn.cursor() as cur:
                cur.execute("INSERT INTO documents (generation_id, doc_id, ord, kind, title, n_chunks, meta) "
                            "SELECT %s, doc_id, (%s::jsonb ->> doc_id)::int, kind, title, n_chunks, meta FROM documents "
                            "WHERE generation_id = %s AND doc_id = ANY(%s)",
                            (gid, Jsonb(order), previous, kept))
                carried = cur.rowcount
            conn.execute("INSERT INTO sections SELECT %s, doc_id, section_id, ord, label, heading_path, page_from, page_to, url "
                         "FROM sections WHERE generation_id = %s AND doc_id = ANY(%s)", (gid, previous, kept))
        else:
            carried = 0
        if carried != len(kept):
            raise IndexError_("The active index changed while this build ran (another build published); "
                              "run the build again.")

    def _load_new(self, conn: psycopg.Connection, gid: int, plan: GenerationPlan, order: dict[str, int]) -> None:
        conn.execute("CREATE TEMP TABLE staging_chunks (LIKE chunks INCLUDING DEFAULTS) ON COMMIT DROP")
        conn.execute("ALTER TABLE staging_chunks DROP COLUMN generation_id, DROP COLUMN seq")
        copy_sql = sql.SQL("COPY staging_chunks ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.SQL(", ").join(map(sql.Identifier, _COPIED)))
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            copy.set_types(["text", "text", "text", "int4", "text", "text", "text", "text", "text", "text[]",
                            "int4", "int4", "int4", "int4", "text", "text[]", "vector"])
            for chunk, tokens, vector in zip(plan.chunks, plan.tokens, plan.vectors):
                pages = chunk.pages or (None, None)
                ledd = chunk.ledd or (None, None)
                copy.write_row((chunk.chunk_id, chunk.doc_id, chunk.section_id, chunk.ordinal, chunk.kind, chunk.label,
                                chunk.title, chunk.header, chunk.text, list(chunk.heading_path), pages[0], pages[1],
                                ledd[0], ledd[1], chunk.url, tokens, np.asarray(vector, dtype=np.float32)))
        table = partition(gid)
        cols = sql.SQL(", ").join(map(sql.Identifier, _COPIED))
        conn.execute(sql.SQL("INSERT INTO {t} (generation_id, seq, {cols}) SELECT %s, "
                             "(SELECT coalesce(max(seq), 0) FROM {t}) + row_number() OVER (), {cols} FROM staging_chunks").format(
            t=table, cols=cols), (gid,))
        counts: dict[str, int] = {}
        for chunk in plan.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO documents (generation_id, doc_id, ord, kind, title, n_chunks, meta) "
                            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                            [(gid, doc_id, order[doc_id], doc["kind"], doc["title"], counts.get(doc_id, 0),
                              Jsonb({k: v for k, v in doc.items() if k != "sections"}))
                             for doc_id, doc in plan.documents.items()])
            cur.executemany("INSERT INTO sections (generation_id, doc_id, section_id, ord, label, heading_path, page_from, "
                            "page_to, url) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                            [(gid, doc_id, s["section_id"], i, s["label"], list(s["heading_path"]),
                              s["pages"][0] if s.get("pages") else None, s["pages"][1] if s.get("pages") else None, s.get("url"))
                             for doc_id, doc in plan.documents.items() for i, s in enumerate(doc["sections"])])

    def _write_files(self, conn: psycopg.Connection, gid: int, plan: GenerationPlan) -> None:
        rows = [(gid, doc_id, f["sha256"], "indexed", f.get("kind"), f.get("chunks"), None)
                for doc_id, f in plan.manifest["files"].items()]
        rows += [(gid, doc_id, f["sha256"], "skipped", None, None, f["reason"]) for doc_id, f in plan.manifest["skipped"].items()]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO files (generation_id, doc_id, sha256, status, kind, chunks, reason) "
                            "VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)

    def _write_stats(self, conn: psycopg.Connection, gid: int) -> None:
        """BM25 postings, document frequencies and idf, and the mean chunk length, all from the chunks' analyzer
        terms: the statistics `indexing.bm25` computes for the embedded backend (see `PostgresIndex`)."""
        table, postings = partition(gid), postings_partition(gid)
        conn.execute(sql.SQL("CREATE TABLE {} PARTITION OF postings FOR VALUES IN ({})").format(postings, sql.Literal(gid)))
        # one GROUP BY feeds all three arrays, so their elements line up
        conn.execute(sql.SQL("INSERT INTO {p} (generation_id, term, seqs, tfs, dls) "
                             "SELECT %s, t.term, array_agg(c.seq), array_agg(t.tf), array_agg(cardinality(c.tokens)) "
                             "FROM {t} c, LATERAL (SELECT u AS term, count(*)::int AS tf FROM unnest(c.tokens) u GROUP BY u) t "
                             "GROUP BY t.term").format(p=postings, t=table), (gid,))
        n, total = one_row(conn.execute(sql.SQL("SELECT count(*), coalesce(sum(cardinality(tokens)), 0) FROM {}").format(table)))
        conn.execute("UPDATE generations SET avg_dl = %s WHERE id = %s", (int(total) / n if n else None, gid))
        # okapi_idf wants the terms in order of first appearance in the corpus (document order, chunk, position)
        terms = conn.execute(sql.SQL(
            "SELECT p.term, cardinality(p.seqs) FROM {p} p JOIN (SELECT u.term, min(ARRAY[d.ord, c.ordinal, u.pos]) AS first "
            "FROM {t} c JOIN documents d ON d.generation_id = %(g)s AND d.doc_id = c.doc_id, "
            "unnest(c.tokens) WITH ORDINALITY AS u(term, pos) GROUP BY u.term) f ON f.term = p.term ORDER BY f.first").format(
            p=postings, t=table), {"g": gid}).fetchall()
        idf = okapi_idf([df for _, df in terms], n)
        with conn.cursor() as cur, cur.copy("COPY term_stats (generation_id, term, df, idf) FROM STDIN") as copy:
            for (term, df), value in zip(terms, idf):
                copy.write_row((gid, term, df, value))

    def _build_indexes(self, conn: psycopg.Connection, gid: int, dim: int) -> None:
        """After the bulk load: building an HNSW graph once is far faster than growing it row by row."""
        table = partition(gid)
        conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(self.maintenance_work_mem)))
        conn.execute(sql.SQL("CREATE UNIQUE INDEX ON {} (seq)").format(table))
        conn.execute(sql.SQL("CREATE INDEX ON {} (doc_id, section_id, ordinal)").format(table))
        conn.execute(sql.SQL("CREATE INDEX ON {t} USING hnsw ((embedding::vector({dim})) vector_cosine_ops) "
                             "WITH (m = {m}, ef_construction = {ef})").format(
            t=table, dim=sql.Literal(dim), m=sql.Literal(self.hnsw_m), ef=sql.Literal(self.hnsw_ef_construction)))
        conn.execute(sql.SQL("ANALYZE {}").format(table))
        conn.execute(sql.SQL("ANALYZE {}").format(postings_partition(gid)))
        conn.execute("RESET maintenance_work_mem")

    def _activate(self, conn: psycopg.Connection, gid: int) -> None:
        """The switch readers see: one transaction flips the pointer row."""
        with conn.transaction():
            conn.execute("UPDATE generations SET status = 'retired', retired_at = now() WHERE status = 'active'")
            conn.execute("UPDATE generations SET status = 'active', activated_at = now() WHERE id = %s", (gid,))
            conn.execute("INSERT INTO active_generation (singleton, generation_id) VALUES (true, %s) "
                         "ON CONFLICT (singleton) DO UPDATE SET generation_id = EXCLUDED.generation_id, switched_at = now()",
                         (gid,))
        log.info("generation activated", extra={"generation": gid, "database": self.pool.where})

    def _prune(self, conn: psycopg.Connection) -> None:
        """Drop retired generations beyond the newest `keep`, once retired for the grace period: replicas
        (and requests in flight) still reading one have that long to hot-swap."""
        old = conn.execute("SELECT id FROM (SELECT id, retired_at FROM generations WHERE status = 'retired' "
                           "ORDER BY id DESC OFFSET %s) o WHERE retired_at <= now() - make_interval(secs => %s)",
                           (self.keep - 1, self.retire_grace_s)).fetchall()
        for (gid,) in old:
            self._drop_generation(conn, gid)

    def _drop_generation(self, conn: psycopg.Connection, gid: int) -> None:
        with conn.transaction():
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}, {}").format(partition(gid), postings_partition(gid)))
            conn.execute("DELETE FROM generations WHERE id = %s", (gid,))
