#!/usr/bin/env python3
# kalitd_oidc.py: the browser and the relying parties of kalitd_oidc.sh.
#
#   kalitd_oidc.py jwks KEY.pem      the public JWKS of a P-256 key
#   kalitd_oidc.py run KALITD RP DIR the protocol tests; "ok - ..." and
#                                    "FAIL - ..." lines, one per check
#   kalitd_oidc.py sso-start ...     a session of c2 (its cookies saved)
#   kalitd_oidc.py sso-revoked ...   that session after c2's revocation
#   kalitd_oidc.py codes-full ...    a 64K [cache] codes filled by SSO codes
#
# Web eID tokens and client assertions are signed by the openssl CLI with
# the key files of DIR (c1, o1: kalit-ca; x1: self-signed; rp, other: the
# client's own and a stranger's); nothing of kalit's code makes them.
import base64
import hashlib
import http.client
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

OPENSSL = os.environ.get("OPENSSL", "openssl")
SPKI_P256 = bytes.fromhex(
    "3059301306072a8648ce3d020106082a8648ce3d030107034200")
FAILS = 0


def ok(desc):
    print("ok - " + desc, flush=True)


def fail(desc):
    global FAILS
    FAILS += 1
    print("FAIL - " + desc, flush=True)


def check(desc, cond, detail=""):
    if cond:
        ok(desc)
    else:
        fail(desc + (": " + str(detail)[:300] if detail != "" else ""))
    return cond


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64ud(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def ossl(*args, data=None):
    return subprocess.run([OPENSSL] + list(args), input=data,
                          capture_output=True, check=True).stdout


def der_int(v):
    v = v.lstrip(b"\0") or b"\0"
    if v[0] & 0x80:
        v = b"\0" + v
    return b"\x02" + bytes([len(v)]) + v


def raw_of_der(der):
    """ECDSA-Sig-Value (DER) to r || s, 32 bytes each (test side)."""
    i = 2
    out = b""
    for _ in range(2):
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\0").rjust(32, b"\0")
        i += 2 + n
    return out


def es256(key, data):
    return raw_of_der(ossl("dgst", "-sha256", "-sign", key, data=data))


def jwk_of(key, kid="rp1"):
    pt = ossl("pkey", "-in", key, "-pubout", "-outform", "DER")[-65:]
    return {"kty": "EC", "crv": "P-256", "x": b64u(pt[1:33]),
            "y": b64u(pt[33:]), "kid": kid, "use": "sig", "alg": "ES256"}


def jws(key, claims, header=None):
    h = b64u(json.dumps(header or {"alg": "ES256", "typ": "JWT",
                                   "kid": "rp1"}).encode())
    p = b64u(json.dumps(claims).encode())
    return h + "." + p + "." + b64u(es256(key, (h + "." + p).encode()))


def jws_verify(jwt, jwk):
    """The ES256 signature of jwt by jwk, checked by the openssl CLI."""
    h, p, s = jwt.split(".")
    sig = b64ud(s)
    body = der_int(sig[:32]) + der_int(sig[32:])
    der = b"\x30" + bytes([len(body)]) + body
    spki = SPKI_P256 + b"\x04" + b64ud(jwk["x"]) + b64ud(jwk["y"])
    with tempfile.TemporaryDirectory() as d:
        open(d + "/k.der", "wb").write(spki)
        open(d + "/s.der", "wb").write(der)
        r = subprocess.run([OPENSSL, "dgst", "-sha256", "-keyform", "DER",
                            "-verify", d + "/k.der", "-signature",
                            d + "/s.der"], input=(h + "." + p).encode(),
                           capture_output=True)
    return r.returncode == 0


def claims_of(jwt):
    return json.loads(b64ud(jwt.split(".")[1]))


def header_of(jwt):
    return json.loads(b64ud(jwt.split(".")[0]))


class Browser:
    """Cookies and requests, following no redirect."""

    def __init__(self, base):
        self.base = urllib.parse.urlsplit(base)
        self.cookies = {}

    def req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection(self.base.hostname, self.base.port,
                                       timeout=30)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv
                                    for kv in self.cookies.items())
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        hdrs = {}
        for k, v in r.getheaders():
            hdrs.setdefault(k.lower(), []).append(v)
        for sc in hdrs.get("set-cookie", []):
            nv = sc.split(";")[0]
            n, v = nv.split("=", 1)
            if "Max-Age=0" in sc:
                self.cookies.pop(n, None)
            else:
                self.cookies[n] = v
        c.close()
        return r.status, hdrs, data

    def get(self, path, headers=None):
        return self.req("GET", path, headers=headers)


def hdr(h, name):
    return h.get(name, [None])[0]


def query(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query,
                                       keep_blank_values=True))


def error_of(data):
    try:
        return json.loads(data).get("error")
    except ValueError:
        return None


class Env:
    def __init__(self, kalitd, rp, d):
        self.kalitd = kalitd
        self.origin = kalitd
        self.rp = rp
        self.d = d
        self.secret = {c: open("%s/%s.secret" % (d, c)).read().strip()
                       for c in ("portal", "portal2", "officials")}
        self.jwks = None

    def f(self, name):
        return os.path.join(self.d, name)

    def cert_b64(self, name):
        return base64.b64encode(ossl("x509", "-in", self.f(name + ".crt"),
                                     "-outform", "DER")).decode()


