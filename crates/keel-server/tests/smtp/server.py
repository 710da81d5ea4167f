"""A real SMTP server for Keel's email tests (aiosmtpd, from PyPI).

Usage: server.py PORT DIRECTORY [USER PASSWORD]

Listens on 127.0.0.1:PORT and saves each message it accepts as DIRECTORY/<n>.eml (written to a
temporary name first, then renamed, so a test never reads half a message). With USER and
PASSWORD it offers AUTH (PLAIN, LOGIN) and refuses mail from anyone who has not signed in with
them (535). RCPT to an address starting with "refused@" is answered 550 (mailbox unavailable),
as a recipient's server does for an address that does not exist. Prints "ready" once listening.
"""

import asyncio
import logging
import warnings
import itertools
import os
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

COUNTER = itertools.count(1)
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)


class Saver:
    def __init__(self, directory):
        self.directory = directory

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(COUNTER)
        tmp = os.path.join(self.directory, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n".encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.directory, f"{n}.eml"))
        return "250 Message accepted for delivery"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        # handled=False: aiosmtpd answers a failure with 535 itself.
        return AuthResult(success=ok, handled=False)

    return authenticate


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    kwargs = {}
    if len(sys.argv) == 5:
        kwargs = dict(
            authenticator=authenticator_for(sys.argv[3], sys.argv[4]),
            auth_required=True,
            auth_require_tls=False,
        )
    controller = Controller(
        Saver(directory), hostname="127.0.0.1", port=port, server_kwargs=kwargs
    )
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
