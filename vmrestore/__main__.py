"""`python -m vmrestore` runs the `vmrestore` command."""

import sys

from vmrestore.cli import main

sys.exit(main())
