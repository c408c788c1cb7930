"""The kiemdiem domain: tables, schemas and rules. Knows nothing of Prefect, HTTP or the command line."""
