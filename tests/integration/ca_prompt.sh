#!/bin/sh
# The no-echo passphrase prompt: kalit-ca init and issue on a real
# pseudo-terminal, answered like a person would; the secrets must never
# appear on the terminal, and a mismatched repeat must be refused.
. "$TESTLIB"
cd "$TMP" || exit 99
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }

# ontty EXPECTED_STATUS ANSWER... -- CMD...: runs CMD on a pty, typing one
# ANSWER after each "Enter"/"Repeat" prompt; saves the screen in tty.out.
ontty() {
	python3 - "$@" <<'PY'
import os, pty, sys, time
args = sys.argv[1:]
want = int(args.pop(0))
sep = args.index("--")
answers, cmd = args[:sep], args[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b""
answered = 0
deadline = time.time() + 60
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    # a prompt ("Enter ...: ") printed since the last answer gets the next one
    if answers and out[answered:].rstrip().endswith(b":"):
        time.sleep(0.1)
        os.write(fd, answers.pop(0).encode() + b"\n")
        answered = len(out)
_, status = os.waitpid(pid, 0)
open("tty.out", "wb").write(out)
code = os.waitstatus_to_exitcode(status)
sys.exit(0 if code == want else 1)
PY
}

SECRET=CorrectHorse-$$
check "init asks for the root passphrase twice on the terminal" \
    ontty 0 "$SECRET" "$SECRET" -- "$KALIT_CA" -d "$TMP/ca" init
assert_grep "prompt names the root key" "passphrase for the new root CA key" tty.out
assert_nogrep "passphrase not echoed" "$SECRET" tty.out
PROMPTED=$SECRET
export PROMPTED
check "the prompted passphrase opens the root key" \
    "$KALIT_CA" -d "$TMP/ca" ca-new --profile citizen \
    --ca-pass "env:PROMPTED" --new-pass "env:PROMPTED"

check "a mismatched repeat is refused (exit 4)" \
    ontty 4 "$SECRET" "other-$SECRET" -- "$KALIT_CA" -d "$TMP/ca2" init
assert_grep "says the entries differ" "differ" tty.out
assert_nogrep "nothing echoed" "$SECRET" tty.out
if [ -e "$TMP/ca2/kalit-ca.db" ]; then
	fail "no database after a refused init"
else
	ok "no database after a refused init"
fi

check "issue asks for the CA passphrase and the key file password" \
    ontty 0 "kf-$SECRET" "kf-$SECRET" "$SECRET" -- "$KALIT_CA" \
    -d "$TMP/ca" issue --profile citizen --given-name Vali --surname Aliyev \
    --pinfl 31234567890123 --out "$TMP/v.p12"
assert_nogrep "key file password not echoed" "kf-$SECRET" tty.out
check "the key file opens with the typed password" \
    "$OPENSSL" pkcs12 -in "$TMP/v.p12" -passin "pass:kf-$SECRET" -noout
finish
