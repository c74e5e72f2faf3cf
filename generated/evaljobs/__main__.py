"""``python -m evaljobs``: the ``evaljobs`` command, for an environment whose scripts are not on PATH."""

import sys

from evaljobs.cli import main

sys.exit(main())
