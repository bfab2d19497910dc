"""``python -m escalations.cli``: the same as the ``escalations`` console script."""

from escalations.cli.main import main

main()
