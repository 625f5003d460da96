"""``python -m econsim.cli`` runs the command line."""

import sys

from econsim.cli.main import main

sys.exit(main())