def token_of(env, name, challenge, origin=None, alg="ES256",
             signed_challenge=None):
    """A Web eID token of key file name, over origin and challenge."""
    data = (hashlib.sha256((origin or env.origin).encode()).digest() +
            hashlib.sha256((signed_challenge or challenge).encode()).digest())
    return {"unverifiedCertificate": env.cert_b64(name), "algorithm": alg,
            "signature": base64.b64encode(es256(env.f(name + ".key"),
                                                data)).decode(),
            "format": "web-eid:1.0",
            "appVersion": "https://web-eid.eu/web-eid-app/releases/2.5.0"}


def authorize(br, env, client, path, **extra):
    p = {"client_id": client, "redirect_uri": env.rp + path,
         "response_type": "code", "scope": "openid profile pinfl",
         "state": "s t&a=te/1", "nonce": "n-0S6_WzA2Mj"}
    p.update(extra)
    p = {k: v for k, v in p.items() if v is not None}
    return br.get("/oidc/authorize?" + urllib.parse.urlencode(p))


def to_page(br, env, client, path, **extra):
    """Authorize; the request token of the login page it redirects to."""
    st, h, body = authorize(br, env, client, path, **extra)
    loc = hdr(h, "location") or ""
    if st != 302 or not loc.startswith("/login/?"):
        return None, (st, loc, body[:200])
    return query(loc)["r"], None


def page_login(br, env, r, name, **kw):
    """The page's calls: a challenge, then the signed token."""
    st, h, body = br.req("POST", "/oidc/challenge", {"r": r})
    if st != 200:
        return st, {"error": error_of(body), "at": "challenge"}
    ch = json.loads(body)["challenge"]
    tok = kw.pop("token", None) or token_of(env, name, ch, **kw)
    st, h, body = br.req("POST", "/oidc/login",
                         {"r": r, "challenge": ch, "token": tok},
                         {"Origin": env.origin, "X-Kalit-Login": "1"})
    return st, json.loads(body) if body else {}


def login(br, env, client, path, name="c1", **extra):
    """
    A whole browser login (or SSO, when the browser has a session); the
    redirect's query (code, state, iss).
    """
    r, why = to_page(br, env, client, path, **extra)
    if r is None and why[1].startswith(env.rp + path + "?"):
        return query(why[1]), why[1]
    if r is None:
        return None, why
    st, j = page_login(br, env, r, name)
    if st != 200:
        return None, (st, j)
    return query(j["redirect"]), j["redirect"]


def pkce():
    v = b64u(os.urandom(32))
    return v, b64u(hashlib.sha256(v.encode()).digest())


