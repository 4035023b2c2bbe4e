"""Keyboard builders. Button texts are translated when the keyboard is built, never lazily."""
