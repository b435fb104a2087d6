-- Schema of the PostgreSQL index backend.
--
-- Every build writes a new *generation*: its chunks go into their own partition of `chunks`
-- (chunks_g<id>, with a GIN full-text index and an HNSW vector index built after loading), and its
-- documents, sections, files and statistics rows carry the generation id. Readers resolve the active
-- generation through the one-row pointer table `active_generation`; a build switches that row in one
-- transaction, so readers see the old index or the new one, never a half-built one.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE generations (
    id           bigserial PRIMARY KEY,
    status       text NOT NULL DEFAULT 'building' CHECK (status IN ('building', 'active', 'retired')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    activated_at timestamptz,
    retired_at   timestamptz,
    model_id     text NOT NULL,
    dim          integer NOT NULL CHECK (dim > 0),
    chunk_count  integer NOT NULL DEFAULT 0,
    manifest     jsonb NOT NULL  -- files, hashes, model, config, counts, versions (as the embedded manifest.json)
);

CREATE TABLE active_generation (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    generation_id bigint NOT NULL REFERENCES generations (id),
    switched_at   timestamptz NOT NULL DEFAULT now()
);

-- Manifest/hash table for incremental re-indexing: one row per corpus file, indexed or skipped (and why).
CREATE TABLE files (
    generation_id bigint NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    doc_id        text NOT NULL,
    sha256        text NOT NULL,
    status        text NOT NULL CHECK (status IN ('indexed', 'skipped')),
    kind          text,
    chunks        integer,
    reason        text,
    PRIMARY KEY (generation_id, doc_id)
);

CREATE TABLE documents (
    generation_id bigint NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    doc_id        text NOT NULL,
    ord           integer NOT NULL,  -- corpus order
    kind          text NOT NULL,
    title         text NOT NULL,
    n_chunks      integer NOT NULL,
    meta          jsonb NOT NULL,    -- title, publisher, date, url, description, … (without sections)
    PRIMARY KEY (generation_id, doc_id)
);

CREATE TABLE sections (
    generation_id bigint NOT NULL,
    doc_id        text NOT NULL,
    section_id    text NOT NULL,
    ord           integer NOT NULL,
    label         text NOT NULL,
    heading_path  text[] NOT NULL,
    page_from     integer,
    page_to       integer,
    url           text,
    PRIMARY KEY (generation_id, doc_id, section_id),
    FOREIGN KEY (generation_id, doc_id) REFERENCES documents (generation_id, doc_id) ON DELETE CASCADE
);

-- One partition per generation. `embedding` has no fixed dimension here; each partition's HNSW index is
-- on embedding::vector(dim) with that generation's dimension, so a model change is just a new generation.
CREATE TABLE chunks (
    generation_id bigint NOT NULL,
    chunk_id      text NOT NULL,
    doc_id        text NOT NULL,
    section_id    text NOT NULL,
    ordinal       integer NOT NULL,  -- position within the document
    kind          text NOT NULL,
    label         text NOT NULL,     -- citation label, e.g. 'bustøttelova § 4'
    title         text NOT NULL,
    header        text NOT NULL,
    body          text NOT NULL,     -- verbatim text that is quoted and cited
    heading_path  text[] NOT NULL,
    page_from     integer,
    page_to       integer,
    ledd_from     integer,
    ledd_to       integer,
    url           text,
    tokens        text[] NOT NULL,   -- our analyzer's terms (answer evidence and coverage)
    tsv           tsvector NOT NULL, -- to_tsvector('norwegian', variant-folded header + body)
    embedding     vector NOT NULL,
    PRIMARY KEY (generation_id, chunk_id)
) PARTITION BY LIST (generation_id);

-- Document frequencies per generation: our analyzer's terms (evidence) and the full-text lexemes (idf of the
-- lexical arm).
CREATE TABLE term_stats (
    generation_id bigint NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    term          text NOT NULL,
    df            integer NOT NULL,
    PRIMARY KEY (generation_id, term)
);

CREATE TABLE lexeme_stats (
    generation_id bigint NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    lexeme        text NOT NULL,
    df            integer NOT NULL,
    PRIMARY KEY (generation_id, lexeme)
);
