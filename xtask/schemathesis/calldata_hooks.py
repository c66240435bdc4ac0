"""Schemathesis hooks for calldata: sign every request with auth-v2.

An independent Python implementation of contract section 3, applied to the exact bytes
`requests` is about to send (method, path, query, Host, Content-Type, Content-Length, body),
so schemathesis exercises the API behind the signature check instead of only its 401s.
Credentials come from CALLDATA_AK / CALLDATA_SK.
"""

import datetime
import hashlib
import hmac
import os
import urllib.parse

import requests

AK = os.environ["CALLDATA_AK"]
SK = os.environ["CALLDATA_SK"]
UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def normalize(data: bytes) -> str:
    return "".join(chr(b) if b in UNRESERVED else "%{:02X}".format(b) for b in data)


def sign(request: requests.PreparedRequest) -> None:
    url = urllib.parse.urlsplit(request.url)
    request.headers["Host"] = url.netloc
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    names = ["host"] + [n for n in ("content-type", "content-length") if n in {k.lower() for k in request.headers}]
    names.sort()
    signed = ";".join(names)
    timestamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    prefix = f"auth-v2/{AK}/{timestamp}/{signed}"
    signing_key = hmac.new(SK.encode(), prefix.encode(), hashlib.sha256).hexdigest()
    lines = [request.method, url.path]
    if url.query:
        pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True, encoding="latin-1")
        lines.append("&".join(sorted(
            normalize(k.encode("latin-1")) + "=" + normalize(v.encode("latin-1")) for k, v in pairs
        )))
    lines.append(signed)
    lower = {k.lower(): v for k, v in request.headers.items()}
    header_lines = sorted(f"{n}:{normalize(str(lower[n]).encode('latin-1'))}" for n in names)
    canonical = "\n".join(lines) + "\n" + "\n".join(header_lines) + "\n" + normalize(body)
    signature = hmac.new(signing_key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    request.headers["Authorization"] = f"{prefix}/{signature}"


_send = requests.Session.send


def _signed_send(self, request, **kwargs):
    sign(request)
    return _send(self, request, **kwargs)


requests.Session.send = _signed_send
