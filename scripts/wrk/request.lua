-- One request shape per run, from the environment: METHOD, BODY, TOKEN; DELAY_MS paces
-- each connection (connections x 1000 / DELAY_MS is the offered rate).
wrk.method = os.getenv("METHOD") or "GET"
local body = os.getenv("BODY")
if body and body ~= "" then wrk.body = body end
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
local pause = tonumber(os.getenv("DELAY_MS") or "0")
function delay() return pause end
