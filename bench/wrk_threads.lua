-- wrk_threads.lua: what the bench/*.lua scripts of wrk share, loaded with
-- dofile from their first lines. wrk calls setup() once a thread in its
-- main Lua state: each thread gets its number as the global "tid", and
-- "threads" keeps them for done() to read their results from.

threads = {}
local nsetup = 0

function setup(thread)
   thread:set("tid", nsetup)
   nsetup = nsetup + 1
   threads[#threads + 1] = thread
end

-- The lines of the file at path that are this thread's (line i, counted
-- from 0, when i % nthreads == tid), in order; exits on a file it cannot
-- open, naming the script.
function thread_lines(script, path, nthreads)
   local f = io.open(path, "r")
   if f == nil then
      io.stderr:write(script .. ": cannot open " .. path .. "\n")
      os.exit(2)
   end
   local lines, i = {}, 0
   for line in f:lines() do
      if i % nthreads == tid then lines[#lines + 1] = line end
      i = i + 1
   end
   f:close()
   return lines
end
