"""XEP-0199 XMPP Ping: answer pings, keep idle sessions alive, and ``api.ping``."""
