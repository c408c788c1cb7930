"""The doors for people: the `kiemdiem` command line, the HTTP API and the dashboard, over one service layer."""
