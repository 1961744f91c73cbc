"""python -m autograd_mini: the command line."""

import sys

from .cli import main

sys.exit(main())
