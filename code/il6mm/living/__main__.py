"""``python -m il6mm.living search | pending`` (``make search``, ``make pending``)."""

import sys

from .run import main

sys.exit(main())
