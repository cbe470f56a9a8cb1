#!/usr/bin/env python
"""Same as the `between` console script, for those who expect manage.py."""

from between.cli import main

if __name__ == "__main__":
    main()
