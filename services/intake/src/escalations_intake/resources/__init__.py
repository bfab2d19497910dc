"""The API by resource: one module per group of endpoints, each a FastAPI router."""
