-- oidc.lua: wrk script for bench/oidc.sh: logins through kalitd's OpenID
-- Provider, each a chain of requests on one keep-alive connection (so run
-- wrk with as many connections as threads: -tN -cN).
--
-- OIDC_FLOW=login: the login page's POST /oidc/login with the next body
--   made by oidc_gen.mjs (its browser's cookie, its Web eID token), then
--   the portal's POST /oidc/token for the code, then GET /oidc/userinfo
--   with the access token.
-- OIDC_FLOW=sso: a browser with a session: GET /oidc/authorize (302 with a
--   code, no signature), POST /oidc/token, GET /oidc/userinfo.
-- OIDC_FLOW=v1: POST /v1/challenge, then POST /v1/login with the next body
--   made by bench/login_bodies (as login.lua, but one request at a time,
--   each sent when the answer before it is in, as a client does).
-- OIDC_FLOW=floor: three GET /healthz in a chain, as sso's three requests:
--   what the requests cost with nothing to do (OIDC_BODIES unused).
--
-- Environment (set by oidc.sh): OIDC_FLOW, OIDC_BODIES (login: one body a
-- line; sso: one browser's cookies a line), OIDC_THREADS (wrk's -t),
-- OIDC_ORIGIN, OIDC_AUTHORIZE (the path and query of the authorization
-- request), OIDC_REDIRECT (the redirect URI, URL-encoded), OIDC_VERIFIER
-- (the PKCE verifier), OIDC_BASIC (base64 of client:secret), OIDC_LAT (a
-- file prefix: each thread writes the microseconds of its logins there).
-- Every answer is checked; done() prints "OIDC_RESULT key=value ..." for
-- oidc.sh. A whole login's latency is timed with CLOCK_MONOTONIC through
-- LuaJIT's FFI, as wrk's own histogram is per request.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } oidc_ts;
int clock_gettime(int clk, oidc_ts *ts);
]]
local ts = ffi.new("oidc_ts")
local function now_us()
   ffi.C.clock_gettime(1, ts)		-- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local flow = os.getenv("OIDC_FLOW")
local path = os.getenv("OIDC_BODIES")
local nthreads = tonumber(os.getenv("OIDC_THREADS") or "")
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") ..
       "wrk_threads.lua")

function init(args)
   if (flow ~= "login" and flow ~= "sso" and flow ~= "v1" and
       flow ~= "floor") or path == nil or nthreads == nil then
      io.stderr:write("oidc.lua: set OIDC_FLOW, OIDC_BODIES, OIDC_THREADS\n")
      os.exit(2)
   end
   lines = thread_lines("oidc.lua", path, nthreads)
   if flow == "floor" then lines = { "" } end
   nextl, step, logins, bad, exhausted = 1, 0, 0, 0, 0
   origin = os.getenv("OIDC_ORIGIN")
   authorize = os.getenv("OIDC_AUTHORIZE")
   form = "grant_type=authorization_code&redirect_uri=" ..
       os.getenv("OIDC_REDIRECT") .. "&code_verifier=" ..
       os.getenv("OIDC_VERIFIER") .. "&code="
   basic = "Basic " .. os.getenv("OIDC_BASIC")
   lat, nlat = {}, 0
   latf = io.open(os.getenv("OIDC_LAT") .. "." .. tid, "w")
end

local function flush()
   if nlat > 0 then
      latf:write(table.concat(lat, "\n", 1, nlat), "\n")
      latf:flush()
      nlat = 0
   end
end

function request()
   if flow == "floor" then
      if step == 0 then t0 = now_us() end
      return wrk.format("GET", "/healthz")
   end
   if step == 0 then
      if nextl > #lines and flow == "sso" then
         nextl = 1		-- a browser's session serves again
      elseif nextl > #lines then
         -- Never a body twice: stop this thread; oidc.sh fails the run.
         exhausted = 1
         flush()
         wrk.thread:stop()
         return wrk.format("GET", "/healthz")
      end
      local line = lines[nextl]
      t0 = now_us()
      if flow == "v1" then
         return wrk.format("POST", "/v1/challenge",
            { ["Content-Type"] = "application/json" },
            '{"client_id":"bench"}')
      end
      nextl = nextl + 1
      if flow == "sso" then
         return wrk.format("GET", authorize, { Cookie = line })
      end
      local tab = line:find("\t", 1, true)
      return wrk.format("POST", "/oidc/login", {
         Cookie = line:sub(1, tab - 1), Origin = origin,
         ["X-Kalit-Login"] = "1", ["Content-Type"] = "application/json" },
         line:sub(tab + 1))
   elseif flow == "v1" then
      nextl = nextl + 1
      return wrk.format("POST", "/v1/login",
         { ["Content-Type"] = "application/json" }, lines[nextl - 1])
   elseif step == 1 then
      return wrk.format("POST", "/oidc/token", { Authorization = basic,
         ["Content-Type"] = "application/x-www-form-urlencoded" },
         form .. code)
   else
      return wrk.format("GET", "/oidc/userinfo",
         { Authorization = "Bearer " .. token })
   end
end

local function failed(what, status, body)
   bad = bad + 1
   if bad <= 3 then
      io.stderr:write("oidc.lua: " .. what .. ": " .. status .. " " ..
         (body or ""):sub(1, 200) .. "\n")
   end
   step = 0
end

local function login_done()
   logins = logins + 1
   nlat = nlat + 1
   lat[nlat] = string.format("%.0f", now_us() - t0)
   if nlat >= 100 then flush() end
   step = 0
end

function response(status, headers, body)
   if exhausted == 1 then return end
   if flow == "floor" then
      if status ~= 200 then return failed("healthz", status, body) end
      if step == 2 then return login_done() end
      step = step + 1
      return
   end
   if flow == "v1" then
      if step == 0 then
         if status ~= 200 or not body:find('"challenge"', 1, true) then
            return failed("challenge", status, body)
         end
         step = 1
      elseif status ~= 200 or not body:find('"access_token"', 1, true) then
         return failed("login", status, body)
      else
         login_done()
      end
      return
   end
   if step == 0 then
      local where
      if flow == "sso" then
         where = status == 302 and (headers["Location"] or
            headers["location"])
      else
         where = status == 200 and body
      end
      code = where and where:match("[?&]code=([%w%-_]+)")
      if not code then
         return failed("first step", status, (where or "") .. " " ..
            (body or ""))
      end
      step = 1
   elseif step == 1 then
      token = status == 200 and body:match('"access_token":"([^"]+)"')
      if not token then return failed("token", status, body) end
      step = 2
   else
      if status ~= 200 or not body:find('"sub"', 1, true) then
         return failed("userinfo", status, body)
      end
      login_done()
   end
end

function done(summary, latency, requests)
   local l, b, e = 0, 0, 0
   for _, t in ipairs(threads) do
      l = l + t:get("logins")
      b = b + t:get("bad")
      e = math.max(e, t:get("exhausted"))
   end
   io.write(string.format("OIDC_RESULT logins=%d bad=%d exhausted=%d " ..
      "requests=%d seconds=%.6f\n", l, b, e, summary.requests,
      summary.duration / 1e6))
end
