"""The doors for people: the `kiemdiem` command line, the HTTP API, `serve` and the demo. They parse, call a use case
in `service/`, and show its result; nothing below them imports them."""
