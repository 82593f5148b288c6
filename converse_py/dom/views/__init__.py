"""Views: mount templates into the page and route DOM events back to the API."""
