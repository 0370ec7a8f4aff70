"""`python -m shuangsuiji` is the same as `ssj`."""

from shuangsuiji.cli import main

raise SystemExit(main())
