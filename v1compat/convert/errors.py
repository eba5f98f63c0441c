"""The error a converter raises when the request cannot become a valid CR.

Converters only know the cause ("storage for ephemeral volume is empty"); the caller knows the
object ("Failed to create a Ray cluster") and wraps it the way the Go resource manager does with
NewInvalidInputErrorWithDetails. Keeping the two apart lets the RayJob and RayService builders
reuse the same pod builders with their own external message.
"""

from __future__ import annotations


class ConversionError(ValueError):
    """A request that cannot be converted; ``str(error)`` is the Go cause text."""
