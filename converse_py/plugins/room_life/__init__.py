"""Room life: nick change, room info, the configuration form, destroying a room, XEP-0410 self-ping."""
