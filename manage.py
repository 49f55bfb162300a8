#!/usr/bin/env python
"""Django's command-line utility for LegalCases."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legalcases.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A wrong or missing setting is the operator's to fix: one line, no traceback.
        sys.exit(f"legalcases: configuration error: {exc}")


if __name__ == "__main__":
    main()
