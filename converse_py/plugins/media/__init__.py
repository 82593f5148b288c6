"""Inline media: images, audio and video from http(s) URLs in bodies or XEP-0066 OOB elements."""
