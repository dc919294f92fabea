"""A real SMTP server on 127.0.0.1 for notification tests (Debian's python3-aiosmtpd).

Usage: /usr/bin/python3 test/support/smtpSink.py <port> <out-dir>

Every message it accepts is written as <out-dir>/<n>.json with the SMTP envelope (mail_from, rcpt_tos) and
the parsed message (from, to, subject, the decoded plain-text body), so a test asserts what a person would
read without decoding MIME itself. Prints "ready <port>" once it listens; stops on SIGTERM.
"""
import json
import os
import signal
import sys
import threading
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


class JsonSink:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            # SMTP carries lines ending in CRLF; a reader's mail client shows plain lines.
            "body": body.get_content().replace("\r\n", "\n") if body is not None else "",
        }
        with self.lock:
            self.count += 1
            name = os.path.join(self.out_dir, "%04d.json" % self.count)
        with open(name + ".tmp", "w") as handle:
            json.dump(record, handle)
        os.rename(name + ".tmp", name)  # a reader never sees half a message
        return "250 Message accepted for delivery"


def main():
    port = int(sys.argv[1])
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    controller = Controller(JsonSink(out_dir), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready %d" % port, flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
