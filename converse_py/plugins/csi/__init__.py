"""XEP-0352 Client State Indication: tell the server when the page is hidden."""
