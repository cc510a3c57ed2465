-- ocsp.lua: wrk script for bench/ocsp.sh: OCSP requests, POST or GET.
--
-- Environment (set by ocsp.sh):
--   OCSP_REQUESTS  a file with one request a line: for POST the DER in
--                  hex, for GET the path (/ocsp/ + percent-encoded base64)
--   OCSP_METHOD    POST (default) or GET
--   OCSP_THREADS   wrk's -t: thread k of n starts at line k+1 of the file
--                  and goes on through all of it, round and round
--   OCSP_CHECK     1 (default): every answer must be HTTP 200 with an
--                  OCSPResponse whose responseStatus is successful; 0: no
--                  response() callback (wrk counts statuses >= 400 only)
--   OCSP_CLOSE     1: "Connection: close" on every request (a new TCP
--                  connection each); default 0 (keep-alive)
--
-- done() prints one "OCSP_RESULT key=value..." line that ocsp.sh reads.

local path = os.getenv("OCSP_REQUESTS")
local method = os.getenv("OCSP_METHOD") or "POST"
local nthreads = tonumber(os.getenv("OCSP_THREADS") or "")
local check = os.getenv("OCSP_CHECK") ~= "0"
local close = os.getenv("OCSP_CLOSE") == "1"
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") ..
       "wrk_threads.lua")

local function unhex(h)
   return (h:gsub("..", function(c) return string.char(tonumber(c, 16)) end))
end

function init(args)
   if path == nil or nthreads == nil then
      io.stderr:write("ocsp.lua: set OCSP_REQUESTS and OCSP_THREADS\n")
      os.exit(2)
   end
   local f = io.open(path, "r")
   if f == nil then
      io.stderr:write("ocsp.lua: cannot open " .. path .. "\n")
      os.exit(2)
   end
   -- Every request rendered once; request() only picks the next one.
   reqs = {}
   nreqs = 0
   for line in f:lines() do
      local h = {}
      if close then
         h["Connection"] = "close"
      end
      nreqs = nreqs + 1
      if method == "GET" then
         reqs[nreqs] = wrk.format("GET", line, h)
      else
         h["Content-Type"] = "application/ocsp-request"
         reqs[nreqs] = wrk.format("POST", "/ocsp", h, unhex(line))
      end
   end
   f:close()
   if nreqs == 0 then
      io.stderr:write("ocsp.lua: " .. path .. " is empty\n")
      os.exit(2)
   end
   nextr = tid % nreqs
   ok = 0
   bad = 0
   first_bad = ""
end

function request()
   nextr = nextr % nreqs + 1
   return reqs[nextr]
end

-- An OCSPResponse is SEQUENCE { ENUMERATED responseStatus, ... }: after
-- the SEQUENCE's tag and length come 0a 01 00 when it is successful.
local function successful(body)
   if body == nil or #body < 5 or body:byte(1) ~= 0x30 then
      return false
   end
   local l = body:byte(2)
   local i = 3
   if l >= 0x80 then
      i = 3 + (l - 0x80)
   end
   return body:sub(i, i + 2) == "\10\1\0"
end

local function response_check(status, headers, body)
   if status == 200 and successful(body) then
      ok = ok + 1
      return
   end
   bad = bad + 1
   if first_bad == "" then
      first_bad = "HTTP " .. status .. " " ..
         string.sub(body or "", 1, 60):gsub("[^%w%p ]", ".")
   end
end

if check then
   response = response_check
end

function done(summary, latency, requests)
   local nok, nbad = 0, 0
   local sample = ""
   for _, t in ipairs(threads) do
      nok = nok + t:get("ok")
      nbad = nbad + t:get("bad")
      if sample == "" then
         sample = t:get("first_bad")
      end
   end
   local e = summary.errors
   io.write(string.format("OCSP_RESULT requests=%d duration_us=%d " ..
      "ok=%d bad=%d checked=%d lat_p50_us=%d lat_p90_us=%d " ..
      "lat_p99_us=%d lat_mean_us=%d lat_max_us=%d err_connect=%d " ..
      "err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
      summary.requests, summary.duration, nok, nbad, check and 1 or 0,
      latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.mean, latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
   if sample ~= "" then
      io.write("OCSP_FIRST_BAD " .. sample .. "\n")
   end
end
