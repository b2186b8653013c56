"""``python -m minigrad``: the same as the ``minigrad`` command."""

import sys

from minigrad.app.cli import main

sys.exit(main())
