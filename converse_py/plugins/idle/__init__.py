"""Idle (auto away, XEP-0319 last user interaction in presence) and contacts' idle time."""
