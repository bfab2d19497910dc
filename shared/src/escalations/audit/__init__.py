"""The audit log: an append-only, hash-chained record of who did what, when and from where.

``chain`` holds the pure parts (the canonical form of an entry, its hash, verifying a chain);
``store`` appends to and reads the ``audit_log`` table. The format is described in
docs/contract/audit.md.
"""
