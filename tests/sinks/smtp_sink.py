#!/usr/bin/env python3
"""smtp_sink.py — a throw-away SMTP server for tests/test_deliver.c.

Binds 127.0.0.1 on --port (0 = ephemeral), prints "PORT <n>" once it
accepts connections, and exits by itself after --timeout seconds.
Each accepted message replaces --out (written atomically before the 250
reply) with the envelope, the decoded Subject and body, then the raw data.

Scripted failures, chosen by the recipient's local part:
  busy450@...  -> 450 (transient)    nouser550@... -> 550 (permanent)
With --auth USER:PASS, AUTH is offered (without TLS, loopback only) and a
wrong login gets 535; logging in is not required.
"""
import argparse, asyncio, email, email.policy, logging, os, sys

try:
    from aiosmtpd.smtp import SMTP, AuthResult
except ImportError:
    sys.exit("smtp_sink: python3 module aiosmtpd missing (apt-get install python3-aiosmtpd)")


class Handler:
    def __init__(self, out):
        self.out = out

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local == "busy450":
            return "450 4.2.1 mailbox busy, try later"
        if local == "nouser550":
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        body = msg.get_content().replace("\r\n", "\n") if not msg.is_multipart() else ""
        lines = ["HELO: " + str(session.host_name), "MAIL FROM: " + envelope.mail_from]
        lines += ["RCPT TO: " + r for r in envelope.rcpt_tos]
        auth = getattr(session, "auth_data", None)
        lines.append("AUTH: " + (auth.login.decode() if auth else "-"))
        lines.append("DECODED-SUBJECT: " + str(msg["subject"]))
        lines.append("DECODED-TO: " + str(msg["to"]))
        lines.append("DECODED-BODY-BEGIN")
        text = "\n".join(lines) + "\n" + body + "DECODED-BODY-END\nRAW-BEGIN\n"
        tmp = self.out + ".tmp"
        with open(tmp, "wb") as f:
            f.write(text.encode("utf-8") + raw)
        os.replace(tmp, self.out)
        return "250 2.0.0 queued"


def authenticator(want):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login.decode(), auth_data.password.decode()) == tuple(want)
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)   # aiosmtpd replies 535
    return check


async def main(args):
    loop = asyncio.get_running_loop()
    kw = {}
    if args.auth:
        kw = dict(authenticator=authenticator(args.auth.split(":", 1)),
                  auth_require_tls=False, auth_required=False)
    handler = Handler(args.out)
    server = await loop.create_server(lambda: SMTP(handler, hostname="sink.test", **kw),
                                      "127.0.0.1", args.port)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(args.timeout)
    server.close()


if __name__ == "__main__":
    logging.getLogger("mail.log").setLevel(logging.ERROR)   # aiosmtpd warns about itself
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--auth")
    asyncio.run(main(p.parse_args()))
