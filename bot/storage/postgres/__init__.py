"""The PostgreSQL backend: several `ouderlijn` processes sharing one database server.

`executor.PgSql` runs the shared repositories' SQL (`bot/storage/sql/`) over psycopg 3,
`store.PgStore` hands out pooled transactions, `schema` migrates, `notify` wakes other
instances and `singleton` lets exactly one instance run a singleton job.
"""
