"""Errors meant for the person at the terminal: the CLI prints their message without a traceback."""

#: The verbs that write stage `records`, for ``Workspace.require("records", RECORDS_HINT)`` (which wraps the
#: hint in backticks): the next step a user with an empty workspace can actually take.
RECORDS_HINT = (
    "finefake synthesize` (synthetic records), `finefake import finefake-release FILE`, "
    "`finefake import mediaeval|fakenewsnet|liar|fakeddit PATH` or `finefake annotate consensus"
)


class FinefakeError(Exception):
    """A readable, expected failure (bad input, missing stage output, missing credentials)."""


class MissingCredentials(FinefakeError):
    """A real-service backend was chosen but its environment variables are not set."""

    def __init__(self, service: str, variables: list[str]):
        self.service, self.variables = service, variables
        super().__init__(
            f"{service} needs the environment variable(s) {', '.join(variables)}; set them (never pass secrets as "
            "options) or use the offline backend"
        )
