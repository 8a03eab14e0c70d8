-- lib.lua: shared helpers for the miltertest (protocol-level) cases.
-- The runner (tests/e2e/test_miltertest.py) defines SOCK (the filter's
-- socket, already listening) and loads this file first.
-- Each check prints "ok NAME" or "FAIL NAME: why"; done() prints the total.

local passed, failed = 0, 0

function check(cond, name, why)
	if cond then
		passed = passed + 1
		mt.echo("ok   " .. name)
	else
		failed = failed + 1
		mt.echo("FAIL " .. name .. ": " .. (why or "assertion failed"))
	end
end

-- A check the runner makes afterwards in the filter's log: the line of
-- queue id qid must contain text (the reply code itself is not visible to
-- miltertest at end of message, only that a reply code was set).
function expect_log(qid, text, name)
	mt.echo("EXPECTLOG\t" .. qid .. "\t" .. text .. "\t" .. name)
end

function done()
	mt.echo(passed .. " passed, " .. failed .. " failed")
end

-- A connection, negotiated with the library defaults (all stages offered).
function connect()
	local conn = mt.connect(SOCK, 40, 0.25)
	assert(conn, "cannot connect to " .. SOCK)
	local err = mt.negotiate(conn, nil, nil, nil)
	assert(err == nil, "negotiate: " .. tostring(err))
	return conn
end

-- Send one message: headers is a list of {name, value}; rcpts a list.
-- Returns the reply to end of message (an SMFIR_* value).
function message(conn, qid, from, rcpts, headers, body)
	assert(mt.macro(conn, SMFIC_MAIL, "i", qid) == nil)
	assert(mt.mailfrom(conn, "<" .. from .. ">") == nil)
	for _, r in ipairs(rcpts) do
		assert(mt.rcptto(conn, "<" .. r .. ">") == nil)
	end
	for _, h in ipairs(headers) do
		assert(mt.header(conn, h[1], h[2]) == nil)
	end
	assert(mt.eoh(conn) == nil)
	if body and #body > 0 then
		assert(mt.bodystring(conn, body) == nil)
	end
	assert(mt.eom(conn) == nil)
	return mt.getreply(conn)
end

function addresses(n, fmt)
	local t = {}
	for i = 1, n do t[i] = string.format(fmt, i) end
	return t
end
