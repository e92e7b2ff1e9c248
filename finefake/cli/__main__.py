"""``python -m finefake.cli``: the same as the ``finefake`` console script."""

from finefake.cli import main

main()
