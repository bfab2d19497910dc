"""The router's Postgres adapter: connections, the escalation and clock store, and SQL.

The domain (``escalations_router.domain``) never sees a row: these modules map rows to
its records and back, and run the statements of each batch and timer sweep.
"""
