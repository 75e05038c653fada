"""`python -m crl` is the `crl` command."""
from crl.cli import main

raise SystemExit(main())
