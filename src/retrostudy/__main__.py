import sys

from retrostudy.cli import main

sys.exit(main())
