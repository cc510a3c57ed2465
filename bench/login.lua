-- login.lua: wrk script for bench/login.sh: logins against kalitd.
--
-- Each wrk "request" is one login: POST /v1/challenge (a real, fresh
-- challenge for the client of the bodies; the answer is thrown away:
-- handing one out is part of the cost of a login) and POST /v1/login with
-- the next pre-signed body made by bench/login_bodies, written back to
-- back on the keep-alive connection. wrk counts it as two requests
-- (pipeline depth 2, found by parsing what request() returns) and takes
-- one latency sample when both answers are in, so wrk's histogram is the
-- latency of a whole login and logins/s = requests/s / 2.
--
-- LOGIN_TOKEN=1 (bench/machine.sh): each wrk request is an agency
-- system's token instead: one POST /oidc/token whose form is the next
-- line (grant_type=client_credentials with a client assertion, made by
-- login_bodies -t), alone on the connection, as a system sends it; a
-- token counts as a login below.
--
-- Environment (set by login.sh and machine.sh):
--   LOGIN_BODIES   the bodies file, one JSON body (or form) a line
--   LOGIN_THREADS  wrk's -t: thread k of n takes lines k+1, k+1+n, ...
--   LOGIN_REUSE    1: send the bodies round and round (for a server that
--                  checks none of them: nginx in login.sh's floor run)
--   LOGIN_TOKEN    1: token requests, as above
--
-- A body is sent at most once (unless LOGIN_REUSE=1). Every answer is checked: a login (or
-- token) must be 200 with an access_token, a challenge 200 with a challenge. done()
-- prints one "LOGIN_RESULT key=value..." line (and "LOGIN_ERROR code n"
-- lines) that login.sh reads; running out of bodies stops the thread and
-- is reported as exhausted=1 (login.sh then fails: raise N).

local path = os.getenv("LOGIN_BODIES")
local nthreads = tonumber(os.getenv("LOGIN_THREADS") or "")
local reuse = os.getenv("LOGIN_REUSE") == "1"
local token = os.getenv("LOGIN_TOKEN") == "1"
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") ..
       "wrk_threads.lua")

function init(args)
   if path == nil or nthreads == nil then
      io.stderr:write("login.lua: set LOGIN_BODIES and LOGIN_THREADS\n")
      os.exit(2)
   end
   bodies = thread_lines("login.lua", path, nthreads)
   nbodies = #bodies
   nextb = 1
   local host = wrk.host
   if wrk.port then
      host = host .. ":" .. wrk.port
   end
   local client = "bench"
   if nbodies > 0 then
      client = string.match(bodies[1], '"client_id"%s*:%s*"([^"]*)"') or
         client
   end
   local chbody = '{"client_id":"' .. client .. '"}'
   chreq = "POST /v1/challenge HTTP/1.1\r\nHost: " .. host ..
      "\r\nContent-Type: application/json\r\nContent-Length: " ..
      #chbody .. "\r\n\r\n" .. chbody
   loginhdr = "POST /v1/login HTTP/1.1\r\nHost: " .. host ..
      "\r\nContent-Type: application/json\r\nContent-Length: "
   -- what a thread sends when it stops: as many requests as a login
   lastreq = chreq .. chreq
   if token then
      chreq = ""
      loginhdr = "POST /oidc/token HTTP/1.1\r\nHost: " .. host ..
         "\r\nContent-Type: application/x-www-form-urlencoded" ..
         "\r\nContent-Length: "
      lastreq = "GET /healthz HTTP/1.1\r\nHost: " .. host .. "\r\n\r\n"
   end
   logins_ok = 0
   challenges_ok = 0
   bad = 0
   exhausted = 0
   errors = {}
   first_bad = ""
end

function request()
   if nextb > nbodies and reuse then
      nextb = 1
   end
   if nextb > nbodies then
      -- Never reuse a body: stop this thread; login.sh fails the run.
      exhausted = 1
      wrk.thread:stop()
      return lastreq
   end
   local b = bodies[nextb]
   if not reuse then
      bodies[nextb] = nil
   end
   nextb = nextb + 1
   return chreq .. loginhdr .. #b .. "\r\n\r\n" .. b
end

function response(status, headers, body)
   if exhausted == 1 then
      return
   end
   if status == 200 then
      if string.find(body, '"access_token"', 1, true) then
         logins_ok = logins_ok + 1
         return
      elseif string.find(body, '"challenge"', 1, true) then
         challenges_ok = challenges_ok + 1
         return
      end
   end
   bad = bad + 1
   local code = string.match(body, '"error"%s*:%s*"([^"]*)"') or
      ("http_" .. status)
   errors[code] = (errors[code] or 0) + 1
   if first_bad == "" then
      first_bad = "HTTP " .. status .. " " .. string.sub(body, 1, 200)
   end
end

function done(summary, latency, requests)
   local ok, ch, nbad, exh, sent = 0, 0, 0, 0, 0
   local errs = {}
   local sample = ""
   for _, t in ipairs(threads) do
      ok = ok + t:get("logins_ok")
      ch = ch + t:get("challenges_ok")
      nbad = nbad + t:get("bad")
      exh = exh + t:get("exhausted")
      sent = sent + t:get("nextb") - 1
      for code, n in pairs(t:get("errors")) do
         errs[code] = (errs[code] or 0) + n
      end
      if sample == "" then
         sample = t:get("first_bad")
      end
   end
   local e = summary.errors
   io.write(string.format("LOGIN_RESULT requests=%d duration_us=%d " ..
      "logins_ok=%d challenges_ok=%d bad=%d exhausted=%d bodies_sent=%d " ..
      "lat_p50_us=%d lat_p90_us=%d lat_p99_us=%d lat_mean_us=%d " ..
      "lat_max_us=%d err_connect=%d err_read=%d err_write=%d " ..
      "err_status=%d err_timeout=%d\n",
      summary.requests, summary.duration, ok, ch, nbad, exh, sent,
      latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.mean, latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
   for code, n in pairs(errs) do
      io.write(string.format("LOGIN_ERROR %s %d\n", code, n))
   end
   if sample ~= "" then
      io.write("LOGIN_FIRST_BAD " .. string.gsub(sample, "[\r\n]", " ") ..
         "\n")
   end
end
