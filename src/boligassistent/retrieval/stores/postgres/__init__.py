"""PostgreSQL backend: the same index in one shared database (Norwegian full text + pgvector HNSW).

connection.py  pool, session settings, error mapping      migrations/  schema, applied in order
schema.py      migration runner                            target.py    publishes generations (write side)
store.py       PostgresIndex (read side, IndexStore)       local_server.py  `boligassistent db start` for development
"""
