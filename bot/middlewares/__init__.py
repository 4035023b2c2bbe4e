"""Outer middlewares; the order an update meets them is set and explained in `bot/app.py`."""
