"""The offline demo: a generated local mini-web, a server for it, and the whole pipeline run against it."""
