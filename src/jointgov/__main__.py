"""Allow ``python -m jointgov``."""

from jointgov.cli import main

if __name__ == "__main__":
    main()