def post_form(env, path, form, auth=None, headers=None):
    c = http.client.HTTPConnection(urllib.parse.urlsplit(env.kalitd).hostname,
                                   urllib.parse.urlsplit(env.kalitd).port,
                                   timeout=30)
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    if auth:
        h["Authorization"] = "Basic " + base64.b64encode(
            ("%s:%s" % auth).encode()).decode()
    c.request("POST", path, body=urllib.parse.urlencode(form), headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        return r.status, json.loads(data), r
    except ValueError:
        return r.status, {}, r


def redeem(env, client, code, path, verifier=None, how="basic", extra=None):
    form = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": env.rp + path}
    if verifier:
        form["code_verifier"] = verifier
    auth = None
    if how == "basic":
        auth = (client, env.secret[client])
    elif how == "post":
        form.update(client_id=client, client_secret=env.secret[client])
    elif how == "none":
        form["client_id"] = client
    form.update(extra or {})
    return post_form(env, "/oidc/token", form, auth)


def active(env, client, token):
    st, j, _ = post_form(env, "/v1/introspect", {"token": token},
                         (client, env.secret[client]))
    return st == 200 and j.get("active") is True


class Receiver(http.server.BaseHTTPRequestHandler):
    """
    Back-channel logout endpoints; once armed, /bcl answers 503 to its
    next delivery.
    """
    got = []
    armed = False
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        with Receiver.lock:
            first = self.path == "/bcl" and Receiver.armed
            if first:
                Receiver.armed = False
            Receiver.got.append((self.path, body, first))
        self.send_response(503 if first else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def wait_for(cond, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def t_discovery(env):
    br = Browser(env.kalitd)
    st, h, body = br.get("/.well-known/openid-configuration")
    d = json.loads(body) if st == 200 else {}
    i = env.kalitd
    want = {"issuer": i, "authorization_endpoint": i + "/oidc/authorize",
            "token_endpoint": i + "/oidc/token",
            "userinfo_endpoint": i + "/oidc/userinfo",
            "end_session_endpoint": i + "/oidc/logout",
            "jwks_uri": i + "/v1/jwks",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "acr_values_supported": ["citizen", "official"],
            "authorization_response_iss_parameter_supported": True,
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "request_parameter_supported": False}
    bad = {k: d.get(k) for k, v in want.items() if d.get(k) != v}
    check("discovery: the document's fields", st == 200 and not bad, bad)
    check("discovery: every client authentication method",
          d.get("token_endpoint_auth_methods_supported") ==
          ["client_secret_basic", "client_secret_post", "private_key_jwt",
           "none"], d.get("token_endpoint_auth_methods_supported"))
    st, h, body = br.get("/v1/jwks")
    env.jwks = json.loads(body)["keys"]


def t_page(env):
    br = Browser(env.kalitd)
    st, h, body = br.get("/login/")
    check("page: /login/ is index.html", st == 200 and
          hdr(h, "content-type").startswith("text/html"), st)
    csp = hdr(h, "content-security-policy") or ""
    check("page: CSP frame-ancestors 'none' (no framing by another "
          "origin)", "frame-ancestors 'none'" in csp and
          "default-src 'none'" in csp and "script-src 'self'" in csp, csp)
    check("page: X-Frame-Options DENY, COOP, no referrer, nosniff",
          hdr(h, "x-frame-options") == "DENY" and
          hdr(h, "cross-origin-opener-policy") == "same-origin" and
          hdr(h, "referrer-policy") == "no-referrer" and
          hdr(h, "x-content-type-options") == "nosniff", h)
    js = open(env.f("www/js/login.js"), "rb").read()
    brand = open(env.f("brand/brand.css"), "rb").read()
    sri = lambda b: "sha384-" + base64.b64encode(
        hashlib.sha384(b).digest()).decode()
    check("page: SRI placeholders filled with the served files' hashes",
          sri(js).encode() in body and sri(brand).encode() in body and
          b"@SRI" not in body, body[:300])
    st, h, body = br.get("/login/brand/brand.css")
    check("page: brand_dir's file replaces the default", st == 200 and
          body == brand and hdr(h, "content-type").startswith("text/css"),
          body)
    for path in ("/login/../kalitd.conf", "/login/js/../../x",
                 "/login/js/", "/login/secret.txt", "/login/.hidden.html"):
        st, h, body = br.get(path)
        check("page: %s is not served" % path, st == 404, st)


def t_authorize_errors(env):
    br = Browser(env.kalitd)
    for what, extra, code in (
            ("unregistered redirect_uri", {"redirect_uri":
                                           "http://127.0.0.1:1/evil"},
             "redirect_uri_invalid"),
            ("altered redirect_uri", {"redirect_uri": env.rp + "/cb?x=1"},
             "redirect_uri_invalid"),
            ("redirect_uri of another client", {"redirect_uri":
                                                env.rp + "/cb2"},
             "redirect_uri_invalid"),
            ("unknown client", {"client_id": "nobody"}, "client_unknown"),
            ("two redirect_uris", None, "redirect_uri_invalid")):
        if extra is None:
            st, h, body = br.get("/oidc/authorize?client_id=portal&"
                                 "response_type=code&scope=openid&"
                                 "redirect_uri=" + urllib.parse.quote(
                                     env.rp + "/cb", "") +
                                 "&redirect_uri=" + urllib.parse.quote(
                                     env.rp + "/cb", ""))
        else:
            st, h, body = authorize(br, env, "portal", "/cb", **extra)
        check("authorize: %s: no redirect, the error page (400 %s)" %
              (what, code), st == 400 and "location" not in h and
              code.encode() in body and
              hdr(h, "content-type").startswith("text/html") and
              "frame-ancestors 'none'" in hdr(h, "content-security-policy"),
              (st, h.get("location"), body[:200]))
    # The refusal speaks the language the request asked for.
    st, h, body = authorize(br, env, "portal", "/cb", ui_locales="ru",
                            redirect_uri="http://127.0.0.1:1/evil")
    check("authorize: an unregistered redirect_uri's page in ui_locales' "
          "language (ru)", st == 400 and b'lang="ru"' in body,
          (st, body[:300]))
    cases = (
        ("response_type token", "portal", "/cb",
         {"response_type": "token"}, "unsupported_response_type"),
        ("no openid scope", "portal", "/cb", {"scope": "profile"},
         "invalid_scope"),
        ("PKCE missing for a public client", "spa", "/spa", {},
         "invalid_request"),
        ("PKCE plain", "spa", "/spa", {"code_challenge": "x" * 43,
                                       "code_challenge_method": "plain"},
         "invalid_request"),
        ("PKCE without a method (plain)", "portal", "/cb",
         {"code_challenge": "x" * 43}, "invalid_request"),
        ("prompt=none without a session", "portal", "/cb",
         {"prompt": "none"}, "login_required"),
        ("prompt none with login", "portal", "/cb",
         {"prompt": "none login"}, "invalid_request"),
        ("a request object", "portal", "/cb", {"request": "eyJ"},
         "request_not_supported"),
        ("request_uri", "portal", "/cb", {"request_uri": "https://x/r"},
         "request_uri_not_supported"),
        ("acr_values the client may not have", "officials", "/off",
         {"acr_values": "citizen"}, "access_denied"),
        ("a state too long", "portal", "/cb", {"state": "x" * 600},
         "invalid_request"),
    )
    for what, client, path, extra, code in cases:
        st, h, body = authorize(br, env, client, path, **extra)
        loc = hdr(h, "location") or ""
        q = query(loc)
        want_state = extra.get("state", "s t&a=te/1")
        check("authorize: %s: %s to the redirect URI, state untouched, "
              "iss" % (what, code), st == 302 and
              loc.startswith(env.rp + path + "?") and q.get("error") == code
              and (q.get("state") == want_state or len(want_state) > 512)
              and q.get("iss") == env.kalitd, (st, loc))
    st, h, body = br.get("/oidc/authorize?client_id=portal&redirect_uri=" +
                         urllib.parse.quote(env.rp + "/cb", "") +
                         "&response_type=code&scope=openid&state=a"
                         "&state=b")
    q = query(hdr(h, "location") or "")
    check("authorize: a repeated parameter is invalid_request", st == 302
          and q.get("error") == "invalid_request", (st, q))


def t_login_hostile(env):
    br = Browser(env.kalitd)
    r, why = to_page(br, env, "portal", "/cb")
    if not check("authorize: to the login page with a request token and "
                 "a binding cookie", r is not None and
                 any(k.endswith("kalit-b") for k in br.cookies), why):
        return
    st, h, body = br.req("POST", "/oidc/challenge", {"r": r})
    c = json.loads(body) if st == 200 else {}
    check("challenge: bound to the request, the origin and the client",
          st == 200 and c.get("origin") == env.origin and
          c.get("client", {}).get("id") == "portal" and
          len(c.get("challenge", "")) == 80 and
          "no-store" in hdr(h, "cache-control"), (st, body[:200]))
    check("challenge: the client's registered name for the page to show",
          c.get("client", {}).get("name") == "Davlat xizmatlari — "
          "Госуслуги", c)
    r2, _ = to_page(br, env, "portal2", "/cb2")
    st, h, body = br.req("POST", "/oidc/challenge", {"r": r2})
    check("challenge: a client without a registered name: its id only",
          st == 200 and json.loads(body).get("client") == {"id": "portal2"},
          (st, body[:200]))
    other = Browser(env.kalitd)
    to_page(other, env, "portal", "/cb")
    st, h, body = other.req("POST", "/oidc/challenge", {"r": r})
    check("challenge: another browser's request (browser_mismatch)",
          st == 400 and error_of(body) == "browser_mismatch", (st, body))
    st, h, body = br.req("POST", "/oidc/challenge",
                         {"r": r[:-2] + ("AA" if r[-2:] != "AA" else "AE")})
    check("challenge: an altered request token (request_invalid)",
          st == 400 and error_of(body) == "request_invalid", (st, body))

    def attempt(what, code, status, name="c1", token=None, headers=None,
                challenge=None, browser=None, rr=None, **kw):
        b = browser or br
        st, h, body = b.req("POST", "/oidc/challenge", {"r": rr or r})
        ch = json.loads(body)["challenge"] if st == 200 else "x"
        tok = token if token is not None else token_of(env, name, ch, **kw)
        hh = {"Origin": env.origin, "X-Kalit-Login": "1"}
        hh.update(headers or {})
        hh = {k: v for k, v in hh.items() if v is not None}
        st, h, body = b.req("POST", "/oidc/login",
                            {"r": rr or r, "challenge": challenge or ch,
                             "token": tok}, hh)
        check("login: %s (%d %s)" % (what, status, code), st == status and
              error_of(body) == code, (st, body[:200]))

    attempt("without X-Kalit-Login (a cross-site form)", "origin_mismatch",
            400, headers={"X-Kalit-Login": None})
    attempt("from another Origin", "origin_mismatch", 400,
            headers={"Origin": "https://evil.example"})
    # the other browser's cookie with this browser's request token
    attempt("another browser session's POST (binding cookie)",
            "browser_mismatch", 400, browser=other)
    attempt("signed over another origin", "signature_invalid", 401,
            origin="https://evil.example")
    attempt("signed over another challenge", "signature_invalid", 401,
            signed_challenge="A" * 80)
    r2, _ = to_page(br, env, "portal2", "/cb2")
    st, h, body = br.req("POST", "/oidc/challenge", {"r": r2})
    ch2 = json.loads(body)["challenge"]
    attempt("the challenge of another request", "challenge_client_mismatch",
            400, challenge=ch2, token=token_of(env, "c1", ch2))
    attempt("a challenge kalitd never issued", "challenge_unknown", 400,
            challenge="A" * 80, token=token_of(env, "c1", "A" * 80))
    attempt("algorithm RS256 for an EC key", "signature_algorithm_weak",
            401, alg="RS256")
    attempt("algorithm HS256", "signature_algorithm_weak", 401, alg="HS256")
    attempt("a certificate outside the trusted chain",
            "certificate_untrusted", 401, name="x1")
    big = token_of(env, "c1", "x")
    big["appVersion"] = "x" * 11000
    attempt("an oversized token", "request_too_large", 413, token=big)
    st, h, body = br.req("POST", "/oidc/challenge", {"r": r})
    ch = json.loads(body)["challenge"]
    tok = token_of(env, "c1", ch)
    hh = {"Origin": env.origin, "X-Kalit-Login": "1"}
    st, h, body = br.req("POST", "/oidc/login", {"r": r, "challenge": ch,
                                                 "token": tok}, hh)
    check("login: a good one after the refusals", st == 200, (st, body))
    st, h, body = br.req("POST", "/oidc/login", {"r": r, "challenge": ch,
                                                 "token": tok}, hh)
    check("login: the same challenge again (challenge_reused)",
          st == 400 and error_of(body) == "challenge_reused", (st, body))
    br2 = Browser(env.kalitd)
    r3, _ = to_page(br2, env, "portal", "/cb", acr_values="official")
    st, j = page_login(br2, env, r3, "c1")
    check("login: acr_values=official refuses a citizen "
          "(certificate_policy)", st == 403 and
          j.get("error") == "certificate_policy", (st, j))
    br3 = Browser(env.kalitd)
    q, red = login(br3, env, "officials", "/off", name="o1",
                   acr_values="official")
    check("login: an official where acr_values=official", q is not None
          and "code" in q, red)


def t_tokens(env):
    br = Browser(env.kalitd)
    v, c = pkce()
    q, red = login(br, env, "portal", "/cb", code_challenge=c,
                   code_challenge_method="S256")
    if not check("login: a citizen to portal: code, state untouched, iss",
                 q is not None and q.get("state") == "s t&a=te/1" and
                 q.get("iss") == env.kalitd and len(q.get("code", "")) == 43,
                 red):
        return None
    sidc = [k for k in br.cookies if k.endswith("kalit-sid")]
    check("login: a session cookie", len(sidc) == 1, br.cookies)
    st, j, _ = redeem(env, "portal", q["code"], "/cb", "A" * 43)
    check("token: a wrong PKCE verifier (invalid_grant)", st == 400 and
          j.get("error") == "invalid_grant", (st, j))
    # the code was used by that attempt: a new login for the rest
    q, red = login(br, env, "portal", "/cb", code_challenge=c,
                   code_challenge_method="S256", prompt="login")
    st, j, _ = redeem(env, "portal2", q["code"], "/cb", v, how="post")
    check("token: a code redeemed by another client (invalid_grant)",
          st == 400 and j.get("error") == "invalid_grant", (st, j))
    q, red = login(br, env, "portal", "/cb", code_challenge=c,
                   code_challenge_method="S256", prompt="login")
    st, j, _ = redeem(env, "portal", q["code"], "/cb")
    check("token: PKCE verifier missing (invalid_grant)", st == 400 and
          j.get("error") == "invalid_grant", (st, j))
    q, red = login(br, env, "portal", "/cb", code_challenge=c,
                   code_challenge_method="S256", prompt="login")
    st, j, resp = redeem(env, "portal", q["code"], "/cb", v)
    if not check("token: client_secret_basic with PKCE", st == 200 and
                 j.get("token_type") == "Bearer" and "id_token" in j and
                 "no-store" in (resp.getheader("Cache-Control") or ""),
                 (st, j)):
        return None
    idt = j["id_token"]
    idc = claims_of(idt)
    key = [k for k in env.jwks if k["kid"] == header_of(idt).get("kid")]
    check("ID token: ES256 by a key of the JWKS", key != [] and
          header_of(idt).get("alg") == "ES256" and jws_verify(idt, key[0]),
          header_of(idt))
    at_hash = b64u(hashlib.sha256(j["access_token"].encode()).digest()[:16])
    want = {"iss": env.kalitd, "aud": "portal", "sub": "30000000000001",
            "nonce": "n-0S6_WzA2Mj", "acr": "citizen", "amr": ["pop", "swk"],
            "at_hash": at_hash, "pinfl": "30000000000001",
            "given_name": "Vali", "family_name": "Aliyev"}
    bad = {k: idc.get(k) for k, v in want.items() if idc.get(k) != v}
    check("ID token: its claims (iss sub aud nonce acr amr at_hash, "
          "profile, pinfl)", not bad and idc["exp"] > idc["iat"] and
          "auth_time" in idc and "sid" in idc and "tin" not in idc, bad)
    at = j["access_token"]
    check("token: the access token is active at introspection",
          active(env, "portal", at))
    st, h, body = br.get("/oidc/userinfo",
                         {"Authorization": "Bearer " + at})
    ui = json.loads(body) if st == 200 else {}
    check("userinfo: sub and the claims of the scope (profile, pinfl)",
          st == 200 and ui.get("sub") == "30000000000001" and
          ui.get("pinfl") == "30000000000001" and ui.get("name") ==
          "Aliyev Vali" and "cert_serial" not in ui, ui)
    st, h, body = br.get("/oidc/userinfo",
                         {"Authorization": "Bearer x" + at})
    check("userinfo: a bad token (401 invalid_token, Bearer)", st == 401
          and error_of(body) == "invalid_token" and
          "Bearer" in hdr(h, "www-authenticate"), (st, h))
    st, j2, _ = redeem(env, "portal", q["code"], "/cb", v)
    check("token: the code again (invalid_grant)", st == 400 and
          j2.get("error") == "invalid_grant", (st, j2))
    check("token: the code again revoked its access token "
          "(introspection: inactive)", not active(env, "portal", at))
    st, h, body = br.get("/oidc/userinfo", {"Authorization": "Bearer " + at})
    check("userinfo: the revoked token (invalid_token)", st == 401, st)
    q, red = login(br, env, "portal", "/cb", prompt="login")
    st, j, _ = redeem(env, "portal", q["code"], "/cb", how="post")
    check("token: client_secret_post for a basic client (invalid_client)",
          st in (400, 401) and j.get("error") == "invalid_client", (st, j))
    q, red = login(br, env, "portal", "/cb", prompt="login")
    st, j, r = post_form(env, "/oidc/token", {
        "grant_type": "authorization_code", "code": q["code"],
        "redirect_uri": env.rp + "/cb"}, ("portal", "wrong"))
    check("token: a wrong secret (401 invalid_client, WWW-Authenticate)",
          st == 401 and j.get("error") == "invalid_client" and
          r.getheader("WWW-Authenticate") is not None, (st, j))
    st, j, _ = post_form_raw(env, "grant_type=authorization_code&code=a&"
                             "code=b", ("portal", env.secret["portal"]))
    check("token: a repeated parameter (invalid_request)", st == 400 and
          j.get("error") == "invalid_request", (st, j))
    st, j, _ = post_form_raw(env, "grant_type=password&username=a",
                             ("portal", env.secret["portal"]))
    check("token: grant_type password (unsupported_grant_type)",
          st == 400 and j.get("error") == "unsupported_grant_type", (st, j))
    q, red = login(br, env, "portal2", "/cb2")
    st, j, _ = redeem(env, "portal2", q["code"], "/cb2", how="post")
    check("token: client_secret_post", st == 200 and "id_token" in j,
          (st, j))
    q, red = login(br, env, "portal", "/cb", prompt="login")
    time.sleep(11)
    st, j, _ = redeem(env, "portal", q["code"], "/cb")
    check("token: an expired code (invalid_grant)", st == 400 and
          j.get("error") == "invalid_grant", (st, j))
    return br


def post_form_raw(env, body, auth):
    c = http.client.HTTPConnection(urllib.parse.urlsplit(env.kalitd).hostname,
                                   urllib.parse.urlsplit(env.kalitd).port,
                                   timeout=30)
    h = {"Content-Type": "application/x-www-form-urlencoded",
         "Authorization": "Basic " + base64.b64encode(
             ("%s:%s" % auth).encode()).decode()}
    c.request("POST", "/oidc/token", body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data or b"{}"), r


def t_amr(env):
    """amr: hwk only for a certificate under [policy] hardware_key."""
    for name, amr in (("h1", ["pop", "hwk", "sc"]), ("c1", ["pop", "swk"])):
        br = Browser(env.kalitd)
        q, red = login(br, env, "portal", "/cb", name=name)
        st, j, _ = redeem(env, "portal", q["code"], "/cb")
        got = claims_of(j["id_token"]).get("amr") if st == 200 else None
        check("ID token: amr %s for %s" % (",".join(amr), name),
              got == amr, (st, got, j))


def t_public_and_jwt(env):
    br = Browser(env.kalitd)
    v, c = pkce()
    q, red = login(br, env, "spa", "/spa", code_challenge=c,
                   code_challenge_method="S256")
    st, j, _ = redeem(env, "spa", q["code"], "/spa", v, how="none")
    check("token: a public client with PKCE (none)", st == 200 and
          "id_token" in j, (st, j))
    aud = env.kalitd + "/oidc/token"

    def assertion(key="rp.key", **kw):
        cl = {"iss": "jwtapp", "sub": "jwtapp", "aud": aud,
              "exp": int(time.time()) + 60, "jti": b64u(os.urandom(12))}
        cl.update(kw)
        return jws(env.f(key), cl)

    def jwt_redeem(a, what, want):
        q, red = login(br, env, "jwtapp", "/jwt")
        st, j, _ = redeem(env, "jwtapp", q["code"], "/jwt", how="jwt",
                          extra={"client_assertion_type": "urn:ietf:params:"
                                 "oauth:client-assertion-type:jwt-bearer",
                                 "client_assertion": a})
        if want == "ok":
            check("private_key_jwt: %s" % what, st == 200 and
                  "id_token" in j, (st, j))
        else:
            check("private_key_jwt: %s (invalid_client)" % what,
                  st == 400 and j.get("error") == "invalid_client", (st, j))

    a = assertion()
    jwt_redeem(a, "a good assertion", "ok")
    jwt_redeem(a, "the same jti again", "invalid_client")
    jwt_redeem(assertion("other.key"), "signed by another key",
               "invalid_client")
    jwt_redeem(assertion(aud="https://other.example/token"), "another aud",
               "invalid_client")
    jwt_redeem(assertion(exp=int(time.time()) - 5), "expired",
               "invalid_client")
    jwt_redeem(assertion(exp=int(time.time()) + 3600), "living an hour",
               "invalid_client")
    jwt_redeem(assertion(iss="portal", sub="portal"), "naming another "
               "client", "invalid_client")


def t_sso_logout(env):
    br = Browser(env.kalitd)
    qa, red = login(br, env, "portal", "/cb")
    st, ja, _ = redeem(env, "portal", qa["code"], "/cb")
    if not check("SSO: portal A: a login with a signature", st == 200,
                 (st, ja)):
        return
    st, h, body = authorize(br, env, "portal2", "/cb2")
    loc = hdr(h, "location") or ""
    qb = query(loc)
    check("SSO: portal B gets its code without a new signature",
          st == 302 and loc.startswith(env.rp + "/cb2?") and "code" in qb
          and qb.get("state") == "s t&a=te/1", (st, loc))
    st, jb, _ = redeem(env, "portal2", qb["code"], "/cb2", how="post")
    check("SSO: B's ID token has A's sid and auth_time", st == 200 and
          claims_of(jb["id_token"])["sid"] ==
          claims_of(ja["id_token"])["sid"] and
          claims_of(jb["id_token"])["auth_time"] ==
          claims_of(ja["id_token"])["auth_time"], (st, jb))
    for what, extra in (("prompt=login", {"prompt": "login"}),
                        ("a stronger acr (official) than the session's",
                         {"acr_values": "official"})):
        st, h, body = authorize(br, env, "portal2", "/cb2", **extra)
        check("SSO: %s forces a new signature (the login page)" % what,
              st == 302 and (hdr(h, "location") or "").startswith(
                  "/login/?r="), (st, h.get("location")))
    # B asks for a signature again: the session goes on (same sid)
    q2, red = login(br, env, "portal2", "/cb2", prompt="login")
    st, j2, _ = redeem(env, "portal2", q2["code"], "/cb2", how="post")
    check("SSO: a new signature in the session keeps its sid (A is not "
          "logged out)", st == 200 and claims_of(j2["id_token"])["sid"] ==
          claims_of(ja["id_token"])["sid"] and
          active(env, "portal", ja["access_token"]), (st, j2))
    time.sleep(1.1)
    st, h, body = authorize(br, env, "portal2", "/cb2", max_age="0")
    check("SSO: max_age older than the session forces a new signature",
          st == 302 and (hdr(h, "location") or "").startswith("/login/?r="),
          (st, h.get("location")))
    st, h, body = authorize(br, env, "portal2", "/cb2", prompt="none")
    check("SSO: prompt=none in a session: a code", st == 302 and
          "code" in query(hdr(h, "location") or ""), h.get("location"))
    other = Browser(env.kalitd)
    st, h, body = authorize(other, env, "portal2", "/cb2", prompt="none")
    check("SSO: another browser has no session (login_required)",
          st == 302 and query(hdr(h, "location") or "").get("error") ==
          "login_required", h.get("location"))
    # RP-initiated logout at A with id_token_hint
    time.sleep(0.5)		# earlier sessions' deliveries are done
    with Receiver.lock:
        Receiver.got.clear()
        Receiver.armed = True
    st, h, body = br.get("/oidc/logout?" + urllib.parse.urlencode({
        "id_token_hint": ja["id_token"],
        "post_logout_redirect_uri": env.rp + "/bye", "state": "bye-1"}))
    loc = hdr(h, "location") or ""
    check("logout: with id_token_hint: to the post-logout URI, state",
          st == 302 and loc == env.rp + "/bye?state=bye-1", (st, loc))
    check("logout: the session cookie is cleared",
          not any(k.endswith("kalit-sid") for k in br.cookies), br.cookies)
    check("logout: A's and B's access tokens are revoked (introspection)",
          not active(env, "portal", ja["access_token"]) and
          not active(env, "portal2", jb["access_token"]) and
          not active(env, "portal2", j2["access_token"]))
    st, h, body = authorize(br, env, "portal2", "/cb2", prompt="none")
    check("logout: B's next request has no session (login_required)",
          query(hdr(h, "location") or "").get("error") == "login_required",
          h.get("location"))
    got = lambda p: [b for (path, b, first) in Receiver.got
                     if path == p and not first]
    check("back-channel: B receives its logout token",
          wait_for(lambda: got("/bcl2"), 10), Receiver.got)
    check("back-channel: A's, refused once with 503, is delivered again",
          wait_for(lambda: got("/bcl"), 15) and
          any(first for (p, b, first) in Receiver.got if p == "/bcl"),
          Receiver.got)
    for path, aud in (("/bcl2", "portal2"), ("/bcl", "portal")):
        b = got(path)
        if not b:
            continue
        lt = urllib.parse.parse_qs(b[0])["logout_token"][0]
        c = claims_of(lt)
        key = [k for k in env.jwks if k["kid"] == header_of(lt).get("kid")]
        check("back-channel: %s's logout token: typ logout+jwt, signed, "
              "claims" % aud, header_of(lt).get("typ") == "logout+jwt" and
              key and jws_verify(lt, key[0]) and c.get("aud") == aud and
              c.get("sid") == claims_of(ja["id_token"])["sid"] and
              c.get("sub") == "30000000000001" and "nonce" not in c and
              "http://schemas.openid.net/event/backchannel-logout" in
              c.get("events", {}) and c["exp"] > c["iat"], c)
    # a code issued before the logout, redeemed after it
    q, red = login(br, env, "portal", "/cb")
    st, h, body = br.get("/oidc/logout")
    confirm = body.split(b'name="confirm" value="')[1].split(b'"')[0]
    br.req("POST", "/oidc/logout", urllib.parse.urlencode(
        {"confirm": confirm.decode()}),
        {"Content-Type": "application/x-www-form-urlencoded"})
    st, j, _ = redeem(env, "portal", q["code"], "/cb")
    check("token: a code of a session that ended since (invalid_grant)",
          st == 400 and j.get("error") == "invalid_grant", (st, j))
    # logout without a hint: a confirmation page, then the form's POST
    q, red = login(br, env, "portal", "/cb")
    st, h, body = br.get("/oidc/logout")
    check("logout: without id_token_hint: a confirmation page, the "
          "session kept", st == 200 and b'name="confirm"' in body and
          any(k.endswith("kalit-sid") for k in br.cookies) and
          "form-action 'self'" in hdr(h, "content-security-policy"),
          (st, body[:200]))
    confirm = body.split(b'name="confirm" value="')[1].split(b'"')[0]
    wrong = ("y" if confirm[:1] == b"x" else "x") + confirm.decode()[1:]
    st, h, body = br.req("POST", "/oidc/logout", urllib.parse.urlencode(
        {"confirm": wrong}),
        {"Content-Type": "application/x-www-form-urlencoded"})
    check("logout: a wrong confirmation ends nothing",
          any(k.endswith("kalit-sid") for k in br.cookies), st)
    st, h, body = br.req("POST", "/oidc/logout", urllib.parse.urlencode(
        {"confirm": confirm.decode()}),
        {"Content-Type": "application/x-www-form-urlencoded"})
    check("logout: the confirmation ends the session", st == 200 and
          not any(k.endswith("kalit-sid") for k in br.cookies), st)
    st, h, body = br.get("/oidc/logout?" + urllib.parse.urlencode({
        "client_id": "portal", "post_logout_redirect_uri":
        "https://evil.example/"}))
    check("logout: an unregistered post_logout_redirect_uri: no redirect",
          st == 400 and "location" not in h, (st, h.get("location")))


def t_other_person(env):
    """Another person's login in the browser ends the session before."""
    br = Browser(env.kalitd)
    q, red = login(br, env, "portal", "/cb")
    st, j, _ = redeem(env, "portal", q["code"], "/cb")
    q, red = login(br, env, "officials", "/off", name="o1",
                   acr_values="official")
    check("login: another person in the same browser: the first "
          "person's session ends (its token revoked)", q is not None and
          not active(env, "portal", j["access_token"]), red)


def t_sso_start(env):
    br = Browser(env.kalitd)
    q, red = login(br, env, "portal", "/cb", name="c2")
    check("SSO: the second citizen logs in to portal A", q is not None and
          "code" in q, red)
    st, h, body = authorize(br, env, "portal2", "/cb2")
    check("SSO: ... and to portal B without a signature", st == 302 and
          "code" in query(hdr(h, "location") or ""), h.get("location"))
    json.dump(br.cookies, open(env.f("c2.cookies"), "w"))


def t_sso_revoked(env):
    br = Browser(env.kalitd)
    br.cookies = json.load(open(env.f("c2.cookies")))
    st, h, body = authorize(br, env, "portal2", "/cb2")
    loc = hdr(h, "location") or ""
    check("SSO: a certificate revoked since the login: no code, the "
          "login page", st == 302 and loc.startswith("/login/?r="),
          (st, loc))
    check("SSO: ... and the session ended (its cookie cleared)",
          not any(k.endswith("kalit-sid") for k in br.cookies), br.cookies)
    st, h, body = authorize(br, env, "portal2", "/cb2", prompt="none")
    check("SSO: ... prompt=none is login_required now", query(
        hdr(h, "location") or "").get("error") == "login_required",
        h.get("location"))
    r, _ = to_page(br, env, "portal", "/cb")
    st, j = page_login(br, env, r, "c2")
    check("login: the revoked certificate (401 certificate_revoked)",
          st == 401 and j.get("error") == "certificate_revoked", (st, j))


def t_codes_full(env):
    """kalitd runs with [cache] codes = 64K: about 18 fresh codes."""
    br = Browser(env.kalitd)
    q, red = login(br, env, "portal", "/cb")
    check("codes: a login while the table has room", q is not None and
          "code" in q, red)
    n, q = 0, {}
    while n < 40:
        st, h, body = authorize(br, env, "portal2", "/cb2")
        q = query(hdr(h, "location") or "")
        if "code" not in q:
            break
        n += 1
    check("codes: SSO codes nobody redeems fill 64K (%d of them), then "
          "temporarily_unavailable at the redirect URI, state echoed" % n,
          5 < n < 40 and q.get("error") == "temporarily_unavailable" and
          q.get("state") == "s t&a=te/1", q)
    time.sleep(11)	# code_lifetime = 10: the next full pass drops them
    st, h, body = authorize(br, env, "portal2", "/cb2")
    check("codes: expired codes make room again", "code" in query(
        hdr(h, "location") or ""), h.get("location"))


def t_tokens_full(env):
    """A session past SSO_TOKENS_MAX (256) live tokens revokes its oldest."""
    br = Browser(env.kalitd)
    first = None
    for i in range(257):
        q, red = login(br, env, "portal", "/cb", name="c1")
        if q is None or "code" not in q:
            fail("tokens: login %d: %r" % (i, red))
            return
        st, j, _ = redeem(env, "portal", q["code"], "/cb")
        if st != 200:
            fail("tokens: redemption %d: %r" % (i, (st, j)))
            return
        first = first or j["access_token"]
        if i == 255:
            check("tokens: 256 live tokens in one session, the first "
                  "still active", active(env, "portal", first))
    check("tokens: the 257th revokes the session's oldest",
          not active(env, "portal", first))
    open(env.f("pushed.token"), "w").write(first)


def t_tokens_restart(env):
    first = open(env.f("pushed.token")).read()
    check("tokens: ... and it stays revoked after a restart (stored)",
          not active(env, "portal", first))


def run(kalitd, rp, d, tests=None):
    env = Env(kalitd, rp, d)
    port = urllib.parse.urlsplit(rp).port
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    for t in tests or (t_discovery, t_page, t_authorize_errors,
                       t_login_hostile, t_tokens, t_amr, t_public_and_jwt,
                       t_sso_logout, t_other_person):
        try:
            t(env)
        except Exception as e:	# a crash is one failure, the rest runs
            fail("%s: %s: %r" % (t.__name__, type(e).__name__, e))
    srv.shutdown()
    return 1 if FAILS else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "jwks":
        print(json.dumps({"keys": [jwk_of(sys.argv[2])]}))
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "run":
        return run(*sys.argv[2:])
    one = {"sso-start": t_sso_start, "sso-revoked": t_sso_revoked,
           "codes-full": t_codes_full, "tokens-full": t_tokens_full,
           "tokens-restart": t_tokens_restart}
    if len(sys.argv) == 5 and sys.argv[1] in one:
        return run(*sys.argv[2:], tests=(one[sys.argv[1]],))
    print(__doc__ or "usage: kalitd_oidc.py jwks KEY | run KALITD RP DIR",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
