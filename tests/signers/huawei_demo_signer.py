#!/usr/bin/env python3
"""An independent auth-v2 signer in the style of the Python ports of Huawei's demo.

It signs ``content-length;content-type;host``, writes the timestamp with milliseconds and
always writes the query line, empty when there is no query (as some published ports do).
It is written from the contract text (querybasiccallinfo.md section 3) and its vectors,
not from the calldata Rust code, so that the e2e suite proves the server against a signer
that shares none of its code. Standard library only.

Usage::

    huawei_demo_signer.py BASE_URL AK SK PATH BODY    signed POST of BODY
    huawei_demo_signer.py --get BASE_URL AK SK PATH   signed GET, empty body
    huawei_demo_signer.py --vectors FILE              check every vector in FILE

A request prints the HTTP status on the first line of stdout and the response body on the
second; the response headers go to stderr as ``< name: value`` lines. The vector check
prints one line per case and exits 1 on any mismatch. Usage errors exit 2, a request that
gets no response exits 3.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import sys
import urllib.parse

CONTENT_TYPE = "application/json;charset=UTF-8"
# The only bytes that normalize() keeps as they are.
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def normalize(data):
    """Percent-encodes every byte outside A-Z a-z 0-9 - . _ ~, in upper-case hex."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return "".join(chr(b) if b in UNRESERVED else "%%%02X" % b for b in data)


def hmac_sha256_hex(key, message):
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def timestamp_ms(now=None):
    """UTC with milliseconds, e.g. 2024-01-02T03:04:05.123Z."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def sign(ak, sk, timestamp, method, path, query, headers, body, empty_query_line=True):
    """Returns (signing_key, canonical_request, authorization) for one request.

    ``query`` is a dict of decoded pairs, ``headers`` maps the signed header names (any
    case) to their values as sent, ``body`` is the bytes sent.
    """
    signed = {name.lower(): value for name, value in headers.items()}
    signed_headers = ";".join(sorted(signed))
    prefix = "auth-v2/%s/%s/%s" % (ak, timestamp, signed_headers)
    signing_key = hmac_sha256_hex(sk, prefix)

    parts = [method + "\n", path + "\n"]
    if query:
        pairs = sorted(normalize(k) + "=" + normalize(v) for k, v in query.items())
        parts.append("&".join(pairs) + "\n")
    elif empty_query_line:
        parts.append("\n")
    parts.append(signed_headers + "\n")
    lines = sorted("%s:%s" % (name, normalize(value)) for name, value in signed.items())
    parts.append("\n".join(lines) + "\n")
    parts.append(normalize(body))
    canonical = "".join(parts)

    signature = hmac_sha256_hex(signing_key, canonical)
    return signing_key, canonical, prefix + "/" + signature


def check_vectors(file):
    with open(file, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    failures = 0
    for case in cases:
        got = sign(
            case["ak"],
            case["sk"],
            case["timestamp"],
            case["method"],
            case["path"],
            case["query"],
            case["headers"],
            case["body"].encode("utf-8"),
            empty_query_line=case["emptyQueryLine"],
        )
        wanted = (case["signingKey"], case["canonicalRequest"], case["authorization"])
        wrong = [
            "%s %r" % (what, g)
            for what, g, w in zip(("signingKey", "canonicalRequest", "authorization"), got, wanted)
            if g != w
        ]
        if wrong:
            failures += 1
            print("MISMATCH %s: %s" % (case["name"], "; ".join(wrong)))
        else:
            print("ok       %s" % case["name"])
    print("%d vectors, %d mismatched" % (len(cases), failures))
    return 0 if cases and failures == 0 else 1


def send(method, base_url, ak, sk, path, body):
    if "?" in path:
        print("this demo sends no query string; the family's interfaces take none", file=sys.stderr)
        return 2
    base = urllib.parse.urlsplit(base_url)
    full_path = base.path.rstrip("/") + path
    data = body.encode("utf-8")
    # Host and Content-Length are set here, not by http.client, so the values signed are
    # exactly the values sent.
    headers = {
        "Host": base.netloc,
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(len(data)),
    }
    _, _, authorization = sign(ak, sk, timestamp_ms(), method, full_path, {}, headers, data)
    headers["Authorization"] = authorization
    connection_class = http.client.HTTPSConnection if base.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(base.hostname, base.port, timeout=10)
    try:
        connection.request(method, full_path, body=data, headers=headers)
        response = connection.getresponse()
        answer = response.read()
    except OSError as e:
        print("no response from %s: %s" % (base_url, e), file=sys.stderr)
        return 3
    finally:
        connection.close()
    for name, value in response.getheaders():
        print("< %s: %s" % (name.lower(), value), file=sys.stderr)
    print(response.status)
    print(answer.decode("utf-8", "replace"))
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] == "--vectors":
        return check_vectors(argv[1])
    if len(argv) == 5 and argv[0] == "--get":
        return send("GET", argv[1], argv[2], argv[3], argv[4], "")
    if len(argv) == 5 and not argv[0].startswith("--"):
        return send("POST", *argv)
    print(__doc__.split("Usage::")[1].split("A request")[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
