"""The work-order lifecycle: states, the transition table and its guards. Imports only domain."""

from fieldpilot.workflow.lifecycle import TRANSITIONS, Action, advance, allowed_actions

__all__ = ["TRANSITIONS", "Action", "advance", "allowed_actions"]
