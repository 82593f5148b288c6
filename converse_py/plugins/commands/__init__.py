"""Chat commands: ``/name args`` typed in a chat box or room (``api.commands``)."""
