"""Command handlers: verbs taking (command, unit of work, deps). Registered in bootstrap."""
