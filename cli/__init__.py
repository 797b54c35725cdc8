"""The `assistant` command line: ingest, search, ask, chat and tickets."""
