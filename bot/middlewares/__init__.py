"""Outer middlewares, in the order an update meets them: session → user → locale → throttle."""
