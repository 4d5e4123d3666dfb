"""Errors whose message is meant for the user: Swedish, plain, saying what to do."""


class UserError(Exception):
    """Something the user can fix. str(err) is a Swedish sentence."""


class ValidationError(UserError):
    """One or more answers are invalid. `errors` maps field id -> Swedish message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


class StaleWriteError(UserError):
    """Someone else saved the case after it was opened here."""


class GuidelineError(Exception):
    """The guideline or settings file is broken. Names the file, the item and the problem."""
