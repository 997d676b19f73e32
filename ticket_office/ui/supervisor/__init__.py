"""The supervisor's desk. It has no pages of its own yet: a supervisor works the counter's pages,
and operators and signing keys are still managed from the command line."""
