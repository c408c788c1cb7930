"""The use cases: one function per user action (import, launch, sweep, submit, decide, report…), each owning its
transactions and returning typed views; `bootstrap` builds the app (settings, engine, sender) once per process, and
`access` says who may do what. Entry points and flows call these; nothing here imports them."""
