"""``python -m explorer``: serve the interactive explorer (see ``explorer.server``)."""

from explorer.server import main

raise SystemExit(main())
