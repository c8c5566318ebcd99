"""The domain: entities, value objects, events and the error tree.

Standard library only. Nothing here knows about databases, HTTP, clocks or randomness: times
are passed in and every invariant is enforced by the objects themselves.
"""
