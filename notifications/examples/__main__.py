"""`python -m notifications.examples`: render the example messages into notifications/examples/*.md."""

from __future__ import annotations

from notifications.examples import FOLDER, write_examples


def main() -> None:
    changed = write_examples()
    print(f"{len(changed)} example files changed in {FOLDER}: {', '.join(changed) or '-'}")


if __name__ == "__main__":
    main()
