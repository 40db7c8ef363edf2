"""`python -m helpers ...`: the course's command line (helpers/_course/cli.py)."""

import sys

from helpers._course.cli import main

sys.exit(main())
