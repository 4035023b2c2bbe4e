"""The local sandbox: the real bot against the package's own Bot API emulator, with a web chat.

`python -m bot sandbox` (or `make run` without a BOT_TOKEN) needs no token and no internet:
it seeds a demo district (Tashkent city's Chilonzor), starts the bot against
:mod:`devkit.fakeapi`, and serves a page on 127.0.0.1 where one chats as any seeded person.
"""

from devkit.sandbox.runner import Sandbox, run_sandbox

__all__ = ["Sandbox", "run_sandbox"]
