"""
A person's HTTP client for the cluster, talking only to the load balancer:
keeps its cookies, sends the CSRF token with every form, and records which
web node answered each request (haproxy's X-Served-By header).
"""

import http.client
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from tests.factories import TEST_PASSWORD

REQUEST_SECONDS = 30


class Reply:
    def __init__(self, status, headers, content):
        self.status, self.headers, self.content = status, headers, content

    @property
    def served_by(self):
        return self.headers.get("X-Served-By")

    def text(self):
        return self.content.decode(errors="replace")


def _multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{item}\r\n".encode()
            )
    for name, (filename, content, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Visitor:
    def __init__(self, lb_url):
        parts = urlsplit(lb_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = {}
        self.replies = []  # (method, path, status, served_by)

    def request(self, method, path, form=None, files=None):
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if form is not None or files:
            form = {**(form or {}), "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            if files:
                data, headers["Content-Type"] = _multipart(form, files)
            else:
                data = urlencode(form, doseq=True).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_SECONDS)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        finally:
            conn.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.replies.append((method, path, reply.status, reply.served_by))
        return reply

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form=None, files=None):
        return self.request("POST", path, form or {}, files)

    def log_in(self, email, password=TEST_PASSWORD):
        assert self.get("/accounts/login/").status == 200
        reply = self.post("/accounts/login/", {"login": email, "password": password})
        assert reply.status == 302, reply.text()[-2000:]
        return reply
