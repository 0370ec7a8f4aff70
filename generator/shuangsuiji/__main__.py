"""`python -m shuangsuiji` is the same as `ssj`."""

from shuangsuiji.cli import entry

entry()
