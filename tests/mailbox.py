"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests."""

from __future__ import annotations

import email
import re
import socket
import time
from email import policy


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [message for message in self.messages if address in message["To"]]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.to(address)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def link_in(message) -> str:
    """The path of the portal link in a message's plain text."""
    return re.search(r"https?://[^/\s]+(/\S*)", text_of(message)).group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(settings):
    """The portal's SMTP backend pointed at a loopback server; yields its Mailbox (a fixture's body)."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    box.port = port
    yield box
    controller.stop()
