"""XEP-0382 spoiler messages."""
