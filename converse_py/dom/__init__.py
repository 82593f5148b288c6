"""Rendering into the page: pure templates (``templates``) and the views that place them (``views``)."""
