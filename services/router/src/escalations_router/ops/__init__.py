"""Operator commands: the ``escalations-router`` command (``cli``) and what it works on.

``letters`` reads a dead letter and builds its replay; ``listing`` shows dead letters;
``replay`` talks to Kafka and Postgres for the command.
"""
